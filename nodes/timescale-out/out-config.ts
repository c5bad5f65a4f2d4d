// The timescale-out node's editor settings, parsed and checked at the edge.
import { wholeNumber, type RawConfig as Raw } from '../common/config-fields';
import { daysSpan, parseBuckets, parseSpan } from './intervals';
import { checkIdentifier, checkTableName, TIME_COLUMN } from './schema';
import { AGGREGATE_KEYS, type TimescalePolicy } from './hypertable-sql';

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

function str(raw: Raw, key: string): string {
  return typeof raw[key] === 'string' || typeof raw[key] === 'number' ? String(raw[key]).trim() : '';
}

export function parseOutSettings(raw: Raw): OutSettings {
  const table = str(raw, 'table') ? checkTableName(str(raw, 'table')) : undefined;
  const schema = checkIdentifier(str(raw, 'schema') || 'public', 'schema');
  const deviceColumn = checkIdentifier(str(raw, 'deviceColumn') || 'device', 'device column');
  if (deviceColumn === TIME_COLUMN || (AGGREGATE_KEYS as readonly string[]).includes(deviceColumn)) {
    throw new RangeError(`device column cannot be called "${deviceColumn}"`);
  }
  const buckets = parseBuckets(raw.buckets === undefined ? '5m, 1h, 1d' : str(raw, 'buckets'));
  const compressDays = wholeNumber(raw, 'compressAfterDays', 7, 0, 36500);
  const retentionDays = wholeNumber(raw, 'retentionDays', 0, 0, 36500);
  const policy: TimescalePolicy = {
    chunk: parseSpan(str(raw, 'chunkInterval') || '1d', 'chunk interval'),
    buckets,
    compressAfter: compressDays > 0 ? daysSpan(compressDays) : undefined,
    retainFor: retentionDays > 0 ? daysSpan(retentionDays) : undefined,
  };
  const widest = buckets[buckets.length - 1];
  if (policy.retainFor && widest && policy.retainFor.ms < 3 * widest.ms) {
    throw new RangeError(`retention of ${retentionDays} days is shorter than three ${widest.suffix} buckets; the aggregates need that much raw data`);
  }
  return {
    table,
    schema,
    deviceColumn,
    device: str(raw, 'device') || undefined,
    batchRows: wholeNumber(raw, 'batchRows', 500, 1, 10_000),
    batchMs: wholeNumber(raw, 'batchMs', 1000, 10, 60_000),
    spoolMaxBytes: wholeNumber(raw, 'spoolMB', 256, 1, 1_000_000) * 1024 * 1024,
    spoolDir: str(raw, 'spoolDir') || undefined,
    policy,
  };
}
