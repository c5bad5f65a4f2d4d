// The example flow examples/timescale-out/epever-to-timescale.json, run as a user would: the Epever simulator
// on Modbus TCP, TimescaleDB (PGlite), Node-RED; then its REST endpoints asked over HTTP.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import type { TimescaleDbNode } from '../../nodes/timescale-db/db-node';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { parseQuerySettings } from '../../nodes/timescale-query/query-config';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { catchNode, epeverTracerNode, getNode, helper, modbusBusNode } from '../support/node-red';
import { startTimescale, type TimescaleServer } from '../support/timescale';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [
  modbusBusNode,
  epeverTracerNode,
  catchNode,
  require('../../nodes/timescale-db/timescale-db'),
  require('../../nodes/timescale-out/timescale-out'),
  require('../../nodes/timescale-query/timescale-query'),
  require('@node-red/nodes/core/common/21-debug.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  require('@node-red/nodes/core/function/10-function.js'),
  require('@node-red/nodes/core/function/10-switch.js'),
  require('@node-red/nodes/core/network/21-httpin.js'),
];

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [property: string]: unknown;
}

const FILE = join(findPackageRoot(__dirname), 'examples', 'timescale-out', 'epever-to-timescale.json');

describe('timescale-out example flow: Epever -> TimescaleDB -> REST', function () {
  this.timeout(60_000);
  const flow = JSON.parse(readFileSync(FILE, 'utf8')) as FlowNode[];
  const byType = (type: string) => flow.filter((n) => n.type === type);

  it('imports: one tab, unique ids, every wire to a node that exists, valid settings, no password', () => {
    const ids = new Set(flow.map((n) => n.id));
    assert.equal(ids.size, flow.length);
    assert.equal(byType('tab').length, 1);
    for (const node of flow) for (const target of (node.wires ?? []).flat()) assert.ok(ids.has(target), `${node.id} -> ${target}`);
    for (const node of byType('timescale-out')) assert.doesNotThrow(() => parseOutSettings(node));
    for (const node of byType('timescale-query')) assert.doesNotThrow(() => parseQuerySettings(node));
    assert.ok(!/password/i.test(JSON.stringify(byType('timescale-db'))), 'no password in the flow');
  });

  describe('running', () => {
    let timescale: TimescaleServer;
    let device: TcpEndpoint;
    let http: Server;
    let base: string;
    let spoolDir: string;
    let httpNode: RequestListener | undefined;
    // Node-RED gives each node module the runtime API; this one keeps the app http in nodes route on.
    const captureHttpNode = (RED: { httpNode: RequestListener }) => {
      httpNode = RED.httpNode;
    };

    before(async () => {
      [timescale, device, spoolDir] = await Promise.all([
        startTimescale(),
        serveTcp([new EpeverSimulator({ unitId: 1 })], { port: 0 }),
        mkdtemp(join(tmpdir(), 'timescale-example-')),
      ]);
      const c = timescale.connection;
      const patched = flow.map((n) => {
        switch (n.type) {
          case 'modbus-bus':
            return { ...n, port: device.port };
          case 'timescale-db':
            return { ...n, host: c.host, port: c.port, database: c.database, user: c.user, poolSize: 1 };
          case 'epever-tracer':
            return { ...n, interval: 1 };
          case 'timescale-out':
            return { ...n, spoolDir, batchMs: 100 };
          default:
            return n;
        }
      });
      const dbId = byType('timescale-db')[0].id;
      // The helper loads its own catch module once per catch node, and the flow has two: we load it once.
      const preloaded = (helper as unknown as { _nodeModules: Record<string, unknown> })._nodeModules;
      const { catch: helperCatch, ...others } = preloaded;
      (helper as unknown as { _nodeModules: Record<string, unknown> })._nodeModules = others;
      try {
        await helper.load([...NODES, captureHttpNode], patched, { [dbId]: { password: c.password } });
      } finally {
        (helper as unknown as { _nodeModules: Record<string, unknown> })._nodeModules = { ...others, catch: helperCatch };
      }
      assert.ok(httpNode, 'the http in nodes have an app');
      http = createServer(httpNode);
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const address = http.address();
      base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const database = (getNode(dbId) as unknown as TimescaleDbNode).database;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const rows = await database?.pool.query('SELECT count(*)::int AS n FROM epever_tracer').catch(() => undefined);
        if (Number(rows?.rows[0]?.n) >= 3) break;
        if (Date.now() > deadline) throw new Error('three readings not stored');
        await new Promise((r) => setTimeout(r, 200));
      }
    });

    after(async () => {
      await helper.unload();
      if (http) await new Promise((resolve) => http.close(resolve));
      await device?.close();
      await timescale?.close();
      await rm(spoolDir, { recursive: true, force: true });
    });

    async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
      const res = await fetch(base + path);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    it('GET /solar/data/ gives the latest reading in the Wyandata shape', async () => {
      const { status, body } = await get('/solar/data/');
      assert.equal(status, 200);
      assert.match(String(body.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const reading = body as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(reading.pv_array).sort(), ['current', 'power', 'voltage']);
      assert.equal(typeof reading.battery.voltage, 'number');
      assert.ok(['none', 'float', 'boost', 'equalize'].includes(String(reading.controller.charging_mode)));
      assert.equal(typeof reading.energy.total_kwh, 'number');
    });

    it('GET /solar/data/history/ gives parallel arrays, raw and from the aggregates', async () => {
      const raw = await get('/solar/data/history/?hours=1');
      assert.equal(raw.status, 200);
      const timestamps = raw.body.timestamps as string[];
      assert.ok(timestamps.length >= 3);
      for (const key of ['pv_power', 'battery_voltage', 'battery_power', 'load_power']) assert.equal((raw.body[key] as unknown[]).length, timestamps.length, key);
      for (const interval of ['5m', 'hourly', 'daily']) {
        const bucketed = await get(`/solar/data/history/?hours=48&interval=${interval}`);
        assert.equal(bucketed.status, 200, interval);
        const voltages = bucketed.body.battery_voltage as number[];
        assert.ok(voltages.length >= 1 && voltages.every((v) => v > 10 && v < 16), `${interval}: ${JSON.stringify(bucketed.body)}`);
      }
    });

    it('GET /solar/data/stats/ and /solar/data/daily_stats/ give the figures', async () => {
      const stats = await get('/solar/data/stats/?hours=1');
      assert.equal(stats.status, 200);
      assert.equal(stats.body.period_hours, 1);
      assert.ok(Number(stats.body.data_point_count) >= 3);
      const voltage = stats.body.battery_voltage as { max: number; min: number; avg: number };
      assert.ok(voltage.min <= voltage.avg && voltage.avg <= voltage.max);
      const daily = await get('/solar/data/daily_stats/?days=7');
      assert.equal(daily.status, 200);
      assert.deepEqual(daily.body.dates, [new Date().toISOString().slice(0, 10)]);
      for (const key of ['energy_produced', 'energy_consumed', 'peak_power', 'sunshine_hours']) assert.equal((daily.body[key] as unknown[]).length, 1, key);
    });

    it('answers a bad query string with 400 and the reason', async () => {
      assert.deepEqual(await get('/solar/data/history/?interval=weekly'), { status: 400, body: { error: 'interval must be raw, 5m, hourly or daily' } });
      assert.deepEqual(await get('/solar/data/stats/?hours=-1'), { status: 400, body: { error: 'hours must be a whole number from 1 to 8760' } });
      assert.equal((await get('/solar/data/?device=nobody')).status, 404);
    });
  });
});
