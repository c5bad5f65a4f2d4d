// The mpp-pi30 node in a real Node-RED runtime, against the PI30 simulator over TCP and a serial pty.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { servePi30Pty, servePi30Tcp, type TcpEndpoint } from '../../nodes/mpp-pi30/simulator/serve';
import { Pi30Simulator, type Pi30SimulatorOptions } from '../../nodes/mpp-pi30/simulator/inverter';
import { catchNode, collect, getNode, helper, nextMessage, onTab, statuses, waitFor, type Msg } from '../support/node-red';

/* eslint-disable @typescript-eslint/no-require-imports */
const pi30PortNode = require('../../nodes/pi30-port/pi30-port');
const mppPi30Node = require('../../nodes/mpp-pi30/mpp-pi30');
/* eslint-enable @typescript-eslint/no-require-imports */

const NOON = () => new Date('2026-06-21T12:00:00Z');
const NODES = [pi30PortNode, mppPi30Node, catchNode];
const SERIAL = '92932004101475';

function flow(port: number, inverter: Record<string, unknown> = {}, portConfig: Record<string, unknown> = {}) {
  return onTab(
    [{ id: 'port', type: 'pi30-port', transport: 'tcp', host: '127.0.0.1', port, timeoutMs: 400, retries: 0, gapMs: 0, ...portConfig }],
    [
      { id: 'inv', type: 'mpp-pi30', name: 'Shed inverter', port: 'port', interval: 0, wires: [['out']], ...inverter },
      { id: 'out', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ],
  );
}

const errorOf = (msg: Msg) => (msg.error as { message: string }).message;

describe('mpp-pi30 node (TCP serial bridge to the simulator)', function () {
  this.timeout(20000);
  let sim: Pi30Simulator;
  let server: TcpEndpoint;

  async function start(options: Pi30SimulatorOptions = {}) {
    sim = new Pi30Simulator({ now: NOON, ...options });
    server = await servePi30Tcp(sim, { port: 0 });
  }

  beforeEach(async () => {
    await start();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await server.close();
  });

  function send(msg: Record<string, unknown>, id = 'inv'): void {
    getNode(id).receive(msg);
  }

  it('answers a poll with one reading: grouped payload, serial number as device, default topic', async () => {
    await helper.load(NODES, flow(server.port));
    const reading = nextMessage('out');
    send({ payload: 'go', keep: 'me' });
    const msg = await reading;
    assert.equal(msg.device, SERIAL);
    assert.equal(msg.topic, `mpp-pi30/${SERIAL}`);
    assert.equal(msg.measurement, 'mpp_pi30');
    assert.equal(msg.keep, 'me', 'the reply keeps the input message');
    assert.equal(msg.issues, undefined);
    const p = msg.payload as Record<string, Record<string, unknown>> & { timestamp: string; mode: string };
    assert.match(p.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(Object.keys(p).sort(), ['ac_output', 'battery', 'grid', 'inverter', 'mode', 'pv', 'status', 'timestamp', 'warnings']);
    assert.equal(p.mode, 'battery');
    assert.ok((p.pv.charging_power as number) > 0, 'PV at noon');
    assert.ok((p.battery.voltage as number) > 44 && (p.battery.voltage as number) < 60);
    assert.equal(typeof p.warnings.line_fail, 'boolean');
    assert.equal(msg.variant, 'pi30max', 'auto (the default) found the PI30MAX simulator');
    assert.deepEqual(sim.received, ['QPI', 'QMN', 'QVFW', 'QID', 'QPIGS', 'QMOD', 'QPIWS']);
  });

  it('with protocol "auto" against a PI30 Revo, reports PV power in W (QPIGS field 13), not a current', async () => {
    await helper.unload();
    await server.close();
    await start({ model: 'pi30revo' });
    await helper.load(NODES, flow(server.port, { variant: 'auto', queries: 'QPIGS QMOD' }));
    const reading = nextMessage('out');
    send({});
    const msg = await reading;
    const p = msg.payload as Record<string, Record<string, unknown>>;
    assert.equal(msg.variant, 'pi30revo');
    assert.deepEqual(msg.issues, ['QID refused: the inverter gives no serial number, so msg.device comes from the node settings']);
    assert.equal(typeof p.pv.power, 'number');
    assert.ok((p.pv.power as number) > 0, 'PV power at noon, in W');
    assert.equal(p.pv.current, undefined);
    assert.equal(typeof p.energy.pv_day_wh, 'number', "field 16 is today's energy");
    assert.equal(p.battery.discharge_current, undefined);
    assert.equal(msg.device, 'shed-inverter', 'Revo has no QID: the id comes from the node name');
  });

  it('reads replies as the protocol set in the node, without asking QPI, QMN or QVFW', async () => {
    await helper.load(NODES, flow(server.port, { variant: 'pi30', queries: 'QPIWS' }));
    const reading = nextMessage('out');
    send({});
    const msg = await reading;
    assert.equal(msg.variant, 'pi30');
    assert.deepEqual(sim.received, ['QID', 'QPIWS']);
    const warnings = (msg.payload as { warnings: Record<string, boolean> }).warnings;
    assert.equal(warnings.battery_short, false, 'bit 24 by its PI30 name');
    assert.equal('pv_loss' in warnings, false, 'bit 0 is reserved on PI30');
  });

  it('polls its queries on the interval without input, and shows the mode', async () => {
    await helper.load(NODES, flow(server.port, { interval: 1, queries: 'QPIGS QMOD QPIRI energy' }));
    const seen = statuses('inv');
    const out = collect('out');
    await waitFor(() => out.length >= 2, 5000, 'two scheduled readings');
    const p = out[0].payload as Record<string, Record<string, unknown>>;
    assert.equal(p.settings.output_source_priority, 'sbu');
    assert.equal(typeof p.energy.pv_total_wh, 'number');
    assert.deepEqual(seen.at(-1), { fill: 'green', shape: 'dot', text: 'mpp-pi30.mode.battery' });
  });

  it('uses the configured device id and topic when set', async () => {
    await helper.load(NODES, flow(server.port, { deviceId: 'garage', topic: 'home/inverter', measurement: 'inverter' }));
    const reading = nextMessage('out');
    send({});
    const msg = await reading;
    assert.deepEqual([msg.device, msg.topic, msg.measurement], ['garage', 'home/inverter', 'inverter']);
  });

  it('runs any query from a message and replies with its parsed payload', async () => {
    await helper.load(NODES, flow(server.port));
    const reply = nextMessage('out');
    send({ command: 'QPIRI', topic: 'mine' });
    const msg = await reply;
    assert.equal(msg.query, 'QPIRI');
    assert.equal(msg.topic, 'mine', 'a query reply keeps the message');
    assert.equal((msg.payload as { settings: { battery_rating_voltage: number } }).settings.battery_rating_voltage, 48);
  });

  it('refuses a setter while "allow writes" is off, sends nothing, and the next message still works', async () => {
    await helper.load(NODES, flow(server.port));
    const seen = statuses('inv');
    const caught = nextMessage('caught');
    send({ command: 'POP00' });
    assert.match(errorOf(await caught), /"POP00" changes the inverter; tick "allow writes"/);
    assert.deepEqual(seen.at(-1), { fill: 'red', shape: 'ring', text: 'mpp-pi30.status.refused' });
    assert.ok(!sim.received.includes('POP00'));
    const reading = nextMessage('out');
    send({});
    assert.ok((await reading).payload);
  });

  it('with writes allowed, sends a setter and reports the ACK; QPIRI then shows it', async () => {
    await helper.load(NODES, flow(server.port, { allowWrites: true }));
    const ack = nextMessage('out');
    send({ command: 'POP00' });
    assert.deepEqual((await ack).payload, { command: 'POP00', reply: 'ACK', changes: { output_source_priority: 'utility_first' } });
    const named = nextMessage('out');
    send({ command: 'set', payload: { charger_source_priority: 'solar_only', buzzer: false } });
    assert.deepEqual(((await named).payload as { results: { command: string }[] }).results.map((r) => r.command), ['PCP03', 'PDa']);
    const settings = nextMessage('out');
    send({ command: 'QPIRI' });
    const s = ((await settings).payload as { settings: Record<string, unknown> }).settings;
    assert.equal(s.output_source_priority, 'utility_first');
    assert.equal(s.charger_source_priority, 'solar_only');
  });

  it('ends a refused setter (NAK) in done(err) with a clear message', async () => {
    await helper.load(NODES, flow(server.port, { allowWrites: true }));
    const out = collect('out');
    const caught = nextMessage('caught');
    send({ command: 'PCVV57.0' });
    assert.match(errorOf(await caught), /inverter refused PCVV57.0 \(NAK\); battery voltages are usually only taken with battery_type "user"/);
    assert.equal(out.length, 0);
  });

  it('sends nothing when a setter is outside what the protocol allows', async () => {
    await helper.load(NODES, flow(server.port, { allowWrites: true }));
    const caught = nextMessage('caught');
    send({ command: 'set', payload: { battery_recharge_voltage: 44.5 } });
    assert.match(errorOf(await caught), /battery_recharge_voltage on a 48 V system must be one of 44.0, 45.0/);
    assert.deepEqual(sim.received, ['QPI', 'QMN', 'QVFW', 'QPIRI'], 'only the protocol ("auto") and the limits were read');
  });

  it('sends an unknown command to Catch and keeps running', async () => {
    await helper.load(NODES, flow(server.port, { allowWrites: true }));
    const caught = nextMessage('caught');
    send({ command: 'reboot' });
    assert.match(errorOf(await caught), /"reboot" is not a PI30 setter this node knows/);
    const reading = nextMessage('out');
    send({});
    assert.ok((await reading).payload);
  });

  it('reports a silent inverter as unavailable, never as zeros', async () => {
    await helper.load(NODES, flow(server.port));
    const out = collect('out');
    const seen = statuses('inv');
    sim.faults.silent = true;
    const caught = nextMessage('caught');
    send({ payload: 'poll' });
    const msg = await caught;
    assert.match(errorOf(msg), /no answer within 400 ms/);
    assert.equal(msg.payload, 'poll', 'the Catch node gets the message that failed');
    assert.deepEqual(seen.at(-1), { fill: 'red', shape: 'ring', text: 'mpp-pi30.status.unavailable' });
    assert.equal(out.length, 0);
  });

  it('warns once about queries an older model refuses, and leaves them out', async () => {
    await helper.unload();
    await server.close();
    await start({ model: 'pi30' });
    await helper.load(NODES, flow(server.port, { queries: 'QPIGS QPIGS2' }));
    const inverter = getNode('inv');
    const warnings: unknown[] = [];
    const warn = inverter.warn.bind(inverter);
    inverter.warn = (text: unknown) => {
      warnings.push(text);
      warn(text);
    };
    const first = nextMessage('out');
    send({});
    const msg = await first;
    assert.match((msg.issues as string[]).join(), /QPIGS2 refused \(NAK\)/);
    const second = nextMessage('out');
    send({});
    assert.equal((await second).issues, undefined);
    assert.equal(warnings.length, 1);
  });

  it('reports bad settings and a missing or broken port on the status and through Catch', async () => {
    for (const [inverter, portConfig, expected] of [
      [{ queries: 'QPIGS QXYZ' }, {}, /unknown poll query "QXYZ"/],
      [{ variant: 'pi99' }, {}, /variant must be one of auto, pi30, pi30max, pi30revo, got pi99/],
      [{ port: '' }, {}, /no pi30-port configured/],
      [{}, { transport: 'serial', path: '' }, /pi30-port: serial port path is empty/],
    ] as const) {
      await helper.load(NODES, flow(server.port, inverter, portConfig));
      const caught = nextMessage('caught');
      send({});
      assert.match(errorOf(await caught), expected);
      await helper.unload();
    }
  });

  it('shares one port between two nodes, and closes it when both are gone', async () => {
    const tab = flow(server.port, { interval: 0 });
    tab.push({ id: 'inv2', type: 'mpp-pi30', z: 'f1', port: 'port', interval: 0, queries: 'QPIRI', wires: [['out2']] }, { id: 'out2', type: 'helper', z: 'f1' });
    await helper.load(NODES, tab);
    const port = getNode('port') as unknown as { connection: { userCount: number; linkStatus: { state: string } } };
    assert.equal(port.connection.userCount, 2);
    const a = nextMessage('out');
    const b = nextMessage('out2');
    send({});
    send({}, 'inv2');
    assert.ok((await a).payload);
    assert.ok(((await b).payload as Record<string, unknown>).settings);
    await helper.setFlows(onTab([{ id: 'port', type: 'pi30-port', transport: 'tcp', host: '127.0.0.1', port: server.port }], []));
    assert.equal(port.connection.userCount, 0);
    assert.equal(port.connection.linkStatus.state, 'idle');
  });

  it('answers 100 random messages exactly once each and still polls afterwards', async () => {
    await helper.load(NODES, flow(server.port, { allowWrites: true }));
    const out = collect('out');
    const caught = collect('caught');
    const command = fc.oneof(fc.constantFrom('QPIGS', 'QMOD', 'poll', 'set', 'POP01', 'PBCV48.0', 'PEa', 'QXYZ', 'MCHGC050'), fc.string(), fc.anything());
    const payload = fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom('output_source_priority', 'battery_float_voltage', 'buzzer', 'nonsense'), fc.oneof(fc.string(), fc.double(), fc.boolean())));
    const messages = fc.sample(fc.record({ command, payload }, { requiredKeys: [] }), { numRuns: 100, seed: 30 });
    const node = getNode('inv');
    messages.forEach((msg, i) => node.receive({ ...(msg as Record<string, unknown>), fuzz: i }));
    await waitFor(() => out.length + caught.length >= messages.length, 15000, 'an answer to every message');
    const answered = [...out, ...caught].map((m) => m.fuzz as number).sort((x, y) => x - y);
    assert.deepEqual(answered, messages.map((_, i) => i), 'each message answered exactly once');
    const reading = nextMessage('out');
    node.receive({});
    assert.ok(((await reading).payload as { battery: object }).battery);
  });
});

