// Batches rows by size and time and hands them to a sink one batch at a time, in order; with batches cut per
// key, up to `concurrency` batches at once, each of another key (or up to `perKey` of one key, for a sink
// that commits them in order), and order then holds per key. A slot freed by a write that ends takes the
// next ready batch at once, without waiting for the other writes. While the sink cannot
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
   * With keyOf: how many batches of one key may be written at once (within `concurrency`). 1 when not
   * given; more only for a sink that commits a key's batches in the order it is handed them, and fails a
   * batch whose predecessor failed (timescale-out's does, see its commit-order.ts): the batch writer settles
   * them in order and spools a failed one's followers behind it, but cannot order the store's commits itself.
   */
  perKey?: number;
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

/** A live batch the sink is writing. */
interface Flight<Row> {
  batch: Pending<Row>[];
  key: string | undefined;
  /** performance.now() at the start of the write, for the overdue watch. */
  started: number;
  /** How the write ended, once it has. */
  result?: PromiseSettledResult<WriteOutcome>;
  /** Resolves when the write has ended; never rejects. */
  ended: Promise<void>;
  /** Went to the spool while the write hung: it must not be spooled again. */
  spooled: boolean;
}

/** Refused rows that came out of the spool: no message is waiting for them, so they are reported here. */
export interface ReplayRejects<Row> {
  rows: { row: Row; error: Error }[];
  /** Replayed rows stored with part of their data left out. */
  emptied: { row: Row; error: Error }[];
}

export class BatchWriter<Row> extends EventEmitter {
  private readonly pending: BatchQueue<Pending<Row>>;
  /** The live batches being written, in the order they were handed to the sink. */
  private flights: Flight<Row>[] = [];
  /** Resolves the loop's wait for a write to end when work arrives meanwhile (a free slot can take it). */
  private wake: (() => void) | undefined;
  private flushDue = false;
  private batchTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The overdue watch over a replay's write. */
  private overdueTimer: NodeJS.Timeout | undefined;
  /** The overdue watch over live writes (see watchOverdue). */
  private flightTimer: NodeJS.Timeout | undefined;
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
      queued: this.pending.length + this.flights.reduce((n, flight) => n + (flight.spooled ? 0 : flight.batch.length), 0),
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
    clearTimeout(this.flightTimer);
    this.spoolClosed = true;
    await this.spool.close();
  }

  /** Makes the loop look for work, starting it if it is not running; resolves when it stops. */
  private kick(): Promise<void> {
    this.again = true;
    this.wake?.();
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

  /**
   * Writes or spools every ready batch and replays the spool while the sink answers. Live batches go to the
   * sink as slots free up (a write that ends makes room for the next batch at once, however long the others
   * take); their writes end in any order and are taken back in each key's order (see landReady).
   */
  private async drain(): Promise<void> {
    while (!this.spoolClosed) {
      if (!this.spool.isEmpty || this.waitingRetry) {
        // Behind the spool: the writes in flight end first (a failed one goes to the spool, in order), then
        // the next batches go behind them there.
        if (this.flights.length > 0) {
          await this.landNext();
          continue;
        }
        const batch = this.takeBatch();
        if (batch) {
          await this.toSpool(batch);
          continue;
        }
      } else {
        if (this.launchReady()) continue;
        if (this.flights.length > 0) {
          await this.landNext();
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

  /**
   * Hands ready batches to the sink while there is room: one write at a time, or with keyOf up to
   * `concurrency`, at most `perKey` of one key. True when it started any.
   */
  private launchReady(): boolean {
    const most = this.options.keyOf ? Math.max(1, this.options.concurrency ?? 1) : 1;
    let launched = false;
    while (this.flights.length < most) {
      const busy = new Map<string, number>();
      for (const { key } of this.flights) if (key !== undefined) busy.set(key, (busy.get(key) ?? 0) + 1);
      const batch = this.pending.take(this.flushDue, busy, this.options.perKey ?? 1);
      if (this.pending.length === 0) this.flushDue = false;
      if (!batch) break;
      this.launch(batch);
      launched = true;
    }
    return launched;
  }

  private launch(batch: Pending<Row>[]): void {
    const [rows, context] = this.batchOf(rowsOf(batch), false);
    let write: Promise<WriteOutcome>;
    try {
      write = this.sink.write(rows, context);
    } catch (err) {
      write = Promise.reject(asError(err));
    }
    const flight: Flight<Row> = { batch, key: context.key, started: performance.now(), spooled: false, ended: Promise.resolve() };
    flight.ended = write.then(
      (value) => {
        flight.result = { status: 'fulfilled', value };
      },
      (reason: unknown) => {
        flight.result = { status: 'rejected', reason };
      },
    );
    // Each end looks again at which write is the oldest still running.
    void flight.ended.then(() => this.watchOverdue());
    this.flights.push(flight);
    this.watchOverdue();
  }

  /** Waits until a write has ended (or work has arrived for a free slot), then takes back what can be. */
  private async landNext(): Promise<void> {
    if (!this.flights.some((flight, i) => this.mayLand(flight, i))) {
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      // Only writes still running: one that ended but waits behind its key's older write cannot end the wait.
      const running = this.flights.filter((flight) => flight.result === undefined).map((flight) => flight.ended);
      await Promise.race([...running, woken]);
      this.wake = undefined;
    }
    await this.landReady();
  }

  /** Takes back, in the order they were handed over, the ended writes with no write of their key before them. */
  private async landReady(): Promise<void> {
    for (let i = 0; i < this.flights.length;) {
      const flight = this.flights[i];
      if (!this.mayLand(flight, i)) {
        i += 1;
        continue;
      }
      this.flights.splice(i, 1);
      await this.land(flight);
    }
  }

  private mayLand(flight: Flight<Row>, index: number): boolean {
    if (flight.result === undefined) return false;
    for (let i = 0; i < index; i++) if (this.flights[i].key === flight.key) return false;
    return true;
  }

  /**
   * Settles an ended write's rows: written, refused as data, or (the store failing) spooled, which leaves
   * the store 'down' and every later batch of any key behind it. A write that succeeds after another failed
   * does not bring the store back 'up': the retry tells.
   */
  private async land(flight: Flight<Row>): Promise<void> {
    const { batch, result } = flight;
    if (result?.status === 'fulfilled') {
      if (!this.waitingRetry) this.markUp();
      return this.settleWritten(batch, result.value);
    }
    const error = asError(result?.reason);
    // The store answered, and refused this batch's data: its rows are refused, the next batch may go in.
    if (failureOf(this.sink, error).kind === 'bad-batch') {
      if (!this.waitingRetry) this.markUp();
      return this.settleWritten(batch, refusedWhole(batch.length, error));
    }
    this.markDown(error);
    if (!flight.spooled) await this.toSpool(batch);
  }

  private settleWritten(batch: Pending<Row>[], outcome: WriteOutcome): void {
    this.record(outcome, batch.length);
    const refused = new Map(outcome.rejected.map((r) => [r.index, r.error]));
    const emptied = new Map(outcome.emptied.map((r) => [r.index, r.error]));
    // Rows spooled while the write hung were settled then; once() makes these calls no-ops.
    batch.forEach((p, i) => p.settle?.(refused.get(i), emptied.get(i)));
  }

  /**
   * The overdue watch over live writes: once the oldest write still running has taken overdueMs, what waits
   * in memory goes to the spool (spill), and so does every batch that is ready while one that old still runs.
   */
  private watchOverdue(): void {
    clearTimeout(this.flightTimer);
    // Closed: a write that ends after close (its rows spilled) must not start the watch again.
    if (this.spoolClosed) return;
    const overdueMs = this.options.overdueMs ?? DEFAULT_OVERDUE_MS;
    let oldest = Infinity;
    for (const flight of this.flights) if (flight.result === undefined) oldest = Math.min(oldest, flight.started);
    const left = oldest + overdueMs - performance.now();
    if (left > 0) {
      this.overdue = false;
      // Infinity: nothing runs.
      if (Number.isFinite(left)) this.flightTimer = setTimeout(() => this.watchOverdue(), left);
      return;
    }
    if (this.overdue) return;
    this.overdue = true;
    this.emit('overdue');
    void this.spill();
  }

  /** Runs a replay's write with the overdue watch (replays go one at a time, with no live write running). */
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
   * Moves the live batches whose writes are running or failed (unless they went already) and everything
   * queued to the spool, in order, without waiting for the loop: it is stuck on a write that does not answer,
   * or closing.
   */
  private async spill(): Promise<void> {
    const batches: Pending<Row>[][] = [];
    for (const flight of this.flights) {
      if (flight.spooled || flight.result?.status === 'fulfilled') continue;
      flight.spooled = true;
      batches.push(flight.batch);
    }
    batches.push(...this.pending.takeAll());
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
