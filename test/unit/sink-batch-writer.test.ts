import assert from 'node:assert/strict';
import { BatchWriter } from '../../nodes/common/sink/batch-writer';
import type { Failure, Sink, WriteContext, WriteOutcome } from '../../nodes/common/sink/sink';
import type { SpoolPort } from '../../nodes/common/sink/spool-port';

/** Any plain-JSON row: the pipeline never looks inside. */
interface Point {
  series: string;
  time: number;
  n: number;
}

/** In memory, like the durable spool: FIFO batches through JSON, acknowledged one at a time, the oldest dropped and counted past maxRows. */
class MemorySpool implements SpoolPort<Point> {
  batches: { id: number; rows: Point[] }[] = [];
  private nextId = 1;
  private dropped = 0;
  closed = false;
  constructor(private readonly maxRows = Infinity) {}
  async append(rows: readonly Point[]): Promise<void> {
    if (this.closed) throw new Error('closed');
    this.batches.push({ id: this.nextId++, rows: JSON.parse(JSON.stringify(rows)) as Point[] });
    while (this.stats.rows > this.maxRows) this.dropped += this.batches.shift()?.rows.length ?? 0;
  }
  async peek() {
    return this.batches[0];
  }
  async ack(id: number): Promise<void> {
    assert.equal(this.batches[0]?.id, id);
    this.batches.shift();
  }
  get stats() {
    return { rows: this.batches.reduce((n, b) => n + b.rows.length, 0), droppedRows: this.dropped };
  }
  get isEmpty() {
    return this.batches.length === 0;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Thrown by the fake store; its kind is what classify reports. */
class StoreError extends Error {
  constructor(
    message: string,
    readonly failure: Failure,
  ) {
    super(message);
  }
}

/** A store keyed by (series, time) that can be switched off, refuse the writer, refuse a batch or rows, or hang. */
class FakeStore implements Sink<Point> {
  up = true;
  /** Thrown instead of writing while set: a refusal of the writer, or of the batch's data. */
  refuseWriter: StoreError | undefined;
  refuseBatch: (rows: readonly Point[]) => boolean = () => false;
  hang: Promise<void> | undefined;
  stored = new Map<string, Point>();
  order: number[] = [];
  writes: { rows: number; replay: boolean; key?: string }[] = [];
  /** Each key's values of n in the order they were stored. */
  perSeries = new Map<string, number[]>();
  replays = 0;
  refuse: (row: Point) => string | undefined = () => undefined;

  async write(rows: readonly Point[], context: WriteContext): Promise<WriteOutcome> {
    if (this.hang) await this.hang;
    if (!this.up) throw new StoreError('connect ECONNREFUSED', { kind: 'outage' });
    if (this.refuseWriter) throw this.refuseWriter;
    if (this.refuseBatch(rows)) throw new StoreError('unable to parse the batch', { kind: 'bad-batch' });
    this.writes.push({ rows: rows.length, replay: context.replay, ...(context.key === undefined ? {} : { key: context.key }) });
    const outcome: WriteOutcome = { inserted: 0, duplicates: 0, rejected: [], emptied: [] };
    rows.forEach((row, index) => {
      const reason = this.refuse(row);
      if (reason) return outcome.rejected.push({ index, error: new Error(reason) });
      const key = `${row.series}|${row.time}`;
      if (this.stored.has(key)) return (outcome.duplicates += 1);
      this.stored.set(key, row);
      this.order.push(row.n);
      this.perSeries.set(row.series, [...(this.perSeries.get(row.series) ?? []), row.n]);
      outcome.inserted += 1;
    });
    return outcome;
  }

  classify(err: Error): Failure {
    return err instanceof StoreError ? err.failure : { kind: 'outage' };
  }

  async afterReplay(): Promise<void> {
    this.replays += 1;
  }
}

const row = (n: number): Point => ({ series: 'd', time: Date.UTC(2026, 0, 1) + n * 1000, n });

const until = async (check: () => boolean, what: string, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('sink: batch writer', () => {
  let db: FakeStore;
  let spool: MemorySpool;
  let writer: BatchWriter<Point>;
  let settled: (Error | undefined)[];
  const add = (n: number) => writer.add(row(n), (err) => settled.push(err));

  beforeEach(() => {
    db = new FakeStore();
    spool = new MemorySpool();
    settled = [];
    writer = new BatchWriter(db, spool, { batchRows: 10, batchMs: 30, retry: { initialMs: 20, maxMs: 40 } });
    writer.start();
  });

  afterEach(async () => {
    db.up = true;
    db.hang = undefined;
    await writer.close(1000);
  });

  it('writes a full batch at once and a partial one after the batch time', async () => {
    for (let n = 0; n < 25; n++) add(n);
    await until(() => db.stored.size === 20, 'two full batches');
    assert.deepEqual(
      db.writes.map((w) => w.rows),
      [10, 10],
    );
    await until(() => db.stored.size === 25, 'the rest after 30 ms');
    assert.deepEqual(
      db.writes.map((w) => w.rows),
      [10, 10, 5],
    );
    assert.equal(settled.length, 25);
    assert.ok(settled.every((e) => e === undefined));
    assert.equal(writer.stats.written, 25);
  });

  it('spools while the database is away and replays in order, every row once', async () => {
    const downs: Error[] = [];
    writer.on('down', (err: Error) => downs.push(err));
    for (let n = 0; n < 10; n++) add(n);
    await until(() => db.stored.size === 10, 'first batch');
    db.up = false;
    for (let n = 10; n < 45; n++) add(n);
    await until(() => spool.stats.rows === 35, 'rows in the spool');
    assert.equal(writer.stats.state, 'down');
    assert.equal(downs.length, 1);
    assert.equal(settled.length, 45, 'spooled rows are settled: they are on disk');
    db.up = true;
    for (let n = 45; n < 50; n++) add(n);
    await until(() => db.stored.size === 50 && spool.isEmpty, 'replay');
    assert.deepEqual(
      db.order,
      Array.from({ length: 50 }, (_, n) => n),
    );
    assert.ok(
      db.writes.some((w) => w.replay),
      'spooled batches are written as replays',
    );
    assert.deepEqual(db.writes.slice(0, 1), [{ rows: 10, replay: false }], 'a live batch is not a replay');
    await until(() => db.replays === 1, 'aggregates refreshed after the replay');
  });

  it('refuses bad rows alone and writes the rest of the batch', async () => {
    db.refuse = (r) => (r.n === 3 ? 'value out of range' : undefined);
    for (let n = 0; n < 10; n++) add(n);
    await until(() => settled.length === 10, 'all settled');
    assert.equal(db.stored.size, 9);
    assert.equal(settled.filter((e) => e !== undefined).length, 1);
    assert.match(settled.find((e) => e)?.message ?? '', /out of range/);
    assert.equal(writer.stats.errors, 1);
  });

  it('reports rows refused on replay, since no message waits for them', async () => {
    const reports: unknown[] = [];
    writer.on('replay-rejects', (r: unknown) => reports.push(r));
    db.up = false;
    for (let n = 0; n < 10; n++) add(n);
    await until(() => spool.stats.rows === 10, 'spooled');
    db.refuse = (r) => (r.n === 7 ? 'bad' : undefined);
    db.up = true;
    await until(() => spool.isEmpty, 'replayed');
    assert.equal(db.stored.size, 9);
    assert.equal(reports.length, 1);
  });

  it('counts a row stored twice as a duplicate, not as an error', async () => {
    add(1);
    add(1);
    await until(() => settled.length === 2, 'settled');
    assert.equal(writer.stats.duplicates, 1);
    assert.equal(writer.stats.errors, 0);
  });

  it('flushes the queue on close', async () => {
    for (let n = 0; n < 5; n++) add(n);
    await writer.close(1000);
    assert.equal(db.stored.size, 5);
    assert.ok(spool.closed);
  });

  it('spools the queue on close when the database does not answer in time', async () => {
    let release = () => {};
    db.hang = new Promise((resolve) => (release = resolve));
    for (let n = 0; n < 15; n++) add(n);
    const started = Date.now();
    await writer.close(600);
    assert.ok(Date.now() - started < 1000);
    assert.equal(spool.stats.rows, 15, 'the hanging batch and the rest are on disk');
    assert.equal(settled.length, 15);
    release();
    db.hang = undefined;
  });

  it('spools the rows behind a write that hangs past the overdue time, and says it is waiting', async () => {
    await writer.close(100);
    writer = new BatchWriter(db, (spool = new MemorySpool()), { batchRows: 10, batchMs: 30, retry: { initialMs: 20, maxMs: 40 }, overdueMs: 150 });
    writer.start();
    let release = () => {};
    db.hang = new Promise((resolve) => (release = resolve));
    const overdue: unknown[] = [];
    writer.on('overdue', () => overdue.push(1));
    for (let n = 0; n < 10; n++) add(n);
    await until(() => writer.stats.overdue, 'the write is overdue');
    // Rows that arrive while the write hangs go to the spool as their batches fill, not to memory.
    for (let n = 10; n < 25; n++) add(n);
    await until(() => settled.length === 25, 'every row settled while the write still hangs');
    assert.equal(spool.stats.rows, 25, 'the hanging batch and everything behind it are on disk');
    assert.equal(writer.stats.queued, 0, 'nothing left in memory');
    assert.ok(settled.every((e) => e === undefined));
    assert.equal(overdue.length, 1);
    db.hang = undefined;
    release();
    await until(() => spool.isEmpty && !writer.stats.overdue, 'replayed once the database answers');
    assert.deepEqual(
      [...db.stored.values()].map((r) => r.n),
      Array.from({ length: 25 }, (_, n) => n),
      'every row once, in order',
    );
    assert.equal(writer.stats.duplicates, 10, 'the hung batch was stored and replayed: skipped as duplicates');
  });

  it('settles a row stored with fields left NULL with a warning, not an error', async () => {
    const sink: Sink<Point> = {
      write: async (rows) => ({
        inserted: rows.length,
        duplicates: 0,
        rejected: [],
        emptied: [{ index: 0, error: new Error('field "x" ... stored as NULL') }],
      }),
    };
    await writer.close(100);
    writer = new BatchWriter(sink, (spool = new MemorySpool()), { batchRows: 2, batchMs: 30, retry: { initialMs: 20, maxMs: 40 } });
    const warnings: (Error | undefined)[] = [];
    for (let n = 0; n < 2; n++) writer.add(row(n), (err, warning) => (settled.push(err), warnings.push(warning)));
    await until(() => settled.length === 2, 'settled');
    assert.deepEqual(settled, [undefined, undefined]);
    assert.match(warnings[0]?.message ?? '', /stored as NULL/);
    assert.equal(warnings[1], undefined);
    assert.equal(writer.stats.emptied, 1);
  });

  it('refuses rows after close instead of losing them quietly', async () => {
    await writer.close(100);
    add(1);
    assert.match(settled[0]?.message ?? '', /closing/);
  });

  it('counts the rows the spool drops past its bound, and replays the rest in order', async () => {
    await writer.close(100);
    writer = new BatchWriter(db, (spool = new MemorySpool(25)), { batchRows: 10, batchMs: 30, retry: { initialMs: 20, maxMs: 40 } });
    writer.start();
    db.up = false;
    for (let n = 0; n < 40; n++) add(n);
    await until(() => settled.length === 40, 'every row spooled');
    assert.equal(writer.stats.dropped, 20, 'the two oldest batches gave way');
    assert.equal(writer.stats.spooled, 20);
    db.up = true;
    await until(() => spool.isEmpty, 'replayed');
    assert.deepEqual(
      db.order,
      Array.from({ length: 20 }, (_, n) => n + 20),
      'what is left arrives once, in order',
    );
  });

  it('tells a refusal of the writer from an outage, keeps the rows, and writes them once the store takes them', async () => {
    const failures: Error[] = [];
    writer.on('failure', (err: Error) => failures.push(err));
    db.up = false;
    add(0);
    await until(() => writer.stats.state === 'down', 'down');
    assert.equal(writer.stats.refusal, undefined, 'an unreachable store is no refusal');
    db.up = true;
    db.refuseWriter = new StoreError('401 unauthorized', { kind: 'refusal', reason: 'auth' });
    for (let n = 1; n < 10; n++) add(n);
    await until(() => writer.stats.refusal === 'auth', 'the refusal named');
    assert.equal(writer.stats.state, 'down');
    await until(() => spool.stats.rows === 10 && settled.length === 10, 'every row kept in the spool');
    assert.ok(
      settled.every((e) => e === undefined),
      'a refusal refuses no row: they wait in the spool',
    );
    assert.equal(db.stored.size, 0);
    db.refuseWriter = undefined;
    await until(() => spool.isEmpty && db.stored.size === 10, 'written once the store takes them');
    assert.deepEqual(
      db.order,
      Array.from({ length: 10 }, (_, n) => n),
    );
    assert.equal(writer.stats.refusal, undefined);
    assert.equal(writer.stats.state, 'up');
    assert.ok(failures.some((e) => /unauthorized/.test(e.message)) && failures.some((e) => /ECONNREFUSED/.test(e.message)));
  });

  it('refuses every row of a batch the store refuses as data, and goes on with the next batch', async () => {
    db.refuseBatch = (rows) => rows.some((r) => r.n === 3);
    for (let n = 0; n < 15; n++) add(n);
    await until(() => settled.length === 15, 'all settled');
    assert.equal(settled.slice(0, 10).filter((e) => /unable to parse/.test(e?.message ?? '')).length, 10);
    assert.ok(settled.slice(10).every((e) => e === undefined));
    assert.deepEqual(db.order, [10, 11, 12, 13, 14]);
    assert.equal(writer.stats.state, 'up', 'a bad batch is no outage');
    assert.equal(writer.stats.errors, 10);
    assert.ok(spool.isEmpty, 'a bad batch is not kept for a retry that cannot succeed');
  });

  it('reports a spooled batch the store refuses as data on replay, and acknowledges it', async () => {
    const reports: { rows: { row: Point; error: Error }[] }[] = [];
    writer.on('replay-rejects', (r: { rows: { row: Point; error: Error }[] }) => reports.push(r));
    db.up = false;
    for (let n = 0; n < 20; n++) add(n);
    await until(() => spool.stats.rows === 20, 'spooled');
    db.refuseBatch = (rows) => rows.some((r) => r.n === 3);
    db.up = true;
    await until(() => spool.isEmpty, 'replayed');
    assert.deepEqual(
      db.order,
      Array.from({ length: 10 }, (_, n) => n + 10),
    );
    assert.equal(reports.length, 1);
    assert.deepEqual(
      reports[0].rows.map((r) => r.row.n),
      Array.from({ length: 10 }, (_, n) => n),
    );
  });

  it('cuts batches per key when given one: full batches per key, the rest by time, order kept per key', async () => {
    await writer.close(100);
    writer = new BatchWriter(db, (spool = new MemorySpool()), {
      batchRows: 4,
      batchMs: 30,
      retry: { initialMs: 20, maxMs: 40 },
      keyOf: (p) => p.series,
    });
    writer.start();
    const at = (series: string, n: number) => writer.add({ series, time: n, n }, (err) => settled.push(err));
    // a gets 4 rows (a full batch), b 3 (written by time), interleaved.
    [
      ['a', 0],
      ['b', 0],
      ['a', 1],
      ['b', 1],
      ['a', 2],
      ['b', 2],
      ['a', 3],
    ].forEach(([series, n]) => at(series as string, n as number));
    await until(() => db.writes.length === 1, 'the full batch of a');
    assert.deepEqual(db.writes[0], { rows: 4, replay: false, key: 'a' });
    await until(() => settled.length === 7, 'b by time');
    assert.deepEqual(db.writes[1], { rows: 3, replay: false, key: 'b' });
    db.up = false;
    for (let n = 4; n < 10; n++) {
      at('a', n);
      at('b', n - 1);
    }
    await until(() => settled.length === 19, 'spooled while down');
    db.up = true;
    await until(() => spool.isEmpty && db.stored.size === 19, 'replayed');
    assert.ok(
      db.writes.slice(2).every((w) => w.replay && (w.key === 'a' || w.key === 'b')),
      'spooled batches keep one key each',
    );
    assert.deepEqual(db.perSeries.get('a'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(db.perSeries.get('b'), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
