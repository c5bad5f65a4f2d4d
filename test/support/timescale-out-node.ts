// The setup every timescale-out node test shares: a PostgreSQL server and database, Node-RED's test runtime,
// a fresh spool folder per test, and a flow of timescale-db -> timescale-out with Catch and Complete nodes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getNode, helper, onTab } from './node-red';
import { query, startPostgres, type Connection, type PostgresServer } from './postgres';

export interface TimescaleOutBench {
  readonly server: PostgresServer;
  /** The test's database; its password goes in as a credential, never into the flow. */
  readonly db: Connection;
  readonly spoolDir: string;
  /** timescale-db `db`, timescale-out `out` (10-row batches, 50 ms), Catch -> `caught`, Complete -> `completed`. */
  flow(out?: Record<string, unknown>, config?: Record<string, unknown>): object[];
  credentials(password?: string): { db: { password: string } };
  send(msg: Record<string, unknown>): void;
  /** How many rows a table holds now. */
  rows(table: string): Promise<number>;
}

/** Registers the describe block's hooks; `catchScope` null catches every node's errors, else only those listed. */
export function timescaleOutBench(databasePrefix: string, catchScope: string[] | null): TimescaleOutBench {
  let server: PostgresServer | undefined;
  let db: Connection | undefined;
  let spoolDir: string | undefined;
  const must = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is set up in the test hooks`);
    return value;
  };

  before(async () => {
    server = await startPostgres();
    db = await server.createDatabase(databasePrefix);
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await server?.close();
  });
  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), `${databasePrefix}-spool-`));
  });
  afterEach(async () => {
    await helper.unload();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });

  const bench: TimescaleOutBench = {
    get server() {
      return must(server, 'the server');
    },
    get db() {
      return must(db, 'the database');
    },
    get spoolDir() {
      return must(spoolDir, 'the spool folder');
    },
    flow(out = {}, config = {}) {
      const { password: _password, ...connection } = bench.db;
      return onTab(
        [{ id: 'db', type: 'timescale-db', ...connection, connectTimeoutMs: 1000, ...config }],
        [
          { id: 'out', type: 'timescale-out', database: 'db', spoolDir: bench.spoolDir, batchRows: 10, batchMs: 50, ...out },
          { id: 'catch', type: 'catch', scope: catchScope, uncaught: false, wires: [['caught']] },
          { id: 'caught', type: 'helper' },
          { id: 'complete', type: 'complete', scope: ['out'], uncaught: false, wires: [['completed']] },
          { id: 'completed', type: 'helper' },
        ],
      );
    },
    credentials: (password = bench.db.password) => ({ db: { password } }),
    send: (msg) => getNode('out').receive(msg),
    rows: async (table) => Number((await query<{ n: string }>(bench.db, `SELECT count(*) AS n FROM ${table}`))[0].n),
  };
  return bench;
}
