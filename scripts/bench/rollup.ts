// "samples per second" and "bytes per key" of the rollup engine against keeping every sample of every open
// window. Both get the same Epever-like readings of several devices at 10 Hz, in simulated time, and close
// their windows every simulated second, as the node's timer does.
import v8 from 'node:v8';
import vm from 'node:vm';
import { Aggregator } from '../../nodes/rollup/aggregator';
import { isPowerFieldName } from '../../nodes/rollup/energy';
import type { Sample } from '../../nodes/rollup/reading-fields';
import { recordPayload, type PayloadValue } from '../../nodes/rollup/record-message';
import { parseWindows } from '../../nodes/rollup/window-spec';
import { NaiveRollup, type Summary } from './naive-rollup';
import type { Figures, Legend, Report } from './report';
import { benchRollupNode, ROLLUP_NODE_LEGEND } from './rollup-node-red';
import { round } from './stats';

const WINDOWS = '1m,10m,30m,3h,6h,day,month,year,lifetime';
const ZONE = 'Europe/Berlin';
const GRACE_MS = 2000;
const MAX_GAP_MS = 300_000;
const RATE_HZ = 10;
const START = Date.parse('2026-06-21T10:00:00Z');
/** Half an hour of 10 devices at 10 Hz: 180 000 readings, seconds for ours, several times that naively. */
const ENGINE_RUN = { keys: 10, seconds: 1800 };
/** Ours holds a few kB a device, within the heap's noise for a few devices; the naive way holds every reading. */
const MEMORY_KEYS = { ours: 500, naive: 20 };
/** 10 devices, and 10 000 (the warm-up gives each its windows first). */
const NODE_RUNS = [
  { messages: 50_000, warmup: 5000, keys: 10, windows: WINDOWS, runs: 3 },
  { messages: 60_000, warmup: 20_000, keys: 10_000, windows: WINDOWS, runs: 3 },
];
/** Goals of the performance issue. */
const GOAL_VS_PASSTHROUGH = { 10: 0.8, 10_000: 0.5 } as Record<number, number>;
const GOAL_BYTES_PER_KEY = 10_000;

export const ROLLUP_ENGINE_LEGEND: Legend = {
  keys: 'devices, each sending one reading per tick',
  rate_hz: 'readings per device per second (simulated time)',
  simulated_s: 'simulated seconds of readings',
  samples: 'readings aggregated',
  windows: 'window kinds per device',
  fields: 'numeric fields per reading (3 of them power)',
  samples_per_s: 'readings aggregated per second of wall time, closing windows and building records included',
  us_per_sample: 'wall time per reading',
  records: 'window records produced',
  stats_match: 'count, avg, min, max, stddev and sum of every record equal the other way (1e-9 relative)',
};

export const ROLLUP_MEMORY_LEGEND: Legend = {
  keys: 'devices held',
  bytes_per_key_1min: "heap per device after 1 min of readings at 10 Hz (open windows, lifetime, energy track), typed arrays' buffers included",
  bytes_per_key_10min: 'the same after 10 min',
  growth: 'bytes per key after 10 min / after 1 min (1.0: independent of how many readings came)',
};

/** Epever-shaped fields, flattened as the node flattens them. */
function readingFields(key: number, step: number): Map<string, number> {
  const sun = Math.max(0, Math.sin(step / 3000 + key));
  const pvPower = round(200 * sun + (step % 7), 2);
  const chargePower = round(pvPower * 0.96, 2);
  const loadPower = round(15 + (step % 11) / 2, 2);
  return new Map([
    ['pv_array_voltage', round(17 + sun * 2, 2)],
    ['pv_array_current', round(pvPower / 18, 2)],
    ['pv_array_power', pvPower],
    ['battery_voltage', round(12.8 + sun, 2)],
    ['battery_charging_current', round(chargePower / 13.5, 2)],
    ['battery_charging_power', chargePower],
    ['battery_temperature', 25 + (step % 3)],
    ['battery_soc', 60 + (step % 40)],
    ['load_voltage', 13.4],
    ['load_current', round(loadPower / 13.4, 2)],
    ['load_power', loadPower],
    ['controller_temperature', 30 + (step % 5)],
    ['controller_heatsink_temperature', 32 + (step % 5)],
  ]);
}
const FIELDS = readingFields(0, 0).size;

