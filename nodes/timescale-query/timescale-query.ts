// Node-RED adapter: runs the node's fixed SQL on a timescale-db database with `msg.params` as its values,
// and sends at most Max rows on in `msg.payload`, with `msg.truncated` saying whether the result was longer.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { asError, messageOf } from '../common/errors';
import { statusOf } from '../common/status';
import { attachToDatabase } from '../timescale-db/attach';
import type { Database } from '../timescale-db/database';
import { parseParameters, parseQuerySettings, type QuerySettings } from './query-config';
import { runQuery } from './run-query';
import { refuseAllInput } from '../common/misconfigured';

type TimescaleQueryDef = NodeDef & Record<string, unknown>;
type QueryMessage = NodeMessageInFlow & { params?: unknown };

export = function register(RED: NodeAPI): void {
  function TimescaleQuery(this: Node, def: TimescaleQueryDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const key = (name: string) => `timescale-query.status.${name}`;
    let settings: QuerySettings;
    let database: Database;
    try {
      settings = parseQuerySettings(def);
      database = attachToDatabase(RED, node, def.database);
    } catch (err) {
      const error = messageOf(err);
      refuseAllInput(node, key('config'), RED._('timescale-query.errors.config', { error }), error);
      return;
    }

    node.on('input', (msg: QueryMessage, send, done) => {
      (async () => {
        const values = parseParameters(msg.params, settings);
        const { rows, rowCount, truncated } = await runQuery(database.pool, settings, values);
        node.status(statusOf('ok', RED._(key(truncated ? 'cut' : 'rows'), { rows: rows.length })));
        send(Object.assign(msg, { payload: rows, rowCount, truncated }));
      })().then(
        () => done(),
        (err: unknown) => {
          node.status(statusOf('error', key('failed')));
          done(asError(err));
        },
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      database.deregister(node.id);
      done();
    });
  }
  RED.nodes.registerType('timescale-query', TimescaleQuery);
};
