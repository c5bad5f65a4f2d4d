// Writes one batch of rows to the database: per table, the schema first, then one multi-row INSERT of
// unnested arrays (ON CONFLICT DO NOTHING, so a replay never duplicates). A row too wide for its table is
// refused alone before any DDL; a field that does not fit its column is stored as NULL and reported with its
// row. A statement that fails on the data is retried row by row, so one bad row is reported alone and the
// others are stored. A failure that no row can get past (the connection, the login, the database, a right)
// is thrown whole: the batch writer (nodes/common/sink) keeps those rows in the spool; classify tells a
// refusal of the writer (login, database, right) from an unreachable server.
import type { Pool, PoolClient } from 'pg';
import { asError, messageOf } from '../common/errors';
import type { Capabilities, Queryable } from '../timescale-db/database';
import type { Failure, Sink, WriteContext, WriteOutcome } from '../common/sink/sink';
import { isBlockingFailure, isSchemaDrift, isTransientFailure, refusalOf } from '../timescale-db/pg-errors';
import { rowValues, type RowValues } from './column-plan';
import type { FieldValue } from '../common/reading';
import type { FlatRow } from './row-flatten';
import { insertSql, kindOf, type TableRef, type TableShape } from './schema';
import type { PreparedTable, TableLog, TableManager } from './tables';

export interface DatabasePort {
  readonly pool: Pool;
  probe(via: Queryable): Promise<Capabilities>;
}

interface Entry {
  index: number;
  row: FlatRow;
}

interface Fitted extends Entry {
  stored: RowValues;
}

/** How callers outside the batch writer (the tests, the bench) name a batch's origin: 'spool' is a replay. */
export type WriteOrigin = 'live' | 'spool';

export class DbWriter implements Sink<FlatRow> {
  private capabilities: Capabilities | undefined;
  /** Time span of replayed rows per table, for refreshing the aggregates once the spool is empty. */
  private readonly replayed = new Map<string, { from: string; to: string }>();

  constructor(
    private readonly db: DatabasePort,
    private readonly tables: TableManager,
    private readonly schema: string,
    private readonly deviceColumn: string,
    private readonly log: TableLog,
  ) {}

  async write(rows: readonly FlatRow[], context: WriteContext | WriteOrigin): Promise<WriteOutcome> {
    const replay = typeof context === 'string' ? context === 'spool' : context.replay;
    const client = await this.db.pool.connect();
    let broken: Error | undefined;
    // A checked-out client has no pool listener: a server that ends the connection between two statements
    // (shutdown, "terminating connection due to administrator command") would be an uncaught 'error'. The
    // next statement then fails, and the rows go to the spool.
    const onConnectionError = (err: Error) => (broken = err);
    client.on('error', onConnectionError);
    try {
      const timescale = await this.timescale(client);
      const outcome: WriteOutcome = { inserted: 0, duplicates: 0, rejected: [], emptied: [] };
      for (const [table, entries] of groupByTable(rows)) {
        await this.writeTable(client, table, entries, timescale, outcome, false);
        if (replay) this.noteReplayed(table, entries);
      }
      return outcome;
    } catch (err) {
      // A connection that failed mid-query must not go back to the pool.
      if (isTransientFailure(err)) broken = asError(err);
      throw err;
    } finally {
      client.off('error', onConnectionError);
      client.release(broken);
    }
  }

  /** A refused login, database or right is the configuration's fault; anything else that throws, an outage. */
  classify(err: Error): Failure {
    const reason = refusalOf(err);
    return reason ? { kind: 'refusal', reason } : { kind: 'outage' };
  }

  /** Asks the server what it offers and logs it once: TimescaleDB, or plain PostgreSQL. */
  async check(): Promise<boolean> {
    return this.timescale(this.db.pool);
  }

  /** Brings the aggregates up to date over what a replay wrote into already-materialised buckets. */
  async afterReplay(): Promise<void> {
    const spans = [...this.replayed];
    this.replayed.clear();
    for (const [table, span] of spans) {
      const aggregates = this.tables.aggregatesOf(table);
      if (!aggregates) continue;
      // Widened by the largest bucket so every touched bucket lies wholly inside the window.
      const widest = aggregates.buckets[aggregates.buckets.length - 1].ms;
      const from = new Date(Date.parse(span.from) - widest).toISOString();
      const to = new Date(Date.parse(span.to) + widest).toISOString();
      try {
        await this.tables.refresh(this.db.pool, table, from, to);
      } catch (err) {
        this.log.warn(`aggregates of ${table} not refreshed after the replay (the refresh policy will catch up): ${messageOf(err)}`);
      }
    }
  }

