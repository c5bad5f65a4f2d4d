// Real line-protocol servers for the InfluxDB tests, each started on a free port in a temporary folder:
// - VictoriaMetrics (Debian package `victoria-metrics`): takes /write and /api/v2/write, and gives back what it
//   stored on /api/v1/export (numbers only: it keeps no string fields). VICTORIA_URL names a running one instead.
// - InfluxDB 1.6 (Debian package `influxdb`, binary influxd): the 1.x /write, and /query to read back (strings,
//   tags, exact timestamps, overwrite of a point written twice). INFLUX_URL names a running one instead.
// Without the binaries (and without the URLs), the tests skip and say so once per run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres';

const NOTICE =
  'influxdb-out tests skipped: install victoria-metrics and influxdb (apt-get install victoria-metrics influxdb) or set INFLUX_URL and VICTORIA_URL';
let noticeShown = false;

function binary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** True when both servers can be had; otherwise prints the notice (once per run) so the caller can skip. */
export function influxServersAvailable(): boolean {
  const victoria = Boolean(process.env.VICTORIA_URL) || binary('victoria-metrics') !== undefined;
  const influxd = Boolean(process.env.INFLUX_URL) || binary('influxd') !== undefined;
  if (victoria && influxd) return true;
  if (!noticeShown) {
    noticeShown = true;
    console.log(`\n  ${NOTICE}\n`);
  }
  return false;
}

export interface LineServer {
  readonly url: string;
  /** True when the server is ours to stop and start (not a *_URL server). */
  readonly stoppable: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  close(): Promise<void>;
}

class Managed {
  private child: ChildProcess | undefined;
  constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly readyUrl: string,
  ) {}

  async start(): Promise<void> {
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    this.child = child;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${this.command} exited with ${child.exitCode}: ${stderr}`);
      try {
        const res = await fetch(this.readyUrl);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.command} did not answer ${this.readyUrl}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: the server goes away mid-request, as a crash or a power cut would take it. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

export interface VictoriaServer extends LineServer {
  /** Every sample of the series whose name matches `nameRegex`, in the order VictoriaMetrics gives them. */
  exportSeries(nameRegex: string): Promise<ExportedSeries[]>;
}

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export async function startVictoria(): Promise<VictoriaServer> {
  const given = process.env.VICTORIA_URL;
  if (given) return victoria(given.replace(/\/+$/, ''), undefined, undefined);
  const dir = await mkdtemp(join(tmpdir(), 'solar-vm-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const managed = new Managed(
    binary('victoria-metrics') ?? 'victoria-metrics',
    [
      `-storageDataPath=${join(dir, 'data')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-loggerLevel=ERROR',
      '-search.latencyOffset=0s',
      '-retentionPeriod=100y',
    ],
    `${url}/health`,
  );
  await managed.start();
  return victoria(url, managed, dir);
}

function victoria(url: string, managed: Managed | undefined, dir: string | undefined): VictoriaServer {
  return {
    url,
    stoppable: managed !== undefined,
    stop: async () => managed?.stop(),
    start: async () => managed?.start(),
    async close() {
      await managed?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
    async exportSeries(nameRegex) {
      // Makes what was just written searchable at once (VictoriaMetrics docs, "How to export time series").
      await fetch(`${url}/internal/force_flush`);
      const res = await fetch(`${url}/api/v1/export?${new URLSearchParams({ 'match[]': `{__name__=~"${nameRegex}"}` }).toString()}`);
      if (!res.ok) throw new Error(`export: ${res.status} ${await res.text()}`);
      const text = await res.text();
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as ExportedSeries);
    },
  };
}

export interface InfluxdServer extends LineServer {
  /** Runs InfluxQL (as the admin when auth is on); the JSON result's series, with times as RFC 3339 text (nanoseconds kept). */
  query(q: string, db?: string): Promise<QuerySeries[]>;
  /** Admin user and password when started with auth, for CREATE USER and friends. */
  readonly admin?: { user: string; password: string };
}

export interface QuerySeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

const ADMIN = { user: 'admin', password: 'admin-secret' };

export async function startInfluxd(options: { auth?: boolean } = {}): Promise<InfluxdServer> {
  const given = process.env.INFLUX_URL;
  if (given) return influxd(given.replace(/\/+$/, ''), undefined, undefined, undefined);
  const dir = await mkdtemp(join(tmpdir(), 'solar-influxd-'));
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  await writeFile(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${httpPort}"`,
      `  auth-enabled = ${options.auth ? 'true' : 'false'}`,
      '  log-enabled = false',
      '[logging]',
      '  level = "error"',
      '[monitor]',
      '  store-enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const managed = new Managed(binary('influxd') ?? 'influxd', ['run', '-config', config], `${url}/ping`);
  await managed.start();
  const server = influxd(url, managed, dir, options.auth ? ADMIN : undefined);
  // With auth on, the first admin user may be made without credentials (InfluxDB 1.6 "Authentication and
  // authorization", "Create an admin user").
  if (options.auth) await post(url, `CREATE USER ${ADMIN.user} WITH PASSWORD '${ADMIN.password}' WITH ALL PRIVILEGES`);
  return server;
}

async function post(url: string, q: string, db?: string, auth?: { user: string; password: string }): Promise<QuerySeries[]> {
  const params = new URLSearchParams({ q, ...(db ? { db } : {}) });
  const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` } : {};
  const res = await fetch(`${url}/query`, { method: 'POST', body: params, headers });
  const body = (await res.json()) as { results?: { series?: QuerySeries[]; error?: string }[]; error?: string };
  if (!res.ok || body.error) throw new Error(`query ${q}: ${res.status} ${body.error ?? ''}`);
  const result = body.results?.[0];
  if (result?.error) throw new Error(`query ${q}: ${result.error}`);
  return result?.series ?? [];
}

function influxd(
  url: string,
  managed: Managed | undefined,
  dir: string | undefined,
  admin: { user: string; password: string } | undefined,
): InfluxdServer {
  return {
    url,
    admin,
    stoppable: managed !== undefined,
    stop: async () => managed?.stop(),
    start: async () => managed?.start(),
    async close() {
      await managed?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
    query: (q, db) => post(url, q, db, admin),
  };
}

/** The rows of a query's first series as objects keyed by column. */
export function rowsOf(series: QuerySeries[]): Record<string, unknown>[] {
  return series.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))));
}
