import assert from 'node:assert/strict';
import { parseDbSettings } from '../../nodes/timescale-db/db-config';
import { isBlockingFailure, isTransientFailure, refusalOf } from '../../nodes/timescale-db/pg-errors';
import { poolConfig } from '../../nodes/timescale-db/pool';
import { parseBuckets, parseSpan } from '../../nodes/timescale-out/intervals';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import type { FlatRow } from '../../nodes/timescale-out/row-flatten';
import { planColumns, rowValues } from '../../nodes/timescale-out/column-plan';
import { checkFieldName, checkTableName, columnAccepts, createTableSql, insertSql, quoteIdent } from '../../nodes/timescale-out/schema';
import { aggregateViewSql, refreshWindow } from '../../nodes/timescale-out/hypertable-sql';

const row = (fields: FlatRow['fields']): FlatRow => ({ table: 't', device: 'd', time: '2026-01-01T00:00:00.000Z', fields });

describe('timescale-out: schema planning', () => {
  it('accepts only plain lower-case identifiers, and quotes them anyway', () => {
    assert.equal(checkTableName('epever_tracer'), 'epever_tracer');
    for (const bad of ['Epever', '1table', 'a-b', 'a b', 'x"y', '', 'a'.repeat(56)]) assert.throws(() => checkTableName(bad), /table name/);
    assert.throws(() => checkFieldName('a'.repeat(58)), /at most 57/);
    assert.equal(quoteIdent('a"b'), '"a""b"');
  });

  it('maps numbers, booleans, strings and JSON to column types, and checks existing columns', () => {
    const ref = { schema: 'public', table: 't' };
    const { columns } = planColumns(undefined, [row({ v: 1, ok: true, mode: 'boost', extra: [1] })], 'device');
    assert.equal(
      createTableSql(ref, 'device', columns),
      'CREATE TABLE IF NOT EXISTS "public"."t" ("time" timestamptz NOT NULL, "device" text NOT NULL, "v" double precision, ' +
        '"ok" boolean, "mode" text, "extra" jsonb, PRIMARY KEY ("device", "time"))',
    );
    const shape = new Map([
      ['time', 'timestamp with time zone'],
      ['device', 'text'],
      ['v', 'real'],
      ['mode', 'character varying(10)'],
    ]);
    assert.deepEqual(planColumns(shape, [row({ v: 1, w: 2 }), row({ w: 'x', z: false })], 'device').columns, [
      { name: 'w', kind: 'number' },
      { name: 'z', kind: 'boolean' },
    ]);
    assert.deepEqual(rowValues(shape, row({ v: 1, mode: 'float' })).problems, []);
    assert.deepEqual(rowValues(shape, row({ v: 'high' })).problems, ['field "v" is the string "high", but column t.v is real; stored as NULL']);
    assert.ok(columnAccepts('numeric(10,2)', 'number') && columnAccepts('integer', 'number'));
    assert.ok(!columnAccepts('boolean', 'number') && !columnAccepts('text', 'json') && columnAccepts('timestamp with time zone', 'text'));
  });

  it('inserts with one array parameter per column and skips rows already stored', () => {
    assert.equal(
      insertSql({ schema: 'public', table: 't' }, 'panel_id', [{ name: 'v', sqlType: 'double precision' }]),
      'INSERT INTO "public"."t" ("time", "panel_id", "v") SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::double precision[]) ON CONFLICT DO NOTHING',
    );
  });

  it('builds each aggregate level on the one before, with what a mean and a standard deviation need', () => {
    const buckets = parseBuckets('5m, 1h, 1d');
    const ref = { schema: 'public', table: 'pv' };
    const first = aggregateViewSql(ref, 'device', buckets, 0, ['power']).text;
    assert.match(
      first,
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS "public"."pv_5m" WITH \(timescaledb.continuous, timescaledb.materialized_only = false\)/,
    );
    assert.match(first, /time_bucket\(INTERVAL '5 minutes', "time"\) AS bucket/);
    assert.match(
      first,
      /count\("power"\) AS "power_count", sum\("power"\) AS "power_sum", min\("power"\) AS "power_min", max\("power"\) AS "power_max", sum\("power" \* "power"\) AS "power_sumsq"/,
    );
    assert.match(first, /FROM "public"."pv" GROUP BY 1, "device" WITH NO DATA$/);
    const second = aggregateViewSql(ref, 'device', buckets, 1, ['power']).text;
    assert.match(second, /"public"."pv_1h"/);
    assert.match(second, /sum\("power_count"\)::bigint AS "power_count", sum\("power_sum"\) AS "power_sum", min\("power_min"\)/);
    assert.match(second, /FROM "public"."pv_5m"/);
  });

  it('gives day buckets a kWh total of every Wh field, and shorter buckets none', () => {
    const buckets = parseBuckets('5m, 1h, 1d');
    const ref = { schema: 'public', table: 'pv' };
    const fields = ['energy_wh', 'pv_array_energy_wh', 'power'];
    assert.doesNotMatch(aggregateViewSql(ref, 'device', buckets, 1, fields).text, /_kwh/);
    const daily = aggregateViewSql(ref, 'device', buckets, 2, fields).text;
    assert.match(daily, /sum\("energy_wh_sum"\) \/ 1000\.0 AS "energy_kwh"/);
    assert.match(daily, /sum\("pv_array_energy_wh_sum"\) \/ 1000\.0 AS "pv_array_energy_kwh"/);
    assert.doesNotMatch(daily, /power_kwh/);
    const dailyFromTable = aggregateViewSql(ref, 'device', parseBuckets('1d'), 0, fields).text;
    assert.match(dailyFromTable, /sum\("energy_wh"\) \/ 1000\.0 AS "energy_kwh"/);
  });

  it('refreshes a week back (at least three buckets), never beyond retention', () => {
    const [five, , day] = parseBuckets('5m, 1h, 1d');
    const chunk = parseSpan('1d', 'x');
    assert.deepEqual(refreshWindow(five, { chunk, buckets: [] }), { startOffset: '604800 seconds', endOffset: '5 minutes', schedule: '300 seconds' });
    assert.deepEqual(refreshWindow(day, { chunk, buckets: [], retainFor: parseSpan('3d', 'x') }), {
      startOffset: '259200 seconds',
      endOffset: '1 days',
      schedule: '3600 seconds',
    });
  });
});

