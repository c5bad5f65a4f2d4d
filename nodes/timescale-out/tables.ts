// Makes each table fit the rows about to go into it: created on first sight (with TimescaleDB's hypertable,
// aggregates and policies when the extension is there), widened when new fields appear, and only for rows
// that will be written (column-plan.ts decides which and with what types). What the database
// already has is looked up once per table and remembered; every statement is idempotent, and a session
// advisory lock keeps two writers from creating the same table at once.
import { isTransientFailure } from '../timescale-db/pg-errors';
import { fieldSets, planColumns } from './column-plan';
import type { Span } from './intervals';
import type { FlatRow } from './row-flatten';
import {
  addColumnSql,
  createTableSql,
  isNumericType,
  MAX_COLUMNS,
  qualified,
  TIME_COLUMN,
  timeIndexSql,
  uniqueKeySql,
  type TableRef,
  type TableShape,
} from './schema';
import {
  AGGREGATE_SUFFIXES,
  aggregateRef,
  aggregateViewSql,
  compressionSql,
  hypertableSql,
  hypertableState,
  refreshPolicySql,
  refreshSql,
  relationColumns,
  retentionSql,
  type Queryable,
  type Statement,
  type TimescalePolicy,
} from './hypertable-sql';

export interface TableLog {
  info(text: string): void;
  warn(text: string): void;
}

export interface TableOptions {
  schema: string;
  deviceColumn: string;
  policy: TimescalePolicy;
}

interface KnownTable {
  ref: TableRef;
  shape: TableShape;
  /** Bucket widths of the aggregate views this table has, smallest first. */
  aggregates: readonly Span[];
  /** Columns of the smallest aggregate view. */
  viewColumns?: ReadonlySet<string>;
  /** Numeric columns the aggregate views leave out; warned about once each. */
  uncovered: Set<string>;
  /** Field sets (fieldSetKey) whose every field has its column: rows of those need no column plan. */
  fitted: Set<string>;
}

/** The table as the rows of a batch find it once it has the columns they may add. */
export interface PreparedTable {
  /** Undefined when the table does not exist: every row was refused, so none made it. */
  shape?: TableShape;
  /** Rows refused for want of room, by their index in the batch, with the reason; they changed nothing. */
  refused: ReadonlyMap<number, string>;
}

interface Opened {
  known?: KnownTable;
  refused: Map<number, string>;
}

export class TableManager {
  private readonly known = new Map<string, KnownTable>();

  constructor(
    private readonly options: TableOptions,
    private readonly log: TableLog,
  ) {}

  /** Creates or widens the table for the rows of `rows` that fit; the others are refused and change nothing. */
  async prepare(
    db: Queryable,
    table: string,
    rows: readonly FlatRow[],
    timescale: boolean,
    sets: readonly (readonly string[])[] = fieldSets(rows),
  ): Promise<PreparedTable> {
    const known = this.known.get(table);
    if (!known) {
      const opened = await this.open(db, { schema: this.options.schema, table }, rows, timescale);
      if (opened.known) {
        this.known.set(table, opened.known);
        this.noteFitted(opened.known, sets);
      }
      return { shape: opened.known?.shape, refused: opened.refused };
    }
    if (allFitted(known, sets)) return { shape: known.shape, refused: NONE_REFUSED };
    const plan = planColumns(known.shape, rows, this.options.deviceColumn);
    if (plan.columns.length > 0) {
      for (const column of plan.columns) await run(db, { text: addColumnSql(known.ref, column) });
      known.shape = (await relationColumns(db, known.ref)) ?? known.shape;
      this.warnUncovered(known);
    }
    this.noteFitted(known, sets);
    return { shape: known.shape, refused: plan.refused };
  }

  /** Remembers the field sets the table now has every column for (columns are only ever added). */
  private noteFitted(known: KnownTable, sets: readonly (readonly string[])[]): void {
    // Past MAX_COLUMNS (a user's own wide table) planColumns refuses even rows that add nothing: keep asking it.
    if (known.shape.size > MAX_COLUMNS) return;
    for (const set of sets) if (set.every((name) => known.shape.has(name))) known.fitted.add(fieldSetKey(set));
  }

