// What a new user sees after `npm start`: readings on the WebSocket, our nodes in the palette, the example
// in the import menu, a clean stop on Ctrl+C; and the example flow is one Node-RED can import.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import WebSocket from 'ws';
import { parseBusSettings } from '../../nodes/modbus-bus/bus-config';
import { parseEpeverConfig } from '../../nodes/epever-tracer/node-config';

const PACKAGE_NAME = 'node-red-contrib-solar-telemetry';
// Compiled, this file is <build>/test/e2e/demo.test.js and the demo <build>/scripts/demo.js.
const DEMO = join(__dirname, '../../scripts/demo.js');
const WS_PATH = '/ws/solar/data/';
const INVERTER_WS_PATH = '/ws/solar/inverter/';
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;

function packageRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
  }
  throw new Error(`no ${PACKAGE_NAME} package.json above ${__dirname}`);
}

function freePort(): Promise<number> {
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

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

type Json = Record<string, unknown>;

function objectAt(value: Json, key: string): Json {
  const inner = value[key];
  assert.ok(typeof inner === 'object' && inner !== null, `${key} is an object`);
  return inner as Json;
}

describe('npm start demo (simulator + embedded Node-RED)', function () {
  this.timeout(60000);
  let child: ChildProcess | undefined;
  let exited: Promise<Exit>;
  let userDir: string;
  let port: number;
  let output = '';

  before(async function () {
    assert.ok(existsSync(DEMO), `the compiled demo is at ${DEMO}`);
    userDir = mkdtempSync(join(tmpdir(), 'solar-demo-'));
    port = await freePort();
    const demo = spawn(process.execPath, [DEMO], {
      env: { ...process.env, PORT: String(port), SIM_PORT: '0', INVERTER_PORT: '0', DEMO_USER_DIR: userDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = demo;
    exited = new Promise((resolve) => demo.once('exit', (code, signal) => resolve({ code, signal })));
    demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // The banner comes once Node-RED has started with our nodes loaded.
    const banner = `ws://127.0.0.1:${port}${WS_PATH}`;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within 40 s:\n${output}`)), 40000);
      const check = () => {
        if (!output.includes(banner)) return;
        clearTimeout(timer);
        demo.stdout.off('data', check);
        resolve();
      };
      demo.stdout.on('data', check);
      void exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`demo exited early (${exit.code ?? exit.signal}):\n${output}`));
      });
      check();
    });
  });

  after(async function () {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  /** The first message on a WebSocket path of the demo. */
  async function firstMessage(path: string): Promise<Json> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message on ${path} within 15 s; demo output:\n${output}`)), 15000);
        socket.once('message', (data: WebSocket.RawData) => {
          clearTimeout(timer);
          resolve(data.toString());
        });
        socket.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      return JSON.parse(text) as Json;
    } finally {
      socket.terminate();
    }
  }

  it('publishes a Wyandata reading on the WebSocket within 15 s', async () => {
    const reading = await firstMessage(WS_PATH);
    assert.equal(typeof reading.timestamp, 'string');
    assert.match(reading.timestamp as string, ISO_UTC);
    assert.equal(new Date(reading.timestamp as string).toISOString().slice(0, 19), (reading.timestamp as string).slice(0, 19));
    assert.equal(typeof objectAt(reading, 'pv_array').voltage, 'number');
    assert.equal(typeof objectAt(reading, 'battery').voltage, 'number');
    assert.equal(typeof objectAt(reading, 'load').power, 'number');
    assert.ok(['none', 'float', 'boost', 'equalize'].includes(objectAt(reading, 'controller').charging_mode as string));
    assert.ok((objectAt(reading, 'battery').voltage as number) > 10, 'a 12 V battery');
    assert.equal(typeof objectAt(reading, 'energy').total_kwh, 'number', 'energy counters are on');
  });

  it('publishes an inverter reading on /ws/solar/inverter/ within 15 s', async () => {
    const reading = await firstMessage(INVERTER_WS_PATH);
    assert.match(reading.timestamp as string, ISO_UTC);
    assert.equal(typeof objectAt(reading, 'grid').voltage, 'number');
    assert.equal(typeof objectAt(reading, 'ac_output').active_power, 'number');
    assert.ok((objectAt(reading, 'battery').voltage as number) > 40, 'a 48 V battery');
    assert.ok(['line', 'battery', 'power_saving', 'fault'].includes(reading.mode as string), `mode ${String(reading.mode)}`);
    assert.equal(typeof objectAt(reading, 'warnings').line_fail, 'boolean');
  });

  it('serves the editor with our nodes in the palette', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Node-RED<\/title>/);

    const res = await fetch(`http://127.0.0.1:${port}/nodes`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200);
    const sets = (await res.json()) as { module: string; types: string[]; enabled: boolean; err?: unknown }[];
    const ours = sets.filter((s) => s.module === PACKAGE_NAME);
    const types = ours.flatMap((s) => s.types);
    assert.ok(types.includes('epever-tracer'), `palette types of ${PACKAGE_NAME}: ${types.join(', ')}`);
    assert.ok(types.includes('modbus-bus'));
    assert.ok(types.includes('mpp-pi30') && types.includes('pi30-port'), `palette types of ${PACKAGE_NAME}: ${types.join(', ')}`);
    for (const set of ours) {
      assert.equal(set.enabled, true);
      assert.equal(set.err, undefined);
    }
  });

  it('offers the example flows under Import > Examples', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/library/examples/flows/${PACKAGE_NAME}/epever-tracer/epever-to-websocket`);
    assert.equal(res.status, 200);
    const flow = (await res.json()) as { type: string }[];
    assert.ok(flow.some((n) => n.type === 'epever-tracer'));
    const inverter = await fetch(`http://127.0.0.1:${port}/library/examples/flows/${PACKAGE_NAME}/mpp-pi30/inverter-dashboard-mqtt`);
    assert.equal(inverter.status, 200);
    assert.ok(((await inverter.json()) as { type: string }[]).some((n) => n.type === 'mpp-pi30'));
  });

  it('stops on SIGTERM with exit code 0', async () => {
    assert.ok(child);
    child.kill('SIGTERM');
    const exit = await Promise.race([
      exited,
      new Promise<Exit>((_, reject) => setTimeout(() => reject(new Error(`still running 25 s after SIGTERM:\n${output}`)), 25000)),
    ]);
    assert.deepEqual(exit, { code: 0, signal: null }, output);
  });
});