interface Engine {
  add(key: string, sample: Sample, now: number): void;
  closeDue(now: number): number;
}

function ours(): Engine & { results: Map<string, Record<string, PayloadValue>>; size(): number } {
  const agg = new Aggregator({
    windows: parseWindows(WINDOWS),
    zone: ZONE,
    graceMs: GRACE_MS,
    maxGapMs: MAX_GAP_MS,
    isPowerField: isPowerFieldName,
    maxAheadMs: 300_000,
  });
  const results = new Map<string, Record<string, PayloadValue>>();
  const seen = new Map<string, number>();
  return {
    results,
    size: () => agg.keyCount,
    add: (key, sample, now) => void agg.add(key, sample, now),
    closeDue(now) {
      const records = agg.closeDue(now);
      for (const r of records) {
        const id = `${r.key} ${r.window}`;
        const n = (seen.get(id) ?? 0) + 1;
        seen.set(id, n);
        results.set(`${id} ${n}`, recordPayload(r, isPowerFieldName));
      }
      return records.length;
    },
  };
}

function naive(): Engine & { results: Map<string, Summary> } {
  const rollup = new NaiveRollup(parseWindows(WINDOWS), ZONE, GRACE_MS, MAX_GAP_MS, isPowerFieldName);
  const results = new Map<string, Summary>();
  const seen = new Map<string, number>();
  return {
    results,
    add: (key, sample, now) => rollup.add(key, sample, now),
    closeDue(now) {
      const closed = rollup.closeDue(now);
      for (const c of closed) {
        const id = `${c.key} ${c.window}`;
        const n = (seen.get(id) ?? 0) + 1;
        seen.set(id, n);
        results.set(`${id} ${n}`, c.summary);
      }
      return closed.length;
    },
  };
}

/** Feeds `keys` devices for `seconds` of simulated time, closing windows every simulated second. */
function feed(engine: Engine, keys: number, seconds: number, fields: (key: number, step: number) => Map<string, number>): number {
  const names = Array.from({ length: keys }, (_, k) => `epever-${k}`);
  let records = 0;
  for (let step = 0; step < seconds * RATE_HZ; step++) {
    const time = START + (step * 1000) / RATE_HZ;
    for (let k = 0; k < keys; k++) engine.add(names[k], { time, fields: fields(k, step) }, time);
    if (step % RATE_HZ === RATE_HZ - 1) records += engine.closeDue(time);
  }
  return records;
}

