// The batch writer with batches per key and several in flight: how many at once, one per key at a time,
// each key's order, and a failed batch among written ones.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { BatchQueue } from '../../nodes/common/sink/batch-queue';
import { BatchWriter } from '../../nodes/common/sink/batch-writer';
import type { Sink, WriteContext, WriteOutcome } from '../../nodes/common/sink/sink';
import type { SpoolPort } from '../../nodes/common/sink/spool-port';

interface Point {
  series: string;
  n: number;
}

class MemorySpool implements SpoolPort<Point> {
  batches: { id: number; rows: Point[] }[] = [];
  private nextId = 1;
  async append(rows: readonly Point[]): Promise<void> {
    this.batches.push({ id: this.nextId++, rows: [...rows] });
  }
  async peek() {
    return this.batches[0];
  }
  async ack(id: number): Promise<void> {
    assert.equal(this.batches[0]?.id, id);
    this.batches.shift();
  }
  get stats() {
    return { rows: this.batches.reduce((n, b) => n + b.rows.length, 0), droppedRows: 0 };
  }
  get isEmpty() {
    return this.batches.length === 0;
  }
  async close(): Promise<void> {}
}

/** Holds every write until released, so the test sees what is in flight together. */
class GatedStore implements Sink<Point> {
  readonly events = new EventEmitter();
  held: { key: string; rows: readonly Point[]; release: () => void; fail: (err: Error) => void }[] = [];
  inflight = new Set<string>();
  most = 0;
  perSeries = new Map<string, number[]>();

  async write(rows: readonly Point[], context: WriteContext): Promise<WriteOutcome> {
    const key = context.key ?? '';
    assert.ok(!this.inflight.has(key), `two batches of ${key} at once`);
    this.inflight.add(key);
    this.most = Math.max(this.most, this.inflight.size);
    try {
      await new Promise<void>((release, fail) => {
        this.held.push({ key, rows, release, fail });
        this.events.emit('held');
      });
    } finally {
      this.inflight.delete(key);
    }
    for (const row of rows) this.perSeries.set(row.series, [...(this.perSeries.get(row.series) ?? []), row.n]);
    this.events.emit('written');
    return { inserted: rows.length, duplicates: 0, rejected: [], emptied: [] };
  }

  /** Resolves once `count` writes are held. */
  holding(count: number): Promise<void> {
    return new Promise((resolve) => {
      const look = () => {
        if (this.held.length < count) return;
        this.events.off('held', look);
        resolve();
      };
      this.events.on('held', look);
      look();
    });
  }

  releaseAll(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) h.release();
  }
}

/** Counts settled rows and resolves `all(n)` once n have settled, without a clock. */
function settleCounter() {
  const events = new EventEmitter();
  const errors: (Error | undefined)[] = [];
  return {
    errors,
    settle: (err?: Error) => {
      errors.push(err);
      events.emit('settled');
    },
    all: (n: number) =>
      new Promise<void>((resolve) => {
        const look = () => errors.length >= n && (events.off('settled', look), resolve());
        events.on('settled', look);
        look();
      }),
  };
}

/** Releases every held write, wave after wave, until `n` rows have settled. */
async function releaseUntil(store: GatedStore, counter: ReturnType<typeof settleCounter>, n: number): Promise<void> {
  const done = counter.all(n);
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    store.releaseAll();
    await Promise.race([store.holding(1), done]);
  }
}

