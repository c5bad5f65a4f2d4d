// The timescale-out node's editor settings, parsed and checked at the edge.
import type { RawConfig as Raw } from '../common/config-fields';
import { readSettings } from '../common/settings-schema';
import { daysSpan, parseBuckets, parseSpan } from './intervals';
import { checkIdentifier, checkTableName, TIME_COLUMN } from './schema';
import { AGGREGATE_KEYS, type TimescalePolicy } from './hypertable-sql';
import { settingsSchema } from './timescale-out-schema';

export interface OutSettings {
  /** Fixed table; when absent each message's `msg.measurement` names it. */
  table?: string;
  schema: string;
  deviceColumn: string;
  /** Device key for messages without `msg.device`. */
  device?: string;
  batchRows: number;
  batchMs: number;
  spoolMaxBytes: number;
  /** Spool folder; when absent, one per node under Node-RED's user directory. */
  spoolDir?: string;
  policy: TimescalePolicy;
}

export function parseOutSettings(raw: Raw): OutSettings {
  const s = readSettings(settingsSchema, raw);
  const table = s.table ? checkTableName(s.table) : undefined;
  const schema = checkIdentifier(s.schema, 'schema');
  const deviceColumn = checkIdentifier(s.deviceColumn, 'device column');
  if (deviceColumn === TIME_COLUMN || (AGGREGATE_KEYS as readonly string[]).includes(deviceColumn)) {
    throw new RangeError(`device column cannot be called "${deviceColumn}"`);
  }
  const buckets = parseBuckets(s.buckets);
  const policy: TimescalePolicy = {
    chunk: parseSpan(s.chunkInterval, 'chunk interval'),
    buckets,
    compressAfter: s.compressAfterDays > 0 ? daysSpan(s.compressAfterDays) : undefined,
    retainFor: s.retentionDays > 0 ? daysSpan(s.retentionDays) : undefined,
  };
  const widest = buckets[buckets.length - 1];
  if (policy.retainFor && widest && policy.retainFor.ms < 3 * widest.ms) {
    throw new RangeError(
      `retention of ${s.retentionDays} days is shorter than three ${widest.suffix} buckets; the aggregates need that much raw data`,
    );
  }
  return {
    table,
    schema,
    deviceColumn,
    device: s.device || undefined,
    batchRows: s.batchRows,
    batchMs: s.batchMs,
    spoolMaxBytes: s.spoolMB * 1024 * 1024,
    spoolDir: s.spoolDir || undefined,
    policy,
  };
}
