// A reading message's payload -> the moment it was measured and its numeric fields, named as sinks name them
// (one level flattened with `_`: `pv_array.power` -> `pv_array_power`).

export interface Sample {
  /** ms since the epoch */
  readonly time: number;
  readonly fields: ReadonlyMap<string, number>;
}

export class ReadingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadingError';
  }
}

export interface ReadingOptions {
  /** Only these flattened names; all numeric fields when undefined. */
  readonly only?: ReadonlySet<string>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function timeOf(stamp: unknown, now: number): number {
  if (stamp === undefined || stamp === null) return now;
  let time = Number.NaN;
  if (typeof stamp === 'string') time = Date.parse(stamp);
  else if (typeof stamp === 'number') time = stamp;
  else if (stamp instanceof Date) time = stamp.getTime();
  if (!Number.isFinite(time)) throw new ReadingError(`payload.timestamp ${JSON.stringify(stamp)} is not a time (ISO-8601 string or ms since 1970)`);
  return time;
}

/** A bare number payload is one field named `value`. */
export function readSample(payload: unknown, now: number, options: ReadingOptions = {}): Sample {
  const fields = new Map<string, number>();
  const keep = (name: string, value: unknown) => {
    if (isNumber(value) && (options.only === undefined || options.only.has(name))) fields.set(name, value);
  };
  let time = now;
  if (isNumber(payload)) {
    keep('value', payload);
  } else if (isRecord(payload)) {
    time = timeOf(payload.timestamp, now);
    for (const [name, value] of Object.entries(payload)) {
      if (name === 'timestamp') continue;
      if (isRecord(value)) {
        for (const [inner, v] of Object.entries(value)) keep(`${name}_${inner}`, v);
      } else {
        keep(name, value);
      }
    }
  } else {
    throw new ReadingError(`payload must be a reading object or a number, got ${payload === null ? 'null' : typeof payload}`);
  }
  if (fields.size === 0) {
    throw new ReadingError(
      options.only === undefined
        ? 'payload has no numeric field (looked at its properties and one level inside them)'
        : `payload has none of the fields ${[...options.only].join(', ')}`,
    );
  }
  return { time, fields };
}
