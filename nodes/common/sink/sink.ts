// What a sink (a database writer: timescale-out's SQL, an InfluxDB line-protocol writer) gives the batch
// writer. The sink only writes a batch and says what became of it; batching, the spool, retries, the
// outage and recovery reports and the close budget live in the batch writer and the sink node.
// Rows travel through the disk spool as JSON, so a sink's row type must be plain JSON (no Dates, no Maps).

/** One row of a batch that did not go in cleanly, by its index in the batch. */
export interface RowIssue {
  index: number;
  error: Error;
}

export interface WriteOutcome {
  /** Rows new to the store. */
  inserted: number;
  /** Rows the store already had (a replay, or a repeated reading): skipped, not an error. */
  duplicates: number;
  /** Rows the store refused (bad rows); the others of the batch are stored. */
  rejected: RowIssue[];
  /** Rows stored with part of their data left out (e.g. a field that did not fit its column), saying which. */
  emptied: RowIssue[];
}

export interface WriteContext {
  /**
   * The batch may hold rows already stored: it comes from the spool (a replay, or a batch spooled after a
   * write that failed or hung half way). The sink must write it idempotently (ON CONFLICT DO NOTHING; in
   * InfluxDB the same series and time overwrite). When false, the batch is new and a faster, non-idempotent
   * path (COPY) is allowed.
   */
  replay: boolean;
  /** The key every row of the batch shares, when the writer cuts batches per key (BatchOptions.keyOf). */
  key?: string;
}

/**
 * Why a write threw, as the sink sees it:
 * - `outage`: the store cannot be reached or is busy (a network error, a 5xx or 429): the batch goes to the
 *   spool and is replayed in order once a retry succeeds.
 * - `refusal`: the store refuses the writer as a whole (a bad login or token, an unknown database or bucket,
 *   a missing right): a configuration error, shown red and logged once by `reason` (a status and log word
 *   of the node's locale); the rows are kept in the spool and retried like an outage.
 * - `bad-batch`: the store refused the batch's own data (and the sink cannot tell which row): every row of
 *   the batch is refused with the error and not retried.
 */
export type Failure = { kind: 'outage' } | { kind: 'refusal'; reason: string } | { kind: 'bad-batch' };

export interface Sink<Row> {
  /**
   * Writes one batch, in order. Throws only when no row can go in now (see Failure, told apart by
   * `classify`); refused rows and rows stored incompletely come back in the outcome.
   */
  write(rows: readonly Row[], context: WriteContext): Promise<WriteOutcome>;
  /** What a thrown write means; every failure is an outage when the sink does not say. */
  classify?(err: Error): Failure;
  /** Called when a replay has emptied the spool (e.g. to refresh aggregates over the replayed span). */
  afterReplay?(): Promise<void>;
}

export const OUTAGE: Failure = { kind: 'outage' };

export function failureOf<Row>(sink: Sink<Row>, err: Error): Failure {
  return sink.classify?.(err) ?? OUTAGE;
}
