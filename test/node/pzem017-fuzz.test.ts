// Whatever arrives at a pzem017 node, it answers once (a message out or an error to Catch) and keeps working;
// and a model whose framing does not match a serial bus is said at deploy.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { COMMAND_NAMES } from '../../nodes/pzem017/commands';
import { PzemSimulator } from '../../nodes/pzem017/simulator';
import { catchNode, collect, getNode, helper, modbusBusNode, nextMessage, onTab, waitFor } from '../support/node-red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pzemNode = require('../../nodes/pzem017/pzem017');

describe('pzem017 input fuzzing', function () {
  this.timeout(60000);
  let server: TcpEndpoint;
  let meter: PzemSimulator;

  before(async () => {
    meter = new PzemSimulator({ unitId: 1 });
    server = await serveTcp([meter], { port: 0 });
    await helper.startServer();
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    await server.close();
  });

  it('answers 150 random messages exactly once each and still polls afterwards', async () => {
    await helper.load(
      [modbusBusNode, pzemNode, catchNode],
      onTab(
        [{ id: 'bus', type: 'modbus-bus', transport: 'tcp', host: '127.0.0.1', port: server.port, timeoutMs: 500 }],
        [
          // Writes allowed, so the fuzz reaches the range checks; set-address is left out (it would move the meter).
          { id: 'p', type: 'pzem017', bus: 'bus', unitId: 1, interval: 0, allowWrites: true, wires: [['out']] },
          { id: 'out', type: 'helper' },
          { id: 'catch', type: 'catch', scope: null, uncaught: true, wires: [['caught']] },
          { id: 'caught', type: 'helper' },
        ],
      ),
    );
    const out = collect('out');
    const caught = collect('caught');
    const names = COMMAND_NAMES.filter((c) => c !== 'set-address');
    const command = fc.oneof(fc.constantFrom(...names), fc.string(), fc.anything());
    const payload = fc.oneof(
      fc.anything(),
      fc.constantFrom(50, 100, 200, 300, '200A', 150, -1),
      fc.dictionary(fc.constantFrom('high_voltage', 'low_voltage', 'power', 'nonsense'), fc.oneof(fc.double(), fc.integer(), fc.string())),
    );
    const messages = fc.sample(fc.record({ command, payload }, { requiredKeys: [] }), { numRuns: 150, seed: 17 });
    const node = getNode('p');
    messages.forEach((msg, i) => node.receive({ ...(msg as Record<string, unknown>), fuzz: i }));
    await waitFor(() => out.length + caught.length >= messages.length, 45000, 'an answer to every message');
    const answered = [...out, ...caught].map((m) => m.fuzz as number).sort((a, b) => a - b);
    assert.deepEqual(
      answered,
      messages.map((_, i) => i),
      'each message answered exactly once',
    );
    assert.ok(caught.length > 0 && out.length > 0);
    assert.equal(meter.unitId, 1, 'the meter kept its address');
    const reading = nextMessage('out');
    node.receive({});
    assert.equal(typeof ((await reading).payload as { voltage: number }).voltage, 'number');
  });

  // The test runtime has no catalogs: the warning shows as its catalog key (the text is models.ts framingMismatch).
  for (const [bus, model, warns] of [
    [{ baudRate: 115200, stopBits: 1 }, 'PZEM-017', true],
    [{ baudRate: 9600, stopBits: 1 }, 'PZEM-003', true],
    [{ baudRate: 9600, stopBits: 2 }, 'PZEM-017', false],
    [{ baudRate: 9600, stopBits: 1 }, 'PZEM-004T', false],
  ] as const) {
    it(`${warns ? 'warns' : 'does not warn'} at deploy for a ${model} on a serial bus at ${bus.baudRate} 8N${bus.stopBits}`, async () => {
      await helper.unload();
      await helper.load(
        [modbusBusNode, pzemNode],
        onTab(
          [{ id: 'serialBus', type: 'modbus-bus', transport: 'serial', path: '/dev/no-such-port', ...bus }],
          [{ id: 'pz', type: 'pzem017', bus: 'serialBus', unitId: 1, interval: 0, model }],
        ),
      );
      const warned = helper
        .log()
        .args.map((a) => a[0] as { level?: number; msg?: unknown; id?: string })
        .filter((e) => e.id === 'pz' && e.level === 30 && e.msg === 'pzem017.warnings.framing');
      assert.equal(warned.length, warns ? 1 : 0);
    });
  }
});
