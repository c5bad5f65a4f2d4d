// One point as a line of InfluxDB line protocol (InfluxDB v1.6 "Line protocol reference", "Special characters"
// and "Data types"; the same rules in the v2 reference):
//   measurement[,tag=value...] field=value[,field=value...] timestamp
// - measurement: commas and spaces escaped with "\"; tag keys, tag values and field keys: commas, equals signs
//   and spaces escaped (influxdb models/points.go measurementEscapeCodes / tagEscapeCodes).
// - string field values in double quotes, with `"` and `\` escaped.
// - floats as decimal text (a whole number too: without `i` it is a float), integers with a trailing `i`,
//   booleans as true/false.
// - newlines are not allowed in tag or field values ("Line protocol does not support the newline character"),
//   and a backslash in an unquoted part would escape whatever follows it: point-row.ts refuses both before a
//   point gets here.
import type { Precision } from '../influxdb/influx-writer';
import type { PointRow } from './point-row';

const MEASUREMENT_SPECIAL = /[, ]/g;
const KEY_SPECIAL = /[,= ]/g;
const STRING_SPECIAL = /["\\]/g;

export function escapeMeasurement(name: string): string {
  return name.replace(MEASUREMENT_SPECIAL, '\\$&');
}

export function escapeKey(text: string): string {
  return text.replace(KEY_SPECIAL, '\\$&');
}

export function quoteString(text: string): string {
  return `"${text.replace(STRING_SPECIAL, '\\$&')}"`;
}

const SCALE: Record<Precision, bigint> = { s: 0n, ms: 1n, us: 1000n, ns: 1_000_000n };

/** ms since 1970 at `precision`; whole seconds round down (towards the past), as a floor does. */
export function timestampAt(ms: number, precision: Precision): string {
  if (precision === 's') return String(Math.floor(ms / 1000));
  return (BigInt(Math.trunc(ms)) * SCALE[precision]).toString();
}

export function toLine(row: PointRow, precision: Precision): string {
  const integers = new Set(row.integers);
  // Tags sorted by key, as the line protocol reference's performance tip asks (Go's bytes.Compare order).
  const tags = Object.keys(row.tags)
    .sort(compareBytes)
    .map((key) => `,${escapeKey(key)}=${escapeKey(row.tags[key])}`)
    .join('');
  const fields = Object.entries(row.fields)
    .map(([key, value]) => `${escapeKey(key)}=${fieldText(value, integers.has(key))}`)
    .join(',');
  return `${escapeMeasurement(row.measurement)}${tags} ${fields} ${timestampAt(row.time, precision)}`;
}

function fieldText(value: number | boolean | string, integer: boolean): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return integer ? `${value}i` : String(value);
}

/** UTF-8 byte order, which is what Go's bytes.Compare gives (JS < compares UTF-16 code units). */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
