// The Node-RED side of the sink pipeline, with a fake store: one log line per outage and per refusal, the
// red status of a refusal, the line when the store answers again, and a bad message refused alone.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { runSinkNode } from '../../nodes/common/sink/sink-node';
import type { Failure, Sink, WriteOutcome } from '../../nodes/common/sink/sink';
import { catchNode, collect, getNode, helper, onTab, statuses, waitFor } from '../support/node-red';

const ERROR = 20;
const WARN = 30;
const INFO = 40;

interface Sample {
  n: number;
}

/** A store that can be unreachable or refuse the writer; thrown errors carry their kind. */
const store = {
  failure: undefined as Failure | undefined,
  stored: [] as number[],
  attempts: 0,
};

const fakeSink: Sink<Sample> = {
  async write(rows): Promise<WriteOutcome> {
    store.attempts += 1;
    if (store.failure)
      throw Object.assign(new Error(store.failure.kind === 'refusal' ? '401 unauthorized' : 'connect ECONNREFUSED'), { failure: store.failure });
    store.stored.push(...rows.map((r) => r.n));
    return { inserted: rows.length, duplicates: 0, rejected: [], emptied: [] };
  },
  classify: (err) => (err as Error & { failure?: Failure }).failure ?? { kind: 'outage' },
};

/** A sink node as a new sink would write it: a row from a message, and the shared pipeline. */
function fakeSinkNode(RED: NodeAPI): void {
  // Texts as "key {vars}", so a test sees which key was used.
  RED._ = ((key: string, vars?: Record<string, unknown>) => (vars ? `${key} ${JSON.stringify(vars)}` : key)) as NodeAPI['_'];
  RED.nodes.registerType('fake-sink', function (this: Node, def: NodeDef & { spoolDir: string }) {
    RED.nodes.createNode(this, def);
    runSinkNode<Sample>({
      RED,
      node: this,
      type: 'fake-sink',
      sink: fakeSink,
      toRow: (msg: NodeMessageInFlow) => {
        if (typeof msg.payload !== 'number') throw new TypeError('payload must be a number');
        return { n: msg.payload };
      },
      batchRows: 5,
      batchMs: 20,
      spoolMaxBytes: 1024 * 1024,
      spoolDir: def.spoolDir,
      retry: { initialMs: 200, maxMs: 400 },
    });
  });
}

describe('sink: the sink node', function () {
  this.timeout(20_000);
  let spoolDir: string;

  before(() => helper.startServer());
  after(() => helper.stopServer());

  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'sink-node-'));
    store.failure = undefined;
    store.stored = [];
    store.attempts = 0;
  });

  afterEach(async () => {
    await helper.unload();
    await rm(spoolDir, { recursive: true, force: true });
  });

  const load = () =>
    helper.load(
      [fakeSinkNode, catchNode],
      onTab(
        [],
        [
          { id: 'out', type: 'fake-sink', spoolDir },
          { id: 'catch', type: 'catch', scope: ['out'], uncaught: false, wires: [['caught']] },
          { id: 'caught', type: 'helper' },
        ],
      ),
    );
  const logged = (level: number, key: string) =>
    helper
      .log()
      .args.map((a) => a[0] as { level: number; id?: string; msg?: unknown })
      .filter((l) => l.level === level && l.id === 'out' && String(l.msg).startsWith(key));

  it('logs a refusal once and shows it red, keeps the rows, and says when the store takes them', async () => {
    store.failure = { kind: 'refusal', reason: 'auth' };
    await load();
    const seen = statuses('out');
    for (let n = 0; n < 5; n++) getNode('out').receive({ payload: n });
    await waitFor(() => seen.some((s) => s.fill === 'red' && String(s.text).startsWith('fake-sink.status.auth')), 5000, 'the refusal shown');
    // The first retry comes after a second and is refused again: still one line.
    for (let n = 5; n < 10; n++) getNode('out').receive({ payload: n });
    await waitFor(() => store.attempts >= 2, 5000, 'a retry');
    assert.equal(logged(ERROR, 'fake-sink.log.auth').length, 1);
    assert.equal(logged(WARN, 'fake-sink.log.down').length, 0, 'a refusal is not reported as an outage');
    store.failure = { kind: 'outage' };
    await waitFor(() => logged(WARN, 'fake-sink.log.down').length === 1, 5000, 'the outage logged');
    store.failure = undefined;
    await waitFor(() => store.stored.length === 10, 8000, 'the rows written once the store takes them');
    assert.deepEqual(store.stored, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(logged(INFO, 'fake-sink.log.up').length, 1);
    assert.equal(logged(ERROR, 'fake-sink.log.auth').length, 1);
    assert.equal(logged(WARN, 'fake-sink.log.down').length, 1);
  });

  it('refuses a message that is no row alone, through Catch, and stores the next', async () => {
    await load();
    const caught = collect('caught');
    getNode('out').receive({ payload: 'x' });
    getNode('out').receive({ payload: 1 });
    await waitFor(() => caught.length === 1 && store.stored.length === 1, 5000, 'the bad message caught, the good one stored');
    assert.match(String((caught[0].error as { message: string }).message), /payload must be a number/);
    assert.deepEqual(store.stored, [1]);
  });
});
