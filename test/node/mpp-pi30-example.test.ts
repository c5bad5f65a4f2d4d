// The example flow examples/mpp-pi30/inverter-dashboard-mqtt.json, run in Node-RED against the simulator: its
// MQTT output (stood in for by a helper, no broker needed) gets one message per field, and its buttons set the
// output source priority through the one node that may write.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { servePi30Tcp, type TcpEndpoint } from '../../nodes/mpp-pi30/sim-serve';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator';
import { catchNode, collect, getNode, helper, nextMessage, type Msg } from '../support/node-red';

/* eslint-disable @typescript-eslint/no-require-imports */
const pi30PortNode = require('../../nodes/pi30-port/pi30-port');
const mppPi30Node = require('../../nodes/mpp-pi30/mpp-pi30');
const injectNode = require('@node-red/nodes/core/common/20-inject.js');
const functionNode = require('@node-red/nodes/core/function/10-function.js');
const commentNode = require('@node-red/nodes/core/common/90-comment.js');
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

/** The example pointed at the simulator, with its MQTT, WebSocket and debug outputs as helpers. */
function runnable(port: number): FlowNode[] {
  return flow
    .filter((n) => !['mqtt-broker', 'websocket-listener'].includes(n.type))
    .map((n) => {
      if (n.type === 'pi30-port') return { ...n, host: '127.0.0.1', port, timeoutMs: 1000 };
      // Polled by the test alone, so it knows which reading it counts.
      if (n.type === 'mpp-pi30') return { ...n, interval: 0 };
      if (['mqtt out', 'websocket out', 'debug'].includes(n.type)) return { id: n.id, type: 'helper', z: n.z, wires: [] };
      return { ...n };
    });
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
  });

  describe('running against the simulator', () => {
    beforeEach(async () => {
      sim = new Pi30Simulator({ now: () => new Date('2026-06-21T12:00:00Z') });
      server = await servePi30Tcp(sim, { port: 0 });
      await helper.startServer();
      await helper.load([pi30PortNode, mppPi30Node, injectNode, functionNode, commentNode, catchNode], runnable(server.port));
    });

    afterEach(async () => {
      await helper.unload();
      await helper.stopServer();
      await server.close();
    });

    it('publishes one MQTT message per field on solar/inverter/<field>', async () => {
      const mqtt = collect(byName('solar/inverter/<field>').id);
      const whole = nextMessage(byName('ws /ws/solar/inverter/').id);
      getNode(byName('Inverter').id).receive({});
      const reading = await whole;
      const fields = Object.entries(reading.payload as Record<string, unknown>)
        .filter(([k]) => k !== 'timestamp')
        .reduce((n, [, v]) => n + (typeof v === 'object' && v !== null ? Object.keys(v).length : 1), 0);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(mqtt.length, fields, 'one message per field');
      const byTopic = new Map(mqtt.map((m: Msg) => [m.topic, m.payload]));
      assert.equal(typeof byTopic.get('solar/inverter/battery_voltage'), 'number');
      assert.equal(typeof byTopic.get('solar/inverter/ac_output_active_power'), 'number');
      assert.equal(byTopic.get('solar/inverter/mode'), 'battery');
      assert.equal(typeof byTopic.get('solar/inverter/warnings_line_fail'), 'boolean');
      for (const topic of byTopic.keys()) assert.match(String(topic), /^solar\/inverter\/[a-z0-9_]+$/);
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
  });
});
