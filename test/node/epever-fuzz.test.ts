// Whatever arrives at the node's input, it answers once (a message out or an error to Catch) and keeps working.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { COMMAND_NAMES } from '../../nodes/epever-tracer/commands';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { catchNode, collect, epeverTracerNode, getNode, helper, modbusBusNode, nextMessage, onTab, waitFor } from '../support/node-red';

describe('epever-tracer input fuzzing', function () {
  this.timeout(60000);
  let server: TcpEndpoint;

  before(async () => {
    server = await serveTcp([new EpeverSimulator({ unitId: 1, now: () => new Date('2026-03-01T10:00:00Z') })], { port: 0 });
    await helper.startServer();
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    await server.close();
  });

  it('answers 150 random messages exactly once each and still polls afterwards', async () => {
    await helper.load(
      [modbusBusNode, epeverTracerNode, catchNode],
      onTab(
        [{ id: 'bus', type: 'modbus-bus', transport: 'tcp', host: '127.0.0.1', port: server.port, timeoutMs: 500 }],
        [
          { id: 'e', type: 'epever-tracer', bus: 'bus', unitId: 1, interval: 0, allowWrites: true, wires: [['out']] },
          { id: 'out', type: 'helper' },
          { id: 'catch', type: 'catch', scope: null, uncaught: true, wires: [['caught']] },
          { id: 'caught', type: 'helper' },
        ],
      ),
    );
    const out = collect('out');
    const caught = collect('caught');
    const command = fc.oneof(fc.constantFrom(...COMMAND_NAMES), fc.string(), fc.anything());
    const payload = fc.oneof(
      fc.anything(),
      fc.dictionary(fc.constantFrom('float_voltage', 'boost_voltage', 'battery_type', 'capacity_ah', 'nonsense'), fc.oneof(fc.double(), fc.integer(), fc.string())),
    );
    const messages = fc.sample(fc.record({ command, payload }, { requiredKeys: [] }), { numRuns: 150, seed: 42 });
    const node = getNode('e');
    // Spread: fast-check makes null-prototype records, which no Node-RED message ever is.
    messages.forEach((msg, i) => node.receive({ ...(msg as Record<string, unknown>), fuzz: i }));
    await waitFor(() => out.length + caught.length >= messages.length, 45000, 'an answer to every message');
    const answered = [...out, ...caught].map((m) => m.fuzz as number).sort((a, b) => a - b);
    assert.deepEqual(answered, messages.map((_, i) => i), 'each message answered exactly once');
    assert.ok(caught.length > 0 && out.length > 0);
    const reading = nextMessage('out');
    node.receive({});
    assert.ok(((await reading).payload as { battery: object }).battery);
  });
});
