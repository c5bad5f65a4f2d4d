// What a batch does to its table, decided before any DDL runs: which rows may add columns, the type of each
// new column, and what each row stores once the columns exist.
//
// - A row adds columns only if it will be written. A row whose new fields would take the table past
//   MAX_COLUMNS is refused alone and adds nothing, so one over-wide reading never blocks later good ones.
// - A new column's type comes from the values the written rows of the batch give it: a number if any of
//   them is a number, else the JSON type of the first (string -> text, boolean, anything nested -> jsonb).
//   "No reading" markers ("n/a", "-", "" ...) never create or type a column: they count as null, and so
//   does text PostgreSQL cannot hold (a NUL character, which no text or jsonb value may contain).
// - A value whose type does not fit its column is stored as NULL and named in the row's problems; the row
//   and its other fields are kept. A marker in a column that is not text is simply NULL, like null.
import type { FieldValue, JsonValue } from '../common/reading';
import type { FlatRow } from './row-flatten';
import { columnAccepts, kindOf, MAX_COLUMNS, TIME_COLUMN, type ColumnKind, type NewColumn, type TableShape } from './schema';

/** What devices and gateways send for "no value" (compared trimmed and in lower case). */
const NO_READING = new Set(['', '-', '--', 'n/a', 'na', 'nan', 'null']);

export function isNoReading(value: FieldValue): boolean {
  return typeof value === 'string' && NO_READING.has(value.trim().toLowerCase());
}

/** PostgreSQL text and jsonb cannot hold U+0000 (documentation, 8.3 "Character Types"; 8.14 "JSON Types"). */
function holdsNul(value: JsonValue): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value !== 'object' || value === null) return false;
  return Array.isArray(value) ? value.some(holdsNul) : Object.entries(value).some(([key, inner]) => key.includes('\u0000') || holdsNul(inner));
}

export interface ColumnPlan {
  /** Columns to add, in the order the rows first name them. */
  columns: NewColumn[];
  /** Rows refused for want of room, by their index in the batch, with the reason. */
  refused: Map<number, string>;
}

/** `shape` is undefined when the table does not exist yet. */
export function planColumns(shape: TableShape | undefined, rows: readonly FlatRow[], deviceColumn: string): ColumnPlan {
  let room = MAX_COLUMNS - dataColumns(shape, deviceColumn);
  const values = new Map<string, FieldValue[]>();
  const refused = new Map<number, string>();
  rows.forEach((row, index) => {
    const needed = Object.entries(row.fields).filter(([name, value]) => !shape?.has(name) && !isNoReading(value) && !holdsNul(value));
    const fresh = needed.filter(([name]) => !values.has(name)).length;
    if (fresh > room) {
      refused.set(
        index,
        `refused: the reading needs ${fresh} new columns and table ${row.table} has room for ${room} more ` +
          `(at most ${MAX_COLUMNS} fields); the table is left as it was`,
      );
      return;
    }
    room -= fresh;
    for (const [name, value] of needed) {
      const seen = values.get(name);
      if (seen) seen.push(value);
      else values.set(name, [value]);
    }
  });
  return { columns: [...values].map(([name, given]) => ({ name, kind: kindFor(given) })), refused };
}

/** A number anywhere wins: a string that is not a number never types a column other rows send as one. */
function kindFor(values: readonly FieldValue[]): ColumnKind {
  return values.some((v) => typeof v === 'number') ? 'number' : kindOf(values[0]);
}

function dataColumns(shape: TableShape | undefined, deviceColumn: string): number {
  if (!shape) return 0;
  let n = shape.size;
  if (shape.has(TIME_COLUMN)) n -= 1;
  if (shape.has(deviceColumn)) n -= 1;
  return n;
}

export interface RowValues {
  /** Column name -> value; fields stored as NULL are absent. */
  values: Map<string, FieldValue>;
  /** Fields stored as NULL because their value does not fit the column, each saying why. */
  problems: string[];
}

/** What `row` stores in a table of `shape`. */
export function rowValues(shape: TableShape, row: FlatRow): RowValues {
  const values = new Map<string, FieldValue>();
  const problems: string[] = [];
  const { fields } = row;
  // for-in with hasOwn, not Object.entries: no array of pairs per row (this runs for every row written).
  for (const name in fields) {
    if (!Object.hasOwn(fields, name)) continue;
    const value = fields[name];
    const sqlType = shape.get(name);
    if (holdsNul(value)) problems.push(`field "${name}" holds a NUL character, which PostgreSQL cannot store; stored as NULL`);
    else if (sqlType !== undefined && columnAccepts(sqlType, kindOf(value))) values.set(name, value);
    else if (isNoReading(value)) continue;
    else if (sqlType === undefined) problems.push(`field "${name}": table ${row.table} has no column for it; stored as NULL`);
    else problems.push(`field "${name}" is ${describe(value)}, but column ${row.table}.${name} is ${sqlType}; stored as NULL`);
  }
  return { values, problems };
}

function describe(value: FieldValue): string {
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}...` : value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    default:
      return 'a JSON value';
  }
}

/**
 * The field names of the rows, each list once where rows in a row repeat it, in the order the rows give them:
 * rows of one device name the same fields reading after reading, so this costs one look per row and no array.
 * What the schema check (tables.ts) and the column list of a batch both start from, worked out once.
 */
export function fieldSets(rows: readonly FlatRow[]): string[][] {
  const sets: string[][] = [];
  let last: string[] | undefined;
  for (const row of rows) {
    if (last && namesAre(row.fields, last)) continue;
    last = Object.keys(row.fields);
    sets.push(last);
  }
  return sets;
}

/**
 * The columns a batch writes: every column of the table some row names a field for (`sets`, see fieldSets), in
 * the order the rows first name them. A row that stores one of them as NULL writes NULL there, whichever way
 * the batch goes in.
 */
export function batchColumns(shape: TableShape, sets: readonly (readonly string[])[]): string[] {
  const names = new Set<string>();
  for (const set of sets) for (const name of set) if (shape.has(name)) names.add(name);
  return [...names];
}

/** Whether `fields` has exactly the names `names`, in that order, without making an array of them. */
export function namesAre(fields: FlatRow['fields'], names: readonly string[]): boolean {
  let i = 0;
  for (const name in fields) {
    if (!Object.hasOwn(fields, name)) continue;
    if (names[i] !== name) return false;
    i += 1;
  }
  return i === names.length;
}
