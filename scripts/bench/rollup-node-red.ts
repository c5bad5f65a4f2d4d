// "messages per second" of the rollup node in a real Node-RED runtime (not the test helper, which slows flows
// down many times): readings go through a wire into the node, as from a device node. The ceiling is measured in
// the same runtime and run: a registered node that only sends each message on and completes, fed the same
// readings through the same kind of wire.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import RED from 'node-red';
import type { Figures, Legend } from './report';
import { median, round } from './stats';

export const ROLLUP_NODE_LEGEND: Legend = {
  messages: 'readings sent through a junction into the node per timed run, after a warm-up',
  keys: 'devices the readings come from',
  windows: 'window kinds of the rollup node',
  runs: 'timed runs of each node, taking turns; figures are medians',
  msgs_per_s: 'readings the rollup node takes in per second, Node-RED message delivery included',
  us_per_msg: 'wall time per reading',
  passthrough_msgs_per_s: 'the same readings through a node that only sends them on and completes (the ceiling)',
  vs_passthrough: 'msgs_per_s / passthrough_msgs_per_s',
};

export interface RollupNodeOptions {
  messages: number;
  warmup: number;
  keys: number;
  windows: string;
  runs: number;
}

const FLOWS_START_LIMIT_MS = 15_000;
const PASSTHROUGH_TYPE = 'bench-passthrough';

/** The ceiling: the least a registered node can do with a message. */
const PASSTHROUGH_JS = `module.exports = function (RED) {
  function Passthrough(config) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg, send, done) => {
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('${PASSTHROUGH_TYPE}', Passthrough);
};
`;
const PASSTHROUGH_HTML = `<script type="text/javascript">
  RED.nodes.registerType('${PASSTHROUGH_TYPE}', { category: 'function', defaults: {}, inputs: 1, outputs: 1, label: 'passthrough' });
</script>
`;

function flow(windows: string): object[] {
  const tab = 'bench-tab';
  return [
    { id: tab, type: 'tab', label: 'rollup bench' },
    { id: 'source', type: 'junction', z: tab, x: 100, y: 100, wires: [['roll']] },
    { id: 'roll', type: 'rollup', z: tab, x: 250, y: 100, windows, zone: 'UTC', grace: 2, maxGap: 300, wires: [['sink']] },
    { id: 'sink', type: 'junction', z: tab, x: 400, y: 100, wires: [] },
    { id: 'pass-source', type: 'junction', z: tab, x: 100, y: 200, wires: [['pass']] },
    { id: 'pass', type: PASSTHROUGH_TYPE, z: tab, x: 250, y: 200, wires: [['pass-sink']] },
    { id: 'pass-sink', type: 'junction', z: tab, x: 400, y: 200, wires: [] },
    // A reading the node refused would be cheap and not count: every error is caught here and fails the bench.
    { id: 'catch', type: 'catch', z: tab, x: 100, y: 300, scope: null, uncaught: false, wires: [['errors']] },
    { id: 'errors', type: 'junction', z: tab, x: 250, y: 300, wires: [] },
  ];
}

function reading(key: number, power: number, stamp: string): Record<string, unknown> {
  return {
    topic: `epever-tracer/epever-${key}`,
    device: `epever-${key}`,
    measurement: 'epever_tracer',
    payload: {
      timestamp: stamp,
      pv_array: { voltage: 18.2, current: power / 18.2, power },
      battery: { voltage: 13.5, charging_current: power / 13.5, charging_power: power * 0.96, temperature: 25, soc: 80 },
      load: { voltage: 13.5, current: 1.2, power: 16.2 },
      controller: { temperature: 31, charging_mode: 'float', heatsink_temperature: 33 },
    },
  };
}

/**
 * Rounds of one reading per device, each round stamped 1 ms after the one before from now on (the devices of a
 * round polled together), so every reading is in order and energy is integrated; a run ends within a few
 * seconds of stamps, well inside the node's 5 minutes ahead.
 */
function readings(count: number, keys: number): Record<string, unknown>[] {
  const now = Date.now();
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const round = Math.floor(i / keys);
    out.push(reading(i % keys, 100 + (i % 50), new Date(now + round).toISOString()));
  }
  return out;
}

function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve_, reject) => {
    const poll = () => {
      if (check()) resolve_();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 2);
    };
    poll();
  });
}

