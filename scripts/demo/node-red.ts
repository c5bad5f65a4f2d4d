// An embedded Node-RED on its own HTTP server: the editor and admin API at /, HTTP and WebSocket nodes too.
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import RED from 'node-red';
import { FLOW_FILE, PACKAGE_NAME } from './user-dir';

// Node-RED serves its editor with its own express; use that copy rather than whatever npm hoisted.
const express = createRequire(require.resolve('node-red'))('express') as typeof import('express');

export interface NodeRedOptions {
  host: string;
  port: number;
  userDir: string;
}

export interface RunningNodeRed {
  readonly url: string;
  /** Resolves once the flows run (RED.start resolves before); rejects after `ms`. */
  flowsStarted(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/** The part of Node-RED's internal node registry the demo asks about; its typings leave it empty. */
interface NodeRegistry {
  getType(type: string): unknown;
  getModuleInfo(module: string): { version?: string; nodes?: { types?: string[]; err?: unknown }[] } | null;
}

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use; set PORT to another one (PORT=1881 npm start)`);
    this.name = 'PortInUseError';
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function waitFor(check: () => boolean, ms: number, failure: string): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(failure));
      else setTimeout(poll, 50);
    };
    poll();
  });
}

function close(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    // Open editor tabs and WebSocket clients would otherwise hold the server open.
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });
}

export async function startNodeRed({ host, port, userDir }: NodeRedOptions): Promise<RunningNodeRed> {
  const app = express();
  const server = createServer(app);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const settings = {
    uiHost: host,
    uiPort: port,
    userDir,
    // Node-RED finds this package through userDir/node_modules, the way an installed package is found.
    nodesDir: undefined,
    flowFile: FLOW_FILE,
    flowFilePretty: true,
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    // A local demo whose flow holds no secrets: no generated key file and no warning banner about one.
    credentialSecret: false as const,
    logging: { console: { level: 'info' as const, metrics: false, audit: false } },
    // No consent prompt and no update check against the internet from a local demo.
    telemetry: { enabled: false, updateNotification: false },
    // The demo opens straight on its flows, without the release tour over them.
    editorTheme: { tours: false, projects: { enabled: false } },
  };
  RED.init(server, settings);
  let started = false;
  RED.events.once('flows:started', () => (started = true));
  app.use(settings.httpAdminRoot, RED.httpAdmin);
  app.use(settings.httpNodeRoot, RED.httpNode);
  await listen(server, port, host);
  try {
    await RED.start();
  } catch (err) {
    await close(server, sockets);
    throw err;
  }
  return {
    url: `http://${host}:${port}/`,
    flowsStarted: (ms) => waitFor(() => started, ms, 'the flows did not start; see the log above'),
    async stop() {
      try {
        await RED.stop();
      } finally {
        await close(server, sockets);
      }
    },
  };
}

/** What Node-RED made of this package: its version, and which of `types` failed to load or are missing. */
/** Which of `types` Node-RED registered, and what kept the others out. */
export function packageReport(types: readonly string[]): { version?: string; loaded: string[]; problems: string[] } {
  const registry = RED.nodes as unknown as NodeRegistry;
  const info = registry.getModuleInfo(PACKAGE_NAME);
  const problems: string[] = [];
  for (const set of info?.nodes ?? []) {
    if (set.err) problems.push(`${(set.types ?? []).join(', ') || 'a node'}: ${String(set.err)}`);
  }
  const loaded = types.filter((type) => registry.getType(type));
  for (const type of types) {
    if (!loaded.includes(type)) problems.push(`${type} is not registered`);
  }
  return { version: info?.version, loaded, problems };
}
