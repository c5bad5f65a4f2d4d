// The timescale-query node's settings and input, parsed at the edge. The SQL is fixed in the node; a message
// only ever supplies parameter values ($1, $2 ...), never SQL text.
import { wholeNumber } from '../common/config-fields';

export interface QuerySettings {
  sql: string;
  /** How many parameters the SQL uses: the highest $n in it. */
  parameterCount: number;
  /** Results with more rows are refused, so a forgotten WHERE cannot flood the flow and the editor. */
  maxRows: number;
}

export type QueryParameter = string | number | boolean | null;

/** The highest $n outside string literals, quoted identifiers and comments. */
export function parameterCount(sql: string): number {
  const code = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
  let highest = 0;
  for (const match of code.matchAll(/\$(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}

export function parseQuerySettings(raw: Record<string, unknown>): QuerySettings {
  const sql = typeof raw.sql === 'string' ? raw.sql.trim() : '';
  if (!sql) throw new RangeError('the query is empty');
  return { sql, parameterCount: parameterCount(sql), maxRows: wholeNumber(raw, 'maxRows', 10_000, 1, 1_000_000) };
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
