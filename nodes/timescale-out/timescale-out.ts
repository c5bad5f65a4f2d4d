// Node-RED adapter: readings in, rows out to PostgreSQL/TimescaleDB through a timescale-db config node,
// batched, spooled to disk while the database is away, and replayed in order when it returns.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { asError, messageOf } from '../common/errors';
import { statusOf, type StatusState } from '../common/status';
import { DurableSpool } from '../common/spool/durable-spool';
import { attachToDatabase } from '../timescale-db/attach';
import type { Database } from '../timescale-db/database';
import { refusalOf } from '../timescale-db/pg-errors';
import { overdueAfterMs } from '../timescale-db/pool';
import { BatchWriter, type ReplayRejects } from './batch-writer';
import { DbWriter } from './db-writer';
import { parseOutSettings, type OutSettings } from './out-config';
import { flattenReading, type FlatRow, type ReadingMessage } from './row-flatten';
import { statusView } from './status-text';
import { TableManager } from './tables';
import { refuseAllInput } from '../common/misconfigured';

type TimescaleOutDef = NodeDef & Record<string, unknown>;

/** A message that is a command, not a reading: `reset_lost: true` starts the loss count afresh. */
interface CommandMessage {
  reset_lost?: unknown;
}

/** Node-RED gives a closing node 15 s; the flush gets 10, the pool the rest. */
const CLOSE_BUDGET_MS = 10_000;
const RETRY = { initialMs: 1000, maxMs: 30_000 };
/** Refused replayed rows are each reported to Catch nodes up to this many per batch, then summed up. */
const REPORTED_REJECTS = 5;

export = function register(RED: NodeAPI): void {
  function TimescaleOut(this: Node, def: TimescaleOutDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = (key: string, vars?: Record<string, string | number>) => RED._(`timescale-out.${key}`, vars);
    const key = (name: string) => `timescale-out.status.${name}`;
    let settings: OutSettings;
    let database: Database;
    try {
      settings = parseOutSettings(def);
      database = attachToDatabase(RED, node, def.database);
    } catch (err) {
      const error = messageOf(err);
      refuseAllInput(node, key('config'), t('errors.config', { error }), error);
      return;
    }

    const log = { info: (text: string) => node.log(text), warn: (text: string) => node.warn(text) };
    const tables = new TableManager({ schema: settings.schema, deviceColumn: settings.deviceColumn, policy: settings.policy }, log);
    const sink = new DbWriter(database, tables, settings.schema, settings.deviceColumn, log);
    const defaults = { table: settings.table, device: settings.device, deviceColumn: settings.deviceColumn };
    const spoolDir = settings.spoolDir ?? join(RED.settings.userDir ?? join(homedir(), '.node-red'), 'solar-telemetry-spool', node.id);
    let refused = 0;
    let shown = '';
    let lastErrors = 0;
    let lastDropped = 0;
    /** The spool's count of dropped rows at the deploy (or the last reset_lost): the status shows those since. */
    let droppedBefore = 0;
    /**
     * One log line per outage and per reason, whether the start-up check or a write noticed it first: the
     * retries behind it (capped backoff) stay quiet until the reason changes or the database answers.
     */
    let reported: string | undefined;
    const reportDown = (err: unknown) => {
      const refusal = refusalOf(err);
      if ((refusal ?? 'down') === reported) return;
      reported = refusal ?? 'down';
      const vars = { error: messageOf(err), dir: spoolDir };
      if (refusal) node.error(t(`log.${refusal}`, vars));
      else node.warn(t('log.down', vars));
    };
    const words = (name: string, vars?: Record<string, string>) => t(`status.${name}`, vars);

    function show(state: StatusState, text: string): void {
      if (`${state} ${text}` === shown) return;
      shown = `${state} ${text}`;
      node.status(statusOf(state, text));
    }

    node.status(statusOf('connecting', key('connecting')));
    sink.check().then(
      (timescale) => show('ok', key(timescale ? 'timescale' : 'plain')),
      (err: unknown) => {
        const refusal = refusalOf(err);
        if (refusal) show('error', key(refusal));
        else show('retrying', key('unreachable'));
        reportDown(err);
      },
    );

    const ready: Promise<BatchWriter | Error> = DurableSpool.open<FlatRow>({ dir: spoolDir, maxBytes: settings.spoolMaxBytes }).then(
      (spool) => {
        if (spool.recovery.rows > 0) node.log(t('log.recovered', { rows: spool.recovery.rows, dir: spoolDir }));
        lastDropped = spool.stats.droppedRows;
        droppedBefore = spool.stats.droppedRows;
        const overdueMs = overdueAfterMs(database.settings);
        const writer = new BatchWriter(sink, spool, { batchRows: settings.batchRows, batchMs: settings.batchMs, retry: RETRY, overdueMs });
        writer.on('failure', (err: Error) => reportDown(err));
        writer.on('up', () => {
          reported = undefined;
          node.log(t('log.up', { rows: writer.stats.spooled }));
        });
        writer.on('replay-rejects', (rejects: ReplayRejects) => reportReplayRejects(rejects));
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

    // Rows that came back from the spool have no message waiting: Catch nodes hear of them here.
    function reportReplayRejects({ rows, emptied }: ReplayRejects): void {
      rows.slice(0, REPORTED_REJECTS).forEach(({ row, error }) => node.error(t('errors.replayRow', { error: error.message }), { payload: row }));
      if (rows.length > REPORTED_REJECTS) node.error(t('errors.replayRows', { rows: rows.length - REPORTED_REJECTS }));
      emptied.slice(0, REPORTED_REJECTS).forEach(({ row, error }) => node.error(t('errors.emptied', { error: error.message }), { payload: row }));
      if (emptied.length > REPORTED_REJECTS) node.error(t('errors.emptiedRows', { rows: emptied.length - REPORTED_REJECTS }));
    }

    const statusTimer = setInterval(() => {
      void ready.then((writer) => {
        if (writer instanceof Error) return;
        const stats = writer.stats;
        const errors = stats.errors + stats.emptied + refused;
        if (stats.dropped > lastDropped) {
          node.warn(t('log.dropped', { rows: stats.dropped - lastDropped, total: stats.dropped }));
          lastDropped = stats.dropped;
        }
        // Before any row, the check's status (TimescaleDB or plain PostgreSQL) says more than "0/s".
        if (stats.written + stats.spooled + stats.queued + errors === 0 && stats.state === 'connecting') return;
        const refusal = stats.failure && refusalOf(stats.failure);
        const lost = Math.max(0, stats.dropped - droppedBefore);
        const view = statusView({ ...stats, refusal, lost, errors, freshErrors: errors > lastErrors }, words);
        lastErrors = errors;
        show(view.state, view.text);
      });
    }, 1000);

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
      let row: FlatRow;
      try {
        row = flattenReading(msg as ReadingMessage, defaults);
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
              // The row is stored; Catch nodes still hear which fields were left NULL, with the message.
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
          database.deregister(node.id);
          done();
        });
    });
  }
  RED.nodes.registerType('timescale-out', TimescaleOut);
};
