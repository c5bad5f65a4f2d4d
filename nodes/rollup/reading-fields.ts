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

/** A payload's top-level property: its id when it is a number, the ids of its inner properties when a group. */
interface Entry {
  id: number | undefined;
  inner: Map<string, number> | undefined;
}

/**
 * readSample for the node's hot path: the same fields, times and errors, but each flattened name is made and
 * numbered once (`fieldId`, -1 to leave a field out), not per reading, and the result goes into reused arrays.
 * After read(), the first `count` of `ids` and `values` are the sample's fields, each id once (a name met twice
 * keeps its later value, as a Map would).
 */
export class FieldReader {
  readonly ids: number[] = [];
  readonly values: number[] = [];
  count = 0;
  time = 0;
  private readonly entries = new Map<string, Entry>();
  /** Where in `ids` each id is in the current reading, valid while its stamp is the reading's. */
  private readonly position: number[] = [];
  private readonly stamp: number[] = [];
  private reading = 0;
  private lastStamp: unknown = undefined;
  private lastTime = 0;

  constructor(
    private readonly fieldId: (name: string) => number,
    private readonly options: ReadingOptions = {},
  ) {}

  read(payload: unknown, now: number): void {
    this.count = 0;
    this.reading++;
    if (isNumber(payload)) {
      this.time = now;
      this.keep(this.entry('value').id ?? this.scalarId('value'), payload);
    } else if (isReadingObject(payload)) {
      this.time = this.timeOf(payload.timestamp, now);
      for (const key of Object.keys(payload)) {
        if (key === 'timestamp') continue;
        const value = payload[key];
        const entry = this.entry(key);
        if (isReadingObject(value)) {
          const inner = (entry.inner ??= new Map());
          for (const name of Object.keys(value)) {
            const innerValue = value[name];
            if (!isNumber(innerValue)) continue;
            let id = inner.get(name);
            if (id === undefined) {
              id = this.fieldId(`${key}_${name}`);
              inner.set(name, id);
            }
            this.keep(id, innerValue);
          }
        } else if (isNumber(value)) {
          this.keep(entry.id ?? this.scalarId(key), value);
        }
      }
    } else {
      throw new ReadingError(`payload must be a reading object or a number, got ${payload === null ? 'null' : typeof payload}`);
    }
    if (this.count === 0) {
      const only = this.options.only;
      throw new ReadingError(
        only === undefined
          ? 'payload has no numeric field (looked at its properties and one level inside them)'
          : `payload has none of the fields ${[...only].join(', ')}`,
      );
    }
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { id: undefined, inner: undefined };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private scalarId(key: string): number {
    const id = this.fieldId(key);
    this.entry(key).id = id;
    return id;
  }

  private keep(id: number, value: number): void {
    if (id < 0) return;
    if (this.stamp[id] === this.reading) {
      this.values[this.position[id]] = value;
      return;
    }
    while (this.stamp.length <= id) {
      this.stamp.push(0);
      this.position.push(0);
    }
    this.stamp[id] = this.reading;
    this.position[id] = this.count;
    this.ids[this.count] = id;
    this.values[this.count] = value;
    this.count++;
  }

  /** Devices polled together stamp many readings alike: the last string's time is kept. */
  private timeOf(raw: unknown, now: number): number {
    if (typeof raw !== 'string' || raw === '') return readingTime(raw, now);
    if (raw !== this.lastStamp) {
      this.lastTime = readingTime(raw, now);
      this.lastStamp = raw;
    }
    return this.lastTime;
  }
}
