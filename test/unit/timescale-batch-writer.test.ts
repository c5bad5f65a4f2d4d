import assert from 'node:assert/strict';
import { BatchWriter, type Sink, type SpoolPort, type WriteOrigin, type WriteOutcome } from '../../nodes/timescale-out/batch-writer';
import type { FlatRow } from '../../nodes/timescale-out/row-flatten';

/** In memory, like the durable spool: FIFO batches, acknowledged one at a time. */
class MemorySpool implements SpoolPort {
  batches: { id: number; rows: FlatRow[] }[] = [];
  private nextId = 1;
  closed = false;
  async append(rows: readonly FlatRow[]): Promise<void> {
    if (this.closed) throw new Error('closed');
    this.batches.push({ id: this.nextId++, rows: JSON.parse(JSON.stringify(rows)) as FlatRow[] });
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
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A table keyed by (device, time) that can be switched off, refuse rows, or hang. */
class FakeDatabase implements Sink {
  up = true;
  hang: Promise<void> | undefined;
  stored = new Map<string, FlatRow>();
  order: number[] = [];
  writes: { rows: number; origin: WriteOrigin }[] = [];
  replays = 0;
  refuse: (row: FlatRow) => string | undefined = () => undefined;

  async write(rows: readonly FlatRow[], origin: WriteOrigin): Promise<WriteOutcome> {
    if (this.hang) await this.hang;
    if (!this.up) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    this.writes.push({ rows: rows.length, origin });
    const outcome: WriteOutcome = { inserted: 0, duplicates: 0, rejected: [], emptied: [] };
    rows.forEach((row, index) => {
      const reason = this.refuse(row);
      if (reason) return outcome.rejected.push({ index, error: new Error(reason) });
      const key = `${row.device}|${row.time}`;
      if (this.stored.has(key)) return (outcome.duplicates += 1);
      this.stored.set(key, row);
      this.order.push(row.fields.n as number);
      outcome.inserted += 1;
    });
    return outcome;
  }

  async afterReplay(): Promise<void> {
    this.replays += 1;
  }
}

const row = (n: number): FlatRow => ({ table: 't', device: 'd', time: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(), fields: { n } });

const until = async (check: () => boolean, what: string, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('timescale-out: batch writer', () => {
  let db: FakeDatabase;
  let spool: MemorySpool;
  let writer: BatchWriter;
  let settled: (Error | undefined)[];
  const add = (n: number) => writer.add(row(n), (err) => settled.push(err));

  beforeEach(() => {
    db = new FakeDatabase();
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
    assert.deepEqual(db.writes.map((w) => w.rows), [10, 10]);
    await until(() => db.stored.size === 25, 'the rest after 30 ms');
    assert.deepEqual(db.writes.map((w) => w.rows), [10, 10, 5]);
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
    assert.deepEqual(db.order, Array.from({ length: 50 }, (_, n) => n));
    assert.ok(db.writes.some((w) => w.origin === 'spool'));
    await until(() => db.replays === 1, 'aggregates refreshed after the replay');
  });

  it('refuses bad rows alone and writes the rest of the batch', async () => {
    db.refuse = (r) => (r.fields.n === 3 ? 'value out of range' : undefined);
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
    db.refuse = (r) => (r.fields.n === 7 ? 'bad' : undefined);
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
    writer = new BatchWriter(db, spool = new MemorySpool(), { batchRows: 10, batchMs: 30, retry: { initialMs: 20, maxMs: 40 }, overdueMs: 150 });
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
    assert.deepEqual([...db.stored.values()].map((r) => r.fields.n), Array.from({ length: 25 }, (_, n) => n), 'every row once, in order');
    assert.equal(writer.stats.duplicates, 10, 'the hung batch was stored and replayed: skipped as duplicates');
  });

  it('settles a row stored with fields left NULL with a warning, not an error', async () => {
    const sink: Sink = {
      write: async (rows) => ({ inserted: rows.length, duplicates: 0, rejected: [], emptied: [{ index: 0, error: new Error('field "x" ... stored as NULL') }] }),
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
});
