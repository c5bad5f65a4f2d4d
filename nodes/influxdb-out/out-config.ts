// The influxdb-out node's editor settings, parsed and checked at the edge.
import { oneOf, text, wholeNumber, type RawConfig as Raw } from '../common/config-fields';
import { PRECISIONS, type Precision } from '../influxdb/influx-writer';
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
function names(raw: Raw, key: string): string[] {
  return text(raw, key)
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
  let deviceTag: string;
  try {
    deviceTag = keyName(text(raw, 'deviceTag', 'device'));
  } catch (err) {
    throw new RangeError(`device tag: ${(err as Error).message}`, { cause: err });
  }
  const tagFields = names(raw, 'tags');
  const integerFields = names(raw, 'integers');
  const both = tagFields.find((n) => integerFields.includes(n));
  if (both) throw new RangeError(`"${both}" cannot be both a tag and an integer field`);
  return {
    measurement: text(raw, 'measurement') || undefined,
    device: text(raw, 'device') || undefined,
    deviceTag,
    tagFields,
    integerFields,
    precision: oneOf<Precision>(raw, 'precision', PRECISIONS, 'ms'),
    batchRows: wholeNumber(raw, 'batchRows', 500, 1, 10_000),
    batchMs: wholeNumber(raw, 'batchMs', 1000, 10, 60_000),
    spoolMaxBytes: wholeNumber(raw, 'spoolMB', 256, 1, 1_000_000) * 1024 * 1024,
    spoolDir: text(raw, 'spoolDir') || undefined,
  };
}
