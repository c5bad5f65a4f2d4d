// A reading message turned into one row: the table, the device key, the time it was measured, and its
// readings flattened one level with "_" (`battery.voltage` -> `battery_voltage`), each with a JSON type.
import { ReadingError, readingTimeIso } from '../common/reading-time';
import { checkFieldName, checkTableName, MAX_COLUMNS } from './schema';

export { ReadingError };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A stored value: numbers, booleans and strings get their own column types, anything nested is jsonb. */
export type FieldValue = number | boolean | string | JsonValue[] | { [key: string]: JsonValue };

/** One row as the writer queues, spools and inserts it; plain JSON, so it survives the spool unchanged. */
export interface FlatRow {
  table: string;
  device: string;
  /** ISO-8601 UTC, millisecond precision. */
  time: string;
  /**
   * Own properties only: a field may be called `constructor` or `__proto__`, so read it with Object.entries
   * or Object.hasOwn, never `in` or an index (which would find Object.prototype's).
   */
  fields: Record<string, FieldValue>;
}

export interface RowDefaults {
  /** Table from the node's settings; wins over `msg.measurement`. */
  table?: string;
  /** Device key when the message has no `msg.device`. */
  device?: string;
  deviceColumn: string;
}

export interface ReadingMessage {
  payload?: unknown;
  device?: unknown;
  measurement?: unknown;
}

const MAX_DEVICE_LENGTH = 200;

/** `now` is the arrival time, which stands in for a missing `payload.timestamp` (see common/reading-time). */
export function flattenReading(msg: ReadingMessage, defaults: RowDefaults, now = Date.now()): FlatRow {
  const payload = msg.payload;
  if (!isPlainObject(payload)) throw new ReadingError('msg.payload must be an object of readings');
  const table = tableOf(msg, defaults);
  const device = deviceOf(msg, defaults);
  const time = readingTimeIso(payload.timestamp, now);
  // A Map, not an object: `constructor` or `__proto__` are field names like any other.
  const fields = new Map<string, FieldValue>();
  const put = (name: string, raw: unknown) => {
    const value = fieldValue(raw, name);
    if (value === undefined) return;
    if (fields.has(name)) throw new ReadingError(`field "${name}" appears twice after flattening`);
    if (name === defaults.deviceColumn) {
      // A payload may repeat its own key (a PS100 roll-up's panel_id); anything else there is a clash.
      if (String(value) === device) return;
      throw new ReadingError(`field "${name}" is the device column but differs from the device key "${device}"`);
    }
    fields.set(fieldName(name), value);
  };
  for (const [key, value] of Object.entries(payload)) {
    if (key === 'timestamp') continue;
    if (isPlainObject(value)) {
      for (const [inner, innerValue] of Object.entries(value)) put(`${key}_${inner}`, innerValue);
    } else {
      put(key, value);
    }
  }
  if (![...fields.values()].some((v) => typeof v === 'number')) throw new ReadingError('payload has no numeric readings');
  // Never fits any table: refused here, before it can reach the spool or the schema.
  if (fields.size > MAX_COLUMNS) throw new ReadingError(`payload has ${fields.size} fields; a table holds at most ${MAX_COLUMNS}`);
  // fromEntries defines each key as an own property, `__proto__` included, where assignment would not.
  return { table, device, time, fields: Object.fromEntries(fields) };
}

function fieldName(name: string): string {
  try {
    return checkFieldName(name);
  } catch (err) {
    throw new ReadingError((err as Error).message);
  }
}

function tableOf(msg: ReadingMessage, defaults: RowDefaults): string {
  if (defaults.table) return defaults.table;
  if (typeof msg.measurement !== 'string' || msg.measurement.trim() === '') {
    throw new ReadingError('no table: set one in the node or send msg.measurement');
  }
  try {
    return checkTableName(msg.measurement.trim());
  } catch (err) {
    throw new ReadingError(`msg.measurement: ${(err as Error).message}`);
  }
}

function deviceOf(msg: ReadingMessage, defaults: RowDefaults): string {
  const given = typeof msg.device === 'string' || typeof msg.device === 'number' ? String(msg.device).trim() : '';
  const device = given || defaults.device || '';
  if (!device) throw new ReadingError('no device key: send msg.device or set a device in the node');
  if (device.length > MAX_DEVICE_LENGTH) throw new ReadingError(`device key longer than ${MAX_DEVICE_LENGTH} characters`);
  return device;
}

/** undefined for "no reading" (null, NaN, +-Infinity): the column stays NULL. */
function fieldValue(raw: unknown, name: string): FieldValue | undefined {
  switch (typeof raw) {
    case 'number':
      return Number.isFinite(raw) ? raw : undefined;
    case 'boolean':
    case 'string':
      return raw;
    case 'bigint':
      if (raw >= BigInt(Number.MIN_SAFE_INTEGER) && raw <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(raw);
      throw new ReadingError(`field "${name}" is a bigint beyond 2^53`);
    case 'undefined':
      return undefined;
    case 'object': {
      if (raw === null) return undefined;
      if (raw instanceof Date) {
        if (Number.isNaN(raw.getTime())) return undefined;
        return raw.toISOString();
      }
      try {
        return JSON.parse(JSON.stringify(raw)) as FieldValue;
      } catch (err) {
        throw new ReadingError(`field "${name}" cannot be stored as JSON: ${(err as Error).message}`);
      }
    }
    default:
      throw new ReadingError(`field "${name}" is a ${typeof raw}, not a reading`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value);
}
