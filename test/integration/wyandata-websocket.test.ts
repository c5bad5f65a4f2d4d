// The example examples/epever-tracer/epever-to-websocket.json as a Wyandata client meets it: the Epever simulator
// on Modbus TCP (pointed at with pointAtStandIns, as the demo does), Node-RED, and a WebSocket client on
// /ws/solar/data/ that must get the old server's message: the same keys, numbers, the time as Python wrote it,
// and charging_mode as the controller's status code in a string ("2.0" for boost).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { pointAtStandIns } from '../../scripts/demo/example-config';
import type { FlowNode } from '../../scripts/demo/flow';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { NOON } from '../support/epever-on-tcp';
import { catchNode, epeverTracerNode, getNode, helper, modbusBusNode, type Msg } from '../support/node-red';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [
  modbusBusNode,
  epeverTracerNode,
  catchNode,
  require('@node-red/nodes/core/common/20-inject.js'),
  require('@node-red/nodes/core/common/21-debug.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  require('@node-red/nodes/core/function/10-function.js'),
  require('@node-red/nodes/core/function/10-switch.js'),
  require('@node-red/nodes/core/network/22-websocket.js'),
];

const FILE = join(findPackageRoot(__dirname), 'examples', 'epever-tracer', 'epever-to-websocket.json');
const FLOW = JSON.parse(readFileSync(FILE, 'utf8')) as FlowNode[];
const byName = (name: string): FlowNode => {
  const node = FLOW.find((n) => n.name === name);
  assert.ok(node, `the flow has a node "${name}"`);
  return node;
};

/** Wyandata's message: these keys, in these groups (its README's "WebSocket Data Format"). */
const OLD_SHAPE = {
  pv_array: ['current', 'power', 'voltage'],
  battery: ['charging_current', 'charging_power', 'temperature', 'voltage'],
  load: ['current', 'power', 'voltage'],
  controller: ['charging_mode', 'temperature'],
};

/** Resolves with the next `count` messages a client of `url` gets (JSON), opened before `trigger` runs. */
async function clientMessages(url: string, count: number, trigger: () => void): Promise<Record<string, unknown>[]> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const got: Record<string, unknown>[] = [];
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${got.length} of ${count} websocket messages within 10 s`)), 10_000);
      socket.on('message', (data: WebSocket.RawData) => {
        got.push(JSON.parse(String(data)) as Record<string, unknown>);
        if (got.length === count) {
          clearTimeout(timer);
          resolve(got);
        }
      });
      trigger();
    });
  } finally {
    socket.close();
  }
}

describe('Epever to WebSocket example: the Wyandata message on /ws/solar/data/', function () {
  this.timeout(30_000);

  it('has no dashboard nodes (they are in examples of their own) and defaults to the controller on /dev/ttyUSB0', () => {
    assert.deepEqual(
      FLOW.filter((n) => /^ui[-_]/.test(n.type) || n.type === 'global-config').map((n) => n.type),
      [],
    );
    const bus = FLOW.filter((n) => n.type === 'modbus-bus');
    assert.deepEqual(
      bus.map((n) => [n.transport, n.path, n.baudRate, n.dataBits, n.parity, n.stopBits]),
      [['serial', '/dev/ttyUSB0', 115200, 8, 'none', 1]],
    );
    const ids = new Set(FLOW.map((n) => n.id));
    for (const node of FLOW) for (const target of ((node.wires ?? []) as string[][]).flat()) assert.ok(ids.has(target), `${node.id} -> ${target}`);
    assert.deepEqual(
      FLOW.filter((n) => n.type === 'websocket-listener').map((n) => n.path),
      ['/ws/solar/data/'],
    );
  });

  describe('running against the simulator', () => {
    let device: TcpEndpoint;
    let url: string;

    before(async () => {
      // At noon with the battery at 40 % the simulated controller is in boost.
      device = await serveTcp([new EpeverSimulator({ unitId: 1, now: () => NOON, initialSoc: 40 })], { port: 0 });
      await helper.startServer();
      const flow = pointAtStandIns(FLOW, { epever: { host: '127.0.0.1', port: device.port } });
      await helper.load(NODES, flow);
      // The test helper has url(); its typings (test/support) leave it out.
      url = (helper as unknown as { url(): string }).url().replace(/^http/, 'ws') + '/ws/solar/data/';
    });

    after(async () => {
      await helper.unload();
      await helper.stopServer();
      await device?.close();
    });

    it('sends each reading in the old shape, charging_mode "2.0" for boost; the node itself keeps "boost"', async () => {
      const own: Msg[] = [];
      const debug = getNode(byName('reading or reply').id);
      const hear = (msg: Msg) => own.push(msg);
      debug.on('input', hear);
      let messages: Record<string, unknown>[];
      try {
        messages = await clientMessages(url, 1, () => getNode(byName('poll now').id).receive({}));
      } finally {
        debug.off('input', hear);
      }
      const [message] = messages;
      assert.deepEqual(Object.keys(message).sort(), ['battery', 'controller', 'load', 'pv_array', 'timestamp']);
      for (const [group, keys] of Object.entries(OLD_SHAPE)) {
        const values = message[group] as Record<string, unknown>;
        assert.deepEqual(Object.keys(values).sort(), keys, group);
        for (const key of keys) if (key !== 'charging_mode') assert.equal(typeof values[key], 'number', `${group}.${key}`);
      }
      assert.equal((message.controller as Record<string, unknown>).charging_mode, '2.0');
      // Python's isoformat() of an aware UTC time, as Wyandata sent it.
      assert.match(String(message.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);

      // The same reading as the epever-tracer node sent it.
      const reading = own.find(
        (m) => m.measurement && Date.parse((m.payload as { timestamp: string }).timestamp) === Date.parse(String(message.timestamp)),
      );
      assert.ok(reading, 'the node sent the reading the client got');
      const payload = reading.payload as Record<string, Record<string, unknown>>;
      assert.equal(payload.controller.charging_mode, 'boost');
      assert.deepEqual(message.pv_array, {
        voltage: payload.pv_array.voltage,
        current: payload.pv_array.current,
        power: payload.pv_array.power,
      });
      assert.deepEqual(message.battery, {
        voltage: payload.battery.voltage,
        charging_current: payload.battery.charging_current,
        charging_power: payload.battery.charging_power,
        temperature: payload.battery.temperature,
      });
      assert.deepEqual(message.controller, { temperature: payload.controller.temperature, charging_mode: '2.0' });
    });

    it('sends every charging status as its code: "0.0" none, "1.0" float, "2.0" boost, "3.0" equalization', async () => {
      const shape = getNode(byName('Wyandata shape').id);
      const modes = ['none', 'float', 'boost', 'equalize', 'unknown'];
      const reading = (mode: string) => ({
        measurement: 'epever_tracer',
        payload: {
          timestamp: '2025-04-20T18:23:42.428Z',
          pv_array: { voltage: 37.34, current: 2.44, power: 90.92 },
          battery: { voltage: 13.84, charging_current: 6.58, charging_power: 91.34, temperature: 25, soc: 80 },
          load: { voltage: 13.84, current: 0, power: 0 },
          controller: { temperature: 21.97, charging_mode: mode, heatsink_temperature: 30 },
          energy: { total_kwh: 1 },
        },
      });
      const messages = await clientMessages(url, modes.length, () => {
        for (const mode of modes) shape.receive(reading(mode));
      });
      assert.deepEqual(
        messages.map((m) => (m.controller as Record<string, unknown>).charging_mode),
        ['0.0', '1.0', '2.0', '3.0', null],
      );
      // The README's example message, byte for byte apart from the time's last three digits.
      assert.deepEqual(messages[2], {
        timestamp: '2025-04-20T18:23:42.428000+00:00',
        pv_array: { voltage: 37.34, current: 2.44, power: 90.92 },
        battery: { voltage: 13.84, charging_current: 6.58, charging_power: 91.34, temperature: 25.0 },
        load: { voltage: 13.84, current: 0.0, power: 0.0 },
        controller: { temperature: 21.97, charging_mode: '2.0' },
      });
    });
  });
});
