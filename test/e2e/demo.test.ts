// What a new user sees after `npm start`: readings on the WebSocket and on the Dashboard 2 page, our nodes in
// the palette, the example in the import menu, a clean stop on Ctrl+C; and the example flow is one Node-RED can
// import.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import WebSocket from 'ws';
import { parseBusSettings } from '../../nodes/modbus-bus/bus-config';
import { parseEpeverConfig } from '../../nodes/epever-tracer/node-config';
import { BUILT_IN_TYPES, checkDashboardChain, DASHBOARD_PACKAGE, downstreamOf, knownNodeTypes, type FlowNode } from '../support/example-flow';

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

  it('lists every node type the package declares in its start-up text', async () => {
    const declared = Object.keys((JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes);
    if (!output.includes('Press Ctrl+C')) {
      await new Promise<void>((resolve) => {
        const check = () => {
          if (!output.includes('Press Ctrl+C')) return;
          child!.stdout?.off('data', check);
          resolve();
        };
        child!.stdout?.on('data', check);
      });
    }
    const line = output.split('\n').find((l) => l.trim().startsWith('Nodes loaded'));
    assert.ok(line, `a "Nodes loaded" line in:\n${output}`);
    const listed = line.replace(/^\s*Nodes loaded\s+/, '').replace(/\s*\(v.*$/, '').split(', ');
    assert.deepEqual(listed, declared);
  });

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

  it('serves the editor helpers from resources/ and each node\'s defaults built from its settings schema', async () => {
    const helpers = await fetch(`http://127.0.0.1:${port}/resources/${PACKAGE_NAME}/editor.js`);
    assert.equal(helpers.status, 200, 'Node-RED serves the package\'s resources/ folder');
    assert.match(await helpers.text(), /SolarTelemetryEditor/);
    const html = await (await fetch(`http://127.0.0.1:${port}/nodes`, { headers: { Accept: 'text/html' } })).text();
    assert.ok(html.includes(`<script src="resources/${PACKAGE_NAME}/editor.js"></script>`), 'the editor html loads the helpers');
    assert.ok(!html.includes('/*SCHEMA_DEFAULTS*/'), 'every marker was replaced by the build');
    assert.match(html, /"readStatistics": \{ value: true/);
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

  it('loads Dashboard 2 and serves its page at /dashboard, named in the banner', async () => {
    assert.ok(output.includes(`http://127.0.0.1:${port}/dashboard`), `the banner names the dashboard:\n${output}`);
    const res = await fetch(`http://127.0.0.1:${port}/nodes`, { headers: { Accept: 'application/json' } });
    const sets = (await res.json()) as { module: string; types: string[]; enabled: boolean; err?: unknown }[];
    for (const type of ['ui-base', 'ui-chart', 'ui-gauge', 'ui-text', 'ui-button']) {
      const set = sets.find((s) => s.types.includes(type));
      assert.ok(set, `${type} is in the palette`);
      assert.equal(set.module, DASHBOARD_PACKAGE, `${type} comes from ${DASHBOARD_PACKAGE}`);
      assert.equal(set.enabled, true);
      assert.equal(set.err, undefined);
    }
    const page = await fetch(`http://127.0.0.1:${port}/dashboard`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app"/, "Dashboard 2's single-page app");
  });

  /** The demo's running flows, as the editor gets them. */
  async function runningFlows(): Promise<FlowNode[]> {
    const res = await fetch(`http://127.0.0.1:${port}/flows`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200);
    return (await res.json()) as FlowNode[];
  }

  /** The widgets of one ui-group of the running flows (the examples' widgets share some titles). */
  function widgetsOf(running: FlowNode[], groupName: string) {
    const group = running.find((n) => n.type === 'ui-group' && n.name === groupName);
    assert.ok(group, `the demo runs a ui-group "${groupName}"`);
    const inGroup = running.filter((n) => n.group === group.id);
    return (type: string, title?: string) => {
      const node = inGroup.find((n) => n.type === type && (title === undefined || (n.title ?? n.label) === title));
      assert.ok(node, `the demo runs a ${type} ${title ? `"${title}" ` : ''}in the group ${groupName}`);
      return node;
    };
  }

  /** What a widget last received, as Dashboard 2 keeps it for browsers that connect later. */
  async function lastShown(id: string, complete: (stored: unknown) => boolean = () => true): Promise<unknown> {
    const deadline = Date.now() + 15000;
    for (;;) {
      // Nothing stored yet answers with an empty body.
      const text = await (await fetch(`http://127.0.0.1:${port}/dashboard/_debug/datastore/${id}`)).text();
      const stored = text === '' ? null : (JSON.parse(text) as unknown);
      if (stored !== null && complete(stored)) return stored;
      if (Date.now() > deadline) throw new Error(`widget ${id} got nothing within 15 s; demo output:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  const shownPayload = async (id: string) => ((await lastShown(id)) as { payload?: unknown }).payload;
  type Point = { topic?: unknown; payload?: unknown };
  const chartLines = (points: Point[]) => [...new Set(points.map((p) => p.topic))].sort();
  /** A chart's stored points, once they hold `lines` lines. */
  const chartPoints = async (id: string, lines: number) =>
    (await lastShown(id, (stored) => Array.isArray(stored) && chartLines(stored as Point[]).length >= lines)) as Point[];

  it("runs the example's dashboard widgets, and they receive readings", async () => {
    const widget = widgetsOf(await runningFlows(), 'Epever');
    const soc = widget('ui-gauge', 'Battery SOC');
    const pv = widget('ui-gauge', 'PV power');
    const voltage = widget('ui-text', 'Battery voltage');
    const mode = widget('ui-text', 'Charging mode');
    const chart = widget('ui-chart');

    const socValue = await shownPayload(soc.id);
    assert.ok(typeof socValue === 'number' && socValue >= 0 && socValue <= 100, `SOC ${String(socValue)}`);
    assert.equal(typeof (await shownPayload(pv.id)), 'number');
    assert.match(String(await shownPayload(voltage.id)), /^1\d\.\d\d V$/, 'a 12 V battery, in volts');
    assert.ok(['none', 'float', 'boost', 'equalize'].includes(String(await shownPayload(mode.id))));
    const points = await chartPoints(chart.id, 2);
    assert.deepEqual(chartLines(points), ['Load power', 'PV power']);
    assert.ok(points.every((p) => typeof p.payload === 'number'));
  });

  it('shows the inverter on its own page, /dashboard/inverter, with live values (and its MQTT output off)', async () => {
    const running = await runningFlows();
    const page = running.find((n) => n.type === 'ui-page' && n.path === '/inverter');
    assert.ok(page, 'the demo runs the inverter page');
    const bases = running.filter((n) => n.type === 'ui-base');
    assert.equal(bases.length, 1, 'one /dashboard for both examples');
    assert.equal(page.ui, bases[0].id);
    assert.equal((await fetch(`http://127.0.0.1:${port}/dashboard/inverter`)).status, 200);
    assert.ok(running.filter((n) => n.type === 'mqtt out').every((n) => n.d === true), 'no broker in the demo');

    const widget = widgetsOf(running, 'Inverter');
    const mode = await shownPayload(widget('ui-text', 'Mode').id);
    assert.ok(['Line', 'Battery', 'Power saving', 'Standby', 'Fault'].includes(String(mode)), `mode ${String(mode)}`);
    for (const title of ['Battery SOC', 'AC output load']) {
      const value = await shownPayload(widget('ui-gauge', title).id);
      assert.ok(typeof value === 'number' && value >= 0 && value <= 200, `${title} ${String(value)}`);
    }
    assert.match(String(await shownPayload(widget('ui-text', 'Battery voltage').id)), /^[45]\d\.\d\d V$/, 'a 48 V battery, in volts');
    assert.match(String(await shownPayload(widget('ui-text', 'PV power').id)), /^\d+ W$/);
    const points = await chartPoints(widget('ui-chart').id, 2);
    assert.deepEqual(chartLines(points), ['AC output power', 'PV charging power']);
    assert.ok(points.every((p) => typeof p.payload === 'number'));
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

describe('example flow examples/epever-tracer/epever-to-websocket.json', () => {
  const root = packageRoot();
  const file = join(root, 'examples', 'epever-tracer', 'epever-to-websocket.json');
  const flow = JSON.parse(readFileSync(file, 'utf8')) as FlowNode[];
  const known = knownNodeTypes(root);
  const isConfig = (n: FlowNode) => known.get(n.type) === 'config' || n.type === 'global-config';
  const byId = new Map(flow.map((n) => [n.id, n]));

  it('is an array of nodes with unique ids and known types', () => {
    assert.ok(Array.isArray(flow) && flow.length > 0);
    for (const n of flow) {
      assert.ok(typeof n.id === 'string' && n.id.length > 0, `every node has an id: ${JSON.stringify(n)}`);
      assert.ok(BUILT_IN_TYPES.has(n.type) || known.has(n.type), `${n.id}: unknown type ${n.type}`);
    }
    assert.equal(byId.size, flow.length, 'ids are unique');
    assert.ok(known.has('epever-tracer') && known.get('modbus-bus') === 'config', 'our own html was read');
    assert.ok(known.has('ui-chart') && known.get('ui-base') === 'config', "Dashboard 2's html was read");
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
    const reached = [...downstreamOf(flow, tracer.id)].map((id) => byId.get(id)!);
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

  it('feeds a Dashboard 2 page from the readings: SOC and PV power gauges, voltage and mode texts, a power chart', () => {
    const widgets = checkDashboardChain(flow, known);
    const page = flow.find((n) => n.type === 'ui-page');
    assert.equal(page?.path, '/solar');
    const titles = (type: string) => (widgets.get(type) ?? []).map((n) => n.title ?? n.label);
    assert.deepEqual(titles('ui-gauge'), ['Battery SOC', 'PV power']);
    assert.deepEqual(titles('ui-text'), ['Battery voltage', 'Charging mode']);
    assert.equal(widgets.get('ui-chart')?.length, 1);
    const [soc, pv] = widgets.get('ui-gauge')!;
    assert.deepEqual([soc.units, soc.min, soc.max], ['%', 0, 100]);
    assert.equal(pv.units, 'W');
    const chart = widgets.get('ui-chart')![0];
    assert.deepEqual([chart.category, chart.categoryType], ['topic', 'msg'], 'one line per msg.topic');

    // Only readings reach the widgets (not replies to "read settings"), each through a node that picks its value.
    const readings = flow.find((n) => n.type === 'switch' && n.property === 'measurement')!;
    const reached = downstreamOf(flow, readings.id);
    for (const list of widgets.values()) {
      for (const widget of list) {
        assert.ok(reached.has(widget.id), `${widget.type} ${String(widget.title ?? widget.label)} is fed from the readings`);
        const feeders = flow.filter((n) => (n.wires as string[][] | undefined)?.flat().includes(widget.id));
        assert.ok(feeders.length > 0 && feeders.every((n) => n.type === 'change' || n.type === 'function'), `${widget.id} is fed by a change or function node`);
      }
    }
    const picks = flow.filter((n) => n.type === 'change' && reached.has(n.id)).map((n) => (n.rules as { to: string }[])[0].to);
    for (const field of ['payload.battery.soc', 'payload.pv_array.power', 'payload.battery.voltage', 'payload.controller.charging_mode']) {
      assert.ok(picks.some((to) => to.includes(field)), `a change node picks ${field}`);
    }
  });
});
