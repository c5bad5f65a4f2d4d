// "What does it cost while the database is away": the durable spool holding 24 h of 1 Hz readings from one
// controller (86,400 flattened rows in batches of 500), reopened as after a restart, then drained in order.
// The figures are of the disk under os.tmpdir(); on a Raspberry Pi's SD card a synced write costs more.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableSpool } from '../../nodes/common/spool';
import type { Figures, Legend } from './report';
import { median, quantile, round } from './stats';

const DAY_ROWS = 86_400;
const BATCH_ROWS = 500;
const ROOMY_BYTES = 256 * 1024 * 1024;
const TIGHT_BYTES = 1024 * 1024;
const START = Date.parse('2026-06-21T00:00:00Z');
const MIB = 1024 * 1024;

export const SPOOL_LEGEND: Legend = {
  rows: 'rows appended (24 h at 1 Hz), in batches of 500',
  append_ms_median: 'median time of one append of 500 rows, synced to disk',
  append_ms_p95: '95th percentile of the same',
  append_rows_per_s: 'rows appended per second of append time (building the rows not counted)',
  json_bytes_per_row: 'bytes of one row as JSON, before the spool deflates its batch',
  disk_bytes_per_row: 'bytes on disk per spooled row (deflated JSON, record header and checksum included)',
  disk_mib: 'disk the spool takes when all rows are in (or its peak, under a limit)',
  rss_growth_mib: 'rise of the process RSS while appending all rows (memory while the database is down)',
  rss_growth_2nd_half_mib: 'rise of the RSS during the second 12 h alone: about zero when memory does not grow with the spool',
  open_ms: 'opening the full spool after a restart: every record read and its checksum checked',
  drain_s: 'time to give back and acknowledge all 24 h (no database: the spool alone; the database sets the real pace)',
  drain_rows_per_s: 'rows given back and acknowledged per second',
  in_order: 'every kept row came back once, in the order appended',
  max_mib: 'the size limit set',
  kept_rows: 'rows still spooled when the appends ended',
  dropped_rows: 'rows the limit dropped, as the spool counted them',
  all_accounted: 'kept + dropped rows = appended rows, and what was kept is the newest',
};

export type SpoolFigureSet = { bench: 'spool'; case: string } & Figures;

interface SpooledRow {
  table: string;
  device: string;
  time: string;
  fields: Record<string, number | string>;
}

/**
 * Second `n` of the day, as the TimescaleDB writer spools an Epever reading: a clear-sky curve plus the
 * jitter of real sensors in the last digits, which is what decides how well the spool can deflate it.
 */
function row(n: number): SpooledRow {
  const sun = Math.max(0, Math.sin((Math.PI * (n - 21_600)) / 43_200));
  const jitter = (scale: number) => scale * (noise(n * 16 + ++field) - 0.5);
  let field = 0;
  const pvVoltage = round(sun > 0 ? 36 + 3 * sun + jitter(0.4) : 2 * sun + Math.abs(jitter(0.2)), 2);
  const pvPower = round(Math.max(0, 520 * sun + jitter(12)), 1);
  const batteryVoltage = round(12.4 + 1.6 * sun + jitter(0.06), 2);
  const loadCurrent = round(1.25 + jitter(0.08), 2);
  return {
    table: 'epever',
    device: 'tracer-1',
    time: new Date(START + n * 1000).toISOString(),
    fields: {
      pv_array_voltage: pvVoltage,
      pv_array_current: round(pvVoltage > 0 ? pvPower / pvVoltage : 0, 2),
      pv_array_power: pvPower,
      battery_voltage: batteryVoltage,
      battery_charging_current: round(pvPower / batteryVoltage, 2),
      battery_charging_power: round(pvPower * 0.96, 1),
      battery_temperature: round(21 + 6 * sun + jitter(0.3), 1),
      battery_soc: Math.round(55 + 40 * sun),
      load_voltage: batteryVoltage,
      load_current: loadCurrent,
      load_power: round(loadCurrent * batteryVoltage, 1),
      controller_temperature: round(24 + 9 * sun + jitter(0.4), 1),
      controller_charging_mode: sun > 0.9 ? 'boost' : sun > 0 ? 'mppt' : 'none',
      controller_heatsink_temperature: round(25 + 12 * sun + jitter(0.4), 1),
    },
  };
}

