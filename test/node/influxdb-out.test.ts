// influxdb and influxdb-out in a real Node-RED runtime, writing to InfluxDB 1.6 (1.x /write, which overwrites a
// point written twice, so a count tells whether each point arrived exactly once) and to VictoriaMetrics
// (/api/v2/write with a token).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catchNode, collect, getNode, helper, onTab, statuses, waitFor, type StatusCall } from '../support/node-red';
import { influxServersAvailable, rowsOf, startInfluxd, startVictoria, type InfluxdServer, type VictoriaServer } from '../support/influx';

/* eslint-disable @typescript-eslint/no-require-imports */
const influxdbNode = require('../../nodes/influxdb/influxdb');
const influxdbOutNode = require('../../nodes/influxdb-out/influxdb-out');
const completeNode = require('@node-red/nodes/core/common/24-complete.js');
const NODES = [influxdbNode, influxdbOutNode, catchNode, completeNode];

const ERROR = 20;
const WARN = 30;
interface LogLine {
  level: number;
  id?: string;
  msg?: unknown;
}

const T0 = Date.parse('2026-06-21T12:00:00Z');
const epever = (second: number, device = 'shed') => ({
  device,
  measurement: 'epever_tracer',
  payload: {
    timestamp: new Date(T0 + second * 1000).toISOString(),
    pv_array: { voltage: 18.2, current: 7.9, power: 143.8 + second },
    battery: { voltage: 13.6, soc: 81 },
    controller: { temperature: 31.2, charging_mode: 'boost' },
  },
});

