// The reading message every node of this package sends and takes (DESIGN.md "Messages"): `msg.payload` readings
// grouped one level deep with `payload.timestamp`, `msg.device` the device key, `msg.measurement` the record kind,
// `msg.topic` `<type>/<device>`. Device nodes build it; rollup and the sinks read it back with parseReading, so
// every node flattens (`pv_array.power` -> `pv_array_power`) and dates it the same way.
import { ReadingError, readingTime } from './reading-time';

export { ReadingError };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A field's value as sinks store it: numbers, booleans and strings as themselves, anything nested as JSON. */
export type FieldValue = number | boolean | string | JsonValue[] | { [key: string]: JsonValue };

/** What a device node sends (a type, not an interface, so it passes where any message fields are taken). */
export type ReadingMessage = {
  topic: string;
  /** ISO-8601 UTC `timestamp` plus readings, grouped one level deep where the device has natural groups. */
  payload: { timestamp: string };
  device: string;
  measurement: string;
};

/** A message as a node receives it: nothing is known until parseReading has looked. */
export interface IncomingReading {
  payload?: unknown;
  device?: unknown;
  measurement?: unknown;
}

/** A reading taken apart: the device, the record kind, when it was measured and its flattened fields. */
export interface Reading {
  device: string;
  /** `msg.measurement`, or the fallback; empty when neither gives one. */
  measurement: string;
  /** ms since 1970 (see reading-time). */
  time: number;
  /** A Map, so `constructor` or `__proto__` are field names like any other. Null and NaN are left out. */
  fields: Map<string, FieldValue>;
}

export interface ReadingFallbacks {
  /** The device key when the message has none. */
  device?: string;
  /** The record kind when the message has none. */
  measurement?: string;
}

const MAX_DEVICE_LENGTH = 200;

/** The default topic of a device node's readings. */
export function readingTopic(type: string, device: string): string {
  return `${type}/${device}`;
}

export function isReadingObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value);
}

/** Each reading of a payload by its flattened name, groups opened one level deep, `timestamp` left out. */
export function forEachField(payload: Record<string, unknown>, visit: (name: string, value: unknown) => void): void {
  for (const [key, value] of Object.entries(payload)) {
    if (key === 'timestamp') continue;
    if (isReadingObject(value)) {
      for (const [inner, innerValue] of Object.entries(value)) visit(`${key}_${inner}`, innerValue);
    } else {
      visit(key, value);
    }
  }
}

/** Throws a ReadingError saying what is wrong; `now` stands in for a missing timestamp (the arrival time). */
export function parseReading(msg: IncomingReading, fallbacks: ReadingFallbacks, now: number): Reading {
  const payload = msg.payload;
  if (!isReadingObject(payload)) throw new ReadingError('msg.payload must be an object of readings');
  const device = deviceOf(msg, fallbacks.device);
  const time = readingTime(payload.timestamp, now);
  const fields = new Map<string, FieldValue>();
  forEachField(payload, (name, raw) => {
    const value = fieldValue(raw, name);
    if (value === undefined) return;
    if (fields.has(name)) throw new ReadingError(`field "${name}" appears twice after flattening`);
    fields.set(name, value);
  });
  const measurement = typeof msg.measurement === 'string' && msg.measurement.trim() !== '' ? msg.measurement.trim() : (fallbacks.measurement ?? '');
  return { device, measurement, time, fields };
}

function deviceOf(msg: IncomingReading, fallback = ''): string {
  const given = typeof msg.device === 'string' || typeof msg.device === 'number' ? String(msg.device).trim() : '';
  const device = given || fallback;
  if (!device) throw new ReadingError('no device key: send msg.device or set a device in the node');
  if (device.length > MAX_DEVICE_LENGTH) throw new ReadingError(`device key longer than ${MAX_DEVICE_LENGTH} characters`);
  return device;
}

/** undefined for "no reading" (null, NaN, +-Infinity). */
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
      if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : raw.toISOString();
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
