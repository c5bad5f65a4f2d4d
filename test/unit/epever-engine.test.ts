import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { clockInZone, decodeClock, encodeClock, wallClockIn } from '../../nodes/epever-tracer/clock';
import { parseEpeverConfig } from '../../nodes/epever-tracer/node-config';
import { parseCommand, EpeverCommandError } from '../../nodes/epever-tracer/commands';
import { toPayload } from '../../nodes/epever-tracer/reading';
import { decodeRegister, encodeRegister } from '../../nodes/common/modbus/register-codec';
import { rawRange } from '../../nodes/common/modbus/register';
import { REALTIME, STATISTICS } from '../../nodes/epever-tracer/register-map';
import { decodeStatus, encodeChargingStatus, STATUS_FIELDS } from '../../nodes/epever-tracer/status-bits';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const def = (name: string) => [...REALTIME, ...STATISTICS].find((d) => d.name === name)!;

describe('Epever register codec', () => {
  it('scales 16-bit values by 100', () => {
    assert.equal(decodeRegister(def('pvVoltage'), [1834], 0x3100), 18.34);
  });

  it('reads 32-bit values low word first', () => {
    // 0x0001_86A0 = 100000 -> 1000.00 W
    assert.equal(decodeRegister(def('pvPower'), [0, 0, 0x86a0, 0x0001], 0x3100), 1000);
  });

  it('reads signed temperatures and signed 32-bit net current', () => {
    assert.equal(decodeRegister(def('batteryTemperature'), [0xfe0c], 0x3110), -5);
    assert.deepEqual(encodeRegister(def('netBatteryCurrent'), -12.5), [0xfb1e, 0xffff]);
    assert.equal(decodeRegister(def('netBatteryCurrent'), [0xfb1e, 0xffff], 0x331b), -12.5);
  });

  it('round-trips any in-range value of any register', () => {
    const defs = [...REALTIME, ...STATISTICS];
    fc.assert(
      fc.property(fc.constantFrom(...defs), fc.integer({ min: -30000, max: 60000 }), (d, raw) => {
        const [lo, hi] = rawRange(d);
        const value = Math.min(hi, Math.max(lo, raw)) / d.scale;
        assert.equal(decodeRegister(d, encodeRegister(d, value), d.address), value);
      }),
    );
  });

  it('refuses to decode a register outside the block read', () => {
    assert.throws(() => decodeRegister(def('loadPower'), [1, 2, 3], 0x3100), RangeError);
  });
});

