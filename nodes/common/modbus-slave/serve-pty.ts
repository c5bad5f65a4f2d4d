// A serial line without hardware: socat makes a pair of connected pseudo-terminals; the devices sit on one
// end through `serialport`, a client opens the other end as it would open /dev/ttyUSB0.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { SlaveBus } from './bus';
import type { ModbusDevice } from './device';
import { rtuSession } from './rtu-session';

export interface PtyEndpoint {
  /** The client's end of the line. */
  readonly path: string;
  close(): Promise<void>;
}

export interface PtyOptions {
  /** Default 115200, the Epever default. A pty ignores it, but serialport needs one. */
  baudRate?: number;
  /** Default `socat` from PATH. */
  socat?: string;
  /** How long to wait for socat to create the pair. Default 5000 ms. */
  startTimeoutMs?: number;
}

export async function servePty(devices: readonly ModbusDevice[], options: PtyOptions = {}): Promise<PtyEndpoint> {
  const bus = new SlaveBus(devices);
  const dir = await mkdtemp(join(tmpdir(), 'solar-telemetry-pty-'));
  const slavePath = join(dir, 'a');
  const clientPath = join(dir, 'b');
  let socat: ChildProcess | undefined;
  let port: SerialPort | undefined;

  const close = async (): Promise<void> => {
    bus.close();
    if (port?.isOpen) await new Promise<void>((resolve) => port?.close(() => resolve()));
    if (socat) await stopProcess(socat);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    socat = await startSocat(options.socat ?? 'socat', slavePath, clientPath, options.startTimeoutMs ?? 5000);
    const opened = new SerialPort({ path: slavePath, baudRate: options.baudRate ?? 115200, autoOpen: false });
    port = opened;
    await new Promise<void>((resolve, reject) => opened.open((err) => (err ? reject(err) : resolve())));
    // Errors after open (socat gone) leave the line dead, as an unplugged adapter; close() still works.
    opened.on('error', () => undefined);
    opened.on('data', rtuSession(bus, (frame) => opened.write(frame)));
  } catch (err) {
    await close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    path: clientPath,
    close: () => (closing ??= close()),
  };
}

async function startSocat(command: string, slavePath: string, clientPath: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(command, ['-d', '-d', `pty,raw,echo=0,link=${slavePath}`, `pty,raw,echo=0,link=${clientPath}`], {
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
  while (!(existsSync(slavePath) && existsSync(clientPath))) {
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
