// The example flow examples/mpp-pi30/inverter-to-mqtt.json, run in Node-RED against the simulator: its real
// `mqtt out` node publishes one message per field to an MQTT broker, and its buttons set the output source
// priority through the one node that may write. The file has no dashboard nodes (those are in
// mpp-solar-dashboard*.json), so importing it never stops a Node-RED without a dashboard package.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { servePi30Tcp, type TcpEndpoint } from '../../nodes/mpp-pi30/simulator/serve';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { EXAMPLE_CONFIG_IDS, pointAtStandIns } from '../../scripts/demo/example-config';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { knownNodeTypes } from '../support/example-flow';
import { startBroker, type TestBroker } from '../support/mqtt-broker';
import { catchNode, getNode, helper, nextMessage, waitFor } from '../support/node-red';

/* eslint-disable @typescript-eslint/no-require-imports */
const pi30PortNode = require('../../nodes/pi30-port/pi30-port');
const mppPi30Node = require('../../nodes/mpp-pi30/mpp-pi30');
const injectNode = require('@node-red/nodes/core/common/20-inject.js');
const functionNode = require('@node-red/nodes/core/function/10-function.js');
const commentNode = require('@node-red/nodes/core/common/90-comment.js');
const mqttNodes = require('@node-red/nodes/core/network/10-mqtt.js');
/* eslint-enable @typescript-eslint/no-require-imports */

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [key: string]: unknown;
}

// Compiled, this file is <build>/test/node/; the example stays in the checkout's examples/.
const EXAMPLE = join(findPackageRoot(__dirname), 'examples', 'mpp-pi30', 'inverter-to-mqtt.json');
const flow = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
const byType = (type: string) => flow.filter((n) => n.type === type);
const byName = (name: string) => {
  const node = flow.find((n) => n.name === name);
  if (!node) throw new Error(`no node named ${name}`);
  return node;
};

const known = knownNodeTypes(findPackageRoot(__dirname));

/**
 * The example pointed at the simulator and at the test's MQTT broker as the demo points it (pointAtStandIns),
 * with its WebSocket and debug outputs as helpers.
 */
function runnable(port: number, brokerUrl: URL): FlowNode[] {
  const pointed = pointAtStandIns(flow, {
    inverter: { host: '127.0.0.1', port },
    mqtt: { host: brokerUrl.hostname, port: Number(brokerUrl.port || 1883) },
  }) as FlowNode[];
  return pointed
    .filter((n) => n.type !== 'websocket-listener')
    .map((n) => {
      if (n.type === 'pi30-port') return { ...n, timeoutMs: 1000 };
      if (n.type === 'mqtt-broker') return { ...n, usetls: brokerUrl.protocol === 'mqtts:' };
      // Polled by the test alone, so it knows which reading it counts.
      if (n.type === 'mpp-pi30') return { ...n, interval: 0 };
      if (['websocket out', 'debug'].includes(n.type)) return { id: n.id, type: 'helper', z: n.z, wires: [] };
      return { ...n };
    });
}

/** What the example's mqtt-broker node logs in with, when the broker's URL names a user. */
function brokerCredentials(brokerUrl: URL): Record<string, { user: string; password: string }> {
  if (!brokerUrl.username) return {};
  const user = decodeURIComponent(brokerUrl.username);
  return { [byType('mqtt-broker')[0].id]: { user, password: decodeURIComponent(brokerUrl.password) } };
}

/** The reading flattened as the example's function node does: `<group>_<field>` (or `<field>`) to the MQTT payload text. */
function mqttFields(reading: Record<string, unknown>): Map<string, string> {
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  const fields = new Map<string, string>();
  for (const [group, value] of Object.entries(reading)) {
    if (group === 'timestamp') continue;
    if (typeof value === 'object' && value !== null) {
      for (const [name, v] of Object.entries(value)) fields.set(`${group}_${name}`, text(v));
    } else {
      fields.set(group, text(value));
    }
  }
  return fields;
}

interface Received {
  topic: string;
  text: string;
  retain: boolean;
}

/** An MQTT client subscribed to `filter`, recording every message it gets. */
async function subscriber(url: string, filter: string): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await connectAsync(url, { clean: true, reconnectPeriod: 0 });
  const received: Received[] = [];
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) =>
    received.push({ topic, text: payload.toString(), retain: packet.retain }),
  );
  await client.subscribeAsync(filter, { qos: 0 });
  return { client, received };
}

