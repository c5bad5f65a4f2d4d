// A real Prometheus server for tests (Debian package `prometheus`), started on a free port in a temporary
// folder with a generated configuration that scrapes the given targets every second. Without the binary the
// tests skip and say so once per run (.ci/run installs it, and there a skip fails the run).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres';

const NOTICE = 'Prometheus tests skipped: install Prometheus (apt install prometheus)';
let noticeShown = false;
const START_LIMIT_MS = 30_000;

function binary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** True when the prometheus binary is installed; otherwise prints the notice (once per run) so the caller can skip. */
export function prometheusAvailable(): boolean {
  if (binary('prometheus') !== undefined) return true;
  if (!noticeShown) {
    noticeShown = true;
    console.log(`\n  ${NOTICE}\n`);
  }
  return false;
}

/** One series of an instant query: its labels (with __name__) and its value. */
export interface PrometheusSample {
  metric: Record<string, string>;
  value: number;
  /** Unix seconds of the sample. */
  time: number;
}

export interface PrometheusTarget {
  /** host:port */
  address: string;
  metricsPath?: string;
}

export interface PrometheusServer {
  readonly url: string;
  /** An instant query through the HTTP API (/api/v1/query). */
  query(expression: string): Promise<PrometheusSample[]>;
  /** The scrape targets as Prometheus sees them (/api/v1/targets): health and last error. */
  targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]>;
  /** Everything Prometheus logged. */
  output(): string;
  close(): Promise<void>;
}

export async function startPrometheus(targets: readonly PrometheusTarget[]): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'solar-prom-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // prometheus.yml in YAML's JSON subset: one job per target, scraped every second.
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: targets.map((t, i) => ({
      job_name: `target${i}`,
      metrics_path: t.metricsPath ?? '/metrics',
      static_configs: [{ targets: [t.address] }],
    })),
  };
  const file = join(dir, 'prometheus.yml');
  await writeFile(file, JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(
    binary('prometheus') ?? 'prometheus',
    [`--config.file=${file}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Ready when /-/ready answers 200; an exit before that is a failure with Prometheus's own words.
    const deadline = Date.now() + START_LIMIT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
      const ready = await fetch(`${url}/-/ready`).then(
        (res) => res.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`prometheus was not ready within ${START_LIMIT_MS / 1000} s:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    url,
    async query(expression) {
      const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expression }).toString()}`);
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`query ${expression}: ${body.error ?? res.status}`);
      return (body.data?.result ?? []).map((r) => ({ metric: r.metric, time: r.value[0], value: Number(r.value[1]) }));
    },
    async targets() {
      const res = await fetch(`${url}/api/v1/targets`);
      const body = (await res.json()) as { data: { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] } };
      return body.data.activeTargets.map(({ scrapeUrl, health, lastError }) => ({ scrapeUrl, health, lastError }));
    },
    output: () => log,
    close,
  };
}
