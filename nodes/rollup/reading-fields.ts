// A reading message's payload -> the moment it was measured and its numeric fields, named as sinks name them
// (one level flattened with `_`: `pv_array.power` -> `pv_array_power`).
import { forEachField, isReadingObject, ReadingError } from '../common/reading';
import { readingTime } from '../common/reading-time';

export interface Sample {
  /** ms since the epoch */
  readonly time: number;
  readonly fields: ReadonlyMap<string, number>;
}

export { ReadingError };

export interface ReadingOptions {
  /** Only these flattened names; all numeric fields when undefined. */
  readonly only?: ReadonlySet<string>;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A bare number payload is one field named `value`. */
export function readSample(payload: unknown, now: number, options: ReadingOptions = {}): Sample {
  const fields = new Map<string, number>();
  const keep = (name: string, value: unknown) => {
    if (isNumber(value) && (options.only === undefined || options.only.has(name))) fields.set(name, value);
  };
  let time = now;
  if (isNumber(payload)) {
    keep('value', payload);
  } else if (isReadingObject(payload)) {
    time = readingTime(payload.timestamp, now);
    forEachField(payload, keep);
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
