// Batches rows by size and time and hands them to a sink one batch at a time, in order; with batches cut per
// key, up to `concurrency` batches of different keys at once (order then holds per key). While the sink cannot
// write, batches go to the durable spool instead; once anything is in the spool, every newer batch goes
// behind it, and the spool is replayed oldest first when the sink answers again.
// A write that takes longer than `overdueMs` (a store that stopped answering) does not hold rows in
// memory until the client's timeout: its batch and everything queued behind it go to the spool at once
// (a replay of rows the write did store is harmless: replays are written idempotently, see WriteContext).
// Each row settles once: written, spooled (durable), or refused with the reason.
// Generic over the row type; timescale-out is the first user, the InfluxDB writer the second.
import { EventEmitter } from 'node:events';
import { Backoff, type BackoffOptions } from '../backoff';
import { asError, messageOf } from '../errors';
import { BatchQueue } from './batch-queue';
import { RateMeter } from './rate-meter';
import { failureOf, type RowIssue, type Sink, type WriteContext, type WriteOutcome } from './sink';
import type { SpoolPort } from './spool-port';

const DEFAULT_OVERDUE_MS = 5000;

/** `err`: the row was not stored. `warning`: it was, but part of it was left out (see WriteOutcome.emptied). */
export type Settle = (err?: Error, warning?: Error) => void;

export interface BatchOptions<Row> {
  batchRows: number;
  batchMs: number;
  retry: BackoffOptions;
  /**
   * A write still running after this long is overdue: rows stop waiting for it and go to the spool. A node
   * derives it from its client's timeout (e.g. timescale-db/pool.ts overdueAfterMs); 5 s when not given.
   */
  overdueMs?: number;
  /** Names the writer in the error a row added after close gets; "sink" when not given. */
  name?: string;
  /**
   * Cuts batches per key (e.g. the table a row goes to): each batch holds rows of one key, the size limit
   * counts per key, and the sink is told the key (WriteContext.key). Order then holds per key, not across keys.
   */
  keyOf?: (row: Row) => string;
  /**
   * With keyOf: how many live batches (each of another key) the sink may write at once, e.g. the size of a
   * database connection pool. 1 when not given; without keyOf always 1, since order then holds across rows.
   */
  concurrency?: number;
  /**
   * Rows that piled up while their key's batch was written go in the next batch together, up to this many
   * (default batchRows: never more than batchRows). A small batch setting then costs little under load.
   */
  maxBatchRows?: number;
}

export type StoreState = 'connecting' | 'up' | 'down';

export interface WriterStats {
  state: StoreState;
  /** Rows waiting in memory, including a batch being written. */
  queued: number;
  spooled: number;
  /** Rows the spool had to give up past its size limit, ever. */
  dropped: number;
  written: number;
  duplicates: number;
  errors: number;
  /** Rows stored with part of their data left out. */
  emptied: number;
  rowsPerSecond: number;
  /** A write has been running longer than overdueMs. */
  overdue: boolean;
  /** Why the last attempt failed, while the state is 'down'. */
  failure?: Error;
  /** The sink's reason when that failure is a refusal of the writer as a whole (a configuration error). */
  refusal?: string;
}

interface Pending<Row> {
  row: Row;
  settle?: Settle;
}

/** Refused rows that came out of the spool: no message is waiting for them, so they are reported here. */
export interface ReplayRejects<Row> {
  rows: { row: Row; error: Error }[];
  /** Replayed rows stored with part of their data left out. */
  emptied: { row: Row; error: Error }[];
}

export class BatchWriter<Row> extends EventEmitter {
  private readonly pending: BatchQueue<Pending<Row>>;
  /** The batches being written, each of another key. */
  private inflight: Pending<Row>[][] = [];
  /** The in-flight batches went to the spool while their writes hung: they must not be spooled again. */
  private inflightSpooled = false;
  private flushDue = false;
  private batchTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private overdueTimer: NodeJS.Timeout | undefined;
  private overdue = false;
  private failure: Error | undefined;
  private refusal: string | undefined;
  private running: Promise<void> | undefined;
  /** Set when work arrives while the loop runs, so it looks again before stopping. */
  private again = false;
  private state: StoreState = 'connecting';
  private waitingRetry = false;
  private replayedSomething = false;
  private closing = false;
  private spoolClosed = false;
  private readonly backoff: Backoff;
  private readonly rate = new RateMeter();
  private written = 0;
  private duplicates = 0;
  private errors = 0;
  private emptied = 0;

