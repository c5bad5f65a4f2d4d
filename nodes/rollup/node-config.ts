// The rollup node's editor settings, parsed and checked at the edge.
import { isPowerFieldName } from './energy';
import { parseWindows, parseZone, type WindowSpec } from './window-spec';

export interface RollupNodeConfig {
  windows: WindowSpec[];
  zone: string;
  /** msg property holding the key, e.g. `device` or `topic`. */
  keyProperty: string;
  /** Flattened field names to keep; every numeric field when undefined. */
  fields: ReadonlySet<string> | undefined;
  isPowerField: (field: string) => boolean;
  graceMs: number;
  maxGapMs: number;
  maxAheadMs: number;
  topic: string;
  measurement: string;
  /** Context store name; the default store when undefined. */
  store: string | undefined;
}

export const DEFAULT_WINDOWS = '1m,1h,day,month,year,lifetime';
/** A sample stamped further ahead than this is refused; it would hold a window open until then. */
const MAX_AHEAD_MS = 5 * 60_000;

function nameList(raw: unknown): string[] {
  return String(raw ?? '')
    .split(/[\s,]+/)
    .filter((name) => name !== '');
}

function seconds(raw: unknown, what: string, fallback: number, min: number): number {
  const value = raw === '' || raw === undefined || raw === null ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min) throw new RangeError(`${what} must be a number of seconds from ${min}, got ${String(raw)}`);
  return value;
}

export function parseRollupConfig(raw: Record<string, unknown>): RollupNodeConfig {
  const windows = parseWindows(String(raw.windows ?? '') || DEFAULT_WINDOWS);
  const zone = parseZone(String(raw.zone ?? ''));
  const keyProperty = String(raw.keyProperty ?? '').trim() || 'device';
  const fields = nameList(raw.fields);
  const powerFields = new Set(nameList(raw.powerFields));
  const graceMs = seconds(raw.grace, 'grace', 5, 0) * 1000;
  const maxGapMs = seconds(raw.maxGap, 'max gap', 300, 0) * 1000;
  const store = String(raw.store ?? '').trim();
  return {
    windows,
    zone,
    keyProperty,
    fields: fields.length > 0 ? new Set(fields) : undefined,
    isPowerField: powerFields.size > 0 ? (field) => powerFields.has(field) : isPowerFieldName,
    graceMs,
    maxGapMs,
    maxAheadMs: MAX_AHEAD_MS,
    topic: String(raw.topic ?? '').trim() || 'rollup/{key}',
    measurement: String(raw.measurement ?? '').trim(),
    store: store === '' ? undefined : store,
  };
}
