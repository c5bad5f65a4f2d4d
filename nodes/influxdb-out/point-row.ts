// A reading message as one InfluxDB point: the measurement, the tags (the device plus the payload fields the
// user names), the fields flattened one level with "_" exactly as timescale-out flattens them (its
// flattenReading, so one message gives the same names in both stores), and the time it was measured.
// Plain JSON, so it survives the disk spool unchanged.
import { ReadingError } from '../common/reading-time';
import { flattenReading, type ReadingMessage } from '../timescale-out/row-flatten';

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

export function toPointRow(msg: ReadingMessage, defaults: PointDefaults, now = Date.now()): PointRow {
  const measurement = measurementOf(msg, defaults);
  // flattenReading checks the payload, the time rule and the field names; its table check (a SQL identifier)
  // is not InfluxDB's, so the measurement goes in as the node's own table, which it takes as given.
  const flat = flattenReading(msg, { table: measurement, device: defaults.device, deviceColumn: defaults.deviceTag }, now);
  const time = Date.parse(flat.time);
  if (time < MIN_TIME_MS || time > MAX_TIME_MS) throw new ReadingError(`payload.timestamp ${flat.time} is outside the years 1677-2262 that InfluxDB can store`);
  const tags: Record<string, string> = {};
  tags[defaults.deviceTag] = tagValue(flat.device, 'msg.device');
  const fields: Record<string, PointField> = {};
  const integers: string[] = [];
  for (const [name, value] of Object.entries(flat.fields)) {
    if (defaults.tagFields.includes(name)) {
      if (typeof value === 'object') throw new ReadingError(`tag "${name}" must be text, a number or a boolean`);
      const text = tagValue(String(value), `tag "${name}"`);
      // An empty tag value is no tag (line protocol reference: "omit the tag").
      if (text !== '') tags[name] = text;
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
    fields[name] = stored;
  }
  if (Object.keys(fields).length === 0) throw new ReadingError('payload has no fields left once the tags are taken out');
  return { measurement, tags, fields, integers, time };
}

function measurementOf(msg: ReadingMessage, defaults: PointDefaults): string {
  const given = defaults.measurement || (typeof msg.measurement === 'string' ? msg.measurement.trim() : '');
  if (!given) throw new ReadingError('no measurement: set one in the node or send msg.measurement');
  // A line that starts with # is a comment (line protocol reference, "Comments"): the point would vanish.
  if (given.startsWith('#')) throw new ReadingError(`measurement "${given}" starts with #, which makes its line a comment`);
  if (given.length > MAX_MEASUREMENT) throw new ReadingError(`measurement longer than ${MAX_MEASUREMENT} characters`);
  return unquotedText(given, 'measurement');
}

function tagValue(text: string, what: string): string {
  return unquotedText(text, what);
}

/** Unquoted parts (measurement, tags) cannot hold a newline, and a backslash there escapes what follows it. */
function unquotedText(text: string, what: string): string {
  noNewline(text, what);
  if (text.includes('\\')) throw new ReadingError(`${what} ${JSON.stringify(text)} contains a backslash, which line protocol cannot carry there`);
  return text;
}

function noNewline(text: string, what: string): void {
  if (/[\n\r]/.test(text)) throw new ReadingError(`${what} contains a line break, which line protocol cannot carry`);
}
