// The Node-RED side every sink node shares: the durable spool in its folder, the batch writer, one log line
// per outage and per refusal reason, a line when the store answers again, rows the spool dropped, refused
// replayed rows reported to Catch nodes, the status line, the `reset_lost` command, and close within budget.
// Texts come from the node's own locale namespace (`<type>.log.*`, `<type>.errors.*`, `<type>.status.*`), so
// each sink node words them for its store. The node keeps only what is its own: settings, a row from a
// message, the sink, and any start-up check.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import type { BackoffOptions } from '../backoff';
import { asError, messageOf } from '../errors';
import { statusOf, type StatusState } from '../status';
import { DurableSpool } from '../spool/durable-spool';
import { BatchWriter, type ReplayRejects } from './batch-writer';
import { failureOf, type Sink } from './sink';
import { statusView } from './status-view';

/** Node-RED gives a closing node 15 s; the flush gets 10, the node's own close (a pool) the rest. */
export const CLOSE_BUDGET_MS = 10_000;
const RETRY = { initialMs: 1000, maxMs: 30_000 };
/** Refused replayed rows are each reported to Catch nodes up to this many per batch, then summed up. */
const REPORTED_REJECTS = 5;
const STATUS_EVERY_MS = 1000;

/** A message that is a command, not a reading: `reset_lost: true` starts the loss count afresh. */
interface CommandMessage {
  reset_lost?: unknown;
}

export interface SinkNodeOptions<Row> {
  RED: NodeAPI;
  node: Node;
  /** The node's type, which is its locale namespace. */
  type: string;
  sink: Sink<Row>;
  /** The row a message stores; throws, saying why, for a message that cannot be stored. */
  toRow(msg: NodeMessageInFlow): Row;
  batchRows: number;
  batchMs: number;
  /** See BatchOptions.overdueMs. */
  overdueMs?: number;
  /** See BatchOptions.keyOf, concurrency and perKey: batches per key, several written at once. */
  keyOf?: (row: Row) => string;
  concurrency?: number;
  perKey?: number;
  /** See BatchOptions.maxBatchRows. */
  maxBatchRows?: number;
  spoolMaxBytes: number;
  /** Spool folder; when absent, one per node under Node-RED's user directory. */
  spoolDir?: string;
  /** Waits between retries while the store is away; 1 s doubling up to 30 s when not given. */
  retry?: BackoffOptions;
  /** Runs once the queue is flushed or spooled on close (e.g. to let go of a connection pool). */
  closed?(): void;
}

export interface SinkNode {
  /** Shows a status (a locale key or a text); the same status twice is shown once. */
  show(state: StatusState, text: string): void;
  /** A failure found outside a write (a start-up check): shown and logged as a write's failure would be. */
  failed(err: unknown): void;
}

