import assert from 'node:assert/strict';
import { calibrationFor, conversionFor, conversionPeriodMs, ina219Gain, shuntRangeProblem } from '../../nodes/ps100-sampler/calibration';
import { detectChip, InaChip, NotAnInaError, STUCK_AFTER_READS } from '../../nodes/ps100-sampler/ina-chip';
import { failureKind, openError } from '../../nodes/ps100-sampler/i2c';
import { busVolts, ina219Flags, ina226Flags, REG, shuntVolts, swapBytes } from '../../nodes/ps100-sampler/registers';
import { nackError, SimI2cBus } from '../../nodes/ps100-sampler/sim-bus';
import { SimChip, type ElectricalState } from '../../nodes/ps100-sampler/sim-chip';

const panel = { shuntOhms: 0.01, maxCurrentA: 8 };

describe('ps100 calibration', () => {
  it('INA226, 10 mΩ, 8 A: LSB 8/32768, CAL trunc(0.00512 / (LSB × R)) = 2097, power LSB 25 × LSB', () => {
    const cal = calibrationFor('INA226', panel);
    // 0.00512 / (0.000244140625 × 0.01) = 2097.152
    assert.equal(cal.register, 2097);
    assert.ok(Math.abs(cal.currentLsbA - 0.00512 / (2097 * 0.01)) < 1e-15);
    assert.ok(Math.abs(cal.powerLsbW - 25 * cal.currentLsbA) < 1e-15);
  });

  it('INA219, 0.1 Ω, 3.2 A: CAL 4194 (0.04096 / (3.2/32768 × 0.1) = 4194.304), power LSB 20 × LSB', () => {
    const cal = calibrationFor('INA219', { shuntOhms: 0.1, maxCurrentA: 3.2 });
    assert.equal(cal.register, 4194);
    assert.ok(Math.abs(cal.powerLsbW - 20 * cal.currentLsbA) < 1e-15);
  });

  it('INA219, 10 mΩ, 8 A: CAL 16776 (16777.216 with bit 0, which the INA219 ignores, cleared) and the ±80 mV range', () => {
    assert.equal(calibrationFor('INA219', panel).register, 16776);
    assert.deepEqual(ina219Gain(panel), { code: 1, rangeV: 0.08 });
  });

  it('a shunt too small for the register: the LSB grows until CAL fits (INA226 at most 0x7FFF)', () => {
    const cal = calibrationFor('INA226', { shuntOhms: 0.0005, maxCurrentA: 10 });
    assert.equal(cal.register, 0x7fff);
    assert.ok(cal.currentLsbA > 10 / 32768);
  });

  it('refuses a shunt range that cannot reach the maximum current, naming what it reaches', () => {
    assert.match(shuntRangeProblem('INA219', { shuntOhms: 0.1, maxCurrentA: 5 }) ?? '', /±320 mV.*reaches only 3\.2 A/);
    assert.match(shuntRangeProblem('INA226', { shuntOhms: 0.1, maxCurrentA: 3.2 }) ?? '', /±81\.92 mV.*reaches only 0\.82 A/);
    assert.equal(shuntRangeProblem('INA226', panel), undefined);
    assert.throws(() => calibrationFor('INA219', { shuntOhms: 0.1, maxCurrentA: 5 }), /reaches only/);
  });
});

describe('ps100 conversion timing', () => {
  it('at 10 Hz the INA226 converts 0.332 ms × 64 on both inputs (42.5 ms, the most within half the period)', () => {
    const c = conversionFor('INA226', panel, 100);
    assert.equal(c.config, 0x4697);
    assert.ok(Math.abs(c.periodMs - 42.496) < 1e-9);
    assert.ok(Math.abs(conversionPeriodMs('INA226', c.config) - c.periodMs) < 1e-9);
  });

  it('at 10 Hz the INA219 averages 32 samples per input (2 × 17.02 ms), 32 V bus, ±80 mV', () => {
    const c = conversionFor('INA219', panel, 100);
    assert.equal(c.config, 0x2eef);
    assert.ok(Math.abs(c.periodMs - 34.04) < 1e-9);
  });

  it('faster sampling averages less, and the conversion always fits half the period', () => {
    for (const hz of [1, 5, 10, 20, 50]) {
      for (const model of ['INA219', 'INA226'] as const) {
        const c = conversionFor(model, panel, 1000 / hz);
        assert.ok(c.periodMs <= 500 / hz, `${model} at ${hz} Hz converts in ${c.periodMs} ms`);
      }
    }
    assert.ok(conversionFor('INA226', panel, 20).periodMs < conversionFor('INA226', panel, 100).periodMs);
  });
});

