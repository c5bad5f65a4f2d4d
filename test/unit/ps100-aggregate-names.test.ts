import assert from 'node:assert/strict';
import { aggregateRef, aggregateViewSql } from '../../nodes/timescale-out/hypertable-sql';
import { parseBuckets } from '../../nodes/timescale-out/intervals';

describe('timescale-out: aggregate views named for the PS100 tables', () => {
  const ps100 = '5m as {base}_5min, 1h as {base}_1hour, 1d as {base}_daily';

  it('names ps100_readings_1s views ps100_readings_5min, _1hour and _daily, each built on the one before', () => {
    const buckets = parseBuckets(ps100);
    const ref = { schema: 'public', table: 'ps100_readings_1s' };
    assert.deepEqual(
      buckets.map((b) => aggregateRef(ref, b).table),
      ['ps100_readings_5min', 'ps100_readings_1hour', 'ps100_readings_daily'],
    );
    const hourly = aggregateViewSql(ref, 'panel_id', buckets, 1, ['power_avg']).text;
    assert.match(hourly, /VIEW IF NOT EXISTS "public"."ps100_readings_1hour"/);
    assert.match(hourly, /FROM "public"."ps100_readings_5min"/);
  });

  it('without a pattern a view stays <table>_<width>; {table} keeps the whole name', () => {
    const ref = { schema: 'public', table: 'pv' };
    assert.deepEqual(
      parseBuckets('5m, 1h as {table}_hourly').map((b) => aggregateRef(ref, b).table),
      ['pv_5m', 'pv_hourly'],
    );
  });

  it('refuses a pattern without {table} or {base}, and two views of one name', () => {
    assert.throws(() => parseBuckets('5m as five'), /\{table\} or \{base\}/);
    assert.throws(() => parseBuckets('5m as {table}_x, 1h as {table}_x'), /same name/);
    assert.throws(() => parseBuckets('5m as {base}-5min'), /lower-case/);
  });
});
