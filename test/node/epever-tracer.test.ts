import assert from 'node:assert/strict';
import { clockToIso, wallClockIn } from '../../nodes/epever-tracer/clock';
import { epeverFlow, epeverOnTcpEachTest } from '../support/epever-on-tcp';
import { catchNode, collect, epeverTracerNode, getNode, helper, modbusBusNode, nextMessage, onTab, statuses, waitFor } from '../support/node-red';

const flow = (port: number, epever: Record<string, unknown> = {}, bus: Record<string, unknown> = {}) =>
  epeverFlow(port, { readStatistics: true, ...epever }, bus);

const NODES = [modbusBusNode, epeverTracerNode, catchNode];

describe('epever-tracer node (Modbus TCP to the simulator)', function () {
  const env = epeverOnTcpEachTest();

  function send(msg: Record<string, unknown>): void {
    getNode('epever').receive(msg);
  }

  it('answers a poll with one reading in the Wyandata shape', async () => {
    await helper.load(NODES, flow(env.server.port));
    const reading = nextMessage('out');
    send({ payload: 'go', keep: 'me' });
    const msg = await reading;
    assert.equal(msg.topic, 'epever-tracer/shed');
    assert.equal(msg.device, 'shed');
    assert.equal(msg.measurement, 'epever_tracer');
    assert.equal(msg.keep, 'me', 'the reply keeps the input message');
    const p = msg.payload as Record<string, Record<string, unknown>> & { timestamp: string };
    assert.match(p.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(Object.keys(p.pv_array).sort(), ['current', 'power', 'voltage']);
    assert.deepEqual(Object.keys(p.load).sort(), ['current', 'power', 'voltage']);
    assert.ok((p.pv_array.power as number) > 0, 'PV produces at noon');
    assert.ok((p.battery.voltage as number) > 11 && (p.battery.voltage as number) < 16);
    assert.ok(['none', 'float', 'boost', 'equalize'].includes(p.controller.charging_mode as string));
    assert.equal(typeof p.energy.total_kwh, 'number');
  });

  it('polls on its interval without any input', async () => {
    await helper.load(NODES, flow(env.server.port, { interval: 1 }));
    const out = collect('out');
    await waitFor(() => out.length >= 2, 5000, 'two scheduled readings');
    assert.equal(out[0].device, 'shed');
  });

  it('refuses writes while "allow writes" is off, and the next message still works', async () => {
    await helper.load(NODES, flow(env.server.port));
    const seen = statuses('epever');
    const caught = nextMessage('caught');
    send({ command: 'load', payload: false });
    const error = (await caught).error as { message: string };
    assert.match(error.message, /tick "allow writes"/);
    assert.equal(seen.at(-1)?.fill, 'red');
    assert.equal(env.sim.readBits('coil', 2, 1)[0], true, 'the load is still on');
    const reading = nextMessage('out');
    send({});
    assert.ok((await reading).payload);
  });

  it('switches the load when writes are allowed, and the next reading shows it', async () => {
    await helper.load(NODES, flow(env.server.port, { allowWrites: true }));
    const reply = nextMessage('out');
    send({ command: 'load', payload: 'off' });
    assert.deepEqual((await reply).payload, { load: false });
    const reading = nextMessage('out');
    send({});
    const p = (await reading).payload as { load: { current: number } };
    assert.equal(p.load.current, 0);
  });

  it('writes battery settings after checking them, and reads them back', async () => {
    await helper.load(NODES, flow(env.server.port, { allowWrites: true }));
    const reply = nextMessage('out');
    send({ command: 'write-settings', payload: { battery_type: 'user', float_voltage: 13.6, capacity_ah: 120 } });
    const settings = (await reply).payload as Record<string, unknown>;
    assert.equal(settings.battery_type, 'user');
    assert.equal(settings.float_voltage, 13.6);
    assert.equal(settings.capacity_ah, 120);
    assert.equal(env.sim.readRegisters('holding', 0x9008, 1)[0], 1360);
  });

  it('sends nothing when a setting is out of range or order', async () => {
    await helper.load(NODES, flow(env.server.port, { allowWrites: true }));
    const before = env.sim.readRegisters('holding', 0x9000, 15);
    const caught = nextMessage('caught');
    send({ command: 'write-settings', payload: { battery_type: 'user', float_voltage: 14.9 } });
    assert.match(((await caught).error as { message: string }).message, /boost_voltage .* must be at least float_voltage/);
    assert.deepEqual(env.sim.readRegisters('holding', 0x9000, 15), before);
  });

  it('writes an under-voltage warning equal to the discharging limit, which the controller takes', async () => {
    await helper.load(NODES, flow(env.server.port, { allowWrites: true }));
    const reply = nextMessage('out');
    send({ command: 'write-settings', payload: { battery_type: 'user', under_voltage_warning: 10.6 } });
    const settings = (await reply).payload as Record<string, unknown>;
    assert.equal(settings.under_voltage_warning, 10.6);
    assert.equal(settings.discharging_limit_voltage, 10.6);
    assert.equal(env.sim.settings().underVoltageWarning, 10.6);
  });

  it('refuses an under-voltage warning below the discharging limit through Catch, naming the rule', async () => {
    await helper.load(NODES, flow(env.server.port, { allowWrites: true }));
    const seen = statuses('epever');
    const before = env.sim.readRegisters('holding', 0x9000, 15);
    const caught = nextMessage('caught');
    send({ command: 'write-settings', payload: { battery_type: 'user', under_voltage_warning: 10.5 } });
    assert.match(((await caught).error as { message: string }).message, /Epever's rule under_voltage_warning ≥ discharging_limit_voltage/);
    assert.deepEqual(env.sim.readRegisters('holding', 0x9000, 15), before);
    assert.equal(seen.at(-1)?.fill, 'red');
    const reading = nextMessage('out');
    send({});
    assert.ok((await reading).payload, 'the next message still works');
  });

  it('sets the controller clock to now', async () => {
    await helper.load(NODES, flow(env.server.port, { allowWrites: true }));
    const reply = nextMessage('out');
    send({ command: 'sync-clock' });
    const { clock } = (await reply).payload as { clock: string };
    const local = new Date();
    assert.equal(clock.slice(0, 10), `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}`);
  });

  it('sets and reads the controller clock in the node\'s clock zone', async () => {
    // UTC+14 all year: its date differs from the host's for most of the day, wherever the tests run.
    await helper.load(NODES, flow(env.server.port, { allowWrites: true, timeZone: 'Pacific/Kiritimati' }));
    const reply = nextMessage('out');
    const before = Date.now();
    send({ command: 'sync-clock' });
    const synced = (await reply).payload as { clock: string; time_zone: string };
    assert.equal(synced.time_zone, 'Pacific/Kiritimati');
    assert.match(synced.clock, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+14:00$/);
    assert.ok(Math.abs(Date.parse(synced.clock) - before) < 5000, `${synced.clock} is now`);
    const device = Date.parse(clockToIso(env.sim.deviceClock()) + 'Z');
    const wanted = Date.parse(clockToIso(wallClockIn(new Date(before), 'Pacific/Kiritimati')) + 'Z');
    assert.ok(Math.abs(device - wanted) < 5000, 'the controller holds Kiritimati wall time');
    const read = nextMessage('out');
    send({ command: 'read-clock' });
    assert.deepEqual((await read).payload, synced);
  });

  it('refuses an unknown clock zone at deploy, through Catch', async () => {
    await helper.load(NODES, flow(env.server.port, { timeZone: 'Mars/Olympus_Mons' }));
    const caught = nextMessage('caught');
    send({ command: 'read-clock' });
    assert.match(((await caught).error as { message: string }).message, /time zone "Mars\/Olympus_Mons" is not an IANA zone/);
  });

  it('reads rated data and settings without writes enabled', async () => {
    await helper.load(NODES, flow(env.server.port));
    const rated = nextMessage('out');
    send({ command: 'read-rated' });
    assert.ok(((await rated).payload as { batteryRatedVoltage: number }).batteryRatedVoltage > 0);
    const settings = nextMessage('out');
    send({ command: 'read-settings' });
    assert.equal(((await settings).payload as { battery_type: string }).battery_type, 'sealed');
  });

  it('reports a silent controller as unavailable, never as zeros', async () => {
    await helper.load(NODES, flow(env.server.port));
    const out = collect('out');
    const seen = statuses('epever');
    env.sim.faults.silent = true;
    const caught = nextMessage('caught');
    send({ payload: 'poll' });
    const msg = await caught;
    assert.match((msg.error as { message: string }).message, /unit 1: no answer within 300 ms/);
    assert.equal(msg.payload, 'poll', 'the Catch node gets the message that failed');
    assert.deepEqual(seen.at(-1), { fill: 'red', shape: 'ring', text: 'epever-tracer.status.unavailable' });
    assert.equal(out.length, 0);
  });

  it('sends an unknown command to Catch and keeps running', async () => {
    await helper.load(NODES, flow(env.server.port));
    const caught = nextMessage('caught');
    send({ command: 'self-destruct' });
    assert.match(((await caught).error as { message: string }).message, /unknown command "self-destruct"/);
    const reading = nextMessage('out');
    send({});
    assert.ok((await reading).payload);
  });

  it('reports bad configuration on the status and through Catch', async () => {
    await helper.load(NODES, flow(env.server.port, { unitId: 300 }));
    const seen = statuses('epever');
    const caught = nextMessage('caught');
    send({});
    assert.match(((await caught).error as { message: string }).message, /unit id must be 1-247/);
    assert.equal(seen.length === 0 || seen.at(-1)?.fill === 'red', true);
  });

  it('reports a misconfigured bus on every device node that uses it', async () => {
    await helper.load(NODES, flow(env.server.port, {}, { transport: 'serial', path: '' }));
    const caught = nextMessage('caught');
    send({});
    assert.match(((await caught).error as { message: string }).message, /modbus-bus: serial port path is empty/);
  });

  it('reports a missing bus instead of crashing', async () => {
    await helper.load(NODES, flow(env.server.port, { bus: '' }));
    const caught = nextMessage('caught');
    send({});
    assert.match(((await caught).error as { message: string }).message, /no modbus-bus configured/);
  });

  it('closes the port when the last device node is removed', async () => {
    await helper.load(NODES, flow(env.server.port));
    const reading = nextMessage('out');
    send({});
    await reading;
    const bus = getNode('bus') as unknown as { connection: { linkStatus: { state: string }; userCount: number } };
    assert.equal(bus.connection.userCount, 1);
    await helper.setFlows(onTab([{ id: 'bus', type: 'modbus-bus', transport: 'tcp', host: '127.0.0.1', port: env.server.port }], []));
    assert.equal(bus.connection.userCount, 0);
    assert.equal(bus.connection.linkStatus.state, 'idle');
  });
});

