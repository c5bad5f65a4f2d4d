// A real Node-RED runtime in a child process, loading this package (and any other installed node package, such
// as a dashboard) from a fresh user directory the way an installed package is loaded. For tests that need
// a whole runtime the test helper cannot give: a dashboard package, two runtimes at once, an outside scraper.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { FlowNode } from '../../scripts/demo/flow';
import { findPackageRoot, linkNodeModule, prepareUserDir } from '../../scripts/demo/user-dir';

const START_LIMIT_MS = 45_000;
const STOP_LIMIT_MS = 20_000;

export interface NodeRedProcess {
  readonly url: string;
  readonly port: number;
  /** Everything the runtime logged so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export interface NodeRedProcessOptions {
  flow: readonly FlowNode[];
  /** Installed node packages to load beside this one, e.g. 'node-red-dashboard'. */
  modules?: readonly string[];
  env?: Record<string, string>;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));
}

export async function startNodeRedProcess({ flow, modules = [], env = {} }: NodeRedProcessOptions): Promise<NodeRedProcess> {
  // Compiled, this file is <build>/test/support/node-red-process.js.
  const buildRoot = resolve(__dirname, '../..');
  const packageRoot = findPackageRoot(buildRoot);
  const userDir = mkdtempSync(join(tmpdir(), 'solar-nr-'));
  prepareUserDir({ userDir, packageRoot, buildRoot, flow });
  for (const name of modules) {
    linkNodeModule(userDir, name, dirname(require.resolve(`${name}/package.json`, { paths: [packageRoot] })));
  }
  const port = await freePort();
  const child = spawn(process.execPath, [join(__dirname, 'node-red-child.js')], {
    env: { ...process.env, ...env, NR_USER_DIR: userDir, NR_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const gone = exited(child);
  const cleanUp = () => rmSync(userDir, { recursive: true, force: true });
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`Node-RED did not start in ${START_LIMIT_MS / 1000} s:\n${log}`)), START_LIMIT_MS);
      const onData = () => {
        if (/^READY$/m.test(log)) {
          clearTimeout(timer);
          ready();
        }
      };
      child.stdout?.on('data', onData);
      void gone.then(() => {
        clearTimeout(timer);
        fail(new Error(`Node-RED exited before its flows started:\n${log}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await gone;
    cleanUp();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS);
        await gone;
        clearTimeout(timer);
      }
      cleanUp();
    },
  };
}
