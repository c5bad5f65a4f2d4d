// A reading message as one SQL row: the table and field names checked as SQL identifiers, the device column's
// rule, and the limits a table has. Taking the message apart is the shared parseReading's job (common/reading).
import { parseReading, ReadingError, type FieldValue, type IncomingReading, type JsonValue } from '../common/reading';
import { checkFieldName, checkTableName, MAX_COLUMNS } from './schema';

export { ReadingError, type FieldValue, type JsonValue };
/** The message as the node receives it. */
export type ReadingMessage = IncomingReading;

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

/** `now` is the arrival time, which stands in for a missing `payload.timestamp` (see common/reading-time). */
export function flattenReading(msg: ReadingMessage, defaults: RowDefaults, now = Date.now()): FlatRow {
  const reading = parseReading(msg, { device: defaults.device }, now);
  const table = tableOf(defaults.table || reading.measurement);
  const fields = new Map<string, FieldValue>();
  for (const [name, value] of reading.fields) {
    if (name === defaults.deviceColumn) {
      // A payload may repeat its own key (a PS100 roll-up's panel_id); anything else there is a clash.
      if (String(value) === reading.device) continue;
      throw new ReadingError(`field "${name}" is the device column but differs from the device key "${reading.device}"`);
    }
    fields.set(fieldName(name), value);
  }
  if (![...fields.values()].some((v) => typeof v === 'number')) throw new ReadingError('payload has no numeric readings');
  // Never fits any table: refused here, before it can reach the spool or the schema.
  if (fields.size > MAX_COLUMNS) throw new ReadingError(`payload has ${fields.size} fields; a table holds at most ${MAX_COLUMNS}`);
  // fromEntries defines each key as an own property, `__proto__` included, where assignment would not.
  return { table, device: reading.device, time: new Date(reading.time).toISOString(), fields: Object.fromEntries(fields) };
}

function fieldName(name: string): string {
  try {
    return checkFieldName(name);
  } catch (err) {
    throw new ReadingError((err as Error).message);
  }
}

function tableOf(name: string): string {
  if (name === '') throw new ReadingError('no table: set one in the node or send msg.measurement');
  try {
    return checkTableName(name);
  } catch (err) {
    throw new ReadingError(`msg.measurement: ${(err as Error).message}`);
  }
}