describe('ps100 register decoding', () => {
  it('INA219 bus voltage sits in bits 15-3 (4 mV), with CNVR in bit 1 and OVF in bit 0', () => {
    const raw = (3000 << 3) | 0b10;
    assert.equal(busVolts('INA219', raw), 12);
    assert.deepEqual(ina219Flags(raw), { ready: true, overflow: false });
    assert.deepEqual(ina219Flags((3000 << 3) | 1), { ready: false, overflow: true });
  });

  it('INA226 bus voltage is the whole register (1.25 mV); flags come from mask/enable bits 3 and 2', () => {
    assert.equal(busVolts('INA226', 9600), 12);
    assert.deepEqual(ina226Flags(0x0008), { ready: true, overflow: false });
    assert.deepEqual(ina226Flags(0x0004), { ready: false, overflow: true });
  });

  it('shunt voltage is signed: 10 µV (INA219) and 2.5 µV (INA226) per count', () => {
    assert.ok(Math.abs(shuntVolts('INA219', 0xffff) + 10e-6) < 1e-15);
    assert.ok(Math.abs(shuntVolts('INA226', 0x8000) + 32768 * 2.5e-6) < 1e-12);
    assert.ok(Math.abs(shuntVolts('INA226', 4000) - 0.01) < 1e-12);
  });

  it("an SMBus word read returns the chip's MSB-first register swapped, and the driver swaps it back", async () => {
    const bus = new SimI2cBus().attach(
      0x40,
      new SimChip({ model: 'INA226', shuntOhms: 0.01, source: () => ({ volts: 0, amps: 0 }), clock: () => 0 }),
    );
    const smbusWord = await bus.readWord(0x40, REG.manufacturerId);
    assert.equal(smbusWord, 0x4954);
    assert.equal(swapBytes(smbusWord), 0x5449);
    // A write goes the same way: 0x0123 arrives as calibration 0x0123.
    await bus.writeWord(0x40, REG.calibration, swapBytes(0x0123));
    assert.equal(swapBytes(await bus.readWord(0x40, REG.calibration)), 0x0123);
  });
});

function rig(model: 'INA219' | 'INA226', source: (t: number) => ElectricalState = () => ({ volts: 20, amps: 5 })) {
  let now = 0;
  const clock = () => now;
  const sim = new SimChip({ model, shuntOhms: panel.shuntOhms, source, clock });
  const bus = new SimI2cBus().attach(0x40, sim);
  return { sim, bus, advance: (ms: number) => (now += ms) };
}