  /** Looked up again on next use: the table changed behind our back. */
  forget(table: string): void {
    this.known.delete(table);
  }

  aggregatesOf(table: string): { ref: TableRef; buckets: readonly Span[] } | undefined {
    const known = this.known.get(table);
    return known && known.aggregates.length > 0 ? { ref: known.ref, buckets: known.aggregates } : undefined;
  }

  /** Materialises every aggregate level over [from, to], smallest first, so each reads a fresh level below. */
  async refresh(db: Queryable, table: string, from: string | null, to: string | null): Promise<void> {
    const aggregates = this.aggregatesOf(table);
    if (!aggregates) return;
    for (const bucket of aggregates.buckets) await run(db, refreshSql(aggregates.ref, bucket, from, to));
  }

  private async open(db: Queryable, ref: TableRef, rows: readonly FlatRow[], timescale: boolean): Promise<Opened> {
    const lockKey = `solar-telemetry:${qualified(ref)}`;
    await db.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      return await this.openLocked(db, ref, rows, timescale);
    } finally {
      await db.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  }

  private async openLocked(db: Queryable, ref: TableRef, rows: readonly FlatRow[], timescale: boolean): Promise<Opened> {
    const { deviceColumn } = this.options;
    let shape = await relationColumns(db, ref);
    const plan = planColumns(shape, rows, deviceColumn);
    const created = shape === undefined;
    if (created) {
      // Every row refused: no row will be written, so no table is made.
      if (plan.columns.length === 0) return { refused: plan.refused };
      await run(db, { text: createTableSql(ref, deviceColumn, plan.columns) });
    } else {
      for (const column of plan.columns) await run(db, { text: addColumnSql(ref, column) });
      await this.ensureUniqueKey(db, ref);
    }
    shape = (await relationColumns(db, ref)) ?? new Map();
    return { known: await this.setUp(db, ref, shape, created, timescale), refused: plan.refused };
  }

  /** Makes the new or found table a hypertable with its aggregates and policies, where TimescaleDB is there. */
  private async setUp(db: Queryable, ref: TableRef, shape: TableShape, created: boolean, timescale: boolean): Promise<KnownTable> {
    const { deviceColumn, policy } = this.options;
    const known: KnownTable = { ref, shape, aggregates: [], uncovered: new Set(), fitted: new Set() };
    const hypertable = timescale && (await this.ensureHypertable(db, ref, created));
    if (!hypertable) {
      await run(db, { text: timeIndexSql(ref) });
      if (created) this.log.info(`created table ${qualified(ref)}${timescale ? '' : ' (plain PostgreSQL: no hypertable, no aggregates)'}`);
      return known;
    }
    const { compression } = (await hypertableState(db, ref)) ?? { compression: false };
    if (policy.compressAfter && !compression) for (const s of compressionSql(ref, deviceColumn, policy.compressAfter)) await run(db, s);
    if (policy.retainFor) await run(db, retentionSql(ref, policy.retainFor));
    await this.ensureAggregates(db, known, created);
    if (created) {
      const views = known.aggregates.map((b) => aggregateRef(ref, b).table).join(', ');
      this.log.info(`created hypertable ${qualified(ref)} (chunks of ${policy.chunk.sql})${views ? `, aggregates ${views}` : ''}`);
    }
    return known;
  }

  /** True when the table is (now) a hypertable; a plain table that already holds rows is left as it is. */
  private async ensureHypertable(db: Queryable, ref: TableRef, created: boolean): Promise<boolean> {
    if (await hypertableState(db, ref)) return true;
    try {
      await run(db, hypertableSql(ref, this.options.policy));
      return true;
    } catch (err) {
      if (created || isTransientFailure(err)) throw err;
      this.log.warn(`${qualified(ref)} is a plain table with rows; not made a hypertable (${(err as Error).message})`);
      return false;
    }
  }

