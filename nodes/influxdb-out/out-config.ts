// The influxdb-out node's editor settings, parsed and checked at the edge.
import type { RawConfig as Raw } from '../common/config-fields';
import { readSettings } from '../common/settings-schema';
import type { Precision } from '../influxdb/influx-writer';
import { settingsSchema } from './influxdb-out-schema';
import { keyName, type PointDefaults } from './point-row';

export interface OutSettings extends PointDefaults {
  precision: Precision;
  batchRows: number;
  batchMs: number;
  spoolMaxBytes: number;
  /** Spool folder; when absent, one per node under Node-RED's user directory. */
  spoolDir?: string;
}

/** "a, b,c" -> ["a", "b", "c"], each a field name as parseReading makes them (groups joined with _). */
function names(list: string, key: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return keyName(s);
      } catch (err) {
        throw new RangeError(`${key}: ${(err as Error).message}`, { cause: err });
      }
    });
}

export function parseOutSettings(raw: Raw): OutSettings {
  const s = readSettings(settingsSchema, raw);
  let deviceTag: string;
  try {
    deviceTag = keyName(s.deviceTag);
  } catch (err) {
    throw new RangeError(`device tag: ${(err as Error).message}`, { cause: err });
  }
  const tagFields = names(s.tags, 'tags');
  const integerFields = names(s.integers, 'integers');
  const both = tagFields.find((n) => integerFields.includes(n));
  if (both) throw new RangeError(`"${both}" cannot be both a tag and an integer field`);
  return {
    measurement: s.measurement || undefined,
    device: s.device || undefined,
    deviceTag,
    tagFields,
    integerFields,
    precision: s.precision,
    batchRows: s.batchRows,
    batchMs: s.batchMs,
    spoolMaxBytes: s.spoolMB * 1024 * 1024,
    spoolDir: s.spoolDir || undefined,
  };
}
