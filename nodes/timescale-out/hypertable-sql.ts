// What TimescaleDB adds to a table when the extension is there: a hypertable, a chain of continuous
// aggregates (5 min -> 1 h -> 1 day by default, each built on the one before) with the sums a mean and a
// standard deviation need, their refresh policies, compression and retention.
import type { Queryable } from '../timescale-db/database';
import { viewName, type Bucket, type Span } from './intervals';
import { checkIdentifier, qualified, quoteIdent, TIME_COLUMN, type TableRef } from './schema';

export interface Statement {
  text: string;
  values?: unknown[];
}

export type { Queryable };

export interface TimescalePolicy {
  chunk: Span;
  /** Smallest first; empty for no aggregates. */
  buckets: readonly Bucket[];
  compressAfter?: Span;
  retainFor?: Span;
}

/** Names an aggregate view must not use for anything but its own columns. */
export const AGGREGATE_KEYS = ['bucket', 'samples'] as const;
/** What each numeric column becomes in every aggregate view. */
export const AGGREGATE_SUFFIXES = ['count', 'sum', 'min', 'max', 'sumsq'] as const;

/** The view of one bucket: `<table>_<width>`, or the name the bucket's `as` pattern gives. */
export function aggregateRef(ref: TableRef, bucket: Bucket): TableRef {
  return { schema: ref.schema, table: checkIdentifier(viewName(ref.table, bucket), 'aggregate view name') };
}

export function hypertableSql(ref: TableRef, policy: TimescalePolicy): Statement {
  return {
    text: `SELECT create_hypertable($1::regclass, '${TIME_COLUMN}', chunk_time_interval => $2::interval, if_not_exists => true)`,
    values: [qualified(ref), policy.chunk.sql],
  };
}

export async function hypertableState(db: Queryable, ref: TableRef): Promise<{ compression: boolean } | undefined> {
  const { rows } = await db.query(
    'SELECT compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 AND hypertable_name = $2',
    [ref.schema, ref.table],
  );
  return rows[0] ? { compression: rows[0].compression_enabled === true } : undefined;
}

/** Compressed chunks grouped by device, newest first inside: the way the readings are queried. */
export function compressionSql(ref: TableRef, deviceColumn: string, after: Span): Statement[] {
  return [
    {
      text: `ALTER TABLE ${qualified(ref)} SET (timescaledb.compress, timescaledb.compress_segmentby = '${quoteIdent(deviceColumn)}', timescaledb.compress_orderby = '${quoteIdent(TIME_COLUMN)} DESC')`,
    },
    {
      text: 'SELECT add_compression_policy($1::regclass, compress_after => $2::interval, if_not_exists => true)',
      values: [qualified(ref), after.sql],
    },
  ];
}

export function retentionSql(ref: TableRef, retainFor: Span): Statement {
  return {
    text: 'SELECT add_retention_policy($1::regclass, drop_after => $2::interval, if_not_exists => true)',
    values: [qualified(ref), retainFor.sql],
  };
}

/** A field in Wh ends in `_wh` (`energy_wh`, `pv_array_energy_wh`); its kWh total drops the `_wh`. */
const kwhName = (name: string) => `${name.replace(/_wh$/, '')}_kwh`;

/**
 * The view for `buckets[level]`: the first reads the table, each next one the view before it, adding up
 * counts and sums and taking the min of mins and max of maxes, so every level holds exact figures. Buckets of
 * a day or longer also carry the kWh total of each Wh field (`energy_wh` -> `energy_kwh`), as daily energy is
 * read in kWh.
 */