export function runSinkNode<Row>(options: SinkNodeOptions<Row>): SinkNode {
  const { RED, node, type, sink } = options;
  const t = (key: string, vars?: Record<string, string | number>) => RED._(`${type}.${key}`, vars);
  const key = (name: string) => `${type}.status.${name}`;
  const words = (name: string, vars?: Record<string, string>) => t(`status.${name}`, vars);
  const spoolDir = options.spoolDir ?? join(RED.settings.userDir ?? join(homedir(), '.node-red'), 'solar-telemetry-spool', node.id);
  /** Messages that were no row: counted with the errors. */
  let refused = 0;
  let shown = '';
  let lastErrors = 0;
  let lastDropped = 0;
  /** The spool's count of dropped rows at the deploy (or the last reset_lost): the status shows those since. */
  let droppedBefore = 0;
  /**
   * One log line per outage and per reason, whether a start-up check or a write noticed it first: the
   * retries behind it (capped backoff) stay quiet until the reason changes or the store answers.
   */
  let reported: string | undefined;

  function reportDown(err: Error): void {
    const failure = failureOf(sink, err);
    const reason = failure.kind === 'refusal' ? failure.reason : 'down';
    if (reason === reported) return;
    reported = reason;
    const vars = { error: err.message, dir: spoolDir };
    if (failure.kind === 'refusal') node.error(t(`log.${reason}`, vars));
    else node.warn(t('log.down', vars));
  }

  function show(state: StatusState, text: string): void {
    if (`${state} ${text}` === shown) return;
    shown = `${state} ${text}`;
    node.status(statusOf(state, text));
  }

  // Rows that came back from the spool have no message waiting: Catch nodes hear of them here.
  function reportReplayRejects({ rows, emptied }: ReplayRejects<Row>): void {
    rows.slice(0, REPORTED_REJECTS).forEach(({ row, error }) => node.error(t('errors.replayRow', { error: error.message }), { payload: row }));
    if (rows.length > REPORTED_REJECTS) node.error(t('errors.replayRows', { rows: rows.length - REPORTED_REJECTS }));
    emptied.slice(0, REPORTED_REJECTS).forEach(({ row, error }) => node.error(t('errors.emptied', { error: error.message }), { payload: row }));
    if (emptied.length > REPORTED_REJECTS) node.error(t('errors.emptiedRows', { rows: emptied.length - REPORTED_REJECTS }));
  }

  node.status(statusOf('connecting', key('connecting')));

  const ready: Promise<BatchWriter<Row> | Error> = DurableSpool.open<Row>({ dir: spoolDir, maxBytes: options.spoolMaxBytes }).then(
    (spool) => {
      if (spool.recovery.rows > 0) node.log(t('log.recovered', { rows: spool.recovery.rows, dir: spoolDir }));
      lastDropped = spool.stats.droppedRows;
      droppedBefore = spool.stats.droppedRows;
      const writer = new BatchWriter<Row>(sink, spool, {
        batchRows: options.batchRows,
        batchMs: options.batchMs,
        retry: options.retry ?? RETRY,
        overdueMs: options.overdueMs,
        keyOf: options.keyOf,
        concurrency: options.concurrency,
        perKey: options.perKey,
        maxBatchRows: options.maxBatchRows,
        name: type,
      });
      writer.on('failure', (err: Error) => reportDown(err));
      writer.on('up', () => {
        reported = undefined;
        node.log(t('log.up', { rows: writer.stats.spooled }));
      });
      writer.on('replay-rejects', (rejects: ReplayRejects<Row>) => reportReplayRejects(rejects));
      writer.on('loop-error', (err: Error) => node.error(t('errors.internal', { error: err.message })));
      writer.start();
      return writer;
    },
    (err: unknown) => {
      const error = asError(err);
      show('error', key('spool'));
      node.error(t('errors.spool', { error: error.message, dir: spoolDir }));
      return error;
    },
  );

  const statusTimer = setInterval(() => {
    void ready.then((writer) => {
      if (writer instanceof Error) return;
      const stats = writer.stats;
      const errors = stats.errors + stats.emptied + refused;
      if (stats.dropped > lastDropped) {
        node.warn(t('log.dropped', { rows: stats.dropped - lastDropped, total: stats.dropped }));
        lastDropped = stats.dropped;
      }
      // Before any row, the status the node set (connecting, or its start-up check) says more than "0/s".
      if (stats.written + stats.spooled + stats.queued + errors === 0 && stats.state === 'connecting') return;
      const lost = Math.max(0, stats.dropped - droppedBefore);
      const view = statusView({ ...stats, lost, errors, freshErrors: errors > lastErrors }, words);
      lastErrors = errors;
      show(view.state, view.text);
    });
  }, STATUS_EVERY_MS);

  node.on('input', (msg: NodeMessageInFlow, _send, done) => {
    if ((msg as CommandMessage).reset_lost === true) {
      // Only `true` is the command; its message stores no reading.
      ready.then(
        (writer) => {
          if (!(writer instanceof Error)) droppedBefore = writer.stats.dropped;
          done();
        },
        (err: unknown) => done(asError(err)),
      );
      return;
    }
    let row: Row;
    try {
      row = options.toRow(msg);
    } catch (err) {
      refused += 1;
      done(asError(err));
      return;
    }
    ready.then(
      (writer) => {
        if (writer instanceof Error) done(new Error(t('errors.spool', { error: writer.message, dir: spoolDir })));
        else {
          writer.add(row, (err, warning) => {
            if (err) return done(err);
            // The row is stored; Catch nodes still hear what of it was left out, with the message.
            if (warning) node.error(t('errors.emptied', { error: warning.message }), msg);
            done();
          });
        }
      },
      (err: unknown) => done(asError(err)),
    );
  });

  node.on('close', (_removed: boolean, done: () => void) => {
    clearInterval(statusTimer);
    ready
      .then((writer) => (writer instanceof Error ? undefined : writer.close(CLOSE_BUDGET_MS)))
      .catch((err: unknown) => node.warn(t('errors.close', { error: messageOf(err) })))
      .finally(() => {
        options.closed?.();
        done();
      });
  });

  return {
    show,
    failed(err: unknown): void {
      const error = asError(err);
      const failure = failureOf(sink, error);
      if (failure.kind === 'refusal') show('error', key(failure.reason));
      else show('retrying', key('unreachable'));
      reportDown(error);
    },
  };
}
