// "messages per second" of the rollup node in a real Node-RED runtime (not the test helper, which slows flows
// down many times): readings go through a wire into the node, as from a device node.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import RED from 'node-red';
import type { Figures, Legend } from './report';
import { round } from './stats';

export const ROLLUP_NODE_LEGEND: Legend = {
  messages: 'readings sent through a junction into one rollup node, after a warm-up',
  keys: 'devices the readings come from',
  windows: 'window kinds of the node',
  msgs_per_s: 'readings the node takes in per second, Node-RED message delivery included',
  us_per_msg: 'wall time per reading',
};

export interface RollupNodeOptions {
  messages: number;
  warmup: number;
  keys: number;
  windows: string;
}

const FLOWS_START_LIMIT_MS = 15_000;

function flow(windows: string): object[] {
  const tab = 'bench-tab';
  return [
    { id: tab, type: 'tab', label: 'rollup bench' },
    { id: 'source', type: 'junction', z: tab, x: 100, y: 100, wires: [['roll']] },
    { id: 'roll', type: 'rollup', z: tab, x: 250, y: 100, windows, zone: 'UTC', grace: 2, maxGap: 300, wires: [['sink']] },
    { id: 'sink', type: 'junction', z: tab, x: 400, y: 100, wires: [] },
  ];
}

function reading(key: number, i: number, now: number): Record<string, unknown> {
  const power = 100 + (i % 50);
  return {
    topic: `epever-tracer/epever-${key}`,
    device: `epever-${key}`,
    measurement: 'epever_tracer',
    payload: {
      timestamp: new Date(now).toISOString(),
      pv_array: { voltage: 18.2, current: power / 18.2, power },
      battery: { voltage: 13.5, charging_current: power / 13.5, charging_power: power * 0.96, temperature: 25, soc: 80 },
      load: { voltage: 13.5, current: 1.2, power: 16.2 },
      controller: { temperature: 31, charging_mode: 'float', heatsink_temperature: 33 },
    },
  };
}

function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve_, reject) => {
    const poll = () => {
      if (check()) resolve_();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

/** The runtime's node lookup and a node's input event, which the public typings leave out. */
interface RunningNode {
  receive(msg: object): void;
  on(event: 'input', listener: (msg: { window?: { partial?: boolean } }) => void): void;
  removeListener(event: 'input', listener: (msg: { window?: { partial?: boolean } }) => void): void;
}

function node(id: string): RunningNode {
  const found = (RED.nodes as unknown as { getNode(id: string): RunningNode | null }).getNode(id);
  if (!found) throw new Error(`node ${id} did not start (is the rollup node built?)`);
  return found;
}

/** Node-RED's typings call its version a string; the runtime hands out a function. */
function runtimeVersion(): string {
  const version: unknown = RED.version;
  return typeof version === 'function' ? String((version as () => unknown)()) : String(version);
}

/** Sends readings in, then a flush; the flush's records come out only after every reading before it. */
async function timeReadings(count: number, keys: number): Promise<number> {
  const now = Date.now();
  const messages = Array.from({ length: count }, (_, i) => reading(i % keys, i, now));
  const source = node('source');
  let flushed = false;
  const onOutput = (msg: { window?: { partial?: boolean } }) => {
    if (msg.window?.partial) flushed = true;
  };
  const sink = node('sink');
  sink.on('input', onOutput);
  const started = performance.now();
  for (const msg of messages) source.receive(msg);
  source.receive({ flush: true });
  await waitFor(() => flushed, 120_000, 'the flush after the readings');
  const ms = performance.now() - started;
  sink.removeListener('input', onOutput);
  return ms;
}

export async function benchRollupNode({ messages, warmup, keys, windows }: RollupNodeOptions): Promise<{ version: string; figures: Figures }> {
  // This file runs as <build>/scripts/bench/rollup-node-red.js; Node-RED loads the node from the build.
  const nodesDir = resolve(__dirname, '..', '..', 'nodes', 'rollup');
  const userDir = mkdtempSync(join(tmpdir(), 'rollup-bench-'));
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flow(windows)));
  const settings = {
    userDir,
    nodesDir: [nodesDir],
    flowFile: 'flows.json',
    httpAdminRoot: false as const,
    httpNodeRoot: false as const,
    credentialSecret: false as const,
    // Stdout carries only figures; Node-RED's warnings and errors go to stderr.
    logging: {
      console: { level: 'off' as const },
      stderr: {
        level: 'warn' as const,
        metrics: false,
        audit: false,
        handler: () => (entry: { msg?: unknown }) => process.stderr.write(`bench: node-red: ${String(entry.msg)}\n`),
      },
    },
    telemetry: { enabled: false, updateNotification: false },
  };
  let started = false;
  RED.init(createServer(), settings as unknown as Parameters<typeof RED.init>[1]);
  RED.events.once('flows:started', () => (started = true));
  try {
    await RED.start();
    await waitFor(() => started, FLOWS_START_LIMIT_MS, 'the flows to start');
    node('roll');
    await timeReadings(warmup, keys);
    const ms = await timeReadings(messages, keys);
    const figures = {
      messages,
      keys,
      windows: windows.split(',').length,
      msgs_per_s: Math.round(messages / (ms / 1000)),
      us_per_msg: round((ms * 1000) / messages, 1),
    };
    return { version: runtimeVersion(), figures };
  } finally {
    await RED.stop();
    rmSync(userDir, { recursive: true, force: true });
  }
}