  private async timescale(client: Queryable): Promise<boolean> {
    if (!this.capabilities) {
      this.capabilities = await this.db.probe(client);
      const { timescale, timescaleAvailable, server } = this.capabilities;
      if (timescale) this.log.info(`PostgreSQL ${server} with TimescaleDB ${timescale}`);
      else {
        const hint = timescaleAvailable ? `; the server has TimescaleDB ${timescaleAvailable}: CREATE EXTENSION timescaledb to use it` : '';
        this.log.warn(`PostgreSQL ${server} without TimescaleDB: plain tables and indexes, no hypertables or aggregates${hint}`);
      }
    }
    return this.capabilities.timescale !== undefined;
  }

  private async writeTable(client: PoolClient, table: string, entries: Entry[], timescale: boolean, outcome: WriteOutcome, retried: boolean): Promise<void> {
    const reject = (entry: Entry, err: unknown) => outcome.rejected.push({ index: entry.index, error: asError(err) });
    let prepared: PreparedTable;
    try {
      prepared = await this.tables.prepare(client, table, entries.map((e) => e.row), timescale);
    } catch (err) {
      if (isBlockingFailure(err)) throw err;
      // The database refuses the table itself (a name clash, a bad type): every row of it is refused.
      for (const entry of entries) reject(entry, new Error(`table ${table}: ${messageOf(err)}`));
      return;
    }
    const { shape } = prepared;
    const fitting: Fitted[] = [];
    entries.forEach((entry, i) => {
      const refusal = prepared.refused.get(i);
      if (refusal !== undefined || !shape) reject(entry, new Error(`${table}: ${refusal ?? 'no table'}`));
      else fitting.push({ ...entry, stored: rowValues(shape, entry.row) });
    });
    if (fitting.length === 0 || !shape) return;
    const ref = { schema: this.schema, table };
    try {
      this.count(outcome, fitting, await insertRows(client, ref, this.deviceColumn, shape, fitting));
    } catch (err) {
      if (isBlockingFailure(err)) throw err;
      if (isSchemaDrift(err) && !retried) {
        this.tables.forget(table);
        return this.writeTable(client, table, fitting, timescale, outcome, true);
      }
      for (const entry of fitting) {
        try {
          this.count(outcome, [entry], await insertRows(client, ref, this.deviceColumn, shape, [entry]));
        } catch (rowErr) {
          if (isBlockingFailure(rowErr)) throw rowErr;
          reject(entry, new Error(`${table}: ${messageOf(rowErr)}`));
        }
      }
    }
  }

  /** Counts stored rows, and reports the fields they stored as NULL. */
  private count(outcome: WriteOutcome, stored: readonly Fitted[], inserted: number): void {
    outcome.inserted += inserted;
    outcome.duplicates += stored.length - inserted;
    for (const { index, stored: values } of stored) {
      if (values.problems.length > 0) outcome.emptied.push({ index, error: new Error(values.problems.join('; ')) });
    }
  }

  private noteReplayed(table: string, entries: readonly Entry[]): void {
    const span = this.replayed.get(table) ?? { from: entries[0].row.time, to: entries[0].row.time };
    for (const { row } of entries) {
      if (row.time < span.from) span.from = row.time;
      if (row.time > span.to) span.to = row.time;
    }
    this.replayed.set(table, span);
  }
}

function groupByTable(rows: readonly FlatRow[]): Map<string, Entry[]> {
  const groups = new Map<string, Entry[]>();
  rows.forEach((row, index) => {
    const group = groups.get(row.table);
    if (group) group.push({ index, row });
    else groups.set(row.table, [{ index, row }]);
  });
  return groups;
}

/** Inserts `rows` with one array per column they use; returns how many were new. */
async function insertRows(client: PoolClient, ref: TableRef, deviceColumn: string, shape: TableShape, rows: readonly Fitted[]): Promise<number> {
  const names = [...new Set(rows.flatMap((r) => [...r.stored.values.keys()]))];
  const columns = names.map((name) => ({ name, sqlType: shape.get(name) ?? 'text' }));
  const values: unknown[] = [rows.map((r) => r.row.time), rows.map((r) => r.row.device)];
  for (const { name } of columns) values.push(rows.map((r) => parameter(r.stored.values.get(name))));
  const result = await client.query(insertSql(ref, deviceColumn, columns), values);
  return result.rowCount ?? 0;
}

/** Arrays of jsonb travel as JSON text; everything else as itself. */
function parameter(value: FieldValue | undefined): unknown {
  if (value === undefined) return null;
  return kindOf(value) === 'json' ? JSON.stringify(value) : value;
}
