import assert from 'node:assert/strict';
import { ModbusException } from '../../nodes/common/simulator/modbus-slave/device';
import { encodeClock } from '../../nodes/epever-tracer/clock';
import { decodeGroup } from '../../nodes/common/modbus/register-codec';
import {
  ANSWERED_RANGES,
  BATTERY_BLOCK,
  BATTERY_SETTINGS,
  CLOCK_ADDRESS,
  CLOCK_WORDS,
  COIL_FORCE_LOAD,
  COIL_LOAD_TEST_MODE,
  COIL_MANUAL_LOAD,
  RATED,
  REALTIME,
  STATISTICS,
  STATUS,
} from '../../nodes/epever-tracer/register-map';
import type { RegisterDef } from '../../nodes/common/modbus/register';
import { ambientTemperature } from '../../nodes/common/simulator/day';
import { DEFAULT_SETTINGS, settingsProblem } from '../../nodes/epever-tracer/sim-settings';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { decodeStatus } from '../../nodes/epever-tracer/status-bits';

const HOUR = 3_600_000;

/** A simulator on a clock the test moves by hand. */
function simAt(iso: string, options: ConstructorParameters<typeof EpeverSimulator>[0] = {}) {
  let now = new Date(iso).getTime();
  const sim = new EpeverSimulator({ ...options, now: () => new Date(now) });
  return {
    sim,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Words of a span of input registers, read range by range as a client must, zeros between the ranges. */
function inputSpan(sim: EpeverSimulator, first: number, count: number): number[] {
  const words = new Array<number>(count).fill(0);
  for (const [lo, hi] of ANSWERED_RANGES.input ?? []) {
    const from = Math.max(lo, first);
    const to = Math.min(hi, first + count - 1);
    if (from <= to) sim.readRegisters('input', from, to - from + 1).forEach((w, i) => (words[from - first + i] = w));
  }
  return words;
}

const realtime = (sim: EpeverSimulator) => decodeGroup(REALTIME, inputSpan(sim, 0x3100, 0x1e), 0x3100);
const statistics = (sim: EpeverSimulator) => decodeGroup(STATISTICS, inputSpan(sim, 0x3300, 0x1d), 0x3300);
const status = (sim: EpeverSimulator) => decodeStatus(decodeGroup(STATUS, sim.readRegisters('input', 0x3200, 3), 0x3200));

function modbusCode(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModbusException) return err.code;
    throw err;
  }
  return undefined;
}