describe('Epever status words', () => {
  it('decodes the charging mode from bits D3-D2', () => {
    for (const mode of ['none', 'float', 'boost', 'equalize'] as const) {
      assert.equal(decodeStatus({ batteryStatus: 0, chargingStatus: encodeChargingStatus(mode, true), dischargingStatus: 0 }).charging_mode, mode);
    }
  });

  it('decodes battery, PV input and load fault bits', () => {
    const s = decodeStatus({ batteryStatus: 0x0012, chargingStatus: 0x4000 | 0x0010 | 0x0002, dischargingStatus: 0x3800 | 0x0002 });
    assert.equal(s.battery_state, 'under_voltage');
    assert.equal(s.battery_temperature_state, 'over_temperature');
    assert.equal(s.pv_input_state, 'no_power');
    assert.equal(s.pv_input_short, true);
    assert.equal(s.charging_fault, true);
    assert.equal(s.load_level, 'overload');
    assert.equal(s.output_short, true);
    assert.equal(s.discharging_fault, true);
  });

  it('reads 0x3201 D12 as an open charging or anti-reverse MOSFET, not a short (V2.5)', () => {
    const s = decodeStatus({ batteryStatus: 0, chargingStatus: 1 << 12, dischargingStatus: 0 });
    assert.equal(s.charging_or_anti_reverse_mosfet_open, true);
    assert.equal(s.charging_mosfet_short, false);
    assert.equal(s.anti_reverse_mosfet_short, false);
    const short = decodeStatus({ batteryStatus: 0, chargingStatus: 1 << 13, dischargingStatus: 0 });
    assert.equal(short.charging_mosfet_short, true);
    assert.equal(short.charging_or_anti_reverse_mosfet_open, false);
  });

  // Bits V2.5 defines, per word (rows A15-A17): battery D0-D8 and D15; charging all but D5;
  // discharging all but D2-D3.
  const DEFINED: Record<'batteryStatus' | 'chargingStatus' | 'dischargingStatus', number> = {
    batteryStatus: 0x81ff,
    chargingStatus: 0xffdf,
    dischargingStatus: 0xfff3,
  };
  const ZERO = { batteryStatus: 0, chargingStatus: 0, dischargingStatus: 0 };

  it('decodes every bit V2.5 defines, each into a field of its own', () => {
    const quiet = decodeStatus(ZERO);
    for (const word of Object.keys(DEFINED) as (keyof typeof DEFINED)[]) {
      for (let bit = 0; bit < 16; bit++) {
        const changed = Object.entries(decodeStatus({ ...ZERO, [word]: 1 << bit })).filter(
          ([name, value]) => value !== quiet[name as keyof typeof quiet],
        );
        const defined = ((DEFINED[word] >> bit) & 1) === 1;
        assert.equal(changed.length, defined ? 1 : 0, `${word} D${bit} changes ${changed.map(([n]) => n).join(', ') || 'nothing'}`);
      }
    }
  });

  it('decodes the discharging equipment word (0x3202) as V2.5 names it', () => {
    const s = decodeStatus({ ...ZERO, dischargingStatus: 0x8000 | 0x07f0 | 0x0001 });
    assert.equal(s.discharging_input_voltage_state, 'high');
    assert.equal(s.output_over_voltage, true);
    assert.equal(s.boost_over_voltage, true);
    assert.equal(s.high_voltage_side_short, true);
    assert.equal(s.input_over_voltage, true);
    assert.equal(s.output_voltage_abnormal, true);
    assert.equal(s.unable_to_stop_discharging, true);
    assert.equal(s.unable_to_discharge, true);
    assert.equal(s.output_short, false);
    assert.equal(s.discharging_running, true);
    assert.equal(decodeStatus({ ...ZERO, dischargingStatus: 0xc000 }).discharging_input_voltage_state, 'no_access');
    assert.equal(decodeStatus({ ...ZERO, dischargingStatus: 0x4000 }).discharging_input_voltage_state, 'low');
    assert.equal(decodeStatus({ ...ZERO, chargingStatus: 0x0040 }).disequilibrium_in_three_circuits, true);
    assert.equal(decodeStatus({ ...ZERO, chargingStatus: 0x8000 }).pv_input_state, 'high_voltage');
  });

  it('documents every status field in the README', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const tableRows = readme.split('\n').filter((line) => line.startsWith('| '));
    for (const field of STATUS_FIELDS) assert.ok(tableRows.some((row) => row.includes(`\`${field.name}\``)), field.name);
  });
});

describe('Epever payload', () => {
  const values = {
    pvVoltage: 18.5, pvCurrent: 2, pvPower: 37, batteryVoltage: 13.2, batteryChargingCurrent: 2.7, batteryChargingPower: 35.6,
    loadVoltage: 13.2, loadCurrent: 0.5, loadPower: 6.6, batteryTemperature: 21.5, controllerTemperature: 30, heatsinkTemperature: 31,
    batterySoc: 77, batteryStatus: 0, chargingStatus: encodeChargingStatus('boost', true), dischargingStatus: 1,
  };

  it('is exactly the Wyandata shape, with an ISO-8601 UTC timestamp', () => {
    const p = toPayload(values, new Date(Date.UTC(2026, 5, 21, 12, 0, 0)), { status: false, statistics: false });
    assert.deepEqual(p, {
      timestamp: '2026-06-21T12:00:00.000Z',
      pv_array: { voltage: 18.5, current: 2, power: 37 },
      battery: { voltage: 13.2, charging_current: 2.7, charging_power: 35.6, temperature: 21.5, soc: 77 },
      load: { voltage: 13.2, current: 0.5, power: 6.6 },
      controller: { temperature: 30, charging_mode: 'boost', heatsink_temperature: 31 },
    });
  });

  it('adds status and energy groups only when asked', () => {
    const statistics = Object.fromEntries(STATISTICS.map((d) => [d.name, 0]));
    const p = toPayload({ ...values, ...statistics, generatedEnergyToday: 1.234, netBatteryCurrent: -1.5 }, new Date(0), { status: true, statistics: true });
    assert.equal(p.status?.charging_mode, 'boost');
    assert.equal(p.energy?.today_kwh, 1.23);
    assert.equal(p.battery.net_current, -1.5);
  });
});