export function aggregateViewSql(
  ref: TableRef,
  deviceColumn: string,
  buckets: readonly Span[],
  level: number,
  numeric: readonly string[],
): Statement {
  const bucket = buckets[level];
  const view = qualified(aggregateRef(ref, bucket));
  const device = quoteIdent(deviceColumn);
  const width = `INTERVAL '${bucket.sql}'`;
  const col = (name: string, suffix: string) => quoteIdent(`${name}_${suffix}`);
  const whFields = bucket.ms >= DAY_MS ? numeric.filter((name) => /_wh$/.test(name)) : [];
  let select: string[];
  let from: string;
  if (level === 0) {
    select = [
      `time_bucket(${width}, ${quoteIdent(TIME_COLUMN)}) AS bucket`,
      device,
      'count(*) AS samples',
      ...numeric.flatMap((name) => {
        const c = quoteIdent(name);
        return [
          `count(${c}) AS ${col(name, 'count')}`,
          `sum(${c}) AS ${col(name, 'sum')}`,
          `min(${c}) AS ${col(name, 'min')}`,
          `max(${c}) AS ${col(name, 'max')}`,
          `sum(${c} * ${c}) AS ${col(name, 'sumsq')}`,
        ];
      }),
      ...whFields.map((name) => `sum(${quoteIdent(name)}) / 1000.0 AS ${quoteIdent(kwhName(name))}`),
    ];
    from = qualified(ref);
  } else {
    select = [
      `time_bucket(${width}, bucket) AS bucket`,
      device,
      'sum(samples)::bigint AS samples',
      ...numeric.flatMap((name) => [
        `sum(${col(name, 'count')})::bigint AS ${col(name, 'count')}`,
        `sum(${col(name, 'sum')}) AS ${col(name, 'sum')}`,
        `min(${col(name, 'min')}) AS ${col(name, 'min')}`,
        `max(${col(name, 'max')}) AS ${col(name, 'max')}`,
        `sum(${col(name, 'sumsq')}) AS ${col(name, 'sumsq')}`,
      ]),
      ...whFields.map((name) => `sum(${col(name, 'sum')}) / 1000.0 AS ${quoteIdent(kwhName(name))}`),
    ];
    from = qualified(aggregateRef(ref, buckets[level - 1]));
  }
  // Real-time: buckets not yet materialised are computed from the rows below, so queries see the latest data.
  return {
    text:
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS ` +
      `SELECT ${select.join(', ')} FROM ${from} GROUP BY 1, ${device} WITH NO DATA`,
  };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** How far back a refresh policy looks for late rows; a replay from an older outage refreshes itself. */
const REFRESH_LOOKBACK_MS = 7 * DAY_MS;

export interface RefreshWindow {
  startOffset: string;
  endOffset: string;
  schedule: string;
}

/**
 * The still-filling bucket is left to real-time aggregation; the window reaches back a week (at least three
 * buckets, as TimescaleDB requires two besides the end offset), never past retention, so dropped rows are
 * never "refreshed" out of the aggregates.
 */
export function refreshWindow(bucket: Span, policy: TimescalePolicy): RefreshWindow {
  const lookback = Math.min(REFRESH_LOOKBACK_MS, policy.retainFor?.ms ?? Infinity);
  const startMs = Math.max(3 * bucket.ms, lookback);
  return {
    startOffset: `${Math.round(startMs / 1000)} seconds`,
    endOffset: bucket.sql,
    schedule: `${Math.round(Math.min(bucket.ms, HOUR_MS) / 1000)} seconds`,
  };
}

export function refreshPolicySql(ref: TableRef, bucket: Span, policy: TimescalePolicy): Statement {
  const w = refreshWindow(bucket, policy);
  return {
    text:
      'SELECT add_continuous_aggregate_policy($1::regclass, start_offset => $2::interval, end_offset => $3::interval, ' +
      'schedule_interval => $4::interval, if_not_exists => true)',
    values: [qualified(aggregateRef(ref, bucket)), w.startOffset, w.endOffset, w.schedule],
  };
}

/** Materialises one view over [from, to); `null` ends are open. Not allowed inside a transaction. */
export function refreshSql(ref: TableRef, bucket: Span, from: string | null, to: string | null): Statement {
  return {
    text: 'CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)',
    values: [qualified(aggregateRef(ref, bucket)), from, to],
  };
}

/** Columns of a relation, or undefined when it does not exist. */
export async function relationColumns(db: Queryable, ref: TableRef): Promise<Map<string, string> | undefined> {
  const { rows } = await db.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [qualified(ref)],
  );
  // Every table and view of ours has columns; none means the relation is not there.
  return rows.length === 0 ? undefined : new Map(rows.map((r) => [String(r.name), String(r.type)]));
}