  constructor(
    private readonly sink: Sink<Row>,
    private readonly spool: SpoolPort<Row>,
    private readonly options: BatchOptions<Row>,
  ) {
    super();
    this.backoff = new Backoff(options.retry);
    const keyOf = options.keyOf;
    this.pending = new BatchQueue<Pending<Row>>(options.batchRows, keyOf && ((p) => keyOf(p.row)), options.maxBatchRows);
  }

  /** Starts a replay of what a previous run left in the spool. */
  start(): void {
    void this.kick();
  }

  add(row: Row, settle?: Settle): void {
    if (this.closing) {
      settle?.(new Error(`${this.options.name ?? 'sink'} is closing`));
      return;
    }
    if (this.pending.push({ row, settle: once(settle) })) this.flush();
    else if (!this.batchTimer) {
      this.batchTimer = setTimeout(() => {
        this.batchTimer = undefined;
        this.flushDue = true;
        this.flush();
      }, this.options.batchMs);
    }
  }

  /** A batch is ready: to the loop, or straight to the spool while the loop waits on an overdue write. */
  private flush(): void {
    if (this.overdue) void this.spill();
    else void this.kick();
  }

  get stats(): WriterStats {
    return {
      state: this.state,
      queued: this.pending.length + (this.inflightSpooled ? 0 : this.inflight.reduce((n, batch) => n + batch.length, 0)),
      spooled: this.spoolClosed ? 0 : this.spool.stats.rows,
      dropped: this.spoolClosed ? 0 : this.spool.stats.droppedRows,
      written: this.written,
      duplicates: this.duplicates,
      errors: this.errors,
      emptied: this.emptied,
      rowsPerSecond: this.rate.perSecond(),
      overdue: this.overdue,
      failure: this.state === 'down' ? this.failure : undefined,
      refusal: this.state === 'down' ? this.refusal : undefined,
    };
  }

  /**
   * Flushes what is queued: to the sink if it is up and nothing is spooled, else to the spool; a write
   * still hanging near the end of `budgetMs` is spooled as well (a replay of it is harmless). Then closes
   * the spool.
   */
  async close(budgetMs: number): Promise<void> {
    this.closing = true;
    clearTimeout(this.batchTimer);
    clearTimeout(this.retryTimer);
    this.flushDue = true;
    const spoolReserveMs = Math.min(2000, budgetMs / 3);
    const finished = await within(this.kick(), budgetMs - spoolReserveMs);
    // The sink has not answered: keep everything still in memory on disk.
    if (!finished) await this.spill();
    clearTimeout(this.overdueTimer);
    this.spoolClosed = true;
    await this.spool.close();
  }