describe('Epever simulator (engine)', () => {
  it('is deterministic for a given clock', () => {
    const a = simAt('2024-03-20T10:17:00Z').sim;
    const b = simAt('2024-03-20T10:17:00Z').sim;
    assert.deepEqual(inputSpan(a, 0x3100, 0x1e), inputSpan(b, 0x3100, 0x1e));
    assert.deepEqual(inputSpan(a, 0x3300, 0x1d), inputSpan(b, 0x3300, 0x1d));
  });

  it('reports its rating as a 20 A MPPT controller on a 12 V battery', () => {
    const rated = decodeGroup(RATED, simAt('2024-03-20T10:00:00Z').sim.readRegisters('input', 0x3000, 0x0f), 0x3000);
    assert.equal(rated.batteryRatedVoltage, 12);
    assert.equal(rated.ratedChargingCurrent, 20);
  });

  it('reads undefined addresses inside a documented block as 0 and refuses those outside', () => {
    const { sim } = simAt('2024-03-20T12:00:00Z');
    assert.deepEqual(sim.readRegisters('input', 0x3108, 4), [0, 0, 0, 0]);
    assert.deepEqual(sim.readRegisters('input', 0x3300, 0x16).length, 0x16);
    assert.equal(modbusCode(() => sim.readRegisters('input', 0x3316, 4)), 2, 'a gap between answered ranges');
    assert.equal(modbusCode(() => sim.readRegisters('input', 0x3100, 0x1e)), 2, 'a read across a range edge');
    assert.equal(modbusCode(() => sim.readRegisters('input', 0x311e, 1)), 2);
    assert.equal(modbusCode(() => sim.readRegisters('input', 0x3100, 0x80)), 2);
    assert.equal(modbusCode(() => sim.readRegisters('holding', 0x900f, 1)), 2);
    assert.equal(modbusCode(() => sim.readRegisters('holding', 0x3100, 1)), 2);
    assert.equal(modbusCode(() => sim.readBits('coil', 0x0007, 1)), 2);
    assert.equal(modbusCode(() => sim.readBits('discrete', 0x200d, 1)), 2);
  });

  it('charges through a sunny day, rising in state of charge, and discharges through the night', () => {
    const { sim, advance } = simAt('2024-03-20T07:00:00Z', { initialSoc: 50 });
    const morning = sim.plant().soc;
    advance(8 * HOUR);
    const afternoon = sim.plant().soc;
    assert.ok(afternoon > morning + 10, `SOC ${morning} -> ${afternoon}`);
    advance(10 * HOUR); // 01:00 next day
    const night = realtime(sim);
    assert.ok(sim.plant().soc < afternoon);
    assert.equal(night.pvPower, 0);
    assert.equal(status(sim).charging_mode, 'none');
    assert.ok(statistics(sim).netBatteryCurrent < 0, 'the battery feeds the load');
  });

  it('goes from boost to float when the battery is nearly full', () => {
    const { sim, advance } = simAt('2024-03-20T08:00:00Z', { initialSoc: 90 });
    assert.equal(status(sim).charging_mode, 'boost');
    assert.ok(realtime(sim).batteryVoltage < DEFAULT_SETTINGS.boostVoltage + 0.5);
    advance(6 * HOUR);
    assert.equal(status(sim).charging_mode, 'float');
    assert.ok(realtime(sim).batterySoc >= 98);
  });

  it('equalizes on the 28th of the month', () => {
    const { sim } = simAt('2024-03-28T09:00:00Z');
    assert.equal(status(sim).charging_mode, 'equalize');
    assert.equal(status(simAt('2024-03-27T09:00:00Z').sim).charging_mode, 'boost');
  });

  it('accumulates energy and restarts the day counters and extremes at midnight', () => {
    const { sim, advance } = simAt('2024-03-20T23:00:00Z');
    const evening = statistics(sim);
    assert.ok(evening.generatedEnergyToday > 0.3, `generated ${evening.generatedEnergyToday} kWh`);
    assert.ok(evening.consumedEnergyToday > 0.2);
    assert.ok(evening.batteryMaxVoltageToday > 13);
    assert.ok(evening.pvMaxVoltageToday > 15);
    advance(2 * HOUR);
    const after = statistics(sim);
    assert.equal(after.generatedEnergyToday, 0);
    assert.ok(after.consumedEnergyToday > 0 && after.consumedEnergyToday < 0.1);
    assert.equal(after.pvMaxVoltageToday, 0);
    assert.ok(after.batteryMaxVoltageToday < 13);
    assert.ok(after.generatedEnergyMonth >= evening.generatedEnergyMonth, 'the month goes on');
    assert.ok(after.consumedEnergyTotal > evening.consumedEnergyTotal);
  });

  it('restarts the month counters when a new month begins', () => {
    const { sim, advance } = simAt('2024-03-31T20:00:00Z');
    assert.ok(statistics(sim).generatedEnergyMonth > 10);
    advance(6 * HOUR);
    const april = statistics(sim);
    assert.equal(april.generatedEnergyMonth, 0);
    assert.ok(april.consumedEnergyMonth > 0 && april.consumedEnergyMonth === april.consumedEnergyToday);
  });

  it('runs faster with speed: one real minute at speed 60 is a simulated hour', () => {
    const { sim, advance } = simAt('2024-03-20T12:00:00Z', { speed: 60 });
    const before = statistics(sim).generatedEnergyToday;
    advance(60_000);
    assert.equal(sim.simulatedTime().toISOString(), '2024-03-20T13:00:00.000Z');
    assert.ok(statistics(sim).generatedEnergyToday > before + 0.05);
  });

  it('follows the clock it is set to, restarting "today" when the date moves', () => {
    const { sim } = simAt('2024-03-20T15:00:00Z');
    assert.ok(statistics(sim).generatedEnergyToday > 0);
    sim.writeRegisters(0x9013, encodeClock({ year: 2024, month: 3, day: 21, hour: 1, minute: 0, second: 0 }));
    assert.deepEqual(sim.deviceClock(), { year: 2024, month: 3, day: 21, hour: 1, minute: 0, second: 0 });
    assert.equal(statistics(sim).generatedEnergyToday, 0);
    assert.equal(modbusCode(() => sim.writeRegisters(0x9013, encodeClock({ year: 2024, month: 2, day: 30, hour: 1, minute: 0, second: 0 }))), 3);
    assert.equal(modbusCode(() => sim.writeRegisters(0x9013, [0, 0])), 3);
  });

  it('accepts only whole, ordered battery-settings blocks', () => {
    const { sim } = simAt('2024-03-20T12:00:00Z');
    const words = sim.readRegisters('holding', 0x9000, 15);
    assert.deepEqual(decodeGroup(BATTERY_SETTINGS, words, 0x9000), DEFAULT_SETTINGS);
    assert.equal(modbusCode(() => sim.writeRegisters(0x9000, words.slice(0, 14))), 3);
    assert.equal(modbusCode(() => sim.writeRegisters(0x9003, [1600])), 3);
    const tooHighFloat = [...words];
    tooHighFloat[8] = 1450; // float above boost
    assert.equal(modbusCode(() => sim.writeRegisters(0x9000, tooHighFloat)), 3);
    const badType = [...words];
    badType[0] = 7;
    assert.equal(modbusCode(() => sim.writeRegisters(0x9000, badType)), 3);
    const smaller = [...words];
    smaller[1] = 100;
    sim.writeRegisters(0x9000, smaller);
    assert.equal(sim.settings().batteryCapacity, 100);
  });

  it('judges settings by Epever’s ordering rules', () => {
    assert.equal(settingsProblem(DEFAULT_SETTINGS), undefined);
    assert.match(settingsProblem({ ...DEFAULT_SETTINGS, lowVoltageDisconnect: 12.7 }) ?? '', /lowVoltageReconnect > lowVoltageDisconnect/);
    assert.match(settingsProblem({ ...DEFAULT_SETTINGS, boostVoltage: 18 }) ?? '', /boostVoltage/);
  });

  it('switches the load with coil 2, and with the force coil in test mode', () => {
    const { sim } = simAt('2024-03-20T20:00:00Z');
    assert.ok(realtime(sim).loadCurrent > 0);
    assert.equal(status(sim).discharging_running, true);
    sim.writeCoil(COIL_MANUAL_LOAD, false);
    assert.equal(realtime(sim).loadCurrent, 0);
    assert.equal(realtime(sim).loadVoltage, 0);
    assert.equal(status(sim).discharging_running, false);
    sim.writeCoil(COIL_LOAD_TEST_MODE, true);
    sim.writeCoil(COIL_FORCE_LOAD, true);
    assert.deepEqual(sim.readBits('coil', COIL_MANUAL_LOAD, 5), [false, false, false, true, true]);
    assert.ok(realtime(sim).loadCurrent > 0);
    assert.equal(modbusCode(() => sim.writeCoil(0x0003, true)), 2);
  });

  it('disconnects the load when the battery runs flat and reconnects it once charged', () => {
    const { sim, advance } = simAt('2024-03-20T00:00:00Z', { initialSoc: 4 });
    assert.ok(realtime(sim).loadCurrent > 0);
    advance(5 * HOUR); // 05:00, still dark
    assert.equal(realtime(sim).loadCurrent, 0);
    assert.equal(status(sim).battery_state, 'low_voltage_disconnect');
    advance(10 * HOUR); // 15:00, after a morning of sun
    assert.ok(realtime(sim).loadCurrent > 0);
    assert.equal(status(sim).battery_state, 'normal');
  });
});

