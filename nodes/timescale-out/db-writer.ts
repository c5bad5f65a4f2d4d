// Writes one batch of rows to the database: per table, the schema first, then the rows. A live batch (new
// rows) goes in by COPY, the fastest way PostgreSQL takes rows; a batch that may hold rows already stored (a
// replay from the spool) goes in by one multi-row INSERT of unnested arrays (ON CONFLICT DO NOTHING, so a
// replay never duplicates), and so does a live batch COPY refused (a key conflict, a value the column does
// not read): COPY is one statement, so a refused COPY stored nothing. A row too wide for its table is
// refused alone before any DDL; a field that does not fit its column is stored as NULL and reported with its
// row. A statement that fails on the data is retried row by row, so one bad row is reported alone and the
// others are stored. A failure that no row can get past (the connection, the login, the database, a right)
// is thrown whole: the batch writer (nodes/common/sink) keeps those rows in the spool; classify tells a
// refusal of the writer (login, database, right) from an unreachable server.
// Two writes of one table may run at once; each commits in the order it was called (commit-order.ts), and
// fails with the one before it if that one failed.
import type { Pool, PoolClient } from 'pg';
import { asError, messageOf } from '../common/errors';
import type { Capabilities, Queryable } from '../timescale-db/database';
import type { Failure, Sink, WriteContext, WriteOutcome } from '../common/sink/sink';
import { isBlockingFailure, isSchemaDrift, isTransientFailure, refusalOf } from '../timescale-db/pg-errors';
import { batchColumns, fieldSets, rowValues, type RowValues } from './column-plan';
import { CommitOrder, type Turn } from './commit-order';
import { copyRows, type CopyEntry } from './copy-rows';
import type { FieldValue } from '../common/reading';
import type { FlatRow } from './row-flatten';
import { insertSql, kindOf, type TableRef, type TableShape } from './schema';
import type { PreparedTable, TableLog, TableManager } from './tables';

export interface DatabasePort {
  readonly pool: Pool;
  probe(via: Queryable): Promise<Capabilities>;
}

type Entry = CopyEntry;

interface Fitted extends Entry {
  stored: RowValues;
}

/**
 * The most rows one batch of a table takes when more than the batch setting wait behind its write (the
 * node's maxBatchRows): one COPY, one commit, for rows that piled up under load.
 */
export const PILED_UP_ROWS = 5000;

/**
 * Batches of one table written at once: the next copies while the one before commits (commit-order.ts).
 * Two keep the server busy between commits; more would only hold more connections of the pool waiting.
 */
export const BATCHES_PER_TABLE = 2;

/** How callers outside the batch writer (the tests, the bench) name a batch's origin: 'spool' is a replay. */
export type WriteOrigin = 'live' | 'spool';

export class DbWriter implements Sink<FlatRow> {
  private probing: Promise<boolean> | undefined;
  /** Whether the server takes COPY FROM STDIN; asked once. */
  private copyTaken: boolean | undefined;
  /** Time span of replayed rows per table, for refreshing the aggregates once the spool is empty. */
  private readonly replayed = new Map<string, { from: string; to: string }>();
  private readonly order = new CommitOrder();

  constructor(
    private readonly db: DatabasePort,
    private readonly tables: TableManager,
    private readonly schema: string,
    private readonly deviceColumn: string,
    private readonly log: TableLog,
  ) {}

  async write(rows: readonly FlatRow[], context: WriteContext | WriteOrigin): Promise<WriteOutcome> {
    const replay = typeof context === 'string' ? context === 'spool' : context.replay;
    const groups = groupByTable(rows);
    // Turns are taken now, in the order the batches were handed over, before any wait could reorder them.
    const turns = new Map([...groups.keys()].map((table) => [table, this.order.enter(table)]));
    let failure: Error | undefined;
    try {
      return await this.writeGroups(groups, turns, replay);
    } catch (err) {
      failure = asError(err);
      throw err;
    } finally {
      // The tables not reached, or failed: the next batch of each goes to the spool behind this one.
      for (const turn of turns.values()) turn.finish(failure);
    }
  }