describe('Epever clock', () => {
  it('takes the wall time of an instant in the clock zone', () => {
    const at = new Date('2026-03-29T01:30:00Z'); // Berlin has just jumped from 02:00 to 03:00
    assert.deepEqual(wallClockIn(at, 'Europe/Berlin'), { year: 2026, month: 3, day: 29, hour: 3, minute: 30, second: 0 });
    assert.deepEqual(wallClockIn(at, 'America/Santiago'), { year: 2026, month: 3, day: 28, hour: 22, minute: 30, second: 0 });
    assert.deepEqual(wallClockIn(at, 'UTC'), { year: 2026, month: 3, day: 29, hour: 1, minute: 30, second: 0 });
  });

  it('gives the controller wall time with the zone offset, and none for a skipped hour', () => {
    const wall = { year: 2026, month: 11, day: 24, hour: 7, minute: 30, second: 15 };
    assert.equal(clockInZone(wall, 'Europe/Berlin'), '2026-11-24T07:30:15+01:00');
    assert.equal(clockInZone(wall, 'Asia/Kathmandu'), '2026-11-24T07:30:15+05:45');
    assert.equal(clockInZone({ ...wall, month: 3, day: 29, hour: 2 }, 'Europe/Berlin'), '2026-03-29T02:30:15');
    assert.equal(clockInZone({ ...wall, month: 13 }, 'UTC'), '2026-13-24T07:30:15');
  });

  it('reads the clock zone setting: the host zone when empty, an IANA zone, or a clear refusal', () => {
    const base = { unitId: 1, interval: 60 };
    assert.equal(parseEpeverConfig(base).timeZone, DateTime.local().zoneName);
    assert.equal(parseEpeverConfig({ ...base, timeZone: ' ' }).timeZone, DateTime.local().zoneName);
    assert.equal(parseEpeverConfig({ ...base, timeZone: 'Pacific/Kiritimati' }).timeZone, 'Pacific/Kiritimati');
    assert.throws(() => parseEpeverConfig({ ...base, timeZone: 'Mars/Olympus_Mons' }), /"Mars\/Olympus_Mons" is not an IANA zone/);
  });

  it('packs two fields a word, low byte first, year since 2000', () => {
    const t = { year: 2026, month: 11, day: 24, hour: 7, minute: 30, second: 15 };
    const words = encodeClock(t);
    assert.deepEqual(words, [(30 << 8) | 15, (24 << 8) | 7, (26 << 8) | 11]);
    assert.deepEqual(decodeClock(words), t);
  });
});

describe('Epever commands', () => {
  it('treats a message without command as a poll', () => {
    assert.deepEqual(parseCommand({ payload: 'anything' }), { kind: 'poll' });
  });

  it('parses the load switch from booleans and words', () => {
    assert.deepEqual(parseCommand({ command: 'load', payload: 'off' }), { kind: 'load', on: false });
    assert.deepEqual(parseCommand({ command: 'load', payload: true }), { kind: 'load', on: true });
    assert.throws(() => parseCommand({ command: 'load', payload: 'maybe' }), EpeverCommandError);
  });

  it('names the known commands when it meets an unknown one', () => {
    assert.throws(() => parseCommand({ command: 'explode' }), /unknown command "explode"; known: poll, read-rated/);
  });
});