describe('Epever simulator: every register the controller answers', () => {
  const INPUT_GROUPS = [RATED, REALTIME, STATUS, STATISTICS, BATTERY_BLOCK] as const;
  const inputDefs: RegisterDef[] = INPUT_GROUPS.flatMap((group) => [...group]);
  // Inside the answered ranges but in no Epever table (V2.5, V2.3, LS-B V1.1): the controller answers 0 there.
  const UNDEFINED = new Set([0x3009, 0x300a, 0x300b, 0x300c, 0x3108, 0x3109, 0x310a, 0x310b, 0x311c]);
  // Plant-backed registers that may stay 0 for a whole day: 0 is "normal" for the battery status word, and the
  // lowest PV voltage today is 0 once the night before sunrise has been seen.
  const MAY_STAY_ZERO = new Set(['batteryStatus', 'pvMinVoltageToday']);

  /** Every input register decoded, each read from its own answered range as a client must. */
  function readAll(sim: EpeverSimulator): Record<string, number> {
    const values: Record<string, number> = {};
    for (const [lo, hi] of ANSWERED_RANGES.input ?? []) {
      const words = sim.readRegisters('input', lo, hi - lo + 1);
      for (const d of inputDefs.filter((d) => d.address >= lo && d.address <= hi)) values[d.name] = decodeGroup([d], words, lo)[d.name];
    }
    return values;
  }

  it('defines a value for every address it answers, apart from the ones no Epever table defines', () => {
    const holdingDefs: { address: number; words: number }[] = [...BATTERY_SETTINGS, { address: CLOCK_ADDRESS, words: CLOCK_WORDS }];
    const covered = new Set([...inputDefs, ...holdingDefs].flatMap((d) => Array.from({ length: d.words }, (_, i) => d.address + i)));
    for (const [lo, hi] of [...(ANSWERED_RANGES.input ?? []), ...(ANSWERED_RANGES.holding ?? [])]) {
      for (let a = lo; a <= hi; a++) {
        if (!UNDEFINED.has(a)) assert.ok(covered.has(a), `0x${a.toString(16)} is answered but has no register in the map`);
      }
    }
  });

  it('gives no plant-backed register a constant 0 while the plant runs, and keeps their relations', () => {
    const { sim, advance } = simAt('2024-06-21T04:00:00Z');
    const seenNonZero = new Set<string>();
    for (let hour = 4; hour <= 22; hour += 2) {
      const v = readAll(sim);
      for (const [name, value] of Object.entries(v)) if (value !== 0) seenNonZero.add(name);
      const at = `${hour}:00`;
      const close = (actual: number, expected: number, tolerance: number, what: string) =>
        assert.ok(Math.abs(actual - expected) <= tolerance, `${what} at ${at}: ${actual} vs ${expected}`);
      // The battery block repeats the realtime battery values (V2.5 A36-A38, LS-B V1.1).
      assert.equal(v.batteryBlockVoltage, v.batteryVoltage, `0x331A battery voltage at ${at}`);
      close(v.netBatteryCurrent, v.batteryChargingCurrent - v.loadCurrent, 0.02, '0x331B net current = charging - load');
      assert.equal(v.batteryBlockTemperature, v.batteryTemperature, `0x331D battery temperature at ${at}`);
      assert.equal(v.remoteBatteryTemperature, v.batteryTemperature, `0x311B remote battery temperature at ${at}`);
      close(v.ambientTemperature, ambientTemperature(sim.simulatedTime(), { latitudeDeg: 45, longitudeDeg: 0 }), 0.01, '0x331E ambient');
      // Powers are voltage times current; the rating matches the system.
      close(v.pvPower, v.pvVoltage * v.pvCurrent, 0.01 * (v.pvVoltage + v.pvCurrent) + 0.01, 'PV power');
      close(v.batteryChargingPower, v.batteryVoltage * v.batteryChargingCurrent, 0.01 * (v.batteryVoltage + v.batteryChargingCurrent) + 0.01, 'charging power');
      close(v.loadPower, v.loadVoltage * v.loadCurrent, 0.01 * (v.loadVoltage + v.loadCurrent) + 0.01, 'load power');
      assert.equal(v.batteryRatedSystemVoltage, v.batteryRatedVoltage);
      assert.equal(v.loadRatedVoltage, v.batteryRatedVoltage);
      // Today's extremes bracket the present values; CO2 follows the total generated energy.
      assert.ok(v.pvMinVoltageToday <= v.pvVoltage && v.pvVoltage <= v.pvMaxVoltageToday, `PV extremes at ${at}`);
      assert.ok(v.batteryMinVoltageToday <= v.batteryVoltage && v.batteryVoltage <= v.batteryMaxVoltageToday, `battery extremes at ${at}`);
      close(v.co2ReductionTons, v.generatedEnergyTotal * 0.000997, 0.01, 'CO2 reduction');
      advance(2 * HOUR);
    }
    const alwaysZero = inputDefs.map((d) => d.name).filter((name) => !seenNonZero.has(name) && !MAY_STAY_ZERO.has(name));
    assert.deepEqual(alwaysZero, [], 'registers that read 0 all day');
  });
});