describe('sink: several batches in flight', () => {
  let writer: BatchWriter<Point> | undefined;

  afterEach(async () => {
    await writer?.close(200);
    writer = undefined;
  });

  function start(store: Sink<Point>, spool: MemorySpool, options: { keyed: boolean; concurrency: number }) {
    writer = new BatchWriter(store, spool, {
      batchRows: 2,
      batchMs: 10_000,
      retry: { initialMs: 20, maxMs: 40 },
      concurrency: options.concurrency,
      ...(options.keyed ? { keyOf: (p: Point) => p.series } : {}),
    });
    writer.start();
    return writer;
  }

  it('writes up to `concurrency` batches of different keys at once, one per key, each key in order', async () => {
    const store = new GatedStore();
    const w = start(store, new MemorySpool(), { keyed: true, concurrency: 3 });
    const counter = settleCounter();
    // Five keys, three full batches each, interleaved.
    for (let n = 0; n < 6; n++) for (const series of ['a', 'b', 'c', 'd', 'e']) w.add({ series, n }, counter.settle);
    await store.holding(3);
    await new Promise(setImmediate);
    assert.equal(store.held.length, 3, 'three batches at once, no more');
    assert.equal(new Set(store.held.map((h) => h.key)).size, 3, 'each of another key');
    await releaseUntil(store, counter, 30);
    assert.deepEqual(
      counter.errors,
      Array.from({ length: 30 }, () => undefined),
    );
    assert.equal(store.most, 3);
    for (const series of ['a', 'b', 'c', 'd', 'e']) assert.deepEqual(store.perSeries.get(series), [0, 1, 2, 3, 4, 5], series);
  });

  it('starts the next batch as soon as one write ends, while another write still runs', async () => {
    const store = new GatedStore();
    const w = start(store, new MemorySpool(), { keyed: true, concurrency: 2 });
    const counter = settleCounter();
    for (let n = 0; n < 2; n++) for (const series of ['a', 'b', 'c']) w.add({ series, n }, counter.settle);
    await store.holding(2);
    const [a, b] = store.held;
    assert.deepEqual([a.key, b.key], ['a', 'b']);
    store.held = [];
    b.release();
    await store.holding(1);
    assert.deepEqual(
      store.held.map((h) => h.key),
      ['c'],
      "c's batch starts while a's write still runs",
    );
    assert.deepEqual(store.perSeries.get('a'), undefined, 'a is still being written');
    a.release();
    store.releaseAll();
    await counter.all(6);
    assert.deepEqual(
      counter.errors,
      Array.from({ length: 6 }, () => undefined),
    );
  });

  it('writes up to perKey batches of one key at once and settles them in order, whichever write ends first', async () => {
    const spool = new MemorySpool();
    const held: { rows: readonly Point[]; end: (err?: Error) => void }[] = [];
    const events = new EventEmitter();
    const store: Sink<Point> = {
      write: (rows) =>
        new Promise((resolve, reject) => {
          held.push({ rows, end: (err) => (err ? reject(err) : resolve({ inserted: rows.length, duplicates: 0, rejected: [], emptied: [] })) });
          events.emit('held');
        }),
    };
    writer = new BatchWriter(store, spool, {
      batchRows: 2,
      batchMs: 10_000,
      retry: { initialMs: 60_000, maxMs: 60_000 },
      keyOf: (p: Point) => p.series,
      concurrency: 4,
      perKey: 2,
    });
    writer.start();
    const settled: string[] = [];
    for (let n = 0; n < 6; n++) writer.add({ series: 'a', n }, (err) => settled.push(`a${n}${err ? ' failed' : ''}`));
    while (held.length < 2) await new Promise((resolve) => events.once('held', resolve));
    await new Promise(setImmediate);
    assert.equal(held.length, 2, 'two batches of a at once, not three');
    assert.deepEqual(
      held.map((h) => h.rows.map((r) => r.n)),
      [
        [0, 1],
        [2, 3],
      ],
    );
    // The second write ends first: its rows wait for the first batch's.
    held[1].end();
    await new Promise(setImmediate);
    assert.deepEqual(settled, []);
    // The first fails: it goes to the spool, and so does the third batch, behind it.
    const down = new Promise((resolve) => writer?.once('down', resolve));
    held[0].end(new Error('connection terminated'));
    await down;
    while (settled.length < 6) await new Promise(setImmediate);
    assert.deepEqual(settled, ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'], 'in order; spooled rows are kept, not failed');
    assert.deepEqual(
      spool.batches.map((batch) => batch.rows.map((r) => r.n)),
      [
        [0, 1],
        [4, 5],
      ],
    );
  });

  it('writes one batch at a time without a key, whatever the concurrency', async () => {
    const store = new GatedStore();
    const w = start(store, new MemorySpool(), { keyed: false, concurrency: 4 });
    const counter = settleCounter();
    for (let n = 0; n < 8; n++) w.add({ series: n % 2 ? 'a' : 'b', n }, counter.settle);
    await store.holding(1);
    // Give the loop every chance to start another write: none may start while one is held.
    await new Promise(setImmediate);
    assert.equal(store.held.length, 1);
    await releaseUntil(store, counter, 8);
    assert.equal(store.most, 1);
  });

  it('spools a failed batch among written ones, and keeps its key in order behind it', async () => {
    const store = new GatedStore();
    const spool = new MemorySpool();
    const w = start(store, spool, { keyed: true, concurrency: 2 });
    const counter = settleCounter();
    for (const [series, n] of [
      ['a', 0],
      ['b', 0],
      ['a', 1],
      ['b', 1],
    ] as const)
      w.add({ series, n }, counter.settle);
    await store.holding(2);
    assert.deepEqual(
      store.held.map((h) => h.key),
      ['a', 'b'],
    );
    const down = new Promise((resolve) => w.once('down', resolve));
    const [a, b] = store.held;
    store.held = [];
    a.fail(new Error('connection terminated'));
    b.release();
    await down;
    await counter.all(4);
    // b was written; a's batch is in the spool, so a's next batch waits behind it there.
    for (const n of [2, 3]) w.add({ series: 'a', n }, counter.settle);
    await counter.all(6);
    assert.deepEqual(
      spool.batches.map((batch) => batch.rows.map((r) => `${r.series}${r.n}`)),
      [
        ['a0', 'a1'],
        ['a2', 'a3'],
      ],
    );
    assert.deepEqual(store.perSeries.get('b'), [0, 1]);
    // Back up: the replays come one at a time, oldest first.
    const replayed = new Promise<void>((resolve) => {
      const look = () => spool.isEmpty && resolve();
      store.events.on('written', () => setImmediate(look));
    });
    let empty = false;
    void replayed.then(() => (empty = true));
    while (!empty) {
      store.releaseAll();
      await Promise.race([store.holding(1), replayed]);
    }
    assert.equal(store.most, 2);
    assert.deepEqual(store.perSeries.get('a'), [0, 1, 2, 3]);
    assert.deepEqual(
      counter.errors,
      Array.from({ length: 6 }, () => undefined),
    );
  });

  it('puts rows that piled up behind a write in one larger batch, up to maxBatchRows, in order', async () => {
    const store = new GatedStore();
    writer = new BatchWriter(store, new MemorySpool(), { batchRows: 2, batchMs: 10_000, retry: { initialMs: 20, maxMs: 40 }, maxBatchRows: 5 });
    writer.start();
    const w = writer;
    const counter = settleCounter();
    for (let n = 0; n < 2; n++) w.add({ series: 'a', n }, counter.settle);
    await store.holding(1);
    // Eight more arrive while the first batch is being written.
    for (let n = 2; n < 10; n++) w.add({ series: 'a', n }, counter.settle);
    const sizes: number[] = [store.held[0].rows.length];
    store.releaseAll();
    while (counter.errors.length < 10) {
      await Promise.race([store.holding(1), counter.all(10)]);
      if (store.held.length > 0) sizes.push(store.held[0].rows.length);
      store.releaseAll();
    }
    assert.deepEqual(sizes, [2, 5, 3]);
    assert.deepEqual(
      store.perSeries.get('a'),
      Array.from({ length: 10 }, (_, n) => n),
    );
  });

  it('queue: skips keys being written and takes the next oldest of another key', () => {
    const queue = new BatchQueue<Point>(2, (p) => p.series);
    for (const [series, n] of [
      ['a', 0],
      ['b', 0],
      ['a', 1],
      ['c', 0],
    ] as const)
      queue.push({ series, n });
    const busy = new Map<string, number>();
    assert.deepEqual(queue.take(false, busy), [
      { series: 'a', n: 0 },
      { series: 'a', n: 1 },
    ]);
    assert.equal(queue.take(false, busy), undefined, 'no other key has a full batch');
    assert.deepEqual(queue.take(true, busy), [{ series: 'b', n: 0 }]);
    assert.deepEqual(
      [...busy],
      [
        ['a', 1],
        ['b', 1],
      ],
    );
    queue.push({ series: 'b', n: 1 });
    assert.deepEqual(queue.take(true, busy), [{ series: 'c', n: 0 }], 'b is busy: c, though b has a newer row');
  });
});