  private async ensureAggregates(db: Queryable, known: KnownTable, created: boolean): Promise<void> {
    const { buckets } = this.options.policy;
    const numeric = numericColumns(known.shape, this.options.deviceColumn);
    if (buckets.length === 0 || numeric.length === 0) return;
    let made = false;
    for (let level = 0; level < buckets.length; level++) {
      const view = aggregateRef(known.ref, buckets[level]);
      if (!(await relationColumns(db, view))) {
        await run(db, aggregateViewSql(known.ref, this.options.deviceColumn, buckets, level, numeric));
        made = true;
      }
      await run(db, refreshPolicySql(known.ref, buckets[level], this.options.policy));
    }
    known.aggregates = buckets;
    known.viewColumns = new Set((await relationColumns(db, aggregateRef(known.ref, buckets[0])))?.keys());
    if (made && !created) {
      // New views over old rows: materialise the history once, or only real-time queries would see it.
      try {
        for (const bucket of buckets) await run(db, refreshSql(known.ref, bucket, null, null));
      } catch (err) {
        if (isTransientFailure(err)) throw err;
        this.log.warn(`aggregates of ${qualified(known.ref)} not filled from existing rows: ${(err as Error).message}`);
      }
    }
    this.warnUncovered(known);
  }

  /** The views' columns were fixed when they were made; a numeric field added later is not in them. */
  private warnUncovered(known: KnownTable): void {
    const covered = known.viewColumns;
    if (!covered) return;
    const missing = numericColumns(known.shape, this.options.deviceColumn).filter(
      (c) => !known.uncovered.has(c) && !covered.has(`${c}_${AGGREGATE_SUFFIXES[0]}`),
    );
    if (missing.length === 0) return;
    for (const c of missing) known.uncovered.add(c);
    const views = [...known.aggregates].reverse().map((b) => qualified(aggregateRef(known.ref, b)));
    this.log.warn(
      `${missing.join(', ')} of ${qualified(known.ref)} not in its aggregates; to include, ` +
        `DROP MATERIALIZED VIEW ${views.join(', ')} and redeploy (the node rebuilds them from the rows)`,
    );
  }

  private async ensureUniqueKey(db: Queryable, ref: TableRef): Promise<void> {
    const { rows } = await db.query(
      `SELECT EXISTS (
         SELECT 1 FROM pg_index i WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indnkeyatts = 2
            AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM pg_attribute a
                  WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)) = $2::text[]) AS keyed`,
      [qualified(ref), [this.options.deviceColumn, TIME_COLUMN].sort()],
    );
    if (rows[0]?.keyed === true) return;
    try {
      await run(db, { text: uniqueKeySql(ref, this.options.deviceColumn) });
    } catch (err) {
      if (isTransientFailure(err)) throw err;
      this.log.warn(
        `${qualified(ref)} has no unique key on (${this.options.deviceColumn}, time) and none could be added; a replay may store rows twice (${(err as Error).message})`,
      );
    }
  }
}

const NONE_REFUSED: ReadonlyMap<number, string> = new Map();

/**
 * Whether every field set of the batch (fieldSets) is known to fit: checked once per field set, not per row
 * per batch, since a device sends the same fields reading after reading.
 */
function allFitted(known: KnownTable, sets: readonly (readonly string[])[]): boolean {
  return sets.every((set) => known.fitted.has(fieldSetKey(set)));
}

/** A field set (fieldSets) as a key of KnownTable.fitted: rows of one device and firmware share it. */
function fieldSetKey(set: readonly string[]): string {
  return set.join(',');
}

function numericColumns(shape: TableShape, deviceColumn: string): string[] {
  return [...shape].filter(([name, type]) => name !== TIME_COLUMN && name !== deviceColumn && isNumericType(type)).map(([name]) => name);
}

async function run(db: Queryable, statement: Statement): Promise<void> {
  await db.query(statement.text, statement.values);
}
