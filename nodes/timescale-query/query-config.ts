// The timescale-query node's settings and input, parsed at the edge. The SQL is fixed in the node; a message
// only ever supplies parameter values ($1, $2 ...), never SQL text.
import type { RawConfig } from '../common/config-fields';
import { readSettings } from '../common/settings-schema';
import { settingsSchema } from './timescale-query-schema';

export interface QuerySettings {
  sql: string;
  /** How many parameters the SQL uses: the highest $n in it. */
  parameterCount: number;
  /** At most this many rows are sent on; a longer result is cut and flagged, so a forgotten WHERE cannot flood the flow. */
  maxRows: number;
  /** The query only reads rows, so the server can hand them out through a cursor, Max rows + 1 at most. */
  readsThroughCursor: boolean;
}

export type QueryParameter = string | number | boolean | null;

/** The SQL without string literals, quoted identifiers and comments: what is left is keywords, names and $n. */
function codeOf(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
}

/** The highest $n outside string literals, quoted identifiers and comments. */
export function parameterCount(sql: string): number {
  let highest = 0;
  for (const match of codeOf(sql).matchAll(/\$(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}

/**
 * True for a statement a cursor can read: PostgreSQL's DECLARE takes "a SELECT or VALUES command" (TABLE x
 * and WITH ... SELECT are SELECTs), but no SELECT INTO and no WITH holding INSERT/UPDATE/DELETE/MERGE
 * (PostgreSQL documentation, SQL Commands: DECLARE). Everything else (INSERT ... RETURNING, CALL, SHOW ...)
 * runs as it is.
 */
export function readsThroughCursor(sql: string): boolean {
  const code = codeOf(sql).toLowerCase();
  const first = /^[\s(]*([a-z]+)/.exec(code)?.[1];
  if (first === 'values' || first === 'table') return true;
  if (first === 'select') return !/\binto\b/.test(code);
  if (first === 'with') return !/\b(?:insert|update|delete|merge|into)\b/.test(code);
  return false;
}

export function parseQuerySettings(raw: RawConfig): QuerySettings {
  const { sql, maxRows } = readSettings(settingsSchema, raw);
  return { sql, parameterCount: parameterCount(sql), maxRows, readsThroughCursor: readsThroughCursor(sql) };
}

/** `msg.params` as the query's values: an array of plain values, as many as the SQL uses. */
export function parseParameters(given: unknown, settings: QuerySettings): QueryParameter[] {
  const params = given === undefined ? [] : given;
  if (!Array.isArray(params)) throw new TypeError('msg.params must be an array of values for $1, $2 ...');
  if (params.length !== settings.parameterCount) {
    throw new RangeError(`the query uses ${settings.parameterCount} parameter(s), msg.params has ${params.length}`);
  }
  return params.map((value, i) => {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    throw new TypeError(`msg.params[${i}] must be a string, finite number, boolean, Date or null`);
  });
}
