// Mosquitto for tests that need what aedes lacks (MQTT 5 shared subscriptions, `$share/<group>/<filter>`): the
// Debian package's broker, started on a free loopback port with a generated config and stopped with the test.
// `mosquittoPath()` is undefined where it is not installed; the test then says once how to install it.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './postgres';

const START_LIMIT_MS = 10_000;
const STOP_LIMIT_MS = 5_000;
/** Debian puts the broker in /usr/sbin, which is not on every user's PATH. */
const PLACES = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];

export const MOSQUITTO_INSTALL_HINT = 'mosquitto is not installed: `apt install mosquitto` (2.x, or 1.6+) to run this test';

export interface Mosquitto {
  readonly url: string;
  readonly port: number;
  /** Everything the broker logged so far (connections and subscriptions included). */
  log(): string;
  /** Resolves once the log has a line matching `pattern`, or rejects after `ms`. */
  waitForLog(pattern: RegExp, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

export function mosquittoPath(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...PLACES];
  for (const dir of dirs) {
    const path = join(dir, 'mosquitto');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));
}

export async function startMosquitto(binary: string): Promise<Mosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'solar-mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // stderr: mosquitto buffers stdout when it is a pipe.
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      'log_type subscribe',
      // Started as root, mosquitto drops to this user; the Debian package makes it.
      'user mosquitto',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log += chunk.toString();
    for (const check of waiters) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const gone = exited(child);
  const waitForLog = (pattern: RegExp, ms = START_LIMIT_MS) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(log)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`mosquitto logged no ${String(pattern)} within ${ms} ms:\n${log}`));
      }, ms);
      waiters.add(check);
      void gone.then(() => {
        if (!waiters.has(check)) return;
        waiters.delete(check);
        clearTimeout(timer);
        reject(new Error(`mosquitto exited:\n${log}`));
      });
      check();
    });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS);
      await gone;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForLog(new RegExp(`Opening ipv4 listen socket on port ${port}`));
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, log: () => log, waitForLog, stop };
}