function close(a: number | string | null | undefined, b: number | string | null | undefined): boolean {
  if (typeof a !== 'number' || typeof b !== 'number') return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function statsMatch(a: Map<string, Record<string, PayloadValue>>, b: Map<string, Summary>): boolean {
  if (a.size !== b.size || a.size === 0) return false;
  for (const [id, summary] of b) {
    const payload = a.get(id);
    if (!payload) return false;
    for (const [name, value] of Object.entries(summary)) {
      // Energy is left out: ours also counts the intervals across window boundaries, the naive way cannot.
      if (!name.endsWith('_wh') && !close(payload[name], value)) return false;
    }
  }
  return true;
}

interface RollupEngineOptions {
  keys: number;
  seconds: number;
}

function benchRollupEngine({ keys, seconds }: RollupEngineOptions): { ours: Figures; naive: Figures } {
  // The same few thousand field sets over and over: the figures are of aggregating, not of making readings.
  const pool = Array.from({ length: 4096 }, (_, i) => readingFields(i % keys, i));
  const pooled = (key: number, step: number) => pool[(step * keys + key) & 4095];
  const run = <E extends Engine>(engine: E) => {
    const started = performance.now();
    const records = feed(engine, keys, seconds, pooled);
    const ms = performance.now() - started;
    const samples = keys * seconds * RATE_HZ;
    return {
      keys,
      rate_hz: RATE_HZ,
      simulated_s: seconds,
      samples,
      windows: parseWindows(WINDOWS).length,
      fields: FIELDS,
      samples_per_s: Math.round(samples / (ms / 1000)),
      us_per_sample: round((ms * 1000) / samples, 2),
      records,
    };
  };
  const a = ours();
  const oursFigures = run(a);
  const b = naive();
  const naiveFigures = run(b);
  const match = statsMatch(a.results, b.results);
  return { ours: { ...oursFigures, stats_match: match }, naive: { ...naiveFigures, stats_match: match } };
}

/** Node's gc() without starting node with --expose-gc. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Full collections with turns of the event loop between, so weakly held and finalised objects go too. */
async function settle(gc: () => void): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  // A Float64Array's numbers live outside the heap proper once it is bigger than a few dozen bytes.
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

async function heapPerKey(make: () => Engine, keys: number, seconds: number): Promise<number> {
  const gc = collector();
  // A first short run compiles the code and fills V8's caches, which would otherwise count as state.
  feed(make(), keys, 10, readingFields);
  const before = await settle(gc);
  const engine = make();
  // Every reading is a new object, as messages are.
  feed(engine, keys, seconds, readingFields);
  const after = await settle(gc);
  // Keep the engine alive until measured.
  if (engine.closeDue(0) < 0) throw new Error('unreachable');
  return Math.round((after - before) / keys);
}

async function benchRollupMemory(keys: { ours: number; naive: number }): Promise<{ ours: Figures; naive: Figures }> {
  // Results kept for comparison would count as engine memory; these engines keep none.
  const lean = (engine: Engine & { results: Map<string, unknown> }): Engine => ({
    add: (k, s, n) => engine.add(k, s, n),
    closeDue: (n) => {
      const count = engine.closeDue(n);
      engine.results.clear();
      return count;
    },
  });
  const figures = async (make: () => Engine, devices: number): Promise<Figures> => {
    const oneMinute = await heapPerKey(make, devices, 60);
    const tenMinutes = await heapPerKey(make, devices, 600);
    return { keys: devices, bytes_per_key_1min: oneMinute, bytes_per_key_10min: tenMinutes, growth: round(tenMinutes / oneMinute, 1) };
  };
  return { ours: await figures(() => lean(ours()), keys.ours), naive: await figures(() => lean(naive()), keys.naive) };
}

/** Runs the three rollup benches, each on its own so one failing leaves the others' figures. */
export async function benchRollup(report: Report, attempt: (what: string, run: () => Promise<void>) => Promise<void>): Promise<void> {
  await attempt(`rollup engine, ours and naive, ${ENGINE_RUN.keys} devices at ${RATE_HZ} Hz for ${ENGINE_RUN.seconds} s`, async () => {
    const { ours: a, naive: b } = benchRollupEngine(ENGINE_RUN);
    report.add('rollup-engine', 'ours', a, ROLLUP_ENGINE_LEGEND);
    report.add('rollup-engine', 'naive', b, ROLLUP_ENGINE_LEGEND);
  });
  await attempt(`rollup memory per device, ours (${MEMORY_KEYS.ours} devices) and naive (${MEMORY_KEYS.naive})`, async () => {
    const { ours: a, naive: b } = await benchRollupMemory(MEMORY_KEYS);
    report.add('rollup-memory', 'ours', a, ROLLUP_MEMORY_LEGEND);
    report.add('rollup-memory', 'naive', b, ROLLUP_MEMORY_LEGEND);
    report.goal('rollup_bytes_per_key_9w', Number(a.bytes_per_key_10min), {
      windows: parseWindows(WINDOWS).length,
      fields: FIELDS,
      keys: MEMORY_KEYS.ours,
      bytes_per_key_1min: Number(a.bytes_per_key_1min),
      naive_bytes_per_key: Number(b.bytes_per_key_10min),
      target: GOAL_BYTES_PER_KEY,
    });
  });
  await attempt(`rollup node in Node-RED against a pass-through node, ${NODE_RUNS.map((r) => r.keys).join(' and ')} devices`, async () => {
    for (const { version, figures } of await benchRollupNode(NODE_RUNS)) {
      const keys = Number(figures.keys);
      report.add('rollup-node', `${keys} devices, Node-RED ${version}`, figures, ROLLUP_NODE_LEGEND);
      report.goal(keys === 10 ? 'rollup_vs_passthrough_10' : 'rollup_vs_passthrough_10k', Number(figures.vs_passthrough), {
        ours_msgs_per_s: Number(figures.msgs_per_s),
        ceiling_msgs_per_s: Number(figures.passthrough_msgs_per_s),
        keys,
        windows: Number(figures.windows),
        target: GOAL_VS_PASSTHROUGH[keys],
      });
    }
  });
}
