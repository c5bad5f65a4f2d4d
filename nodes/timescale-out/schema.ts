// Tables shaped by the messages: which names may become identifiers, how they are quoted, which column type
// a value gets, and the CREATE TABLE / ADD COLUMN a batch needs. Values themselves only ever travel as
// query parameters; names pass the strict check below and are quoted as well.
import type { FieldValue } from '../common/reading';

export type ColumnKind = 'number' | 'boolean' | 'text' | 'json';

export const SQL_TYPE: Record<ColumnKind, string> = {
  number: 'double precision',
  boolean: 'boolean',
  text: 'text',
  json: 'jsonb',
};

export const TIME_COLUMN = 'time';
/**
 * Fields per table. PostgreSQL's limit is 1600 columns (documentation, Appendix K "PostgreSQL Limits"), and
 * each numeric column costs five more in every aggregate view.
 */
export const MAX_COLUMNS = 300;

export const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]*$/;
export const MAX_IDENTIFIER = 63;
/** Room for the longest aggregate column suffix ("_sumsq"). */
const MAX_FIELD = MAX_IDENTIFIER - 6;
/** Room for an aggregate view's suffix ("_15m", "_1d"). */
export const MAX_TABLE = MAX_IDENTIFIER - 8;

/** Lower-case letters, digits and "_", not starting with a digit: no quoting surprises, no case folding. */
export function checkIdentifier(name: string, what: string, maxLength = MAX_IDENTIFIER): string {
  if (!IDENTIFIER_PATTERN.test(name) || name.length > maxLength) {
    throw new RangeError(`${what} "${name}" must be lower-case letters, digits and _ (not first), at most ${maxLength} characters`);
  }
  return name;
}

export function checkTableName(name: string): string {
  return checkIdentifier(name, 'table name', MAX_TABLE);
}

export function checkFieldName(name: string): string {
  checkIdentifier(name, 'field name', MAX_FIELD);
  if (name === TIME_COLUMN) throw new RangeError('field name "time" is the time column; the time comes from payload.timestamp');
  return name;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface TableRef {
  schema: string;
  table: string;
}

export function qualified(ref: TableRef): string {
  return `${quoteIdent(ref.schema)}.${quoteIdent(ref.table)}`;
}

export function kindOf(value: FieldValue): ColumnKind {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'text';
  return 'json';
}

const NUMERIC_TYPES = /^(double precision|real|integer|bigint|smallint|numeric(\(.*\))?)$/;
const TEXT_TYPES = /^(text|character varying(\(.*\))?|character(\(.*\))?)$/;
const JSON_TYPES = /^(jsonb|json)$/;

export function isNumericType(sqlType: string): boolean {
  return NUMERIC_TYPES.test(sqlType);
}

const accepted = new Map<string, Readonly<Record<ColumnKind, boolean>>>();

/** Whether a column of `sqlType` (as format_type() names it) takes a value of `kind`. */
export function columnAccepts(sqlType: string, kind: ColumnKind): boolean {
  // Asked for every field of every row: remembered per type, without building a key string each time.
  let answers = accepted.get(sqlType);
  if (answers === undefined) {
    answers = {
      number: accepts(sqlType, 'number'),
      boolean: accepts(sqlType, 'boolean'),
      text: accepts(sqlType, 'text'),
      json: accepts(sqlType, 'json'),
    };
    accepted.set(sqlType, answers);
  }
  return answers[kind];
}

function accepts(sqlType: string, kind: ColumnKind): boolean {
  switch (kind) {
    case 'number':
      return NUMERIC_TYPES.test(sqlType);
    case 'boolean':
      return sqlType === 'boolean';
    case 'json':
      return JSON_TYPES.test(sqlType);
    case 'text':
      // A string goes into text, or into a type of the user's own table that reads text (the database checks it).
      return TEXT_TYPES.test(sqlType) || !(NUMERIC_TYPES.test(sqlType) || sqlType === 'boolean' || JSON_TYPES.test(sqlType));
  }
}

/** Column name -> type as format_type() prints it, in table order. */
export type TableShape = ReadonlyMap<string, string>;

export interface NewColumn {
  name: string;
  kind: ColumnKind;
}

export function createTableSql(ref: TableRef, deviceColumn: string, columns: readonly NewColumn[]): string {
  const defs = [
    `${quoteIdent(TIME_COLUMN)} timestamptz NOT NULL`,
    `${quoteIdent(deviceColumn)} text NOT NULL`,
    ...columns.map((c) => `${quoteIdent(c.name)} ${SQL_TYPE[c.kind]}`),
    // The key makes a replayed batch harmless: ON CONFLICT DO NOTHING skips rows already there.
    `PRIMARY KEY (${quoteIdent(deviceColumn)}, ${quoteIdent(TIME_COLUMN)})`,
  ];
  return `CREATE TABLE IF NOT EXISTS ${qualified(ref)} (${defs.join(', ')})`;
}

export function addColumnSql(ref: TableRef, column: NewColumn): string {
  return `ALTER TABLE ${qualified(ref)} ADD COLUMN IF NOT EXISTS ${quoteIdent(column.name)} ${SQL_TYPE[column.kind]}`;
}

/** For plain PostgreSQL: time-range queries over all devices (the key serves one device's ranges). */
export function timeIndexSql(ref: TableRef): string {
  return `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${ref.table}_time_idx`)} ON ${qualified(ref)} (${quoteIdent(TIME_COLUMN)} DESC)`;
}

/** For a table that existed before us without a key on (device, time). */
export function uniqueKeySql(ref: TableRef, deviceColumn: string): string {
  return `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(`${ref.table}_device_time_key`)} ON ${qualified(ref)} (${quoteIdent(deviceColumn)}, ${quoteIdent(TIME_COLUMN)})`;
}

/** The multi-row insert: one array parameter per column, unnested into rows, duplicates skipped. */
export function insertSql(ref: TableRef, deviceColumn: string, columns: readonly { name: string; sqlType: string }[]): string {
  const names = [TIME_COLUMN, deviceColumn, ...columns.map((c) => c.name)].map(quoteIdent).join(', ');
  const arrays = ['timestamptz', 'text', ...columns.map((c) => c.sqlType)].map((type, i) => `$${i + 1}::${type}[]`).join(', ');
  return `INSERT INTO ${qualified(ref)} (${names}) SELECT * FROM unnest(${arrays}) ON CONFLICT DO NOTHING`;
}
