// Node-RED adapter: readings in, rows out to PostgreSQL/TimescaleDB through a timescale-db config node,
// batched, spooled to disk while the database is away, and replayed in order when it returns. The pipeline
// is the shared sink node (nodes/common/sink); this node adds the SQL sink and the start-up check.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { messageOf } from '../common/errors';
import { refuseAllInput } from '../common/misconfigured';
import { runSinkNode } from '../common/sink/sink-node';
import { attachToDatabase } from '../timescale-db/attach';
import type { Database } from '../timescale-db/database';
import { overdueAfterMs } from '../timescale-db/pool';
import { BATCHES_PER_TABLE, DbWriter, PILED_UP_ROWS } from './db-writer';
import { parseOutSettings, type OutSettings } from './out-config';
import { flattenReading, type FlatRow, type ReadingMessage } from './row-flatten';
import { TableManager } from './tables';

type TimescaleOutDef = NodeDef & Record<string, unknown>;

export = function register(RED: NodeAPI): void {
  function TimescaleOut(this: Node, def: TimescaleOutDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let settings: OutSettings;
    let database: Database;
    try {
      settings = parseOutSettings(def);
      database = attachToDatabase(RED, node, def.database);
    } catch (err) {
      const error = messageOf(err);
      refuseAllInput(node, 'timescale-out.status.config', RED._('timescale-out.errors.config', { error }), error);
      return;
    }

    const log = { info: (text: string) => node.log(text), warn: (text: string) => node.warn(text) };
    const tables = new TableManager({ schema: settings.schema, deviceColumn: settings.deviceColumn, policy: settings.policy }, log);
    const sink = new DbWriter(database, tables, settings.schema, settings.deviceColumn, log);
    const defaults = { table: settings.table, device: settings.device, deviceColumn: settings.deviceColumn };
    const pipeline = runSinkNode<FlatRow>({
      RED,
      node,
      type: 'timescale-out',
      sink,
      toRow: (msg: NodeMessageInFlow) => flattenReading(msg as ReadingMessage, defaults),
      batchRows: settings.batchRows,
      batchMs: settings.batchMs,
      overdueMs: overdueAfterMs(database.settings),
      // A batch per table, as many written at once as the pool has connections, up to two of one table
      // (committed in order: commit-order.ts).
      keyOf: (row) => row.table,
      concurrency: database.settings.poolSize,
      perKey: BATCHES_PER_TABLE,
      // Rows that piled up behind a table's write go in its next COPY together: one statement (and one commit) for many.
      maxBatchRows: Math.max(settings.batchRows, PILED_UP_ROWS),
      spoolMaxBytes: settings.spoolMaxBytes,
      spoolDir: settings.spoolDir,
      closed: () => database.deregister(node.id),
    });
    // Until the first row, the status says what the server offers: TimescaleDB, or plain PostgreSQL.
    sink.check().then(
      (timescale) => pipeline.show('ok', `timescale-out.status.${timescale ? 'timescale' : 'plain'}`),
      (err: unknown) => pipeline.failed(err),
    );
  }
  RED.nodes.registerType('timescale-out', TimescaleOut);
};