  private async writeGroups(groups: Map<string, Entry[]>, turns: Map<string, Turn>, replay: boolean): Promise<WriteOutcome> {
    const client = await this.db.pool.connect();
    let broken: Error | undefined;
    // A checked-out client has no pool listener: a server that ends the connection between two statements
    // (shutdown, "terminating connection due to administrator command") would be an uncaught 'error'. The
    // next statement then fails, and the rows go to the spool.
    const onConnectionError = (err: Error) => (broken = err);
    client.on('error', onConnectionError);
    try {
      const timescale = await this.timescale(client);
      const copy = !replay && (await this.takesCopy(client));
      const outcome: WriteOutcome = { inserted: 0, duplicates: 0, rejected: [], emptied: [] };
      for (const [table, entries] of groups) {
        const turn = turns.get(table) as Turn;
        await this.writeTable(client, table, entries, timescale, outcome, { copy, retried: false, turn });
        turn.finish();
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

  private timescale(client: Queryable): Promise<boolean> {
    // One probe and one log line, however many batches are written at once.
    this.probing ??= this.db.probe(client).then((capabilities) => {
      const { timescale, timescaleAvailable, server } = capabilities;
      if (timescale) this.log.info(`PostgreSQL ${server} with TimescaleDB ${timescale}`);
      else {
        const hint = timescaleAvailable ? `; the server has TimescaleDB ${timescaleAvailable}: CREATE EXTENSION timescaledb to use it` : '';
        this.log.warn(`PostgreSQL ${server} without TimescaleDB: plain tables and indexes, no hypertables or aggregates${hint}`);
      }
      return timescale !== undefined;
    });
    // A failed probe (the server away) is asked again next time.
    this.probing.catch(() => (this.probing = undefined));
    return this.probing;
  }

  /**
   * PostgreSQL takes COPY FROM STDIN from any client; PGlite (PostgreSQL compiled to WebAssembly by emcc, one
   * backend, served over the wire by pglite-socket) does not and fails the whole connection, so it gets INSERT.
   */
  private async takesCopy(client: Queryable): Promise<boolean> {
    if (this.copyTaken === undefined) {
      const { rows } = await client.query('SELECT version() AS version');
      const version: unknown = rows[0]?.version;
      this.copyTaken = !(typeof version === 'string' && /compiled by emcc/i.test(version));
    }
    return this.copyTaken;
  }

  private async writeTable(
    client: PoolClient,
    table: string,
    entries: Entry[],
    timescale: boolean,
    outcome: WriteOutcome,
    how: WriteHow,
  ): Promise<void> {
    const reject = (entry: Entry, err: unknown) => outcome.rejected.push({ index: entry.index, error: asError(err) });
    let prepared: PreparedTable;
    const rows = entries.map((e) => e.row);
    // Worked out once: the schema check and the column list of the COPY or INSERT both read them.
    const sets = fieldSets(rows);
    try {
      prepared = await this.tables.prepare(client, table, rows, timescale, sets);
    } catch (err) {
      if (isBlockingFailure(err)) throw err;
      // The database refuses the table itself (a name clash, a bad type): every row of it is refused.
      for (const entry of entries) reject(entry, new Error(`table ${table}: ${messageOf(err)}`));
      return;
    }
    how.turn.schemaMade();
    const { shape } = prepared;
    let writable: Entry[] = entries;
    if (prepared.refused.size > 0 || !shape) {
      writable = [];
      entries.forEach((entry, i) => {
        const refusal = prepared.refused.get(i);
        if (refusal !== undefined || !shape) reject(entry, new Error(`${table}: ${refusal ?? 'no table'}`));
        else writable.push(entry);
      });
    }
    if (writable.length === 0 || !shape) return;
    const writableSets = writable === entries ? sets : fieldSets(writable.map((e) => e.row));
    const ref = { schema: this.schema, table };
    if (how.copy) {
      try {
        const copied = await copyInTurn(client, how.turn, () => copyRows(client, ref, this.deviceColumn, shape, writable, writableSets));
        outcome.inserted += copied.inserted;
        outcome.duplicates += writable.length - copied.inserted;
        outcome.emptied.push(...copied.emptied);
        return;
      } catch (err) {
        // Unreachable server: thrown, the batch goes to the spool and comes back as a replay (INSERT).
        // Anything else (23505 a row already stored, a value its column does not read, a changed table):
        // the COPY stored nothing, and the INSERT below sorts it out row by row.
        if (isBlockingFailure(err)) throw err;
      }
    }
    const ahead = await how.turn.mayCommit();
    if (ahead) throw ahead;
    const fitting: Fitted[] = writable.map((entry) => ({ ...entry, stored: rowValues(shape, entry.row) }));
    try {
      this.count(outcome, fitting, await insertRows(client, ref, this.deviceColumn, shape, fitting, writableSets));
    } catch (err) {
      if (isBlockingFailure(err)) throw err;
      if (isSchemaDrift(err) && !how.retried) {
        this.tables.forget(table);
        return this.writeTable(client, table, fitting, timescale, outcome, { ...how, copy: false, retried: true });
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

interface WriteHow {
  /** COPY first: the rows are new (not a replay) and no COPY of them was refused yet. */
  copy: boolean;
  /** Already written once after the table changed behind our back. */
  retried: boolean;
  /** The batch's place in its table's commit order. */
  turn: Turn;
}

/**
 * Runs a COPY that commits in the batch's turn (see commit-order.ts). Behind a batch still being written it
 * runs in a transaction, committed once that batch is stored, or rolled back and failing with its error if it
 * failed; a refused COPY is rolled back too, so the INSERT that sorts it out runs on a clean connection.
 * With no batch before it in flight, the COPY is its own transaction (two round trips fewer), unless that
 * batch failed: then this one fails with its error too.
 */
async function copyInTurn<T>(client: PoolClient, turn: Turn, copy: () => Promise<T>): Promise<T> {
  if (!turn.follows) {
    const ahead = await turn.mayCommit();
    if (ahead) throw ahead;
    return copy();
  }
  await turn.mayOpen();
  await client.query('BEGIN');
  try {
    const copied = await copy();
    const ahead = await turn.mayCommit();
    if (ahead) throw ahead;
    await client.query('COMMIT');
    return copied;
  } catch (err) {
    // On a broken connection there is no transaction left to end; the error below says what happened.
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
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

/** Inserts `rows` (whose field sets are `sets`, see fieldSets) with one array per column they use; returns how many were new. */
async function insertRows(
  client: PoolClient,
  ref: TableRef,
  deviceColumn: string,
  shape: TableShape,
  rows: readonly Fitted[],
  sets: readonly (readonly string[])[] = fieldSets(rows.map((r) => r.row)),
): Promise<number> {
  const names = batchColumns(shape, sets);
  const columns = names.map((name) => ({ name, sqlType: shape.get(name) as string }));
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
