// The example flow examples/mpp-pi30/inverter-dashboard-mqtt.json, run in Node-RED against the simulator: its
// real `mqtt out` node publishes one message per field to an MQTT broker, its dashboard widgets (stood in for by
// helpers: the test helper cannot run Dashboard 2) get the reading's values, and its buttons set the output source
// priority through the one node that may write.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { servePi30Tcp, type TcpEndpoint } from '../../nodes/mpp-pi30/simulator/serve';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { checkDashboardChain, downstreamOf, isDashboardWidget, knownNodeTypes } from '../support/example-flow';
import { startBroker, type TestBroker } from '../support/mqtt-broker';
import { catchNode, collect, getNode, helper, nextMessage, waitFor } from '../support/node-red';

/* eslint-disable @typescript-eslint/no-require-imports */
const pi30PortNode = require('../../nodes/pi30-port/pi30-port');
const mppPi30Node = require('../../nodes/mpp-pi30/mpp-pi30');
const injectNode = require('@node-red/nodes/core/common/20-inject.js');
const functionNode = require('@node-red/nodes/core/function/10-function.js');
const commentNode = require('@node-red/nodes/core/common/90-comment.js');
const changeNode = require('@node-red/nodes/core/function/15-change.js');
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
const EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'mpp-pi30', 'inverter-dashboard-mqtt.json');
const flow = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
const byType = (type: string) => flow.filter((n) => n.type === type);
const byName = (name: string) => {
  const node = flow.find((n) => n.name === name);
  if (!node) throw new Error(`no node named ${name}`);
  return node;
};

const known = knownNodeTypes(findPackageRoot(__dirname));
const widgetIds = new Set(flow.filter((n) => isDashboardWidget(n, known)).map((n) => n.id));
const widget = (type: string, title: string) => {
  const node = flow.find((n) => n.type === type && (n.title ?? n.label) === title);
  if (!node) throw new Error(`no ${type} "${title}"`);
  return node;
};

/**
 * The example pointed at the simulator and at the test's MQTT broker, with its WebSocket and debug outputs and
 * its dashboard widgets as helpers; Dashboard 2's config nodes and the module hint are left out, as the demo does
 * without Dashboard 2.
 */