  /** Makes the loop look for work, starting it if it is not running; resolves when it stops. */
  private kick(): Promise<void> {
    this.again = true;
    // Started a microtask later, so `running` is set before the loop can finish and clear it.
    this.running ??= Promise.resolve().then(() => this.loop());
    return this.running;
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        while (this.again && !this.spoolClosed) {
          this.again = false;
          await this.drain();
        }
        if (this.replayedSomething && this.spool.isEmpty && this.state === 'up' && !this.closing) {
          this.replayedSomething = false;
          await this.sink.afterReplay?.();
          continue;
        }
        // No await between the last look for work and here: a kick either found the loop running or starts anew.
        return;
      }
    } catch (err) {
      this.emit('loop-error', asError(err));
    } finally {
      this.running = undefined;
    }
  }

  /** Writes or spools every ready batch and replays the spool while the sink answers. */
  private async drain(): Promise<void> {
    while (!this.spoolClosed) {
      if (!this.spool.isEmpty || this.waitingRetry) {
        const batch = this.takeBatch();
        if (batch) {
          await this.toSpool(batch);
          continue;
        }
      } else {
        const batches = this.takeBatches();
        if (batches.length > 0) {
          await this.toSink(batches);
          continue;
        }
      }
      if (!this.spool.isEmpty && !this.waitingRetry && !this.closing) {
        await this.replayOne();
        continue;
      }
      return;
    }
  }

  private takeBatch(): Pending<Row>[] | undefined {
    const batch = this.pending.take(this.flushDue);
    if (this.pending.length === 0) this.flushDue = false;
    return batch;
  }

  /** The next ready batches for the sink: one, or with keyOf up to `concurrency`, each of another key. */
  private takeBatches(): Pending<Row>[][] {
    const most = this.options.keyOf ? Math.max(1, this.options.concurrency ?? 1) : 1;
    const batches: Pending<Row>[][] = [];
    const keys = new Set<string>();
    while (batches.length < most) {
      const batch = this.pending.take(this.flushDue, keys);
      if (this.pending.length === 0) this.flushDue = false;
      if (!batch) break;
      batches.push(batch);
    }
    return batches;
  }

  /**
   * Writes the batches at once, then settles them: the written ones first, so a failed one leaves the store
   * 'down' with its rows spooled (and every later batch of any key behind them, keeping each key's order).
   */
  private async toSink(batches: Pending<Row>[][]): Promise<void> {
    this.inflight = batches;
    this.inflightSpooled = false;
    const writes = batches.map((batch) => this.sink.write(...this.batchOf(rowsOf(batch), false)));
    const results = await this.watched(Promise.allSettled(writes));
    const spooled = this.inflightSpooled;
    this.inflight = [];
    const failed: { batch: Pending<Row>[]; error: Error }[] = [];
    results.forEach((result, i) => {
      const batch = batches[i];
      if (result.status === 'fulfilled') return this.settleWritten(batch, result.value);
      const error = asError(result.reason);
      // The store answered, and refused this batch's data: its rows are refused, the next batch may go in.
      if (failureOf(this.sink, error).kind === 'bad-batch') this.settleWritten(batch, refusedWhole(batch.length, error));
      else failed.push({ batch, error });
    });
    for (const { batch, error } of failed) {
      this.markDown(error);
      if (!spooled) await this.toSpool(batch);
    }
  }

  private settleWritten(batch: Pending<Row>[], outcome: WriteOutcome): void {
    this.markUp();
    this.record(outcome, batch.length);
    const refused = new Map(outcome.rejected.map((r) => [r.index, r.error]));
    const emptied = new Map(outcome.emptied.map((r) => [r.index, r.error]));
    // Rows spooled while the write hung were settled then; once() makes these calls no-ops.
    batch.forEach((p, i) => p.settle?.(refused.get(i), emptied.get(i)));
  }

  /** Runs a write with the overdue watch: past overdueMs, what waits in memory goes to the spool. */
  private async watched<R>(write: Promise<R>): Promise<R> {
    this.overdueTimer = setTimeout(() => {
      this.overdue = true;
      this.emit('overdue');
      void this.spill();
    }, this.options.overdueMs ?? DEFAULT_OVERDUE_MS);
    try {
      return await write;
    } finally {
      clearTimeout(this.overdueTimer);
      this.overdue = false;
    }
  }

  /**
   * Moves the in-flight batch (unless it went already) and everything queued to the spool, in order, without
   * waiting for the loop: it is stuck on a write that does not answer, or closing.
   */
  private async spill(): Promise<void> {
    const batches = [...(this.inflightSpooled ? [] : this.inflight), ...this.pending.takeAll()];
    if (this.inflight.length > 0) this.inflightSpooled = true;
    this.flushDue = false;
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    for (const batch of batches) await this.toSpool(batch);
  }

  /** Spooled in records of at most batchRows rows, whatever the batch (maxBatchRows): the spool's limit is sized for those. */
  private async toSpool(batch: Pending<Row>[]): Promise<void> {
    const { batchRows } = this.options;
    if (batch.length <= batchRows) return this.toSpoolRecord(batch);
    for (let i = 0; i < batch.length; i += batchRows) await this.toSpoolRecord(batch.slice(i, i + batchRows));
  }

  private async toSpoolRecord(batch: Pending<Row>[]): Promise<void> {
    if (this.spoolClosed) return;
    try {
      await this.spool.append(batch.map((p) => p.row));
    } catch (err) {
      // Neither the sink nor the disk took the rows: say so for each, never pretend they are kept.
      this.errors += batch.length;
      const error = new Error(`not stored: database unreachable and the spool failed (${messageOf(err)})`);
      this.emit('spool-error', asError(err));
      for (const p of batch) p.settle?.(error);
      return;
    }
    for (const p of batch) p.settle?.();
  }

  private async replayOne(): Promise<void> {
    let entry: { id: number; rows: Row[] } | undefined;
    let outcome: WriteOutcome;
    try {
      entry = await this.spool.peek();
      if (!entry) return;
      outcome = await this.watched(this.sink.write(...this.batchOf(entry.rows, true)));
    } catch (err) {
      const error = asError(err);
      if (!entry || failureOf(this.sink, error).kind !== 'bad-batch') {
        this.markDown(error);
        return;
      }
      outcome = refusedWhole(entry.rows.length, error);
    }
    this.markUp();
    this.record(outcome, entry.rows.length);
    if (outcome.rejected.length > 0 || outcome.emptied.length > 0) {
      const rows = entry.rows;
      const withRow = ({ index, error }: RowIssue) => ({ row: rows[index], error });
      this.emit('replay-rejects', { rows: outcome.rejected.map(withRow), emptied: outcome.emptied.map(withRow) } satisfies ReplayRejects<Row>);
    }
    if (this.spoolClosed) return;
    await this.spool.ack(entry.id);
    this.replayedSomething = true;
  }

  /** The rows and what the sink is told of them: a replay or not, and their key when they share one. */
  private batchOf(rows: Row[], replay: boolean): [Row[], WriteContext] {
    const { keyOf } = this.options;
    const key = keyOf && rows.length > 0 ? keyOf(rows[0]) : undefined;
    return [rows, key !== undefined && rows.every((row) => keyOf?.(row) === key) ? { replay, key } : { replay }];
  }

  private record(outcome: WriteOutcome, rows: number): void {
    this.written += outcome.inserted + outcome.duplicates;
    this.duplicates += outcome.duplicates;
    this.errors += outcome.rejected.length;
    this.emptied += outcome.emptied.length;
    this.rate.add(rows - outcome.rejected.length);
  }

  private markUp(): void {
    const was = this.state;
    this.state = 'up';
    this.failure = undefined;
    this.refusal = undefined;
    this.backoff.reset();
    if (was === 'down') this.emit('up');
  }

  /**
   * One 'down' per outage, however many retries fail, and a 'failure' for every failed attempt (the reason
   * may change while the outage lasts); batches go straight to the spool until the retry.
   */
  private markDown(err: Error): void {
    const was = this.state;
    this.state = 'down';
    this.failure = err;
    const failure = failureOf(this.sink, err);
    this.refusal = failure.kind === 'refusal' ? failure.reason : undefined;
    if (was !== 'down') this.emit('down', this.failure);
    this.emit('failure', this.failure);
    if (this.closing) return;
    this.waitingRetry = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      // Worth a try: the next replay (or live batch, when nothing is spooled) tells.
      this.waitingRetry = false;
      void this.kick();
    }, this.backoff.fail());
  }
}

/** Every row of a batch refused with one error. */
function refusedWhole(rows: number, error: Error): WriteOutcome {
  return { inserted: 0, duplicates: 0, rejected: Array.from({ length: rows }, (_, index) => ({ index, error })), emptied: [] };
}

function rowsOf<Row>(batch: readonly Pending<Row>[]): Row[] {
  return batch.map((p) => p.row);
}

function once(settle: Settle | undefined): Settle | undefined {
  if (!settle) return undefined;
  let done = false;
  return (err, warning) => {
    if (done) return;
    done = true;
    settle(err, warning);
  };
}

/** True when `work` settles within `ms`. */
async function within(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
