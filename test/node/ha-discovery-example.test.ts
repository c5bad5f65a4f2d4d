// The example flow examples/ha-discovery/epever-inverter-to-home-assistant.json in a real Node-RED with the core
// `mqtt in` / `mqtt out`, Status, Catch, switch and change nodes, against an MQTT broker (aedes, or MQTT_URL) and
// the Epever and PI30 simulators: what Home Assistant would receive, checked against HA's documented schema.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { COMPONENTS, schemaProblems, type Component } from '../../nodes/ha-discovery/platform-schema';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { PzemSimulator } from '../../nodes/pzem017/simulator';
import { servePi30Tcp } from '../../nodes/mpp-pi30/simulator/serve';
import { pointAtStandIns } from '../../scripts/demo/example-config';
import { startBroker, type TestBroker } from '../support/mqtt-broker';
import { catchNode, epeverTracerNode, getNode, helper, modbusBusNode, waitFor } from '../support/node-red';
import { readExample } from '../support/example-flow';

/* eslint-disable @typescript-eslint/no-require-imports */
const pi30PortNode = require('../../nodes/pi30-port/pi30-port');
const mppPi30Node = require('../../nodes/mpp-pi30/mpp-pi30');
const pzem017Node = require('../../nodes/pzem017/pzem017');
const haDiscoveryNode = require('../../nodes/ha-discovery/ha-discovery');
const statusNode = require('@node-red/nodes/core/common/25-status.js');
const injectNode = require('@node-red/nodes/core/common/20-inject.js');
const commentNode = require('@node-red/nodes/core/common/90-comment.js');
const changeNode = require('@node-red/nodes/core/function/15-change.js');
const switchNode = require('@node-red/nodes/core/function/10-switch.js');
const mqttNodes = require('@node-red/nodes/core/network/10-mqtt.js');
/* eslint-enable @typescript-eslint/no-require-imports */

interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

// Compiled, this file is <build>/test/node/; the example stays in the checkout's examples/.
const EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'ha-discovery', 'epever-inverter-to-home-assistant.json');
const flow = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
const byType = (type: string) => flow.filter((n) => n.type === type);
const idOf = (name: string) => {
  const node = flow.find((n) => n.name === name);
  if (!node) throw new Error(`no node named ${name}`);
  return node.id;
};
const NODES = [
  pzem017Node,
  modbusBusNode,
  epeverTracerNode,
  pi30PortNode,
  mppPi30Node,
  haDiscoveryNode,
  statusNode,
  catchNode,
  injectNode,
  commentNode,
  changeNode,
  switchNode,
  mqttNodes,
];
const NOON = new Date('2026-06-21T12:00:00Z');

interface Received {
  topic: string;
  text: string;
  retain: boolean;
}

async function subscriber(url: string, filters: string[]): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await connectAsync(url, { clean: true, reconnectPeriod: 0 });
  const received: Received[] = [];
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) =>
    received.push({ topic, text: payload.toString(), retain: packet.retain }),
  );
  await client.subscribeAsync(filters, { qos: 0 });
  return { client, received };
}

/** What a client connecting now gets at once: the broker's retained messages under `filters`. */
async function retained(url: string, filters: string[], settleMs = 300): Promise<Map<string, string>> {
  const late = await subscriber(url, filters);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  await late.client.endAsync();
  assert.ok(
    late.received.every((m) => m.retain),
    'only retained messages arrive at once',
  );
  return new Map(late.received.filter((m) => m.text !== '').map((m) => [m.topic, m.text]));
}

const configs = (messages: Map<string, string> | Received[]) => {
  const entries = messages instanceof Map ? [...messages] : messages.map((m) => [m.topic, m.text] as const);
  return entries
    .filter(([topic, text]) => topic.startsWith('homeassistant/') && topic.endsWith('/config') && text !== '')
    .map(([topic, text]) => ({ topic, component: topic.split('/')[1] as Component, config: JSON.parse(text) as Record<string, unknown> }));
};

const stateOf = (messages: Received[], device: string) =>
  messages.filter((m) => m.topic === `solar/${device}/state` && m.text !== '').map((m) => JSON.parse(m.text) as Record<string, unknown>);

