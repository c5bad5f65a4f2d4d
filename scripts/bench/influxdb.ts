// Figures of influxdb-out's writer on one InfluxDB 1.6 server (influxd from the Debian package `influxdb`, started
// in a temporary folder; INFLUX_URL names a running one instead): points per second against one write request
// per message (the way node-red-contrib-influxdb's "influxdb out" node writes), and the time to drain a spool of
// 24 hours of 1 Hz readings.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriter } from '../../nodes/common/sink/batch-writer';
import { DurableSpool } from '../../nodes/common/spool/durable-spool';
import { parseInfluxSettings } from '../../nodes/influxdb/influx-config';
import { InfluxWriter } from '../../nodes/influxdb/influx-writer';
import { toLine } from '../../nodes/influxdb-out/line-protocol';
import { InfluxSink } from '../../nodes/influxdb-out/influx-sink';
import { parseOutSettings } from '../../nodes/influxdb-out/out-config';
import { toPointRow, type PointRow } from '../../nodes/influxdb-out/point-row';
import { freePort } from '../../test/support/postgres';
import { influxServersAvailable, rowsOf, startInfluxd, type InfluxdServer } from '../../test/support/influx';
import type { Figures, Legend, Report } from './report';
import { round } from './stats';

const RUN = { oursPoints: 100_000, naivePoints: 5_000, naiveConcurrency: 10, spoolSeconds: 86_400 };
const START = Date.parse('2026-06-21T00:00:00Z');

export const INFLUX_WRITE_LEGEND: Legend = {
  points: 'Epever readings written (12 fields and 2 tags each), one device, 1 s apart',
  points_per_s: 'points stored per second, from the first message to the last one confirmed',
  batch: 'how points reach the server',
  speedup: 'ours / one request per message',
  stored: 'points in the measurement afterwards',
};

export const INFLUX_DRAIN_LEGEND: Legend = {
  points: 'points spooled while the server was down: 24 h of 1 Hz readings',
  spool_mb: 'spool size on disk (batches are deflated JSON)',
  drain_s: 'time from the server being reachable to the spool being empty',
  drain_points_per_s: 'points replayed per second',
  stored: 'points in the measurement afterwards (must equal points)',
};

const OUT = parseOutSettings({ tags: 'controller_charging_mode' });

function epever(second: number, measurement: string): PointRow {
  const sun = Math.max(0, Math.sin((second / 86_400) * 2 * Math.PI - Math.PI / 2));
  const power = round(200 * sun, 2);
  return toPointRow(
    {
      device: 'tracer-1',
      measurement,
      payload: {
        timestamp: START + second * 1000,
        pv_array: { voltage: round(17 + sun * 2, 2), current: round(power / 18, 2), power },
        battery: {
          voltage: round(12.8 + sun, 2),
          charging_current: round(power / 13.5, 2),
          charging_power: round(power * 0.96, 2),
          temperature: 24.5,
          soc: 80,
        },
        load: { voltage: 12.9, current: 1.2, power: 15.5 },
        controller: { temperature: 31.2, charging_mode: sun > 0 ? 'boost' : 'none' },
      },
    },
    OUT,
  );
}

const writerTo = (url: string, database: string) => new InfluxWriter(parseInfluxSettings({ url, api: 'v1', database, timeoutMs: 30_000 }));

async function count(server: InfluxdServer, database: string, measurement: string): Promise<number> {
  const [row] = rowsOf(await server.query(`SELECT count(pv_array_power) FROM ${measurement}`, database));
  return row ? Number(row.count) : 0;
}

async function withSpool<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'influx-bench-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Our writer at its defaults (500 points / 1 s), fed as fast as the messages come. */
async function oursPointsPerSecond(server: InfluxdServer, database: string, points: number): Promise<Figures> {
  const sink = new InfluxSink(writerTo(server.url, database), OUT.precision);
  return withSpool(async (dir) => {
    const spool = await DurableSpool.open<PointRow>({ dir, maxBytes: 256 * 1024 * 1024 });
    const writer = new BatchWriter(sink, spool, {
      batchRows: OUT.batchRows,
      batchMs: OUT.batchMs,
      retry: { initialMs: 1000, maxMs: 30_000 },
      overdueMs: 30_000,
    });
    writer.start();
    const rows = Array.from({ length: points }, (_, s) => epever(s, 'bench_ours'));
    let settled = 0;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      for (const row of rows) writer.add(row, () => ++settled === rows.length && resolve());
    });
    const seconds = (performance.now() - started) / 1000;
    await writer.close(5000);
    return {
      points,
      points_per_s: Math.round(points / seconds),
      batch: `${OUT.batchRows}-point requests, gzipped`,
      stored: await count(server, database, 'bench_ours'),
    };
  });
}