describe('mpp-pi30 node on other transports', function () {
  this.timeout(20000);

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('reads an inverter on a serial line (pty pair, serialport, 2400 baud)', async () => {
    const sim = new Pi30Simulator({ now: NOON });
    const line = await servePi30Pty(sim);
    try {
      await helper.load(NODES, flow(0, {}, { transport: 'serial', path: line.path, baudRate: 2400 }));
      const reading = nextMessage('out', 8000);
      getNode('inv').receive({});
      assert.equal((await reading).device, SERIAL);
    } finally {
      await helper.unload();
      await line.close();
    }
  });

  it('reports a USB HID port that cannot open (no device, or no libusb for node-hid) without crashing', async () => {
    await helper.load(NODES, flow(0, {}, { transport: 'usb-hid', hidDevice: '0665:5161' }));
    const seen = statuses('inv');
    await waitFor(() => (getNode('port') as unknown as { connection: { linkStatus: { state: string } } }).connection.linkStatus.state === 'disconnected', 5000, 'the open to fail');
    const caught = nextMessage('caught');
    getNode('inv').receive({});
    assert.match(errorOf(await caught), /port not connected: (cannot open USB HID 0665:5161|USB HID needs the optional package node-hid)/);
    assert.ok(seen.some((s) => s.fill === 'red'));
  });
});
