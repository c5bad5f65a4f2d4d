import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandError, parseCommand } from '../../nodes/pzem017/commands';
import { PzemController } from '../../nodes/pzem017/controller';
import { framingMismatch, MODEL_INFO, MODELS } from '../../nodes/pzem017/models';
import { parsePzemConfig } from '../../nodes/pzem017/node-config';
import { pollPlan, toPayload } from '../../nodes/pzem017/reading';
import { decodeGroup } from '../../nodes/common/modbus/register-codec';
import { AC_MEASUREMENTS, DC_MEASUREMENTS } from '../../nodes/pzem017/register-map';
import { PzemSimulator } from '../../nodes/pzem017/simulator';
import { busOf, unitOnBus } from '../support/pzem-bus';

const AT = new Date('2026-06-21T12:00:00Z');

describe('PZEM register maps', () => {
  it('decodes a PZEM-017 answer: 0.01 V, 0.01 A, power and energy low word first, alarm words', () => {
    // Words of an FC4 answer for 8 registers from 0x0000 (pzem_modbus.hpp PZ003_RIR_*): 13.24 V, 7.56 A,
    // power 0x0001_0000 + 0x0123 tenths of W, energy 0x0002_0001 Wh, high alarm 0xFFFF, low alarm 0.
    const words = [1324, 756, 0x0123, 0x0001, 0x0001, 0x0002, 0xffff, 0x0000];
    const payload = toPayload('PZEM-017', decodeGroup(DC_MEASUREMENTS, words, 0), AT);
    assert.deepEqual(payload, {
      timestamp: AT.toISOString(),
      voltage: 13.24,
      current: 7.56,
      power: (0x10000 + 0x123) / 10,
      energy_wh: 0x20001,
      high_voltage_alarm: true,
      low_voltage_alarm: false,
    });
  });

  it('decodes a PZEM-004T answer: 0.1 V, 0.001 A in two words, 0.1 Hz, 0.01 power factor', () => {
    const words = [2301, 0x86a0, 0x0001, 4600, 0, 5000, 1, 499, 92, 0];
    assert.deepEqual(toPayload('PZEM-004T', decodeGroup(AC_MEASUREMENTS, words, 0), AT), {
      timestamp: AT.toISOString(),
      voltage: 230.1,
      current: 100,
      power: 460,
      energy_wh: 0x10000 + 5000,
      frequency: 49.9,
      power_factor: 0.92,
      power_alarm: false,
    });
  });

  it('polls with one FC4 read: 8 registers for DC models, 10 for AC models', () => {
    for (const model of MODELS) {
      const plan = pollPlan(model);
      assert.equal(plan.length, 1);
      assert.deepEqual([plan[0].table, plan[0].start, plan[0].count], ['input', 0, MODEL_INFO[model].kind === 'dc' ? 8 : 10]);
    }
  });

  it('knows each model framing: DC 9600 8N2, AC 9600 8N1', () => {
    const bus = (stopBits: number) => ({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits });
    assert.equal(framingMismatch('PZEM-017', bus(2)), undefined);
    assert.equal(framingMismatch('PZEM-003', bus(2)), undefined);
    assert.match(framingMismatch('PZEM-017', bus(1)) ?? '', /9600 8N2.*9600 8N1/);
    assert.equal(framingMismatch('PZEM-004T', bus(1)), undefined);
    assert.match(framingMismatch('PZEM-014/016', bus(2)) ?? '', /9600 8N1/);
    assert.match(framingMismatch('PZEM-017', { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 }) ?? '', /115200/);
  });
});