/** One POST per message, as many in flight as node-red-contrib-influxdb would have with messages arriving at once. */
async function naivePointsPerSecond(server: InfluxdServer, database: string, points: number, concurrency: number): Promise<Figures> {
  const writer = writerTo(server.url, database);
  const lines = Array.from({ length: points }, (_, s) => toLine(epever(s, 'bench_naive'), OUT.precision));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < lines.length) await writer.write(lines[next++], OUT.precision);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    points,
    points_per_s: Math.round(points / seconds),
    batch: `1 request per message, ${concurrency} at once`,
    stored: await count(server, database, 'bench_naive'),
  };
}

/** 24 h of 1 Hz readings spooled while the server is down, then replayed when it is back. */
async function drainDay(server: InfluxdServer, database: string, seconds: number): Promise<Figures> {
  return withSpool(async (dir) => {
    const maxBytes = 1024 * 1024 * 1024;
    const down = new InfluxSink(writerTo(`http://127.0.0.1:${await freePort()}`, database), OUT.precision);
    let spool = await DurableSpool.open<PointRow>({ dir, maxBytes });
    let writer = new BatchWriter(down, spool, { batchRows: OUT.batchRows, batchMs: OUT.batchMs, retry: { initialMs: 60_000, maxMs: 60_000 } });
    writer.start();
    let settled = 0;
    await new Promise<void>((resolve) => {
      for (let s = 0; s < seconds; s++) writer.add(epever(s, 'bench_drain'), () => ++settled === seconds && resolve());
    });
    const spoolBytes = spool.stats.bytes;
    await writer.close(5000);

    spool = await DurableSpool.open<PointRow>({ dir, maxBytes });
    writer = new BatchWriter(new InfluxSink(writerTo(server.url, database), OUT.precision), spool, {
      batchRows: OUT.batchRows,
      batchMs: OUT.batchMs,
      retry: { initialMs: 1000, maxMs: 30_000 },
      overdueMs: 30_000,
    });
    const drainStarted = performance.now();
    writer.start();
    while (!spool.isEmpty) await new Promise((r) => setTimeout(r, 20));
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    await writer.close(5000);
    return {
      points: seconds,
      spool_mb: round(spoolBytes / 1024 / 1024, 1),
      drain_s: round(drainSeconds, 2),
      drain_points_per_s: Math.round(seconds / drainSeconds),
      stored: await count(server, database, 'bench_drain'),
    };
  });
}

export async function benchInfluxdb(report: Report, attempt: (what: string, run: () => Promise<void>) => Promise<void>): Promise<void> {
  let server: InfluxdServer | undefined;
  await attempt('influxdb: starting InfluxDB 1.6', async () => {
    if (!influxServersAvailable()) throw new Error('influxd not found (apt-get install influxdb) and INFLUX_URL not set');
    server = await startInfluxd();
  });
  if (!server) return;
  const started = server;
  try {
    await started.query('CREATE DATABASE bench');
    await attempt(`influxdb-write: ours, ${RUN.oursPoints} points; one request per message, ${RUN.naivePoints} points`, async () => {
      const ours = await oursPointsPerSecond(started, 'bench', RUN.oursPoints);
      const naive = await naivePointsPerSecond(started, 'bench', RUN.naivePoints, RUN.naiveConcurrency);
      report.add(
        'influxdb-write',
        'ours',
        { ...ours, speedup: round(Number(ours.points_per_s) / Number(naive.points_per_s), 1) },
        INFLUX_WRITE_LEGEND,
      );
      report.add('influxdb-write', 'one request per message', naive, INFLUX_WRITE_LEGEND);
    });
    await attempt(`influxdb-drain: ${RUN.spoolSeconds} points spooled, then replayed`, async () => {
      report.add('influxdb-drain', '24 h at 1 Hz', await drainDay(started, 'bench', RUN.spoolSeconds), INFLUX_DRAIN_LEGEND);
    });
  } finally {
    await started.close();
  }
}
