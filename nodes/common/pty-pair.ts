// A serial line without hardware: socat makes a pair of connected pseudo-terminals. A simulator opens one end
// through `serialport`; a client opens the other as it would open /dev/ttyUSB0.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** The simulated device's end. */
  readonly devicePath: string;
  /** The client's end. */
  readonly clientPath: string;
  /** Stops socat and removes the links; safe to call more than once. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** Default `socat` from PATH. */
  socat?: string;
  /** How long to wait for socat to create the pair. Default 5000 ms. */
  startTimeoutMs?: number;
}

export async function openPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'solar-telemetry-pty-'));
  const devicePath = join(dir, 'a');
  const clientPath = join(dir, 'b');
  let socat: ChildProcess | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      if (socat) await stopProcess(socat);
      await rm(dir, { recursive: true, force: true });
    })());
  try {
    socat = await startSocat(options.socat ?? 'socat', devicePath, clientPath, options.startTimeoutMs ?? 5000);
  } catch (err) {
    await close();
    throw err;
  }
  return { devicePath, clientPath, close };
}

async function startSocat(command: string, devicePath: string, clientPath: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(command, ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${clientPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (log.length < 4000) log += chunk.toString();
  });
  let failure: Error | undefined;
  child.once('error', (err) => (failure = new Error(`cannot start ${command}: ${err.message}`)));
  child.once('exit', (code) => (failure ??= new Error(`${command} exited with ${code}: ${log.trim()}`)));
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(devicePath) && existsSync(clientPath))) {
    if (failure) throw failure;
    if (Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`${command} made no pty pair within ${timeoutMs} ms: ${log.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
