// Runs a timescale-query statement with its memory bounded: a row-reading query is read through a
// server-side cursor, Max rows + 1 rows at most, so a million-row result never reaches Node-RED; the extra
// row only tells that the result was cut. Other statements run as they are.
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { sqlStateOf } from '../timescale-db/pg-errors';
import type { QueryParameter, QuerySettings } from './query-config';

export interface QueryOutcome {
  /** At most Max rows. */
  rows: Record<string, unknown>[];
  /** Rows sent on for a query; for INSERT/UPDATE/DELETE/MERGE the rows the statement changed. */
  rowCount: number;
  /** The statement had more rows than Max rows: `rows` holds the first Max rows only. */
  truncated: boolean;
}

type Rows = Record<string, unknown>[];

const CURSOR = 'timescale_query_rows';

export async function runQuery(pool: Pick<Pool, 'connect' | 'query'>, settings: QuerySettings, values: QueryParameter[]): Promise<QueryOutcome> {
  if (!settings.readsThroughCursor) {
    // INSERT ... RETURNING, CALL and the like: the server builds the whole result anyway; Max rows still cuts it.
    const result = await pool.query<Record<string, unknown>>({ text: settings.sql, values });
    const rows: Rows = result.rows ?? [];
    return { ...cut(rows, settings.maxRows), rowCount: result.rowCount ?? rows.length };
  }
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client has no pool listener: a server that goes away between two of the statements below
  // would otherwise raise an 'error' nobody hears, and take Node-RED down. The next statement then fails.
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    const kept = cut(await readThroughCursor(client, settings, values), settings.maxRows);
    return { ...kept, rowCount: kept.rows.length };
  } catch (err) {
    // No SQLSTATE: the connection itself failed or timed out, so it is not given back to the pool.
    if (sqlStateOf(err) === undefined) broken = err instanceof Error ? err : new Error(String(err));
    else await client.query('ROLLBACK').catch((rollback: unknown) => (broken = rollback instanceof Error ? rollback : new Error(String(rollback))));
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * One transaction: DECLARE only plans; the one FETCH runs the query under the same statement timeout a
 * plain query has. cursor_tuple_fraction = 1 plans it as the plain query it replaces (PostgreSQL plans a
 * cursor for its first 10 % by default: documentation, Query Planning, cursor_tuple_fraction). COMMIT, not
 * ROLLBACK, so a SELECT of a function that writes keeps its effect, as it would outside a transaction.
 */
async function readThroughCursor(client: PoolClient, settings: QuerySettings, values: QueryParameter[]): Promise<Rows> {
  await client.query('BEGIN');
  await client.query('SET LOCAL cursor_tuple_fraction = 1');
  // Extended protocol even without parameters: the statement is one statement, as a bound query is.
  const declare: QueryConfig & { queryMode: 'extended' } = {
    text: `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${settings.sql}`,
    values,
    queryMode: 'extended',
  };
  await client.query(declare);
  const { rows } = await client.query<Record<string, unknown>>(`FETCH FORWARD ${settings.maxRows + 1} FROM ${CURSOR}`);
  await client.query('COMMIT');
  return rows;
}

function cut(rows: Rows, maxRows: number): Pick<QueryOutcome, 'rows' | 'truncated'> {
  return rows.length > maxRows ? { rows: rows.slice(0, maxRows), truncated: true } : { rows, truncated: false };
}
