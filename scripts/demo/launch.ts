// Runs the compiled demo in a child process on free ports and waits for its start-up text, for the screenshot
// script and the end-to-end tests: they see what a user sees after `npm start`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BANNER_END = 'Press Ctrl+C to stop.';

export interface RunningDemo {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Everything the demo printed so far. */
  output(): string;
  /** The start-up text's lines "label  value", label first. */
  banner(): [string, string][];
  /** Resolves with the exit once the demo has stopped. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after `ms`; removes the user directory. */
  stop(ms?: number): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The label/value lines of a start-up text (two spaces, a label, then the value after a run of spaces). */
export function bannerLines(output: string): [string, string][] {
  const start = output.lastIndexOf('Solar telemetry demo');
  const end = output.indexOf(BANNER_END, start);
  if (start < 0 || end < 0) return [];
  return output
    .slice(start, end)
    .split('\n')
    .map((line) => /^ {2}(\S.*?) {2,}(\S.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1].trim(), m[2].trim()]);
}

/**
 * Starts `demoScript` (the compiled scripts/demo.js) with `args`, on a free editor port and any free simulator
 * ports, in a fresh user directory; resolves once the start-up text is complete.
 */
export async function launchDemo(demoScript: string, args: readonly string[] = [], limitMs = 90_000): Promise<RunningDemo> {
  const userDir = mkdtempSync(join(tmpdir(), 'solar-demo-'));
  const port = await freePort();
  const child = spawn(process.execPath, [demoScript, ...args], {
    env: { ...process.env, PORT: String(port), SIM_PORT: '0', INVERTER_PORT: '0', DEMO_USER_DIR: userDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const cleanUp = () => rmSync(userDir, { recursive: true, force: true });
  const stop = async (ms = 25_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(timer);
    }
    cleanUp();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up text within ${limitMs / 1000} s:\n${output}`)), limitMs);
      const check = () => {
        if (!output.includes(BANNER_END)) return;
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve();
      };
      child.stdout?.on('data', check);
      void exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`the demo exited early (${exit.code ?? exit.signal}):\n${output}`));
      });
      check();
    });
  } catch (err) {
    await stop(1000);
    throw err;
  }
  return { port, url: `http://127.0.0.1:${port}`, output: () => output, banner: () => bannerLines(output), exited, child, stop };
}