// ---------------------------------------------------------------------------------------------------------

interface FlowNode {
  id: string;
  type: string;
  z?: unknown;
  x?: unknown;
  y?: unknown;
  wires?: unknown;
  [key: string]: unknown;
}

/** Node types and their palette category, read from each node's editor html (`registerType('t', {category})`). */
function typesIn(htmlFiles: readonly string[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const file of htmlFiles) {
    const html = readFileSync(file, 'utf8');
    const calls = [...html.matchAll(/registerType\(\s*['"]([^'"]+)['"]\s*,/g)];
    calls.forEach((call, i) => {
      const body = html.slice(call.index, calls[i + 1]?.index ?? html.length);
      types.set(call[1], /category:\s*['"]([^'"]+)['"]/.exec(body)?.[1] ?? '');
    });
  }
  return types;
}

function htmlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : htmlFilesUnder(path);
    return name.endsWith('.html') ? [path] : [];
  });
}

describe('example flow examples/epever-tracer/epever-to-websocket.json', () => {
  const root = packageRoot();
  const file = join(root, 'examples', 'epever-tracer', 'epever-to-websocket.json');
  const flow = JSON.parse(readFileSync(file, 'utf8')) as FlowNode[];
  const coreNodes = join(dirname(require.resolve('@node-red/nodes/package.json')), 'core');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  const known = typesIn([
    ...htmlFilesUnder(coreNodes),
    ...Object.keys(pkg['node-red'].nodes).map((type) => join(root, 'nodes', type, `${type}.html`)),
  ]);
  const isConfig = (n: FlowNode) => known.get(n.type) === 'config';
  const byId = new Map(flow.map((n) => [n.id, n]));

  it('is an array of nodes with unique ids and known types', () => {
    assert.ok(Array.isArray(flow) && flow.length > 0);
    for (const n of flow) {
      assert.ok(typeof n.id === 'string' && n.id.length > 0, `every node has an id: ${JSON.stringify(n)}`);
      assert.ok(n.type === 'tab' || known.has(n.type), `${n.id}: unknown type ${n.type}`);
    }
    assert.equal(byId.size, flow.length, 'ids are unique');
    assert.ok(known.has('epever-tracer') && known.get('modbus-bus') === 'config', 'our own html was read');
  });

  it('places every flow node on a tab, with x, y and wires to nodes that exist', () => {
    for (const n of flow) {
      if (n.type === 'tab') continue;
      if (isConfig(n)) {
        assert.equal(n.wires, undefined, `config node ${n.id} has no wires`);
        continue;
      }
      assert.equal(byId.get(n.z as string)?.type, 'tab', `${n.id} (${n.type}) is on a tab`);
      assert.ok(Number.isFinite(n.x) && Number.isFinite(n.y), `${n.id} (${n.type}) has x and y`);
      assert.ok(Array.isArray(n.wires), `${n.id} (${n.type}) has wires`);
      for (const port of n.wires as unknown[]) {
        assert.ok(Array.isArray(port), `${n.id}: each output is a list`);
        for (const target of port as unknown[]) {
          const to = byId.get(target as string);
          assert.ok(to, `${n.id} wires to ${String(target)}, which exists`);
          assert.ok(!isConfig(to) && to.type !== 'tab', `${n.id} wires to a flow node`);
          assert.equal(to.z, n.z, `${n.id} wires within its tab`);
        }
      }
    }
  });

  it('has one modbus-bus on Modbus TCP 127.0.0.1:5020 and an epever-tracer on it that polls every 5 s', () => {
    const buses = flow.filter((n) => n.type === 'modbus-bus');
    assert.equal(buses.length, 1);
    const bus = parseBusSettings(buses[0]);
    assert.equal(bus.transport, 'tcp');
    assert.deepEqual(bus.network, { host: '127.0.0.1', port: 5020 });

    const tracers = flow.filter((n) => n.type === 'epever-tracer');
    assert.ok(tracers.length >= 1);
    for (const tracer of tracers) {
      assert.equal(tracer.bus, buses[0].id);
      const config = parseEpeverConfig(tracer);
      assert.equal(config.intervalMs, 5000);
      assert.equal(config.statistics, true, 'energy counters on');
      assert.equal(config.allowWrites, false, 'an example never writes to a controller');
    }
  });

  it('sends the tracer readings to a debug node and a WebSocket on /ws/solar/data/, and catches errors', () => {
    const tracer = flow.find((n) => n.type === 'epever-tracer')!;
    const downstream = new Set<string>();
    const visit = (id: string) => {
      for (const port of (byId.get(id)?.wires as string[][] | undefined) ?? []) {
        for (const target of port) {
          if (downstream.has(target)) continue;
          downstream.add(target);
          visit(target);
        }
      }
    };
    visit(tracer.id);
    const reached = [...downstream].map((id) => byId.get(id)!);
    assert.ok(reached.some((n) => n.type === 'debug'), 'a debug node');
    const wsOut = reached.find((n) => n.type === 'websocket out');
    assert.ok(wsOut, 'a websocket out node');
    const listener = byId.get(wsOut.server as string);
    assert.equal(listener?.type, 'websocket-listener');
    assert.equal(listener?.path, WS_PATH);
    assert.notEqual(listener?.wholemsg, 'true', 'sends msg.payload, not the whole message');

    const catchNode = flow.find((n) => n.type === 'catch');
    assert.ok(catchNode, 'a catch node');
    assert.ok((catchNode.wires as string[][]).flat().some((id) => byId.get(id)?.type === 'debug'), 'catch -> debug');
  });
});