type Output = { window?: { partial?: boolean }; benchEnd?: boolean; error?: { message?: string } };

/** The runtime's node lookup and a node's input event, which the public typings leave out. */
interface RunningNode {
  receive(msg: object): void;
  on(event: 'input', listener: (msg: Output) => void): void;
  removeListener(event: 'input', listener: (msg: Output) => void): void;
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

interface Line {
  source: string;
  sink: string;
  /** Sent after the readings; its output comes only after every reading before it was taken. */
  end: object;
  isEnd: (msg: Output) => boolean;
}

/** The rollup's end mark is a flush of one device: a few records, out after every reading before it. */
const ROLLUP_LINE: Line = { source: 'source', sink: 'sink', end: { flush: 'epever-0' }, isEnd: (msg) => msg.window?.partial === true };
const PASSTHROUGH_LINE: Line = { source: 'pass-source', sink: 'pass-sink', end: { benchEnd: true }, isEnd: (msg) => msg.benchEnd === true };

/** Wall ms for `count` readings through one line. */
async function timeReadings(line: Line, count: number, keys: number): Promise<number> {
  const messages = readings(count, keys);
  const source = node(line.source);
  const sink = node(line.sink);
  let ended = false;
  const onOutput = (msg: Output) => {
    if (line.isEnd(msg)) ended = true;
  };
  sink.on('input', onOutput);
  const started = performance.now();
  for (const msg of messages) source.receive(msg);
  source.receive(line.end);
  await waitFor(() => ended, 120_000, 'the end mark after the readings');
  const ms = performance.now() - started;
  sink.removeListener('input', onOutput);
  return ms;
}

/** Starts Node-RED with the rollup node (from the build) and the pass-through node, runs `use`, stops it. */
async function withRuntime<T>(windows: string, use: () => Promise<T>): Promise<T> {
  // This file runs as <build>/scripts/bench/rollup-node-red.js; Node-RED loads the node from the build.
  const nodesDir = resolve(__dirname, '..', '..', 'nodes', 'rollup');
  const userDir = mkdtempSync(join(tmpdir(), 'rollup-bench-'));
  const passDir = join(userDir, 'passthrough');
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flow(windows)));
  mkdirSync(passDir);
  writeFileSync(join(passDir, `${PASSTHROUGH_TYPE}.js`), PASSTHROUGH_JS);
  writeFileSync(join(passDir, `${PASSTHROUGH_TYPE}.html`), PASSTHROUGH_HTML);
  const settings = {
    userDir,
    nodesDir: [nodesDir, passDir],
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
    node('pass');
    let error: string | undefined;
    node('errors').on('input', (msg) => (error ??= msg.error?.message ?? 'an error'));
    const result = await use();
    if (error !== undefined) throw new Error(`a node refused a reading: ${error}`);
    return result;
  } finally {
    await RED.stop();
    rmSync(userDir, { recursive: true, force: true });
  }
}

export interface RollupNodeResult {
  version: string;
  figures: Figures;
}

/** Each device count in one runtime: warm-up, then the rollup and the pass-through taking turns `runs` times. */
export async function benchRollupNode(runs: readonly RollupNodeOptions[]): Promise<RollupNodeResult[]> {
  const windows = runs[0].windows;
  return withRuntime(windows, async () => {
    const results: RollupNodeResult[] = [];
    for (const { messages, warmup, keys, runs: turns } of runs) {
      await timeReadings(PASSTHROUGH_LINE, warmup, keys);
      await timeReadings(ROLLUP_LINE, warmup, keys);
      const ours: number[] = [];
      const ceiling: number[] = [];
      for (let turn = 0; turn < turns; turn++) {
        ceiling.push(await timeReadings(PASSTHROUGH_LINE, messages, keys));
        ours.push(await timeReadings(ROLLUP_LINE, messages, keys));
      }
      const ms = median(ours);
      const passMs = median(ceiling);
      const rate = messages / (ms / 1000);
      const passRate = messages / (passMs / 1000);
      results.push({
        version: runtimeVersion(),
        figures: {
          messages,
          keys,
          windows: windows.split(',').length,
          runs: turns,
          msgs_per_s: Math.round(rate),
          us_per_msg: round((ms * 1000) / messages, 2),
          passthrough_msgs_per_s: Math.round(passRate),
          vs_passthrough: round(rate / passRate, 3),
        },
      });
    }
    return results;
  });
}