describe('PZEM commands', () => {
  it('parses the documented commands and their values', () => {
    assert.deepEqual(parseCommand({}), { kind: 'poll' });
    assert.deepEqual(parseCommand({ command: 'set-shunt', payload: '200A' }), { kind: 'set-shunt', amps: 200 });
    assert.deepEqual(parseCommand({ command: 'set-alarms', payload: { high_voltage: 15, low_voltage: 10.5 } }), {
      kind: 'set-alarms',
      thresholds: { high_voltage: 15, low_voltage: 10.5 },
    });
    assert.deepEqual(parseCommand({ command: 'set-address', payload: 7 }), { kind: 'set-address', address: 7 });
    assert.deepEqual(parseCommand({ command: 'reset-energy' }), { kind: 'reset-energy' });
  });

  it('refuses values out of the manual ranges before anything is sent', () => {
    const bad = [
      { command: 'set-shunt', payload: 150 },
      { command: 'set-alarms', payload: { high_voltage: 4.99 } },
      { command: 'set-alarms', payload: { high_voltage: 351 } },
      { command: 'set-alarms', payload: { low_voltage: 0.5 } },
      { command: 'set-alarms', payload: { power: 0 } },
      { command: 'set-alarms', payload: { calibrate: 1 } },
      { command: 'set-alarms', payload: {} },
      { command: 'set-address', payload: 0 },
      { command: 'set-address', payload: 248 },
      { command: 'set-address', payload: 0xf8 },
      { command: 'calibrate' },
    ];
    for (const msg of bad) assert.throws(() => parseCommand(msg), CommandError, JSON.stringify(msg));
  });

  it('fuzz: any message either parses or is refused as bad input, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom('set-shunt', 'set-alarms', 'set-address', 'reset-energy', 'poll'), fc.anything()),
        fc.anything(),
        (command, payload) => {
          try {
            parseCommand({ command, payload });
          } catch (err) {
            assert.ok(err instanceof CommandError, String(err));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads the node settings: the model, the shunt, and pzem-<unit> as the device id', () => {
    const config = parsePzemConfig({ unitId: '3', model: 'PZEM-004T', shunt: '200' });
    assert.deepEqual([config.model, config.shunt, config.deviceId, config.measurement], ['PZEM-004T', 200, 'pzem-3', 'pzem']);
    assert.throws(() => parsePzemConfig({ model: 'PZEM-999' }));
  });
});

describe('PZEM controller on a simulated bus', () => {
  const now = () => AT;

  it('refuses every write while "allow writes" is off, and sends nothing', async () => {
    const meter = new PzemSimulator({ now });
    const log: string[] = [];
    const bus = busOf([meter]);
    const controller = new PzemController((id) => unitOnBus(bus, id, log), { model: 'PZEM-017', unitId: 1, allowWrites: false });
    for (const command of ['set-shunt 200', 'set-alarms', 'reset-energy', 'set-address 2']) {
      const [name, value] = command.split(' ');
      const parsed = parseCommand({ command: name, payload: name === 'set-alarms' ? { high_voltage: 20 } : Number(value) });
      await assert.rejects(controller.run(parsed), CommandError);
    }
    assert.deepEqual(log, []);
    assert.equal(meter.shuntRange(), 100);
  });

  it('a 200 A shunt set as 100 A reads half; applying 200 A reads the true current, read back', async () => {
    const meter = new PzemSimulator({ now, fittedShunt: 200 });
    meter.trueCurrent = 150;
    const bus = busOf([meter]);
    const before = new PzemController((id) => unitOnBus(bus, id), { model: 'PZEM-017', unitId: 1, allowWrites: false });
    assert.equal((await before.poll()).current, 75);
    const log: string[] = [];
    const apply = new PzemController((id) => unitOnBus(bus, id, log), { model: 'PZEM-017', unitId: 1, allowWrites: true, shunt: 200 });
    assert.equal((await apply.poll()).current, 150);
    assert.equal(meter.shuntRange(), 200);
    // Range code 2 = 200 A (pzem_modbus.hpp), written once and read back.
    assert.deepEqual(log.slice(0, 3), ['1:fc3:3', '1:fc6:3=2', '1:fc3:3']);
    // A second deploy finds the range right and writes nothing.
    const again: string[] = [];
    await new PzemController((id) => unitOnBus(bus, id, again), { model: 'PZEM-017', unitId: 1, allowWrites: true, shunt: 200 }).poll();
    assert.deepEqual(again, ['1:fc3:3', '1:fc4:0']);
  });

  it('alarms follow the thresholds the node writes', async () => {
    const meter = new PzemSimulator({ now });
    meter.trueVoltage = 13;
    const controller = new PzemController((id) => unitOnBus(busOf([meter]), id), { model: 'PZEM-017', unitId: 1, allowWrites: true });
    assert.deepEqual(await controller.run({ kind: 'set-alarms', thresholds: { high_voltage: 12.5, low_voltage: 11 } }), {
      address: 1,
      high_voltage_threshold: 12.5,
      low_voltage_threshold: 11,
      shunt_a: 100,
    });
    const reading = await controller.poll();
    assert.deepEqual(
      [reading.voltage, 'high_voltage_alarm' in reading && reading.high_voltage_alarm, 'low_voltage_alarm' in reading && reading.low_voltage_alarm],
      [13, true, false],
    );
    await assert.rejects(controller.run({ kind: 'set-alarms', thresholds: { low_voltage: 20 } }), /below high_voltage/);
  });

  it('resets energy with function 0x42', async () => {
    const meter = new PzemSimulator({ now, energyWh: 5000 });
    const controller = new PzemController((id) => unitOnBus(busOf([meter]), id), { model: 'PZEM-003', unitId: 1, allowWrites: true });
    assert.equal((await controller.poll()).energy_wh, 5000);
    assert.deepEqual(await controller.run({ kind: 'reset-energy' }), { energy_reset: true });
    assert.equal((await controller.poll()).energy_wh, 0);
    assert.equal(meter.resets, 1);
  });

  it('changes the address of a lone meter via 0xF8 and reads it back at the new address', async () => {
    const meter = new PzemSimulator({ now, unitId: 1 });
    const log: string[] = [];
    const bus = busOf([meter]);
    const controller = new PzemController((id) => unitOnBus(bus, id, log), { model: 'PZEM-017', unitId: 1, allowWrites: true });
    assert.deepEqual(await controller.run({ kind: 'set-address', address: 9 }), { address: 9, previous: 1 });
    assert.equal(meter.unitId, 9);
    assert.deepEqual(log, ['248:fc3:2', '248:fc6:2=9', '9:fc3:2']);
  });

  it('refuses an address change with several meters on the bus, changing none', async () => {
    const meters = [1, 2].map((unitId) => new PzemSimulator({ now, unitId }));
    const bus = busOf(meters);
    const controller = new PzemController((id) => unitOnBus(bus, id), { model: 'PZEM-017', unitId: 1, allowWrites: true });
    await assert.rejects(controller.run({ kind: 'set-address', address: 9 }), /general address.*only the meter/);
    assert.deepEqual(
      meters.map((m) => m.unitId),
      [1, 2],
    );
  });

  it('AC meters: power alarm threshold, no shunt, no voltage alarms', async () => {
    const meter = new PzemSimulator({ now, model: 'PZEM-004T' });
    const controller = new PzemController((id) => unitOnBus(busOf([meter]), id), { model: 'PZEM-004T', unitId: 1, allowWrites: true });
    assert.deepEqual(await controller.run({ kind: 'set-alarms', thresholds: { power: 100 } }), { address: 1, power_threshold: 100 });
    const reading = await controller.poll();
    assert.ok('power_alarm' in reading && reading.power_alarm, 'about 420 W is above 100 W');
    await assert.rejects(controller.run({ kind: 'set-shunt', amps: 200 }), /PZEM-017 only/);
    await assert.rejects(controller.run({ kind: 'set-alarms', thresholds: { high_voltage: 20 } }), /power alarm only/);
  });
});