/** A fixed pseudo-random number in [0, 1) for `seed`, so every run spools the same day. */
function noise(seed: number): number {
  let t = (seed + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}

const batchAt = (from: number) => Array.from({ length: Math.min(BATCH_ROWS, DAY_ROWS - from) }, (_, i) => row(from + i));

export async function benchSpool(): Promise<SpoolFigureSet[]> {
  return [await withDir(benchDay), await withDir(benchPastLimit)];
}

async function benchDay(dir: string): Promise<SpoolFigureSet> {
  const appending = await DurableSpool.open<SpooledRow>({ dir, maxBytes: ROOMY_BYTES });
  const appendMs: number[] = [];
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let rssPeakAtHalf = rssBefore;
  for (let from = 0; from < DAY_ROWS; from += BATCH_ROWS) {
    const batch = batchAt(from);
    const t = performance.now();
    await appending.append(batch);
    appendMs.push(performance.now() - t);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (from < DAY_ROWS / 2) rssPeakAtHalf = rssPeak;
  }
  const { diskBytes } = appending.stats;
  await appending.close();
  let jsonBytes = 0;
  for (let from = 0; from < DAY_ROWS; from += BATCH_ROWS) jsonBytes += Buffer.byteLength(JSON.stringify(batchAt(from)));

  const opening = performance.now();
  const spool = await DurableSpool.open<SpooledRow>({ dir, maxBytes: ROOMY_BYTES });
  const openMs = performance.now() - opening;
  const draining = performance.now();
  const { count, inOrder } = await drain(spool, 0);
  const drainS = (performance.now() - draining) / 1000;
  await spool.close();

  const appendS = appendMs.reduce((a, b) => a + b, 0) / 1000;
  return {
    bench: 'spool',
    case: '24 h, 1 Hz',
    rows: DAY_ROWS,
    append_ms_median: round(median(appendMs)),
    append_ms_p95: round(quantile(appendMs, 0.95)),
    append_rows_per_s: Math.round(DAY_ROWS / appendS),
    json_bytes_per_row: Math.round(jsonBytes / DAY_ROWS),
    disk_bytes_per_row: round(diskBytes / DAY_ROWS, 1),
    disk_mib: round(diskBytes / MIB),
    rss_growth_mib: round((rssPeak - rssBefore) / MIB, 1),
    rss_growth_2nd_half_mib: round((rssPeak - rssPeakAtHalf) / MIB, 1),
    open_ms: round(openMs, 1),
    drain_s: round(drainS),
    drain_rows_per_s: Math.round(DAY_ROWS / drainS),
    in_order: inOrder && count === DAY_ROWS,
  };
}

/** The same day into a spool too small for it: the oldest go, and every row is accounted for. */
async function benchPastLimit(dir: string): Promise<SpoolFigureSet> {
  const spool = await DurableSpool.open<SpooledRow>({ dir, maxBytes: TIGHT_BYTES });
  let diskPeak = 0;
  for (let from = 0; from < DAY_ROWS; from += BATCH_ROWS) {
    await spool.append(batchAt(from));
    diskPeak = Math.max(diskPeak, spool.stats.diskBytes);
  }
  const { rows: kept, droppedRows } = spool.stats;
  const { count, inOrder } = await drain(spool, droppedRows);
  await spool.close();
  return {
    bench: 'spool',
    case: `24 h into ${TIGHT_BYTES / MIB} MiB`,
    rows: DAY_ROWS,
    max_mib: TIGHT_BYTES / MIB,
    disk_mib: round(diskPeak / MIB),
    kept_rows: kept,
    dropped_rows: droppedRows,
    in_order: inOrder,
    all_accounted: kept + droppedRows === DAY_ROWS && count === kept,
  };
}

/** Reads everything back, checking each row is second `first`, `first + 1`, ... of the day. */
async function drain(spool: DurableSpool<SpooledRow>, first: number): Promise<{ count: number; inOrder: boolean }> {
  let expected = first;
  let inOrder = true;
  for (let batch = await spool.peek(); batch; batch = await spool.peek()) {
    for (const r of batch.rows) inOrder &&= r.time === new Date(START + expected++ * 1000).toISOString();
    await spool.ack(batch.id);
  }
  return { count: expected - first, inOrder };
}

async function withDir<R>(run: (dir: string) => Promise<R>): Promise<R> {
  const dir = await mkdtemp(join(tmpdir(), 'spool-bench-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
