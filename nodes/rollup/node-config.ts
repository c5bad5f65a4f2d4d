// The rollup node's editor settings, parsed and checked at the edge.
import type { RawConfig } from '../common/config-fields';
import { readSettings, wordsOf } from '../common/settings-schema';
import { isPowerFieldName } from './energy';
import { settingsSchema } from './rollup-schema';
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

/** A sample stamped further ahead than this is refused; it would hold a window open until then. */
const MAX_AHEAD_MS = 5 * 60_000;

export function parseRollupConfig(raw: RawConfig): RollupNodeConfig {
  const s = readSettings(settingsSchema, raw);
  const fields = wordsOf(s.fields);
  const powerFields = new Set(wordsOf(s.powerFields));
  return {
    windows: parseWindows(s.windows),
    zone: parseZone(s.zone),
    keyProperty: s.keyProperty,
    fields: fields.length > 0 ? new Set(fields) : undefined,
    isPowerField: powerFields.size > 0 ? (field) => powerFields.has(field) : isPowerFieldName,
    graceMs: s.grace * 1000,
    maxGapMs: s.maxGap * 1000,
    maxAheadMs: MAX_AHEAD_MS,
    topic: s.topic || 'rollup/{key}',
    measurement: s.measurement,
    store: s.store === '' ? undefined : s.store,
  };
}