describe('example flow examples/ha-discovery/epever-inverter-to-home-assistant.json', function () {
  this.timeout(20000);
  let broker: TestBroker;
  let brokerUrl: URL;
  let epever: EpeverSimulator;
  let inverter: Pi30Simulator;
  let epeverServer: TcpEndpoint;
  let inverterServer: TcpEndpoint;
  let meterServer: TcpEndpoint;
  let live: { client: MqttClient; received: Received[] };

  it('wires the device nodes, HA birth, commands, a Status and a Catch node into the node; the broker node has its will and birth', () => {
    const ha = byType('ha-discovery')[0];
    assert.equal(ha.controls, true);
    for (const name of [
      'Epever',
      'Inverter',
      'Battery meter',
      'Solar meter',
      'HA birth',
      'commands from HA',
      'device status',
      'device errors',
      'house reading',
      'weather reading',
    ])
      assert.deepEqual(flow.find((n) => n.id === idOf(name))?.wires, [[ha.id]], `${name} goes to ha-discovery`);
    assert.deepEqual(ha.wires, [[idOf('to the broker')], [idOf('to the device')]]);
    assert.deepEqual(flow.find((n) => n.id === idOf('to the device'))?.wires, [[idOf('Epever')], [idOf('Inverter')]]);
    for (const type of ['status', 'catch'])
      assert.deepEqual(byType(type)[0].scope, [idOf('Epever'), idOf('Inverter'), idOf('Battery meter'), idOf('Solar meter')]);
    const pzemExample = readExample('pzem017', 'dc-meters-to-timescale.json');
    assert.deepEqual(
      byType('pzem017').map((n) => n.bus),
      [pzemExample.find((n) => n.type === 'modbus-bus')?.id, pzemExample.find((n) => n.type === 'modbus-bus')?.id],
      "the meters are on the PZEM examples' own bus (one bus per serial port, whichever examples are imported)",
    );
    const mqttBroker = byType('mqtt-broker')[0];
    assert.deepEqual([mqttBroker.broker, mqttBroker.port], ['localhost', '1883']);
    for (const kind of ['birth', 'close', 'will']) {
      assert.equal(mqttBroker[`${kind}Topic`], 'solar/node-red/status', kind);
      assert.equal(mqttBroker[`${kind}Retain`], 'true', kind);
      assert.equal(mqttBroker[`${kind}Payload`], kind === 'birth' ? 'online' : 'offline', kind);
    }
    assert.ok(!flow.some((n) => n.type.startsWith('ui-')), 'no dashboard nodes');
    const ids = new Set(flow.map((n) => n.id));
    assert.equal(ids.size, flow.length, 'ids are unique');
  });

  describe('running against the simulators and a broker', () => {
    before(async () => {
      broker = await startBroker();
      brokerUrl = new URL(broker.url);
    });

    after(async () => {
      await broker?.close();
    });

    /** The example pointed at the simulators and the test broker; the devices are polled by the test alone. */
    function runnable(changes: Record<string, Record<string, unknown>> = {}): FlowNode[] {
      const local = (port: number) => ({ host: '127.0.0.1', port });
      const pointed = pointAtStandIns(flow, {
        epever: local(epeverServer.port),
        pzem: local(meterServer.port),
        inverter: local(inverterServer.port),
        mqtt: { host: brokerUrl.hostname, port: Number(brokerUrl.port || 1883) },
      });
      return pointed.map((n) => {
        let node: FlowNode = { ...n };
        if (n.type === 'modbus-bus' && n.name === 'Epever bus') node = { ...node, timeoutMs: 300, retries: 0, backoffMaxMs: 1000 };
        if (n.type === 'pi30-port') node = { ...node, timeoutMs: 1000 };
        if (n.type === 'epever-tracer' || n.type === 'mpp-pi30' || n.type === 'pzem017') node = { ...node, interval: 0 };
        return { ...node, ...(changes[String(n.name)] ?? {}) };
      });
    }

    function credentials(): Record<string, { user: string; password: string }> {
      if (!brokerUrl.username) return {};
      return { [byType('mqtt-broker')[0].id]: { user: decodeURIComponent(brokerUrl.username), password: decodeURIComponent(brokerUrl.password) } };
    }

    async function start(changes: Record<string, Record<string, unknown>> = {}): Promise<void> {
      await helper.startServer();
      await helper.load(NODES, runnable(changes), credentials());
      await waitFor(() => getNode(byType('mqtt-broker')[0].id).connected === true, 10000, 'the mqtt-broker node to connect');
      // The mqtt in nodes subscribe once connected; give the broker their subscriptions before HA "speaks".
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    async function stop(): Promise<void> {
      await helper.unload();
      await helper.stopServer();
    }

    /** Polls a device node and waits for its state JSON on the broker. */
    async function poll(name: string, device: string): Promise<Record<string, unknown>> {
      const before = stateOf(live.received, device).length;
      getNode(idOf(name)).receive({});
      await waitFor(() => stateOf(live.received, device).length > before, 5000, `${device}'s state`);
      return stateOf(live.received, device).at(-1)!;
    }

    beforeEach(async () => {
      epever = new EpeverSimulator({ unitId: 1, now: () => NOON });
      epeverServer = await serveTcp([epever], { port: 0 });
      inverter = new Pi30Simulator({ now: () => NOON });
      inverterServer = await servePi30Tcp(inverter, { port: 0 });
      meterServer = await serveTcp(
        [1, 2].map((unitId) => new PzemSimulator({ unitId, phase: unitId })),
        { port: 0 },
      );
      live = await subscriber(broker.url, ['homeassistant/#', 'solar/#']);
    });

    afterEach(async () => {
      await stop().catch(() => undefined);
      // Leave no retained topics behind on a shared broker (MQTT_URL).
      const left = await retained(broker.url, ['homeassistant/#', 'solar/#'], 200);
      for (const topic of left.keys()) await live.client.publishAsync(topic, '', { retain: true });
      await live.client.endAsync();
      await epeverServer.close();
      await inverterServer.close();
      await meterServer.close();
    });

    it('publishes every entity of both devices retained, each config valid for its Home Assistant platform', async () => {
      await start();
      await poll('Epever', 'epever');
      await poll('Inverter', 'inverter');
      const kept = await retained(broker.url, ['homeassistant/#', 'solar/#']);
      const all = configs(kept);
      assert.ok(all.length > 60, `${all.length} entities`);
      for (const { topic, component, config } of all) {
        assert.ok(COMPONENTS.includes(component), topic);
        assert.deepEqual(schemaProblems(component, config), [], topic);
        assert.match(topic, /^homeassistant\/(sensor|binary_sensor|switch|select)\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/);
      }
      const ids = all.map((c) => c.config.unique_id);
      assert.equal(new Set(ids).size, ids.length, 'unique ids are unique');
      const one = (id: string) => all.find((c) => c.config.unique_id === id)!;
      assert.equal(one('solar_telemetry_epever_load').component, 'switch');
      assert.equal(one('solar_telemetry_inverter_output_source_priority').component, 'select');
      assert.equal(one('solar_telemetry_inverter_charger_source_priority').component, 'select');
      assert.deepEqual(one('solar_telemetry_epever_energy_total_kwh').config.state_class, 'total_increasing');
      assert.equal(kept.get('solar/epever/availability'), 'online');
      assert.equal(kept.get('solar/inverter/availability'), 'online');
      assert.equal(kept.get('solar/node-red/status'), 'online', "the broker node's birth message");
      const state = JSON.parse(kept.get('solar/inverter/state')!) as Record<string, unknown>;
      assert.equal(state.settings_output_source_priority, 'sbu');
      assert.equal(typeof state.battery_voltage, 'number');
    });

    it('brings the PZEM meters in with their energy counter and alarms, each config valid', async () => {
      await start();
      await poll('Battery meter', 'battery');
      await poll('Solar meter', 'solar');
      const kept = await retained(broker.url, ['homeassistant/#', 'solar/#']);
      const meters = configs(kept).filter((c) => /^solar_telemetry_(battery|solar)_/.test(String(c.config.unique_id)));
      for (const { topic, component, config } of meters) assert.deepEqual(schemaProblems(component, config), [], topic);
      const one = (id: string) => meters.find((c) => c.config.unique_id === id)!;
      for (const meter of ['battery', 'solar']) {
        assert.deepEqual(
          [one(`solar_telemetry_${meter}_voltage`).config.device_class, one(`solar_telemetry_${meter}_voltage`).config.unit_of_measurement],
          ['voltage', 'V'],
        );
        assert.equal(one(`solar_telemetry_${meter}_energy_wh`).config.state_class, 'total_increasing');
        assert.equal(one(`solar_telemetry_${meter}_low_voltage_alarm`).component, 'binary_sensor');
        assert.equal(kept.get(`solar/${meter}/availability`), 'online');
        assert.equal(typeof (JSON.parse(kept.get(`solar/${meter}/state`)!) as Record<string, unknown>).power, 'number');
      }
    });

    it("publishes every config again when Home Assistant's birth message arrives", async () => {
      await start();
      await poll('Epever', 'epever');
      const first = configs(live.received).map((c) => c.topic);
      live.received.length = 0;
      await live.client.publishAsync('homeassistant/status', 'online');
      await waitFor(() => configs(live.received).length >= first.length, 5000, 'the configs again');
      assert.deepEqual(
        configs(live.received)
          .map((c) => c.topic)
          .sort(),
        [...first].sort(),
      );
    });

    it('marks a device offline when it stops answering and online with its next reading', async () => {
      await start();
      await poll('Epever', 'epever');
      const availability = () => live.received.filter((m) => m.topic === 'solar/epever/availability').map((m) => m.text);
      assert.deepEqual(availability(), ['online']);
      epever.faults.silent = true;
      getNode(idOf('Epever')).receive({});
      await waitFor(() => availability().at(-1) === 'offline', 5000, 'offline');
      assert.equal(live.received.filter((m) => m.topic === 'solar/inverter/availability' && m.text === 'offline').length, 0, 'only that device');
      epever.faults.silent = false;
      // The bus leaves a silent device alone for a while (backoff, at most 1 s here): ask until it is asked again.
      const asking = setInterval(() => getNode(idOf('Epever')).receive({}), 300);
      try {
        await waitFor(() => availability().at(-1) === 'online', 8000, 'online again');
      } finally {
        clearInterval(asking);
      }
      assert.equal(availability().at(-1), 'online');
    });

    it('switches the Epever load and sets the inverter priority from Home Assistant when writes are on', async () => {
      await start();
      await poll('Epever', 'epever');
      await poll('Inverter', 'inverter');
      assert.equal(epever.readBits('coil', 2, 1)[0], true, 'the load starts on');
      await live.client.publishAsync('solar/epever/load/set', 'OFF');
      await waitFor(() => stateOf(live.received, 'epever').at(-1)?.command_result === 'done: load OFF', 5000, 'the load command done');
      assert.equal(epever.readBits('coil', 2, 1)[0], false, 'the simulator load is off');
      assert.equal(stateOf(live.received, 'epever').at(-1)?.status_discharging_running, false, 'the switch shows off');

      await live.client.publishAsync('solar/inverter/output_source_priority/set', 'utility_first');
      await waitFor(() => String(stateOf(live.received, 'inverter').at(-1)?.command_result).startsWith('done'), 5000, 'the priority set');
      assert.equal(inverter.settings().outputSourcePriority, 0, 'POP00 reached the simulator');
      assert.equal((await poll('Inverter', 'inverter')).settings_output_source_priority, 'utility_first');
    });

    it('refuses commands when the device node does not allow writes, and says so in the state', async () => {
      await start({ Epever: { allowWrites: false } });
      await poll('Epever', 'epever');
      await live.client.publishAsync('solar/epever/load/set', 'OFF');
      await waitFor(() => String(stateOf(live.received, 'epever').at(-1)?.command_result).startsWith('refused'), 5000, 'the refusal');
      const state = stateOf(live.received, 'epever').at(-1)!;
      assert.match(String(state.command_result), /allow writes/);
      assert.equal(state.status_discharging_running, true, 'the switch keeps showing on');
      assert.equal(epever.readBits('coil', 2, 1)[0], true, 'the load is still on');
      assert.equal(live.received.filter((m) => m.topic === 'solar/epever/availability' && m.text === 'offline').length, 0, 'a refusal is no outage');
    });

    it('removes a device from Home Assistant with empty retained configs', async () => {
      await start();
      await poll('Epever', 'epever');
      await live.client.publishAsync('house/living_temperature', '21.5');
      await waitFor(() => stateOf(live.received, 'house').length > 0, 5000, 'the house reading');
      const house = configs(await retained(broker.url, ['homeassistant/+/house/#']));
      assert.deepEqual(
        house.map((c) => [c.config.device_class, c.config.unit_of_measurement]),
        [['temperature', '°C']],
      );

      getNode(byType('ha-discovery')[0].id).receive({ command: 'remove', device: 'epever' });
      await waitFor(
        () => live.received.some((m) => m.topic === 'homeassistant/switch/epever/load/config' && m.text === ''),
        5000,
        'the empty config',
      );
      const left = await retained(broker.url, ['homeassistant/#']);
      assert.deepEqual(
        [...left.keys()].filter((t) => t.includes('/epever/')),
        [],
        'no entity of the device is left',
      );
      assert.ok(
        [...left.keys()].some((t) => t.includes('/house/')),
        'other devices stay',
      );
    });

    it('keeps the same topics and unique ids across a redeploy', async () => {
      await start();
      await poll('Epever', 'epever');
      const before = configs(live.received).map((c) => `${c.topic} ${String(c.config.unique_id)}`);
      await stop();
      live.received.length = 0;
      await start();
      await poll('Epever', 'epever');
      const after = configs(live.received).map((c) => `${c.topic} ${String(c.config.unique_id)}`);
      assert.deepEqual(after.sort(), before.sort());
    });
  });
});