function runnable(port: number, brokerUrl: URL): FlowNode[] {
  return flow
    .filter((n) => n.type !== 'websocket-listener' && n.type !== 'global-config' && !(n.type.startsWith('ui-') && !widgetIds.has(n.id)))
    .map((n) => {
      if (n.type === 'pi30-port') return { ...n, host: '127.0.0.1', port, timeoutMs: 1000 };
      if (n.type === 'mqtt-broker') {
        return { ...n, broker: brokerUrl.hostname, port: brokerUrl.port || '1883', usetls: brokerUrl.protocol === 'mqtts:' };
      }
      // Polled by the test alone, so it knows which reading it counts.
      if (n.type === 'mpp-pi30') return { ...n, interval: 0 };
      if (['websocket out', 'debug'].includes(n.type) || widgetIds.has(n.id)) return { id: n.id, type: 'helper', z: n.z, wires: [] };
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
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => received.push({ topic, text: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(filter, { qos: 0 });
  return { client, received };
}

describe('example flow examples/mpp-pi30/inverter-dashboard-mqtt.json', function () {
  this.timeout(15000);
  let sim: Pi30Simulator;
  let server: TcpEndpoint;

  it('has one port on TCP 127.0.0.1:5030, a reading node that cannot write and a command node that can', () => {
    const ports = byType('pi30-port');
    assert.equal(ports.length, 1);
    assert.deepEqual([ports[0].transport, ports[0].host, ports[0].port], ['tcp', '127.0.0.1', 5030]);
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

  it('shows the readings on a Dashboard 2 page /inverter, whose priority buttons reach only the node that may write', () => {
    const widgets = checkDashboardChain(flow, known);
    const page = byType('ui-page')[0];
    assert.deepEqual([page.name, page.path], ['Inverter', '/inverter']);
    assert.deepEqual(byType('ui-group').map((g) => g.name), ['Inverter', 'Output source priority']);
    const titles = (type: string) => (widgets.get(type) ?? []).map((n) => n.title ?? n.label);
    assert.deepEqual(titles('ui-gauge'), ['Battery SOC', 'AC output load']);
    assert.deepEqual(titles('ui-text'), ['Mode', 'Battery voltage', 'PV power', 'Output source priority']);
    assert.deepEqual(titles('ui-chart'), ['PV and AC output power, last hour']);
    for (const gauge of widgets.get('ui-gauge') ?? []) assert.deepEqual([gauge.units, gauge.min, gauge.max], ['%', 0, 100]);
    const chart = widgets.get('ui-chart')![0];
    assert.deepEqual([chart.category, chart.categoryType], ['topic', 'msg'], 'one line per msg.topic');

    const [reader, commander] = byType('mpp-pi30');
    const fromReadings = downstreamOf(flow, reader.id);
    for (const title of ['Mode', 'Battery voltage', 'PV power']) assert.ok(fromReadings.has(widget('ui-text', title).id), `${title} is fed by the readings`);
    for (const node of [...(widgets.get('ui-gauge') ?? []), chart]) assert.ok(fromReadings.has(node.id), `${String(node.title ?? node.label)} is fed by the readings`);
    assert.ok(downstreamOf(flow, commander.id).has(widget('ui-text', 'Output source priority').id), 'the priority text shows command replies');

    const buttons = widgets.get('ui-button') ?? [];
    assert.deepEqual(buttons.map((b) => b.payload), ['POP00', 'POP01', 'POP02', 'QPIRI']);
    for (const button of buttons) {
      const reached = downstreamOf(flow, button.id);
      assert.ok(reached.has(commander.id), `${String(button.label)} reaches the command node`);
      assert.ok(!reached.has(reader.id), `${String(button.label)} never reaches the reading node`);
    }

    // The same base, theme and module hint as the Epever example, so importing both keeps one /dashboard.
    const epever = JSON.parse(readFileSync(join(EXAMPLE, '..', '..', 'epever-tracer', 'epever-to-websocket.json'), 'utf8')) as FlowNode[];
    for (const type of ['ui-base', 'ui-theme']) assert.deepEqual(byType(type)[0], epever.find((n) => n.type === type), `the same ${type}`);
    assert.deepEqual(byType('global-config')[0].modules, epever.find((n) => n.type === 'global-config')?.modules);
    const ids = new Set(epever.map((n) => n.id));
    for (const n of flow) if (ids.has(n.id)) assert.ok(['ui-base', 'ui-theme'].includes(n.type), `${n.id} (${n.type}) is not the Epever example's`);
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
      const nodes = [pi30PortNode, mppPi30Node, injectNode, functionNode, changeNode, commentNode, catchNode, mqttNodes];
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
        assert.deepEqual(fresh().map((m) => m.topic).sort(), [...topics].sort());
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

    it('feeds its dashboard widgets one value each: mode, SOC, load, battery voltage, PV power, a chart line per power', async () => {
      const shown = (type: string, title: string) => nextMessage(widget(type, title).id);
      const mode = shown('ui-text', 'Mode');
      const soc = shown('ui-gauge', 'Battery SOC');
      const load = shown('ui-gauge', 'AC output load');
      const voltage = shown('ui-text', 'Battery voltage');
      const pv = shown('ui-text', 'PV power');
      const chart = collect(widget('ui-chart', 'PV and AC output power, last hour').id);
      const whole = nextMessage(byName('ws /ws/solar/inverter/').id);
      getNode(byName('Inverter').id).receive({});
      const reading = (await whole).payload as { battery: { voltage: number; soc: number }; ac_output: { load: number; active_power: number }; pv: { charging_power: number } };

      assert.equal((await mode).payload, 'Battery');
      assert.equal((await soc).payload, reading.battery.soc);
      assert.equal((await load).payload, reading.ac_output.load);
      assert.equal((await voltage).payload, `${reading.battery.voltage.toFixed(2)} V`);
      assert.equal((await pv).payload, `${Math.round(reading.pv.charging_power)} W`);
      await waitFor(() => chart.length >= 2, 5000, 'two chart points');
      assert.deepEqual(
        chart.map((m) => [m.topic, m.payload]),
        [['PV charging power', reading.pv.charging_power], ['AC output power', reading.ac_output.active_power]],
      );
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
      assert.deepEqual(sim.received.filter((c) => c.startsWith('POP')), ['POP00', 'POP02']);
    });

    it("sets the priority from the dashboard's buttons too, and shows what the inverter acknowledged", async () => {
      const text = widget('ui-text', 'Output source priority').id;
      const button = (label: string) => {
        const node = flow.find((n) => n.type === 'ui-button' && n.label === label);
        if (!node) throw new Error(`no button ${label}`);
        // What a ui-button sends when clicked: its payload, and its topic setting as msg.topic.
        return () => getNode(byName('command from button').id).receive({ payload: node.payload, topic: '' });
      };
      const solar = nextMessage(text);
      button('Solar first')();
      assert.equal((await solar).payload, 'Solar first');
      const read = nextMessage(text);
      button('Read settings')();
      assert.equal((await read).payload, 'Solar first', 'read back with QPIRI');
      const sbu = nextMessage(text);
      button('SBU')();
      assert.equal((await sbu).payload, 'SBU (solar, battery, utility)');
      assert.deepEqual(sim.received.filter((c) => c.startsWith('POP')), ['POP01', 'POP02']);
    });
  });
});
