// A reading message as one InfluxDB point: the measurement, the tags (the device plus the payload fields the
// user names), the fields flattened one level with "_" by the shared parseReading (common/reading.ts, as
// timescale-out and rollup take messages apart, so one message gives the same names everywhere), and the time it
// was measured. Plain JSON, so it survives the disk spool unchanged.
import { parseReading, ReadingError, type IncomingReading } from '../common/reading';

export type PointField = number | boolean | string;

export interface PointRow {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, PointField>;
  /** The fields written as integers (`i`): named in the node and checked to be whole here. */
  integers: string[];
  /** ms since 1970. */
  time: number;
}

export interface PointDefaults {
  /** Measurement from the node's settings; wins over `msg.measurement`, as timescale-out's table does. */
  measurement?: string;
  /** Device tag value when the message has no `msg.device`. */
  device?: string;
  /** Name of the device tag. */
  deviceTag: string;
  /** Payload fields (flattened names) written as tags instead of fields. */
  tagFields: readonly string[];
  /** Payload fields (flattened names) written as integers; every other number is a float. */
  integerFields: readonly string[];
}

/**
 * InfluxDB stores times as int64 ns since 1970 (v1.6 line protocol reference, "Timestamp": valid from
 * 1677-09-21T00:12:43.145224194Z to 2262-04-11T23:47:16.854775806Z).
 */
const MIN_TIME_MS = Date.parse('1677-09-21T00:12:44Z');
const MAX_TIME_MS = Date.parse('2262-04-11T23:47:16Z');
const MAX_MEASUREMENT = 200;

export function toPointRow(msg: IncomingReading, defaults: PointDefaults, now = Date.now()): PointRow {
  const reading = parseReading(msg, { device: defaults.device }, now);
  const measurement = measurementOf(defaults.measurement || reading.measurement);
  const time = reading.time;
  if (time < MIN_TIME_MS || time > MAX_TIME_MS)
    throw new ReadingError(`payload.timestamp ${new Date(time).toISOString()} is outside the years 1677-2262 that InfluxDB can store`);
  // Maps turned into objects with fromEntries: `__proto__` is a field name like any other.
  const tagMap = new Map<string, string>([[defaults.deviceTag, unquotedText(reading.device, 'msg.device')]]);
  const fields = new Map<string, PointField>();
  const integers: string[] = [];
  for (const [name, value] of reading.fields) {
    keyName(name);
    if (name === defaults.deviceTag) {
      // A payload may repeat its own device key; anything else there is a clash.
      if (String(value) === reading.device) continue;
      throw new ReadingError(`field "${name}" is the device tag but differs from the device "${reading.device}"`);
    }
    if (defaults.tagFields.includes(name)) {
      if (typeof value === 'object') throw new ReadingError(`tag "${name}" must be text, a number or a boolean`);
      const text = unquotedText(String(value), `tag "${name}"`);
      // An empty tag value is no tag (line protocol reference: "omit the tag").
      if (text !== '') tagMap.set(name, text);
      continue;
    }
    if (defaults.integerFields.includes(name)) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        throw new ReadingError(`field "${name}" is written as an integer but is ${JSON.stringify(value)}; InfluxDB keeps a field's first type`);
      }
      integers.push(name);
    }
    // Anything nested deeper than one level goes in as its JSON text.
    const stored = typeof value === 'object' ? JSON.stringify(value) : value;
    if (typeof stored === 'string') noNewline(stored, `field "${name}"`);
    fields.set(name, stored);
  }
  if (fields.size === 0) throw new ReadingError('payload has no readings left once the tags are taken out');
  return { measurement, tags: Object.fromEntries(tagMap), fields: Object.fromEntries(fields), integers, time };
}

/**
 * A tag or field key: no line break or backslash (see unquotedText), and not `time`, which InfluxDB refuses as a
 * key (v1.6 line protocol reference: "time" is a keyword, a point with a field or tag key "time" is not written).
 */
export function keyName(name: string): string {
  if (name === 'time') throw new ReadingError('"time" cannot be a field or tag name in InfluxDB; the time comes from payload.timestamp');
  return unquotedText(name, `name "${name}"`);
}

function measurementOf(given: string): string {
  if (!given) throw new ReadingError('no measurement: set one in the node or send msg.measurement');
  // A line that starts with # is a comment (line protocol reference, "Comments"): the point would vanish.
  if (given.startsWith('#')) throw new ReadingError(`measurement "${given}" starts with #, which makes its line a comment`);
  if (given.length > MAX_MEASUREMENT) throw new ReadingError(`measurement longer than ${MAX_MEASUREMENT} characters`);
  return unquotedText(given, 'measurement');
}

/** Unquoted parts (measurement, tag keys and values, field keys) cannot hold a newline, and a backslash there escapes what follows it. */
function unquotedText(text: string, what: string): string {
  noNewline(text, what);
  if (text.includes('\\')) throw new ReadingError(`${what} ${JSON.stringify(text)} contains a backslash, which line protocol cannot carry there`);
  return text;
}

function noNewline(text: string, what: string): void {
  if (/[\n\r]/.test(text)) throw new ReadingError(`${what} contains a line break, which line protocol cannot carry`);
}