describe('influxdb-out node', function () {
  this.timeout(90_000);
  let influxd: InfluxdServer;
  let victoria: VictoriaServer;
  let spoolDir: string;
  let dbCount = 0;
  let database: string;

  before(async function () {
    if (!influxServersAvailable()) this.skip();
    [influxd, victoria] = await Promise.all([startInfluxd(), startVictoria()]);
    await helper.startServer();
  });

  after(async () => {
    await helper.stopServer();
    await influxd?.close();
    await victoria?.close();
  });

  beforeEach(async function () {
    if (!influxd) this.skip();
    spoolDir = await mkdtemp(join(tmpdir(), 'influx-node-spool-'));
    dbCount += 1;
    database = `node_${dbCount}`;
    await influxd.query(`CREATE DATABASE ${database}`);
  });

  afterEach(async () => {
    await helper.unload();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });

  function flow(out: Record<string, unknown> = {}, server: Record<string, unknown> = {}) {
    return onTab(
      [{ id: 'server', type: 'influxdb', url: influxd.url, api: 'v1', database, timeoutMs: 2000, ...server }],
      [
        { id: 'out', type: 'influxdb-out', influxdb: 'server', spoolDir, batchRows: 10, batchMs: 50, ...out },
        { id: 'catch', type: 'catch', scope: ['out'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
        { id: 'complete', type: 'complete', scope: ['out'], uncaught: false, wires: [['completed']] },
        { id: 'completed', type: 'helper' },
      ],
    );
  }
  const send = (msg: Record<string, unknown>) => getNode('out').receive(msg);
  const count = async (measurement = 'epever_tracer') => {
    const [row] = rowsOf(await influxd.query(`SELECT count(pv_array_power) FROM ${measurement}`, database));
    return row ? Number(row.count) : 0;
  };
  const logged = (level: number, pattern: RegExp) =>
    helper
      .log()
      .args.map((a) => a[0] as LogLine)
      .filter((l) => l.level === level && l.id === 'out' && pattern.test(String(l.msg)));
  const shows = (seen: StatusCall[], fill: string, text: RegExp) => seen.some((s) => s.fill === fill && text.test(String(s.text)));
  async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('stores each reading as a point with its tags and types, completes the message, and shows points/s', async () => {
    await helper.load(NODES, flow({ tags: 'controller_charging_mode', integers: 'battery_soc' }));
    const seen = statuses('out');
    const completed = collect('completed');
    for (let s = 0; s < 25; s++) send(epever(s));
    await waitFor(() => completed.length === 25, 10_000, 'every message completed');
    assert.equal(await count(), 25);
    const [first] = rowsOf(await influxd.query('SELECT * FROM epever_tracer LIMIT 1', database));
    assert.deepEqual(first, {
      time: '2026-06-21T12:00:00Z',
      battery_soc: 81,
      battery_voltage: 13.6,
      controller_charging_mode: 'boost',
      controller_temperature: 31.2,
      device: 'shed',
      pv_array_current: 7.9,
      pv_array_power: 143.8,
      pv_array_voltage: 18.2,
    });
    const types = Object.fromEntries(
      rowsOf(await influxd.query('SHOW FIELD KEYS FROM epever_tracer', database)).map((r) => [r.fieldKey, r.fieldType]),
    );
    assert.equal(types.battery_soc, 'integer');
    assert.equal(types.battery_voltage, 'float');
    assert.deepEqual(
      rowsOf(await influxd.query('SHOW TAG KEYS FROM epever_tracer', database)).map((r) => r.tagKey),
      ['controller_charging_mode', 'device'],
    );
    await waitFor(() => shows(seen, 'green', /\/s$/), 5000, 'a points/s status');
  });

  it('writes to an InfluxDB 2 style server through /api/v2/write with a token', async () => {
    await helper.load(NODES, flow({ measurement: 'v2_node' }, { api: 'v2', url: victoria.url, org: 'home', bucket: 'solar' }), {
      server: { token: 'a-token' },
    });
    const completed = collect('completed');
    for (let s = 0; s < 12; s++) send(epever(s));
    await waitFor(() => completed.length === 12, 10_000, 'every message completed');
    const series = await victoria.exportSeries('v2_node_pv_array_power');
    assert.equal(series.length, 1);
    assert.deepEqual(
      series[0].values,
      Array.from({ length: 12 }, (_, s) => 143.8 + s),
    );
  });

  it('sends a bad message alone to Catch; the others are stored', async () => {
    await helper.load(NODES, flow());
    const caught = collect('caught');
    const completed = collect('completed');
    send(epever(0));
    send({ ...epever(1), payload: { ...epever(1).payload, timestamp: 'yesterday' } });
    send({ ...epever(2), payload: { ...epever(2).payload, note: 'two\nlines' } });
    send({ device: 'shed', payload: { v: 1 } });
    send(epever(4));
    await waitFor(() => caught.length === 3 && completed.length === 2, 10_000, 'two stored, three refused');
    const reasons = caught.map((m) => (m.error as { message: string }).message);
    for (const reason of [/"yesterday" is not ISO-8601/, /field "note" contains a line break/, /no measurement/]) {
      assert.ok(
        reasons.some((r) => reason.test(r)),
        `${String(reason)} in ${reasons.join('; ')}`,
      );
    }
    assert.equal(await count(), 2);
  });

  it('keeps the token and the 1.x password in the credentials, never in the flow', async () => {
    await helper.load(NODES, flow(), { server: { user: 'writer', password: 'pw-secret' } });
    const config = getNode('server');
    assert.equal((config.credentials as { password?: string }).password, 'pw-secret');
    const deployed = flow().map((n) =>
      (n as { id: string }).id === 'server' ? { ...n, credentials: { user: 'writer', password: 'pw-secret', token: 'tk-secret' } } : n,
    );
    await helper.setFlows(deployed);
    const flows = (helper as unknown as { _redNodes: { getFlows(): { flows: object[] } } })._redNodes.getFlows().flows;
    assert.ok(!JSON.stringify(flows).includes('pw-secret'));
    assert.ok(!JSON.stringify(flows).includes('tk-secret'));
  });

  it('stores every point exactly once when the server is killed mid-stream and comes back', async () => {
    await helper.load(NODES, flow({ batchRows: 5, batchMs: 20 }));
    const seen = statuses('out');
    const completed = collect('completed');
    const total = 200;
    for (let s = 0; s < total; s++) {
      send(epever(s));
      if (s === 60) await influxd.stop();
      if (s === 140) await influxd.start();
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => completed.length === total, 20_000, 'every message stored or spooled');
    await waitFor(() => shows(seen, 'yellow', /status\.spooled|status\.unreachable/), 5000, 'the outage shown');
    await eventually(async () => (await count()) === total, 30_000, 'every point replayed');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await count(), total);
    const times = rowsOf(await influxd.query('SELECT pv_array_power FROM epever_tracer', database)).map((r) => Date.parse(String(r.time)));
    assert.deepEqual(
      times,
      Array.from({ length: total }, (_, s) => T0 + s * 1000),
    );
    assert.equal(logged(WARN, /log\.down/).length, 1, 'one line for the outage');
  });

  it('keeps readings in the spool across a Node-RED restart and stores them when the server returns', async () => {
    await influxd.stop();
    try {
      await helper.load(NODES, flow());
      const seen = statuses('out');
      const completed = collect('completed');
      for (let s = 0; s < 30; s++) send(epever(s));
      await waitFor(() => completed.length === 30, 10_000, 'every message spooled');
      await waitFor(() => shows(seen, 'yellow', /status\.spooled/), 5000, 'a spool status');
      await helper.unload();
    } finally {
      await influxd.start();
    }
    await helper.load(NODES, flow());
    await eventually(async () => (await count()) === 30, 20_000, 'spooled points replayed');
  });

  it('bounds the spool: drops the oldest points past its size, counts them, and stores the rest', async () => {
    await influxd.stop();
    const total = 12_000;
    // Random digits deflate badly (the spool compresses): some thousands of these overflow a 1 MB spool.
    const noise = () => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x${i}`, Math.random()]));
    try {
      await helper.load(NODES, flow({ spoolMB: 1, batchRows: 100 }));
      const seen = statuses('out');
      const completed = collect('completed');
      for (let s = 0; s < total; s++) send({ ...epever(s), payload: { ...epever(s).payload, ...noise() } });
      await waitFor(() => completed.length === total, 30_000, 'every message spooled');
      // Red: points were lost since the deploy.
      await waitFor(() => seen.some((s) => s.fill === 'red'), 5000, 'a red status for the loss');
      await waitFor(() => logged(WARN, /log\.dropped/).length > 0, 5000, 'a dropped line');
    } finally {
      await influxd.start();
    }
    // The newest points survive; the oldest went. Exactly the stored ones plus the dropped ones make the total.
    await eventually(async () => (await count()) > 0, 20_000, 'the spool replayed');
    await eventually(
      async () => {
        const n = await count();
        await new Promise((r) => setTimeout(r, 500));
        return n === (await count());
      },
      20_000,
      'the replay to finish',
    );
    const stored = await count();
    const { droppedRows } = JSON.parse(await readFile(join(spoolDir, 'position.json'), 'utf8')) as { droppedRows: number };
    assert.ok(droppedRows > 0 && stored > 0, `${stored} of ${total} kept, ${droppedRows} dropped`);
    assert.equal(stored + droppedRows, total, 'every point stored or counted as dropped');
    const [newest] = rowsOf(await influxd.query('SELECT last(pv_array_power) FROM epever_tracer', database));
    assert.equal(newest.last, 143.8 + total - 1);
  });
});

describe('influxdb-out node: refused credentials', function () {
  this.timeout(90_000);
  let guarded: InfluxdServer;
  let spoolDir: string;

  before(async function () {
    if (!influxServersAvailable()) this.skip();
    guarded = await startInfluxd({ auth: true });
    await guarded.query('CREATE DATABASE solar');
    await helper.startServer();
  });

  after(async () => {
    await helper.stopServer();
    await guarded?.close();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });

  it('shows a bad password red, logs it once, keeps the points, and writes them once the user exists', async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'influx-auth-spool-'));
    await helper.load(
      NODES,
      onTab(
        [{ id: 'server', type: 'influxdb', url: guarded.url, api: 'v1', database: 'solar', timeoutMs: 2000 }],
        [
          { id: 'out', type: 'influxdb-out', influxdb: 'server', spoolDir, batchRows: 5, batchMs: 20 },
          { id: 'complete', type: 'complete', scope: ['out'], uncaught: false, wires: [['completed']] },
          { id: 'completed', type: 'helper' },
        ],
      ),
      { server: { user: 'writer', password: 'writer-pw' } },
    );
    const seen = statuses('out');
    const completed = collect('completed');
    for (let s = 0; s < 20; s++) getNode('out').receive(epever(s));
    await waitFor(() => completed.length === 20, 10_000, 'every message kept');
    await waitFor(() => seen.some((s) => s.fill === 'red' && /status\.auth/.test(String(s.text))), 10_000, 'a red auth status');
    // Retries go on behind the one line.
    await new Promise((r) => setTimeout(r, 2500));
    const lines = helper
      .log()
      .args.map((a) => a[0] as LogLine)
      .filter((l) => l.level === ERROR && l.id === 'out');
    assert.equal(lines.length, 1);
    assert.match(String(lines[0].msg), /influxdb-out\.log\.auth/);
    await guarded.query(`CREATE USER writer WITH PASSWORD 'writer-pw'`);
    await guarded.query('GRANT WRITE ON solar TO writer');
    const deadline = Date.now() + 40_000;
    for (;;) {
      const [row] = rowsOf(await guarded.query('SELECT count(pv_array_power) FROM epever_tracer', 'solar'));
      if (row && Number(row.count) === 20) break;
      if (Date.now() > deadline) throw new Error('points not written once the user exists');
      await new Promise((r) => setTimeout(r, 200));
    }
    await helper.unload();
  });
});