describe('timescale-out: settings', () => {
  it('has the defaults the issue names', () => {
    const s = parseOutSettings({});
    assert.equal(s.batchRows, 500);
    assert.equal(s.batchMs, 1000);
    assert.equal(s.deviceColumn, 'device');
    assert.equal(s.policy.chunk.sql, '1 days');
    assert.deepEqual(
      s.policy.buckets.map((b) => b.suffix),
      ['5m', '1h', '1d'],
    );
    assert.equal(s.policy.compressAfter?.sql, '7 days');
    assert.equal(s.policy.retainFor, undefined);
  });

  it('names what is wrong', () => {
    assert.throws(() => parseOutSettings({ buckets: '5m, 7m' }), /7m must be a whole multiple of 5m/);
    assert.throws(() => parseOutSettings({ buckets: '1h, 5m' }), /whole multiple/);
    assert.throws(() => parseOutSettings({ chunkInterval: 'often' }), /chunk interval/);
    assert.throws(() => parseOutSettings({ retentionDays: 2 }), /shorter than three 1d buckets/);
    assert.throws(() => parseOutSettings({ deviceColumn: 'time' }), /cannot be called "time"/);
    assert.throws(() => parseOutSettings({ table: 'Bad Name' }), /table name/);
    assert.throws(() => parseOutSettings({ batchRows: 0 }), /batchRows/);
    assert.deepEqual(parseOutSettings({ buckets: '' }).policy.buckets, []);
    assert.equal(parseOutSettings({ compressAfterDays: 0, retentionDays: 0 }).policy.compressAfter, undefined);
  });

  it('always sets connect and statement timeouts and an idle limit on the pool', () => {
    const s = parseDbSettings({ host: 'db', database: 'solar', user: 'pi' }, { password: 'secret' });
    const config = poolConfig(s);
    assert.equal(config.connectionTimeoutMillis, 5000);
    assert.equal(config.statement_timeout, 30000);
    assert.equal(config.query_timeout, 35000);
    assert.equal(config.password, 'secret');
    assert.equal(config.ssl, false);
  });

  it('takes TLS material from the credentials', () => {
    const s = parseDbSettings({ host: 'db', database: 'solar', user: 'pi', tls: 'verify-full' }, { ca: 'CA\\nPEM', cert: 'C', key: 'K' });
    assert.deepEqual(poolConfig(s).ssl, { rejectUnauthorized: true, ca: 'CA\nPEM', cert: 'C', key: 'K' });
    assert.throws(() => parseDbSettings({ host: 'db', database: 'solar', user: 'pi', tls: 'require' }, { cert: 'C' }), /needs its key/);
    assert.throws(() => parseDbSettings({ host: '', database: 'x', user: 'y' }), /host is empty/);
    assert.throws(() => parseDbSettings({ host: 'h', database: 'x', user: 'y', statementTimeoutMs: 0 }), /statementTimeoutMs/);
  });

  it('keeps rows for later when the server is away, refuses them when they are wrong', () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const transient of [
      coded('ECONNREFUSED'),
      new Error('Connection terminated unexpectedly'),
      coded('57P01'),
      coded('08006'),
      coded('53100'),
      coded('57014'),
    ]) {
      assert.equal(isTransientFailure(transient), true, transient.message);
    }
    for (const wrong of [coded('22P02'), coded('23502'), coded('42501'), coded('42P10')])
      assert.equal(isTransientFailure(wrong), false, wrong.message);
  });

  it('tells a refused login, a missing database or schema and a missing right from an unreachable server', () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    assert.deepEqual(
      ['28P01', '28000', '3D000', '3F000', '42501', '08006', '22P02', 'ECONNREFUSED'].map((code) => refusalOf(coded(code))),
      ['auth', 'auth', 'database', 'schema', 'permission', undefined, undefined, undefined],
    );
    // Rows wait in the spool for all of these, and are refused for a bad value only.
    for (const code of ['28P01', '3D000', '42501', '08006', 'ECONNREFUSED']) assert.equal(isBlockingFailure(coded(code)), true, code);
    assert.equal(isBlockingFailure(coded('22P02')), false);
  });
});