describe('ps100 chip detection and set-up', () => {
  it('tells INA226 by manufacturer 0x5449 and die 0x226x, INA219 by its reset configuration 0x399F', async () => {
    const a = rig('INA226');
    assert.equal(await detectChip(a.bus, 0x40), 'INA226');
    const b = rig('INA219');
    // Set up differently before: detection resets it and reads 0x399F back.
    b.sim.writeRegister(REG.config, 0x2eef);
    assert.equal(await detectChip(b.bus, 0x40), 'INA219');
  });

  it('refuses a device that is neither', async () => {
    const bus = new SimI2cBus();
    bus.attach(0x40, { readRegister: () => 0, writeRegister: () => undefined } as unknown as SimChip);
    await assert.rejects(detectChip(bus, 0x40), NotAnInaError);
  });

  it('reads 5 A and 100 W at 20 V through the chip arithmetic, within the LSB', async () => {
    for (const model of ['INA219', 'INA226'] as const) {
      const { bus, advance } = rig(model);
      const chip = new InaChip(bus, model, { ...panel, address: 0x40, chip: model }, 100);
      await chip.setUp();
      advance(100);
      const read = await chip.sample();
      assert.equal(read.kind, 'sample', model);
      if (read.kind !== 'sample') return;
      assert.ok(Math.abs(read.sample.voltage - 20) < 0.005, `${model} ${read.sample.voltage} V`);
      assert.ok(Math.abs(read.sample.current - 5) < 0.002, `${model} ${read.sample.current} A`);
      assert.ok(Math.abs(read.sample.power - 100) < 0.2, `${model} ${read.sample.power} W`);
      assert.equal(read.sample.overflow, false);
    }
  });

  it('a brown-out (calibration back at 0) is set up again, as Linux ina2xx_read_reg does, and samples resume', async () => {
    const { sim, bus, advance } = rig('INA226');
    const chip = new InaChip(bus, 'INA226', { ...panel, address: 0x40, chip: 'INA226' }, 100);
    await chip.setUp();
    advance(100);
    assert.equal((await chip.sample()).kind, 'sample');
    sim.brownOut();
    assert.equal(sim.calibration, 0);
    advance(100);
    assert.equal((await chip.sample()).kind, 'recalibrated');
    assert.equal(sim.calibration, 2097);
    assert.equal(sim.config, chip.conversion.config);
    assert.equal(chip.recalibrations, 1);
    advance(100);
    assert.equal((await chip.sample()).kind, 'sample');
  });

  it('a read before a new conversion finished is stale, not a sample; a stuck conversion is restarted', async () => {
    const { sim, bus, advance } = rig('INA219');
    const chip = new InaChip(bus, 'INA219', { ...panel, address: 0x40, chip: 'INA219' }, 100);
    await chip.setUp();
    advance(100);
    assert.equal((await chip.sample()).kind, 'sample');
    // Reading power cleared CNVR: no new conversion yet.
    assert.equal((await chip.sample()).kind, 'stale');
    sim.stuck = true;
    const kinds: string[] = [];
    for (let i = 0; i < STUCK_AFTER_READS; i++) {
      advance(100);
      kinds.push((await chip.sample()).kind);
    }
    // One stale read came before the fault: STUCK_AFTER_READS in a row restart the conversion, which then runs.
    assert.deepEqual(kinds, [...Array<string>(STUCK_AFTER_READS - 2).fill('stale'), 'restarted', 'sample']);
    assert.equal(chip.restarts, 1);
    assert.equal(sim.stuck, false);
    advance(100);
    assert.equal((await chip.sample()).kind, 'sample');
  });

  it('the overflow flag reaches the sample when current exceeds what the calibration can show', async () => {
    const { bus, advance } = rig('INA226', () => ({ volts: 20, amps: 8.1 }));
    const chip = new InaChip(bus, 'INA226', { ...panel, address: 0x40, chip: 'INA226' }, 100);
    await chip.setUp();
    advance(100);
    const read = await chip.sample();
    assert.ok(read.kind === 'sample' && read.sample.overflow);
  });
});

describe('ps100 bus errors', () => {
  it('a NACK is no answer; a missing /dev/i2c-N and a permission error say what to do', () => {
    assert.equal(failureKind(nackError(0x41)), 'no-answer');
    const missing = openError(1, Object.assign(new Error('ENOENT'), { code: 'ENOENT' }));
    assert.equal(missing.reason, 'no-device');
    assert.match(missing.message, /\/dev\/i2c-1 does not exist/);
    const denied = openError(1, Object.assign(new Error('EACCES'), { code: 'EACCES' }));
    assert.equal(denied.reason, 'no-permission');
    assert.match(denied.message, /i2c group/);
    assert.equal(failureKind(denied), 'link-down');
  });
});