describe('example flow examples/mpp-pi30/inverter-to-mqtt.json', function () {
  this.timeout(15000);
  let sim: Pi30Simulator;
  let server: TcpEndpoint;

  it('has the shared inverter port (USB HID 0665:5161), a reading node that cannot write, a command node that can, and no dashboard node', () => {
    const ports = byType('pi30-port');
    assert.equal(ports.length, 1);
    assert.deepEqual([ports[0].id, ports[0].transport, ports[0].hidDevice], [EXAMPLE_CONFIG_IDS.inverterPort, 'usb-hid', '0665:5161']);
    for (const n of flow) assert.ok(known.has(n.type) || n.type === 'tab', `${n.type} is a known type`);
    for (const n of flow) assert.ok(!/^ui[-_]/.test(n.type) && n.type !== 'global-config', `${n.type} ${n.id}: no dashboard node in this file`);
    const [reader, commander] = byType('mpp-pi30');
    assert.equal(reader.allowWrites, false, 'the reading node never writes');
    assert.equal(commander.allowWrites, true);
    assert.equal(commander.interval, 0, 'the command node polls nothing by itself');
    assert.match(String(commander.name), /writes enabled/);
    const buttons = byType('inject').map((n) => (n.props as { v: string }[])[0].v);
    assert.deepEqual(buttons, ['POP00', 'POP01', 'POP02', 'QPIRI']);
    for (const button of byType('inject')) assert.deepEqual(button.wires, [[commander.id]]);
    const ids = new Set(flow.map((n) => n.id));
    assert.equal(ids.size, flow.length, 'ids are unique');
    for (const n of flow) for (const target of (n.wires ?? []).flat()) assert.ok(ids.has(target), `${n.id} wires to ${target}`);
    const broker = byType('mqtt-broker')[0];
    assert.deepEqual([broker.broker, broker.port], ['localhost', '1883']);
    assert.equal(byType('websocket-listener')[0].path, '/ws/solar/inverter/');
    const mqttOut = byType('mqtt out')[0];
    assert.equal(mqttOut.broker, broker.id);
    assert.equal(mqttOut.topic, '', 'the topic comes with each message');
  });

  describe('running against the simulator', () => {
    let broker: TestBroker;
    let brokerUrl: URL;

    before(async () => {
      broker = await startBroker();
      brokerUrl = new URL(broker.url);
    });

    after(async () => {
      await broker?.close();
    });

    beforeEach(async () => {
      sim = new Pi30Simulator({ now: () => new Date('2026-06-21T12:00:00Z') });
      server = await servePi30Tcp(sim, { port: 0 });
      await helper.startServer();
      const nodes = [pi30PortNode, mppPi30Node, injectNode, functionNode, commentNode, catchNode, mqttNodes];
      await helper.load(nodes, runnable(server.port, brokerUrl), brokerCredentials(brokerUrl));
    });

    afterEach(async () => {
      await helper.unload();
      await helper.stopServer();
      await server.close();
    });

    it('publishes one MQTT message per field on solar/inverter/<field>, retained, to a real broker', async () => {
      const brokerNode = getNode(byType('mqtt-broker')[0].id);
      await waitFor(() => brokerNode.connected === true, 10000, `the flow's mqtt-broker node to connect to ${brokerUrl.host}`);
      const live = await subscriber(broker.url, 'solar/inverter/#');
      let topics: string[] = [];
      try {
        const whole = nextMessage(byName('ws /ws/solar/inverter/').id);
        getNode(byName('Inverter').id).receive({});
        const reading = (await whole).payload as Record<string, unknown>;
        const expected = mqttFields(reading);
        topics = [...expected.keys()].map((field) => `solar/inverter/${field}`);
        // Retained messages from before this reading (a shared broker's) come with the retain flag; these do not.
        const fresh = () => live.received.filter((m) => !m.retain);
        await waitFor(() => fresh().length >= expected.size, 5000, `${expected.size} MQTT messages`);
        await new Promise((resolve) => setTimeout(resolve, 100));

        assert.equal(fresh().length, expected.size, 'one message per field');
        assert.deepEqual(
          fresh()
            .map((m) => m.topic)
            .sort(),
          [...topics].sort(),
        );
        for (const m of fresh()) assert.match(m.topic, /^solar\/inverter\/[a-z0-9_]+$/);
        const got = new Map(fresh().map((m) => [m.topic.slice('solar/inverter/'.length), m.text]));
        const battery = reading.battery as { voltage: number; soc: number };
        assert.equal(got.get('battery_voltage'), String(battery.voltage), 'the battery voltage of the reading');
        assert.ok(Number(got.get('battery_voltage')) > 40, 'a 48 V battery');
        assert.equal(got.get('battery_soc'), String(battery.soc));
        assert.equal(got.get('ac_output_active_power'), String((reading.ac_output as { active_power: number }).active_power));
        assert.equal(got.get('pv_charging_power'), String((reading.pv as { charging_power: number }).charging_power));
        assert.equal(got.get('mode'), 'battery');
        assert.match(got.get('warnings_line_fail') ?? '', /^(true|false)$/);
        assert.deepEqual(got, expected, 'every field with the value of the reading');

        // Retained: a client that connects later (Home Assistant after a restart) gets the last value at once.
        const later = await subscriber(broker.url, 'solar/inverter/battery_voltage');
        try {
          await waitFor(() => later.received.length > 0, 5000, 'the retained battery voltage');
          assert.deepEqual(later.received[0], { topic: 'solar/inverter/battery_voltage', text: String(battery.voltage), retain: true });
        } finally {
          await later.client.endAsync();
        }
      } finally {
        // Leave no retained topics behind on a shared broker (MQTT_URL).
        for (const topic of topics) await live.client.publishAsync(topic, '', { retain: true });
        await live.client.endAsync();
      }
    });

    it('sets the output source priority from its buttons, and reads the settings back', async () => {
      const replies = byName('ACK or settings').id;
      const ack = nextMessage(replies);
      getNode(byName('Utility first (POP00)').id).receive({});
      assert.deepEqual((await ack).payload, { command: 'POP00', reply: 'ACK', changes: { output_source_priority: 'utility_first' } });
      const settings = nextMessage(replies);
      getNode(byName('Read settings (QPIRI)').id).receive({});
      assert.equal(((await settings).payload as { settings: { output_source_priority: string } }).settings.output_source_priority, 'utility_first');
      const sbu = nextMessage(replies);
      getNode(byName('SBU (POP02)').id).receive({});
      assert.equal(((await sbu).payload as { command: string }).command, 'POP02');
      assert.deepEqual(
        sim.received.filter((c) => c.startsWith('POP')),
        ['POP00', 'POP02'],
      );
    });
  });
});
