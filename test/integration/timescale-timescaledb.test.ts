// timescale-out's engines against TimescaleDB (PGlite with the extension, over the wire protocol).
import assert from 'node:assert/strict';
import { Database } from '../../nodes/timescale-db/database';
import { parseDbSettings } from '../../nodes/timescale-db/db-config';
import { DbWriter } from '../../nodes/timescale-out/db-writer';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { flattenReading, type FlatRow } from '../../nodes/timescale-out/row-flatten';
import { TableManager } from '../../nodes/timescale-out/tables';
import { startTimescale, type TimescaleServer } from '../support/timescale';

const DAY = 86_400_000;
const START = Date.parse('2026-03-01T00:00:00Z');

interface Stack {
  database: Database;
  tables: TableManager;
  sink: DbWriter;
  warnings: string[];
  q<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
}

describe('timescale-out on TimescaleDB', function () {
  this.timeout(60_000);
  let server: TimescaleServer;
  let database: Database;

  before(async () => {
    server = await startTimescale();
    // PGlite takes one connection at a time: every writer and every check shares one pool of one.
    const c = server.connection;
    database = new Database(parseDbSettings({ ...c, poolSize: 1 }, { password: c.password }));
  });

  after(async () => {
    await database?.shutdown(1000);
    await server?.close();
  });

  /** The writer as the node builds it. */
  function stack(settings: Record<string, unknown> = {}): Stack {
    const out = parseOutSettings(settings);
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (text: string) => warnings.push(text) };
    const tables = new TableManager({ schema: out.schema, deviceColumn: out.deviceColumn, policy: out.policy }, log);
    const sink = new DbWriter(database, tables, out.schema, out.deviceColumn, log);
    return { database, tables, sink, warnings, q: async (text, values) => (await database.pool.query(text, values)).rows };
  }

  const reading = (table: string, device: string, ms: number, payload: Record<string, unknown>): FlatRow =>
    flattenReading({ device, measurement: table, payload: { timestamp: new Date(ms).toISOString(), ...payload } }, { deviceColumn: 'device' });

  async function writeAll(s: Stack, rows: FlatRow[], origin: 'live' | 'spool' = 'live') {
    let inserted = 0;
    let duplicates = 0;
    for (let i = 0; i < rows.length; i += 500) {
      const outcome = await s.sink.write(rows.slice(i, i + 500), origin);
      assert.deepEqual(outcome.rejected, []);
      inserted += outcome.inserted;
      duplicates += outcome.duplicates;
    }
    return { inserted, duplicates };
  }

  it(`makes a hypertable with 1-day chunks, compression after 7 days and the 5m -> 1h -> 1d aggregates`, async () => {
    const s = stack();
    await writeAll(s, [reading('epever', 'shed', START, { pv_array: { voltage: 18.2, power: 140 }, controller: { charging_mode: 'boost' } })]);
    const [ht] = await s.q<{ compression_enabled: boolean; time_interval: { days: number } }>(
      `SELECT h.compression_enabled, d.time_interval FROM timescaledb_information.hypertables h
         JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name) WHERE h.hypertable_name = 'epever'`,
    );
    assert.equal(ht.compression_enabled, true);
    assert.equal(ht.time_interval.days, 1);
    const columns = await s.q<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'epever' ORDER BY ordinal_position",
    );
    assert.deepEqual(
      columns.map((c) => `${c.column_name} ${c.data_type}`),
      [
        'time timestamp with time zone',
        'device text',
        'pv_array_voltage double precision',
        'pv_array_power double precision',
        'controller_charging_mode text',
      ],
    );
    const views = await s.q<{ view_name: string }>(
      "SELECT view_name FROM timescaledb_information.continuous_aggregates WHERE view_name LIKE 'epever\\_%' ORDER BY view_name",
    );
    assert.deepEqual(
      views.map((v) => v.view_name),
      ['epever_1d', 'epever_1h', 'epever_5m'],
    );
    const jobs = await s.q<{ proc_name: string; hypertable_name: string; config: Record<string, string> }>(
      'SELECT proc_name, hypertable_name, config FROM timescaledb_information.jobs WHERE hypertable_name LIKE $1 ORDER BY job_id',
      ['epever%'],
    );
    const compression = jobs.find((j) => j.proc_name === 'policy_compression');
    assert.equal(compression?.config.compress_after, '7 days');
    assert.equal(jobs.filter((j) => j.proc_name === 'policy_refresh_continuous_aggregate').length, 3);
    assert.equal(
      jobs.some((j) => j.proc_name === 'policy_retention'),
      false,
      'no retention unless asked',
    );
    const [key] = await s.q<{ def: string }>(
      "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'epever'::regclass AND contype = 'p'",
    );
    assert.equal(key.def, 'PRIMARY KEY (device, "time")');
  });

  it('fills the aggregates with exactly the hand-computed count, sum, min, max and sum of squares at every level', async () => {
    const s = stack();
    const rows: FlatRow[] = [];
    const raw: { device: string; ms: number; v: number; w?: number }[] = [];
    for (const device of ['a', 'b']) {
      for (let i = 0; i < 2 * 24 * 60; i++) {
        const ms = START + i * 60_000;
        const v = ((i * 7 + (device === 'b' ? 3 : 0)) % 23) - 5.5;
        // w is missing from every third reading: its count must not be the row count.
        const w = i % 3 === 0 ? undefined : i / 10;
        raw.push({ device, ms, v, w });
        rows.push(reading('series', device, ms, w === undefined ? { v } : { v, w }));
      }
    }
    await writeAll(s, rows);
    await s.tables.refresh(s.database.pool, 'series', null, null);

    for (const [view, width] of [
      ['series_5m', 300_000],
      ['series_1h', 3_600_000],
      ['series_1d', DAY],
    ] as const) {
      const expected = new Map<string, { samples: number; v: number[]; w: number[] }>();
      for (const r of raw) {
        const key = `${r.device} ${Math.floor(r.ms / width) * width}`;
        const bucket = expected.get(key) ?? { samples: 0, v: [], w: [] };
        bucket.samples += 1;
        bucket.v.push(r.v);
        if (r.w !== undefined) bucket.w.push(r.w);
        expected.set(key, bucket);
      }
      const got = await s.q<Record<string, string | number | Date>>(`SELECT * FROM ${view} ORDER BY device, bucket`);
      assert.equal(got.length, expected.size, `${view}: one row per device and bucket`);
      for (const row of got) {
        const want = expected.get(`${String(row.device)} ${(row.bucket as Date).getTime()}`);
        assert.ok(want, `${view}: unexpected bucket ${String(row.bucket)}`);
        assert.equal(Number(row.samples), want.samples);
        for (const [name, values] of [
          ['v', want.v],
          ['w', want.w],
        ] as const) {
          assert.equal(Number(row[`${name}_count`]), values.length, `${view} ${name}_count`);
          close(Number(row[`${name}_sum`]), sum(values), `${view} ${name}_sum`);
          assert.equal(row[`${name}_min`], Math.min(...values));
          assert.equal(row[`${name}_max`], Math.max(...values));
          close(Number(row[`${name}_sumsq`]), sum(values.map((x) => x * x)), `${view} ${name}_sumsq`);
        }
      }
    }
    // The standard deviation a user computes from the day's view equals the one over the raw rows.
    const [day] = await s.q<{ sd: number; raw: number }>(
      `SELECT sqrt((v_sumsq - v_sum * v_sum / v_count) / (v_count - 1)) AS sd,
              (SELECT stddev(v) FROM series WHERE device = 'a' AND time < $1) AS raw
         FROM series_1d WHERE device = 'a' ORDER BY bucket LIMIT 1`,
      [new Date(START + DAY).toISOString()],
    );
    close(day.sd, day.raw, 'stddev from the 1d view');
  });

  it('adds a column for a new field, and says the aggregates leave it out', async () => {
    const s = stack();
    await writeAll(s, [reading('evolve', 'a', START, { v: 1 })]);
    await writeAll(s, [reading('evolve', 'a', START + 1000, { v: 2, extra: 3, note: 'x' })]);
    const columns = await s.q<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'evolve' ORDER BY ordinal_position",
    );
    assert.deepEqual(
      columns.map((c) => c.column_name),
      ['time', 'device', 'v', 'extra', 'note'],
    );
    assert.deepEqual(await s.q('SELECT v, extra, note FROM evolve ORDER BY time'), [
      { v: 1, extra: null, note: null },
      { v: 2, extra: 3, note: 'x' },
    ]);
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0], /extra of "public"."evolve" not in its aggregates; to include, DROP MATERIALIZED VIEW "public"."evolve_1d"/);
  });

  it('stores nothing twice when a batch is replayed', async () => {
    const s = stack();
    const rows = Array.from({ length: 50 }, (_, i) => reading('replayed', 'a', START + i * 1000, { v: i }));
    assert.deepEqual(await writeAll(s, rows), { inserted: 50, duplicates: 0 });
    assert.deepEqual(await writeAll(s, rows, 'spool'), { inserted: 0, duplicates: 50 });
    const [{ n }] = await s.q<{ n: string }>('SELECT count(*) AS n FROM replayed');
    assert.equal(Number(n), 50);
  });

  it('gives the PS100 schema from roll-up records, keyed by panel_id', async () => {
    const s = stack({ deviceColumn: 'panel_id' });
    const record = (second: number) =>
      flattenReading(
        {
          device: 'ps100-1',
          measurement: 'ps100_readings_1s',
          payload: {
            timestamp: new Date(START + second * 1000).toISOString(),
            sample_count: 10,
            voltage_avg: 26.1,
            voltage_min: 25.9,
            voltage_max: 26.3,
            voltage_stddev: 0.12,
            current_avg: 3.4,
            current_min: 3.3,
            current_max: 3.5,
            current_stddev: 0.05,
            power_avg: 88.7,
            power_min: 86,
            power_max: 91,
            power_stddev: 1.4,
            energy_wh: 0.0246,
          },
        },
        { deviceColumn: 'panel_id' },
      );
    await writeAll(s, [record(0), record(1)]);
    const columns = await s.q<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'ps100_readings_1s' ORDER BY ordinal_position",
    );
    assert.deepEqual(
      columns.map((c) => c.column_name),
      [
        'time',
        'panel_id',
        'sample_count',
        'voltage_avg',
        'voltage_min',
        'voltage_max',
        'voltage_stddev',
        'current_avg',
        'current_min',
        'current_max',
        'current_stddev',
        'power_avg',
        'power_min',
        'power_max',
        'power_stddev',
        'energy_wh',
      ],
    );
    await s.tables.refresh(s.database.pool, 'ps100_readings_1s', null, null);
    const [five] = await s.q<{ panel_id: string; energy_wh_sum: number; voltage_avg_count: string }>(
      'SELECT panel_id, energy_wh_sum, voltage_avg_count FROM ps100_readings_1s_5m',
    );
    assert.equal(five.panel_id, 'ps100-1');
    close(five.energy_wh_sum, 0.0492, 'energy over the bucket');
    assert.equal(Number(five.voltage_avg_count), 2);
  });

  it('adds retention when asked, and refreshes the aggregates over rows a replay put into old buckets', async () => {
    const s = stack({ retentionDays: 30, compressAfterDays: 0 });
    const at = (minute: number, v: number) => reading('late', 'a', START + minute * 60_000, { v });
    await writeAll(s, [at(0, 1), at(1, 2)]);
    await s.tables.refresh(s.database.pool, 'late', null, null);
    const jobs = await s.q<{ proc_name: string; config: Record<string, string> }>(
      "SELECT proc_name, config FROM timescaledb_information.jobs WHERE hypertable_name = 'late'",
    );
    assert.equal(jobs.find((j) => j.proc_name === 'policy_retention')?.config.drop_after, '30 days');
    assert.equal(
      jobs.some((j) => j.proc_name === 'policy_compression'),
      false,
    );
    const [{ compression_enabled }] = await s.q<{ compression_enabled: boolean }>(
      "SELECT compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_name = 'late'",
    );
    assert.equal(compression_enabled, false);

    // Rows from the spool land in the already materialised first bucket: stale until the replay refreshes it.
    await writeAll(s, [at(2, 3), at(3, 4)], 'spool');
    const counts = async () =>
      (await s.q<{ n: string }>('SELECT concat((SELECT v_count FROM late_5m), (SELECT v_count FROM late_1h), (SELECT v_count FROM late_1d)) AS n'))[0]
        .n;
    assert.equal(await counts(), '222');
    await s.sink.afterReplay();
    assert.equal(await counts(), '444');
    const [five] = await s.q<{ v_sum: number }>('SELECT v_sum FROM late_5m');
    assert.equal(five.v_sum, 10);
  });
});

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
}
