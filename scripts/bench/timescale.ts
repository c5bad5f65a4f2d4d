// Figures of timescale-out's writer on one PostgreSQL server (embedded, or PG_URL): rows per second against
// the server's ceiling (one raw COPY through pg-copy-streams) and one INSERT per message (the way
// node-red-contrib-postgresql writes), over one table and 100, at batches of 50, 500 and 5000; the time to
// drain a spool of 24 hours of 1 Hz readings, and the memory the writer holds while the database is down.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { finished } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DurableSpool } from '../../nodes/common/spool/durable-spool';
import { Database } from '../../nodes/timescale-db/database';
import { parseDbSettings } from '../../nodes/timescale-db/db-config';
import { poolConfig } from '../../nodes/timescale-db/pool';
import { BatchWriter } from '../../nodes/common/sink/batch-writer';
import { BATCHES_PER_TABLE, DbWriter, PILED_UP_ROWS } from '../../nodes/timescale-out/db-writer';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { flattenReading, type FlatRow } from '../../nodes/timescale-out/row-flatten';
import { copyField, copyLine } from '../../nodes/timescale-out/copy-text';
import { quoteIdent } from '../../nodes/timescale-out/schema';
import { TableManager } from '../../nodes/timescale-out/tables';
import { freePort, startPostgres, type Connection } from '../../test/support/postgres';
import type { Figures, Legend, Report } from './report';
import { median, round } from './stats';

const RUN = {
  oursRows: 100_000,
  naiveRows: 10_000,
  naivePool: 10,
  spoolSeconds: 86_400,
  tables: 100,
  smallBatch: 50,
  largeBatch: 5000,
  repeats: 5,
  warmupRows: 20_000,
};
/** The node's defaults: timescale-out's batch, timescale-db's pool (which bounds the batches written at once). */
const DEFAULTS = { batchRows: 500, poolSize: 2 };
const START = Date.parse('2026-06-21T00:00:00Z');

export const TIMESCALE_WRITE_LEGEND: Legend = {
  rows: 'Epever readings written (13 fields each), one device, 1 s apart',
  tables: 'tables the rows are spread over, in turn',
  rows_per_s: 'rows stored per second, from the first message to the last one confirmed: the median of the runs',
  rows_per_s_runs: 'each run (the runs of every column take turns)',
  batch: 'how rows reach the server',
  vs_copy: 'rows_per_s / raw COPY of the same tables (the ceiling)',
  vs_naive: 'rows_per_s / one INSERT per message',
  stored: 'rows in the table afterwards',
};

export const TIMESCALE_DRAIN_LEGEND: Legend = {
  rows: 'rows spooled while the database was down: 24 h of 1 Hz readings',
  spool_mb: 'spool size on disk (batches are deflated JSON)',
  spool_rows_per_s: 'rows appended to the spool per second (synced to disk per 500-row batch)',
  drain_s: 'time from the database being reachable to the spool being empty',
  drain_rows_per_s: 'rows replayed per second',
  stored: 'rows in the table afterwards (must equal rows)',
};

export const TIMESCALE_MEMORY_LEGEND: Legend = {
  rows: 'readings sent while the database is down',
  heap_mb_before: 'heap after GC, before the outage',
  heap_mb_during: 'heap after GC, with every row spooled',
  heap_growth_bytes_per_row: '(during - before) / rows: what the writer keeps in memory per row (the rest is on disk)',
  naive_heap_growth_bytes_per_row: 'the same for keeping the rows in an in-memory queue instead',
};

const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function epever(second: number): FlatRow {
  const sun = Math.max(0, Math.sin((second / 86_400) * 2 * Math.PI - Math.PI / 2));
  const power = round(200 * sun, 2);
  return flattenReading(
    {
      device: 'tracer-1',
      measurement: 'epever_tracer',
      payload: {
        timestamp: new Date(START + second * 1000).toISOString(),
        pv_array: { voltage: round(17 + sun * 2, 2), current: round(power / 18, 2), power },
        battery: {
          voltage: round(12.8 + sun, 2),
          charging_current: round(power / 13.5, 2),
          charging_power: round(power * 0.96, 2),
          temperature: 24.5,
          soc: 80,
        },
        load: { voltage: 12.9, current: 1.2, power: 15.5 },
        controller: { temperature: 31.2, charging_mode: sun > 0 ? 'boost' : 'none' },
      },
    },
    { deviceColumn: 'device' },
  );
}

