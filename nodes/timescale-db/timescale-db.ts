// Config node: one PostgreSQL/TimescaleDB database and its connection pool, shared by timescale-out nodes.
import type { NodeAPI, NodeDef } from 'node-red';
import { messageOf } from '../common/errors';
import { Database } from './database';
import { parseDbSettings, type DbCredentials } from './db-config';
import type { TimescaleDbNode } from './db-node';

type TimescaleDbDef = NodeDef & Record<string, unknown>;

/** Writers get most of Node-RED's 15 s close timeout to flush (10 s); the pool ends after them, in 2 s at most. */
const SHUTDOWN_WAIT_MS = 12_000;
const POOL_END_MS = 2000;

export = function register(RED: NodeAPI): void {
  function TimescaleDb(this: TimescaleDbNode, config: TimescaleDbDef): void {
    RED.nodes.createNode(this, config);
    try {
      const settings = parseDbSettings(config, this.credentials ?? {});
      const database = new Database(settings);
      let lastIdleError = '';
      // A dropped idle connection is harmless (the pool replaces it); say so once per kind, not per connection.
      database.on('idle-error', (err: Error) => {
        if (err.message === lastIdleError) return;
        lastIdleError = err.message;
        this.warn(RED._('timescale-db.errors.idle', { error: err.message }));
      });
      this.database = database;
    } catch (err) {
      this.settingsError = messageOf(err);
      this.error(RED._('timescale-db.errors.settings', { error: this.settingsError }));
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      const database = this.database;
      if (!database) return done();
      database.shutdown(SHUTDOWN_WAIT_MS, POOL_END_MS).then(done, done);
    });
  }
  RED.nodes.registerType<TimescaleDbNode, TimescaleDbDef, unknown, DbCredentials>('timescale-db', TimescaleDb, {
    credentials: {
      password: { type: 'password' },
      ca: { type: 'text' },
      cert: { type: 'text' },
      key: { type: 'password' },
    },
  });
};