interface Writer {
  database: Database;
  sink: DbWriter;
}

function writerFor(connection: Connection, table: string): Writer {
  const database = new Database(parseDbSettings({ ...connection, poolSize: DEFAULTS.poolSize }, { password: connection.password }));
  database.on('idle-error', () => undefined);
  const out = parseOutSettings({ table, buckets: '' });
  const log = { info: () => undefined, warn: () => undefined };
  const tables = new TableManager({ schema: out.schema, deviceColumn: out.deviceColumn, policy: out.policy }, log);
  return { database, sink: new DbWriter(database, tables, out.schema, out.deviceColumn, log) };
}

async function count(pool: Pool, table: string): Promise<number> {
  return Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`)).rows[0].n);
}

/**
 * Lets the server finish what earlier runs left it (a checkpoint of their writes, autovacuum of their tables)
 * before a run is timed, so no run pays for the one before; at most 30 s.
 */
async function quiet(admin: Pool): Promise<void> {
  await admin.query('CHECKPOINT');
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const { rows } = await admin.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'");
    if (Number(rows[0].n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A run's tables go once counted: a server holding every earlier run's tables is not the one the next run meant. */
async function dropTables(admin: Pool, tables: readonly string[]): Promise<void> {
  await admin.query(`DROP TABLE ${tables.map(quoteIdent).join(', ')}`);
}

async function withSpool<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'timescale-bench-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function renamed(row: FlatRow, table: string): FlatRow {
  return { ...row, table };
}

interface OursRun {
  /** Tables the rows go to in turn. */
  tables: number;
  batchRows: number;
  /** Tells the tables of one repeat from another's. */
  repeat: number | string;
}

/** Our writer as the node runs it (batches per table, as many at once as the pool has connections, up to two of a table), fed as fast as the messages come. */
async function oursRowsPerSecond(connection: Connection, admin: Pool, rows: FlatRow[], run: OursRun): Promise<Figures> {
  const base = `bench_ours_${run.tables}_${run.batchRows}_${run.repeat}`;
  const tableOf = (i: number) => (run.tables === 1 ? base : `${base}_${i % run.tables}`);
  const { database, sink } = writerFor(connection, base);
  return withSpool(async (dir) => {
    const spool = await DurableSpool.open<FlatRow>({ dir, maxBytes: 256 * 1024 * 1024 });
    const writer = new BatchWriter(sink, spool, {
      batchRows: run.batchRows,
      batchMs: 1000,
      retry: { initialMs: 1000, maxMs: 30_000 },
      keyOf: (row) => row.table,
      concurrency: DEFAULTS.poolSize,
      perKey: BATCHES_PER_TABLE,
      maxBatchRows: Math.max(run.batchRows, PILED_UP_ROWS),
    });
    writer.start();
    // The tables are made by a first row each; not part of the figure.
    await Promise.all(
      Array.from({ length: run.tables }, (_, t) => new Promise<void>((resolve) => writer.add(renamed(epever(-1 - t), tableOf(t)), () => resolve()))),
    );
    await quiet(admin);
    const tabled = rows.map((row, i) => renamed(row, tableOf(i)));
    let settled = 0;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      for (const row of tabled) writer.add(row, () => ++settled === rows.length && resolve());
    });
    const seconds = (performance.now() - started) / 1000;
    await writer.close(5000);
    await database.shutdown(2000);
    let stored = 0;
    for (let t = 0; t < run.tables; t++) stored += await count(admin, tableOf(t));
    await dropTables(
      admin,
      Array.from({ length: run.tables }, (_, t) => tableOf(t)),
    );
    return {
      rows: rows.length,
      tables: run.tables,
      rows_per_s: Math.round(rows.length / seconds),
      batch: `COPY of ${run.batchRows} per table (up to ${Math.max(run.batchRows, PILED_UP_ROWS)} piled up), ${DEFAULTS.poolSize} at once, up to ${BATCHES_PER_TABLE} of a table`,
      stored: stored - run.tables,
    };
  });
}

/**
 * The ceiling: raw COPY through pg-copy-streams, formatted on the way, no checks, no spool, into tables made
 * as ours are (by our writer, from a first row: the same columns, key and indexes, so the server does the
 * same work per row). One table: every row in one COPY. Several: each table's rows in one COPY, as many at
 * once as ours has connections, which is as few statements as rows spread over the tables allow.
 */
async function rawCopyRowsPerSecond(connection: Connection, admin: Pool, rows: FlatRow[], tables: number, repeat: number): Promise<Figures> {
  const tableOf = (i: number) => `bench_copy_${tables}_${repeat}_${i % tables}`;
  const names = Object.keys(rows[0].fields);
  const maker = writerFor(connection, tableOf(0));
  for (let t = 0; t < tables; t++) await maker.sink.write([renamed(epever(-1 - t), tableOf(t))], 'live');
  await maker.database.shutdown(2000);
  await quiet(admin);
  const perTable = Array.from({ length: tables }, (_, t) => rows.filter((_, i) => i % tables === t));
  const pool = new Pool({ ...poolConfig(parseDbSettings({ ...connection, poolSize: DEFAULTS.poolSize }, { password: connection.password })) });
  pool.on('error', () => undefined);
  let next = 0;
  const copyTable = async (t: number) => {
    const client = await pool.connect();
    try {
      const stream = client.query(copyFrom(`COPY ${quoteIdent(tableOf(t))} ("time", device, ${names.map(quoteIdent).join(', ')}) FROM STDIN`));
      const CHUNK = 1000;
      const mine = perTable[t];
      for (let i = 0; i < mine.length; i += CHUNK) {
        let data = '';
        for (const row of mine.slice(i, i + CHUNK))
          data += copyLine([row.time, copyField(row.device), ...names.map((n) => copyField(row.fields[n]))]);
        if (!stream.write(data)) await new Promise((resolve) => stream.once('drain', resolve));
      }
      stream.end();
      await finished(stream);
    } finally {
      client.release();
    }
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(tables, DEFAULTS.poolSize) }, async () => {
      while (next < tables) await copyTable(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  const made = Array.from({ length: tables }, (_, t) => tableOf(t));
  let stored = 0;
  for (const table of made) stored += (await count(admin, table)) - 1;
  await dropTables(admin, made);
  return {
    rows: rows.length,
    tables,
    rows_per_s: Math.round(rows.length / seconds),
    batch: tables === 1 ? 'one COPY of every row' : `one COPY per table, ${DEFAULTS.poolSize} at once`,
    stored,
  };
}

/** The run with the median rate, with the rates of all the runs beside it. */
function medianRun(runs: readonly Figures[]): Figures {
  const rates = runs.map((f) => Number(f.rows_per_s));
  const middle = runs[rates.indexOf(median(rates))];
  return { ...middle, rows_per_s_runs: rates.join(' ') };
}

/** What node-red-contrib-postgresql does: each message its own INSERT, as many at once as the pool has connections. */
async function naiveRowsPerSecond(connection: Connection, admin: Pool, rows: FlatRow[], poolSize: number): Promise<Figures> {
  const table = 'bench_naive';
  const names = Object.keys(rows[0].fields);
  await admin.query(
    `CREATE TABLE ${table} ("time" timestamptz NOT NULL, device text NOT NULL, ${names.map((n) => `${quoteIdent(n)} ${typeof rows[0].fields[n] === 'number' ? 'double precision' : 'text'}`).join(', ')}, PRIMARY KEY (device, "time"))`,
  );
  const pool = new Pool({ ...poolConfig(parseDbSettings({ ...connection, poolSize }, { password: connection.password })) });
  pool.on('error', () => undefined);
  const sql = `INSERT INTO ${table} ("time", device, ${names.map(quoteIdent).join(', ')}) VALUES (${['$1', '$2', ...names.map((_, i) => `$${i + 3}`)].join(', ')})`;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: poolSize }, async () => {
      while (next < rows.length) {
        const row = rows[next++];
        await pool.query(sql, [row.time, row.device, ...names.map((n) => row.fields[n])]);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  return {
    rows: rows.length,
    tables: 1,
    rows_per_s: Math.round(rows.length / seconds),
    batch: `1 INSERT per row, ${poolSize} at once`,
    stored: await count(admin, table),
  };
}

/** 24 h of 1 Hz readings spooled while the database is down, then replayed when it is back. */
async function drainDay(connection: Connection, admin: Pool, seconds: number): Promise<Figures> {
  const table = 'bench_drain';
  return withSpool(async (dir) => {
    const maxBytes = 1024 * 1024 * 1024;
    const down = writerFor({ ...connection, port: await freePort() }, table);
    let spool = await DurableSpool.open<FlatRow>({ dir, maxBytes });
    let writer = new BatchWriter(down.sink, spool, { batchRows: 500, batchMs: 1000, retry: { initialMs: 60_000, maxMs: 60_000 } });
    writer.start();
    let settled = 0;
    const spoolStarted = performance.now();
    await new Promise<void>((resolve) => {
      for (let s = 0; s < seconds; s++) writer.add(renamed(epever(s), table), () => ++settled === seconds && resolve());
    });
    const spoolSeconds = (performance.now() - spoolStarted) / 1000;
    const spoolBytes = spool.stats.bytes;
    await writer.close(5000);
    await down.database.shutdown(1000);

    const up = writerFor(connection, table);
    spool = await DurableSpool.open<FlatRow>({ dir, maxBytes });
    writer = new BatchWriter(up.sink, spool, { batchRows: 500, batchMs: 1000, retry: { initialMs: 1000, maxMs: 30_000 } });
    const drainStarted = performance.now();
    writer.start();
    while (!spool.isEmpty) await new Promise((r) => setTimeout(r, 20));
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    await writer.close(5000);
    await up.database.shutdown(2000);
    return {
      rows: seconds,
      spool_mb: round(spoolBytes / 1024 / 1024, 1),
      spool_rows_per_s: Math.round(seconds / spoolSeconds),
      drain_s: round(drainSeconds, 2),
      drain_rows_per_s: Math.round(seconds / drainSeconds),
      stored: await count(admin, table),
    };
  });
}

/** Heap held per row while the database is down: ours spools to disk, the naive way keeps rows in memory. */
async function memoryWhileDown(connection: Connection, rows: number): Promise<Figures> {
  return withSpool(async (dir) => {
    const down = writerFor({ ...connection, port: await freePort() }, 'bench_memory');
    const spool = await DurableSpool.open<FlatRow>({ dir, maxBytes: 1024 * 1024 * 1024 });
    const writer = new BatchWriter(down.sink, spool, { batchRows: 500, batchMs: 1000, retry: { initialMs: 60_000, maxMs: 60_000 } });
    writer.start();
    const before = heapMb();
    let settled = 0;
    await new Promise<void>((resolve) => {
      for (let s = 0; s < rows; s++) writer.add(epever(s), () => ++settled === rows && resolve());
    });
    const during = heapMb();
    await writer.close(5000);
    await down.database.shutdown(1000);

    const naiveBefore = heapMb();
    const queue: FlatRow[] = [];
    for (let s = 0; s < rows; s++) queue.push(epever(s));
    const naiveDuring = heapMb();
    queue.length = 0;
    return {
      rows,
      heap_mb_before: round(before, 1),
      heap_mb_during: round(during, 1),
      heap_growth_bytes_per_row: Math.max(0, Math.round(((during - before) * 1024 * 1024) / rows)),
      naive_heap_growth_bytes_per_row: Math.round(((naiveDuring - naiveBefore) * 1024 * 1024) / rows),
    };
  });
}

export async function benchTimescale(report: Report, attempt: (what: string, run: () => Promise<void>) => Promise<void>): Promise<void> {
  let server: Awaited<ReturnType<typeof startPostgres>> | undefined;
  await attempt('timescale: starting PostgreSQL', async () => {
    server = await startPostgres();
  });
  if (!server) return;
  try {
    const connection = await server.createDatabase('bench');
    const admin = new Pool({ ...connection, max: 1 });
    admin.on('error', () => undefined);
    try {
      const rows = Array.from({ length: RUN.oursRows }, (_, s) => epever(s));
      await attempt(
        `timescale-write: raw COPY, ours over 1 and ${RUN.tables} tables, batches of ${RUN.smallBatch} and ${RUN.largeBatch}, ${RUN.oursRows} rows each; one INSERT per message, ${RUN.naiveRows} rows`,
        async () => {
          // Untimed: the first run of any code pays for its compilation.
          await oursRowsPerSecond(connection, admin, rows.slice(0, RUN.warmupRows), { tables: 1, batchRows: DEFAULTS.batchRows, repeat: 'warmup' });
          const naive = await naiveRowsPerSecond(connection, admin, rows.slice(0, RUN.naiveRows), RUN.naivePool);
          // Each figure is the median of its repeats, and the repeats take turns, so a machine that gets busier
          // or quieter during the run moves the ceiling and ours alike.
          const runs: Record<'copy' | 'copySpread' | 'ours' | 'spread' | 'small' | 'large', Figures[]> = {
            copy: [],
            copySpread: [],
            ours: [],
            spread: [],
            small: [],
            large: [],
          };
          for (let repeat = 0; repeat < RUN.repeats; repeat++) {
            runs.copy.push(await rawCopyRowsPerSecond(connection, admin, rows, 1, repeat));
            runs.copySpread.push(await rawCopyRowsPerSecond(connection, admin, rows, RUN.tables, repeat));
            runs.ours.push(await oursRowsPerSecond(connection, admin, rows, { tables: 1, batchRows: DEFAULTS.batchRows, repeat }));
            runs.spread.push(await oursRowsPerSecond(connection, admin, rows, { tables: RUN.tables, batchRows: DEFAULTS.batchRows, repeat }));
            runs.small.push(await oursRowsPerSecond(connection, admin, rows, { tables: 1, batchRows: RUN.smallBatch, repeat }));
            runs.large.push(await oursRowsPerSecond(connection, admin, rows, { tables: 1, batchRows: RUN.largeBatch, repeat }));
          }
          const [copy, copySpread, ours, spread, small, large] = [runs.copy, runs.copySpread, runs.ours, runs.spread, runs.small, runs.large].map(
            medianRun,
          );
          const rate = (f: Figures) => Number(f.rows_per_s);
          // Each against the raw COPY of its own pattern: rows over one table, or over 100.
          const ratios = (f: Figures, ceiling = copy) => ({ vs_copy: round(rate(f) / rate(ceiling), 2), vs_naive: round(rate(f) / rate(naive), 1) });
          report.add('timescale-write', 'raw COPY', copy, TIMESCALE_WRITE_LEGEND);
          report.add('timescale-write', `raw COPY, ${RUN.tables} tables`, copySpread, TIMESCALE_WRITE_LEGEND);
          report.add('timescale-write', 'ours', { ...ours, ...ratios(ours) }, TIMESCALE_WRITE_LEGEND);
          report.add('timescale-write', `ours, ${RUN.tables} tables`, { ...spread, ...ratios(spread, copySpread) }, TIMESCALE_WRITE_LEGEND);
          report.add('timescale-write', `ours, batch ${RUN.smallBatch}`, { ...small, ...ratios(small) }, TIMESCALE_WRITE_LEGEND);
          report.add('timescale-write', `ours, batch ${RUN.largeBatch}`, { ...large, ...ratios(large) }, TIMESCALE_WRITE_LEGEND);
          report.add('timescale-write', 'one INSERT per message', naive, TIMESCALE_WRITE_LEGEND);
          // The issue's goals: one table >= 0.8 of raw COPY; 100 tables >= 0.8 of one; a batch of 50 >= 0.5 of 5000.
          report.goal('storage_vs_copy', rate(ours) / rate(copy), { ours: rate(ours), ceiling: rate(copy), naive: rate(naive), target: 0.8 });
          // The server's own ratio beside it: raw COPY over 100 tables (1000 rows per statement) against one COPY.
          report.goal('storage_100_tables_vs_1', rate(spread) / rate(ours), {
            ours: rate(spread),
            ceiling: rate(ours),
            target: 0.8,
            raw_copy_100_tables_vs_1: round(rate(copySpread) / rate(copy), 2),
            ours_100_tables_vs_raw_copy_100_tables: round(rate(spread) / rate(copySpread), 2),
          });
          report.goal('storage_batch_50_vs_5000', rate(small) / rate(large), { ours: rate(small), ceiling: rate(large), target: 0.5 });
        },
      );
      await attempt(`timescale-drain: ${RUN.spoolSeconds} rows spooled, then replayed`, async () => {
        report.add('timescale-drain', '24 h at 1 Hz', await drainDay(connection, admin, RUN.spoolSeconds), TIMESCALE_DRAIN_LEGEND);
      });
      await attempt(`timescale-memory: ${RUN.spoolSeconds} rows while the database is down`, async () => {
        report.add('timescale-memory', 'database down', await memoryWhileDown(connection, RUN.spoolSeconds), TIMESCALE_MEMORY_LEGEND);
      });
    } finally {
      await admin.end();
    }
  } finally {
    await server.close();
  }
}
