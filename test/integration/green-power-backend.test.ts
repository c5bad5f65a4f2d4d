// The example flow examples/rollup/green-power-backend.json, run as a user would: telemetry over its TCP
// listener (JSON lines) into TimescaleDB (PGlite over the wire), bad messages, the roll-up tables' numbers for
// known readings with each table's retention, and the REST API (paging, validation, health, ready).
// MQTT with a shared subscription and two runtimes: green-power-scale-out.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TimescaleDbNode } from '../../nodes/timescale-db/db-node';
import { EXAMPLE_CONFIG_IDS } from '../../scripts/demo/example-config';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { knownNodeTypes, type FlowNode, readExample } from '../support/example-flow';
import { startBroker, type TestBroker } from '../support/mqtt-broker';
import { catchNode, getNode, helper, type Msg } from '../support/node-red';
import { freePort, type Connection } from '../support/postgres';
import { startTimescale, type TimescaleServer } from '../support/timescale';

/* eslint-disable @typescript-eslint/no-require-imports */
const CORE = (path: string) => require(`@node-red/nodes/core/${path}`);
const NODES = [
  catchNode,
  require('../../nodes/rollup/rollup'),
  require('../../nodes/timescale-db/timescale-db'),
  require('../../nodes/timescale-out/timescale-out'),
  require('../../nodes/timescale-query/timescale-query'),
  CORE('common/20-inject.js'),
  CORE('common/21-debug.js'),
  CORE('common/90-comment.js'),
  CORE('function/10-function.js'),
  CORE('function/10-switch.js'),
  CORE('function/15-change.js'),
  CORE('function/89-delay.js'),
  CORE('network/10-mqtt.js'),
  CORE('network/21-httpin.js'),
  CORE('network/31-tcpin.js'),
];

const ROOT = findPackageRoot(__dirname);
const FILE = join(ROOT, 'examples', 'rollup', 'green-power-backend.json');
const FLOW = JSON.parse(readFileSync(FILE, 'utf8')) as FlowNode[];
const byName = (name: string) => {
  const node = FLOW.find((n) => n.name === name);
  assert.ok(node, `the flow has a node "${name}"`);
  return node;
};

/** The example with its broker, database and TCP port moved to the test's, and short batches. */
function patched(c: Connection, brokerUrl: string, tcpPort: number, spoolDir: string): FlowNode[] {
  const broker = new URL(brokerUrl);
  return FLOW.map((n) => {
    switch (n.type) {
      case 'mqtt-broker':
        return { ...n, broker: broker.hostname, port: broker.port };
      case 'timescale-db':
        // PGlite serves one connection at a time.
        return { ...n, host: c.host, port: c.port, database: c.database, user: c.user, poolSize: 1 };
      case 'tcp in':
        return { ...n, port: String(tcpPort) };
      case 'timescale-out':
        return { ...n, spoolDir: join(spoolDir, n.id), batchMs: 50 };
      default:
        return n;
    }
  });
}

async function deploy(flow: FlowNode[], c: Connection): Promise<{ base: string; http: Server }> {
  let httpNode: RequestListener | undefined;
  const captureHttpNode = (RED: { httpNode: RequestListener }) => {
    httpNode = RED.httpNode;
  };
  // The helper loads its own catch module once per catch node; the flow has several: load it once.
  const internals = helper as unknown as { _nodeModules: Record<string, unknown> };
  const { catch: helperCatch, ...others } = internals._nodeModules;
  internals._nodeModules = others;
  try {
    await helper.load([...NODES, captureHttpNode], flow, { [EXAMPLE_CONFIG_IDS.database]: { password: c.password } });
  } finally {
    internals._nodeModules = { ...others, catch: helperCatch };
  }
  assert.ok(httpNode, 'the http in nodes have an app');
  const http = createServer(httpNode);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  return { base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, http };
}

/** Sends lines over one TCP connection, as a device's gateway would, and closes it. */
async function sendLines(port: number, lines: string[]): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  await new Promise<void>((resolve) => socket.end(lines.map((l) => `${l}\n`).join(''), resolve));
}

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 20_000): Promise<T> {
  // performance.now: the roll-up test moves Date.
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const near = (actual: unknown, expected: number, what: string) =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-6, `${what}: ${String(actual)} != ${expected}`);

/** The example deployed against its own TimescaleDB and broker, started in a before hook. */
function runningExample() {
  let db: TimescaleServer | undefined;
  let broker: TestBroker | undefined;
  let http: Server | undefined;
  let base = '';
  let tcpPort = 0;
  let spoolDir = '';
  let dbClosed: Promise<void> | undefined;
  const closeDb = () => (dbClosed ??= db?.close() ?? Promise.resolve());
  // Through the flow's own pool: PGlite serves one connection at a time.
  const sql = async <R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]> => {
    const database = (getNode(EXAMPLE_CONFIG_IDS.database) as unknown as TimescaleDbNode).database;
    assert.ok(database, 'the database node has a pool');
    return (await database.pool.query<R>(text, values)).rows;
  };
  return {
    sql,
    closeDb,
    get: (path: string) => getJson(base + path),
    send: (lines: string[]) => sendLines(tcpPort, lines),
    async start() {
      [db, broker, tcpPort, spoolDir] = await Promise.all([startTimescale(), startBroker(), freePort(), mkdtemp(join(tmpdir(), 'green-power-'))]);
      ({ base, http } = await deploy(patched(db.connection, broker.url, tcpPort, spoolDir), db.connection));
      // The REST function is made at start.
      await until(
        'green_power_page()',
        () => sql("SELECT to_regproc('green_power_page') IS NOT NULL AS made"),
        (r) => r[0]?.made === true,
      );
    },
    async stop() {
      await helper.unload();
      if (http) await new Promise((resolve) => http?.close(resolve));
      await broker?.close();
      await closeDb();
      if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
    },
  };
}

describe('green-power example: telemetry over TCP -> checked readings -> roll-ups -> TimescaleDB -> REST', function () {
  this.timeout(60_000);

  it('imports: one tab, unique ids, known node types, no dashboard, the shared broker and database, a $share subscription', () => {
    const ids = new Set(FLOW.map((n) => n.id));
    assert.equal(ids.size, FLOW.length);
    assert.equal(FLOW.filter((n) => n.type === 'tab').length, 1);
    const known = knownNodeTypes(ROOT);
    for (const node of FLOW) {
      assert.ok(node.type === 'tab' || known.has(node.type), `${node.type} is a node type Node-RED knows`);
      assert.doesNotMatch(node.type, /^ui[-_]/, 'no dashboard node');
      for (const target of ((node.wires ?? []) as string[][]).flat()) assert.ok(ids.has(target), `${node.id} -> ${target}`);
    }
    const shared = readExample('ha-discovery', 'epever-inverter-to-home-assistant.json');
    const broker = FLOW.find((n) => n.type === 'mqtt-broker');
    assert.deepEqual(
      broker,
      shared.find((n) => n.id === EXAMPLE_CONFIG_IDS.mqttBroker),
    );
    assert.equal(FLOW.find((n) => n.type === 'timescale-db')?.id, EXAMPLE_CONFIG_IDS.database);
    assert.equal(byName('telemetry (shared)').topic, '$share/green-power/green-power/telemetry/#');
    assert.ok(!/password/i.test(JSON.stringify(FLOW.filter((n) => n.type === 'timescale-db'))), 'no password in the flow');
  });

  describe('running on TimescaleDB', () => {
    const example = runningExample();
    const bad: Msg[] = [];
    const { sql, get, send } = example;

    before(async () => {
      await example.start();
      getNode(byName('count').id).on('input', (msg: Msg) => bad.push(msg));
    });
    after(() => example.stop());

    it('stores each JSON line from the TCP listener as one row of its type, names in snake_case', async () => {
      await send([
        JSON.stringify({ device_id: 'site-1', type: 'rt', timestamp: '2026-01-26T10:00:00Z', data: { activePower: 1520, voltage: '231.5' } }),
        JSON.stringify({ device_id: 'site-1', type: 'environment', timestamp: '2026-01-26T10:00:00.250+01:00', temperature: 21.5, humidity: null }),
        JSON.stringify({ device_id: 'site-2', type: 'generator', timestamp: 1769421600000, data: { fuel_level: 80 } }),
      ]);
      const rt = await until(
        'the rt row',
        () => sql('SELECT device, time, active_power, voltage FROM grid_rt_data'),
        (r) => r.length === 1,
      );
      assert.deepEqual(rt, [{ device: 'site-1', time: new Date('2026-01-26T10:00:00Z'), active_power: 1520, voltage: 231.5 }]);
      const env = await until(
        'the environment row',
        () => sql('SELECT * FROM environment_data'),
        (r) => r.length === 1,
      );
      assert.deepEqual(env, [{ device: 'site-1', time: new Date('2026-01-26T09:00:00.250Z'), temperature: 21.5 }]);
      const gen = await until(
        'the generator row',
        () => sql('SELECT device, time, fuel_level FROM generator_data'),
        (r) => r.length === 1,
      );
      assert.deepEqual(gen, [{ device: 'site-2', time: new Date(1769421600000), fuel_level: 80 }]);
    });

    it('sends a bad message to the Catch node with the reason and counts it; the next one is stored', async () => {
      const before = bad.length;
      await send([
        '{"device_id": "site-3", "type": "rt", ',
        JSON.stringify({ device_id: 'site-3', type: 'weather', data: { t: 1 } }),
        JSON.stringify({ device_id: 'site-3', type: 'rt', timestamp: '2026-02-30T00:00:00Z', data: { p: 1 } }),
        JSON.stringify({ device_id: 'site-3', type: 'rt', timestamp: '2026-01-26T10:00:00', data: { p: 1 } }),
        JSON.stringify({ device_id: 'site 3', type: 'rt', data: { p: 1 } }),
        JSON.stringify({ device_id: 'site-3', type: 'rt', data: { power: 'high' } }),
        JSON.stringify({ device_id: 'site-3', type: 'rt', data: {} }),
        JSON.stringify({ device_id: 'site-3', type: 'solar', timestamp: '2026-01-26T11:00:00Z', data: { pv_power: 640 } }),
      ]);
      await until(
        'the good line after the bad ones',
        () => sql('SELECT device, pv_power FROM solar_data'),
        (r) => r.length === 1,
      );
      await until(
        'seven bad messages',
        async () => bad.length - before,
        (n) => n >= 7,
      );
      const reasons = bad.slice(before).map((m) => String((m.error as { message: string }).message));
      assert.equal(reasons.length, 7);
      for (const [i, pattern] of [
        /bad telemetry \(TCP line\): not JSON/,
        /type must be one of rt, eny-now, environment, solar, generator \(got "weather"\)/,
        /timestamp 2026-02-30T00:00:00Z is not a date and time that exists/,
        /timestamp must be ISO 8601 with a zone/,
        /device_id must be 1 to 64 letters/,
        /field "power" is not a number \("high"\)/,
        /no numeric reading/,
      ].entries()) {
        assert.match(reasons[i], pattern);
      }
      const health = await get('/api/health/');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'ok');
      assert.equal(health.body.bad_messages, 7);
      assert.equal(health.body.readings, 4);
    });

    it('pages a query: count, next and previous, page_size capped at 1000, past the last page 404', async () => {
      const start = Date.parse('2026-01-27T00:00:00Z');
      await send(
        Array.from({ length: 7 }, (_, i) =>
          JSON.stringify({
            device_id: 'site-p',
            type: 'environment',
            timestamp: new Date(start + i * 60_000).toISOString(),
            data: { temperature: 10 + i },
          }),
        ),
      );
      await until(
        'seven rows',
        () => sql("SELECT count(*)::int AS n FROM environment_data WHERE device = 'site-p'"),
        (r) => r[0]?.n === 7,
      );
      const path = '/api/telemetry/environment-data/?start_time=2026-01-27T00:00:00Z&end_time=2026-01-27T12:00:00Z&device_id=site-p';
      const first = await get(`${path}&page_size=3`);
      assert.equal(first.status, 200);
      assert.equal(first.body.count, 7);
      assert.equal(first.body.previous, null);
      assert.equal(
        first.body.next,
        '/api/telemetry/environment-data/?start_time=2026-01-27T00%3A00%3A00Z&end_time=2026-01-27T12%3A00%3A00Z&device_id=site-p&page_size=3&page=2',
      );
      assert.deepEqual(first.body.results, [
        { device_id: 'site-p', timestamp: '2026-01-27T00:00:00.000Z', temperature: 10 },
        { device_id: 'site-p', timestamp: '2026-01-27T00:01:00.000Z', temperature: 11 },
        { device_id: 'site-p', timestamp: '2026-01-27T00:02:00.000Z', temperature: 12 },
      ]);
      const second = await get(String(first.body.next));
      assert.deepEqual(
        (second.body.results as { temperature: number }[]).map((r) => r.temperature),
        [13, 14, 15],
      );
      const last = await get(`${path}&page_size=3&page=3`);
      assert.deepEqual([last.body.next, (last.body.results as unknown[]).length], [null, 1]);
      assert.match(String(last.body.previous), /page=2$/);
      const past = await get(`${path}&page_size=3&page=4`);
      assert.deepEqual([past.status, past.body], [404, { error: 'page 4 is past the last page (3)' }]);
      const capped = await get(`${path}&page_size=5000`);
      assert.deepEqual([capped.status, capped.body.page_size, (capped.body.results as unknown[]).length], [200, 1000, 7]);
      const other = await get('/api/telemetry/environment-data/?start_time=2026-01-27T00:00:00Z&end_time=2026-01-27T12:00:00Z&device_id=nobody');
      assert.deepEqual([other.body.count, other.body.results], [0, []]);
      const notYet = await get('/api/telemetry/eny-now-data/?interval=3h');
      assert.deepEqual([notYet.status, notYet.body.count], [200, 0], 'a table with no rows yet is an empty page');
    });

    it('answers a bad query string with 400 and the reason, an unknown kind with 404', async () => {
      const cases: [string, number, string][] = [
        ['rt-data/?start_time=yesterday', 400, 'start_time must be an ISO 8601 time with a zone, e.g. 2026-01-26T00:00:00Z'],
        ['rt-data/?end_time=2026-02-30T00:00:00Z', 400, 'end_time must be an ISO 8601 time with a zone, e.g. 2026-01-26T00:00:00Z'],
        ['rt-data/?start_time=2026-01-27T00:00:00Z&end_time=2026-01-26T00:00:00Z', 400, 'start_time must be before end_time'],
        ['rt-data/?page=0', 400, 'page must be a whole number from 1'],
        ['rt-data/?page_size=ten', 400, 'page_size must be a whole number from 1'],
        ['rt-data/?device_id=%00', 400, 'device_id must be 1 to 64 letters, digits, _ . : or -'],
        ['rt-data/?interval=5m', 400, 'interval must be one of raw, 1m, 10m, 30m, 3h, 6h for rt-data'],
        ['eny-now-data/?interval=1m', 400, 'interval must be one of raw, 30m, 3h, 6h for eny-now-data'],
        ['rt-data/?page=1&page=2', 400, 'page given more than once'],
        ['rt-data/?limit=5', 400, 'unknown parameter limit'],
        ['weather-data/', 404, 'no data kind "weather-data"; one of rt-data, eny-now-data, environment-data, solar-data, generator-data'],
      ];
      for (const [path, status, error] of cases) {
        const answer = await get(`/api/telemetry/${path}`);
        assert.deepEqual([answer.status, answer.body], [status, { error }], path);
      }
    });

    it('answers /api/ready/ 200 while the database answers and 503 when it is away; /api/health/ stays 200', async () => {
      assert.deepEqual(await get('/api/ready/'), { status: 200, body: { status: 'ready', database: 'reachable' } });
      await example.closeDb();
      assert.deepEqual(await get('/api/ready/'), { status: 503, body: { status: 'not ready', database: 'unavailable' } });
      const health = await get('/api/health/');
      assert.deepEqual([health.status, health.body.status], [200, 'ok']);
      const page = await get('/api/telemetry/rt-data/');
      assert.deepEqual(page, { status: 503, body: { error: 'database unavailable' } });
    });
  });

  describe('roll-ups on TimescaleDB, with the clock moved', () => {
    // The rollup node closes windows on the clock (Date.now) and arms its timer, when a reading comes, for the
    // next window end unless armed sooner already (at start: a minute on). Date.now is set before the deploy
    // (05:59:50, so the start's timers are armed for 06:00:50); it stands at 06:00:04 while the readings of
    // 05:59:00 ... 05:59:45 come (the windows ending at 06:00 take them until 06:00:05, the end plus the 5 s
    // grace), so each rollup's timer is armed 1 s ahead, then moves past 06:00:05, where the 1m ... 6h windows
    // all close. Timers and sockets run as usual.
    const realNow = Date.now;
    // Tomorrow (UTC): ahead of every time anything took from the clock before.
    const day = new Date(realNow() + 86_400_000).toISOString().slice(0, 10);
    const at = (hms: string) => Date.parse(`${day}T${hms}Z`);
    let now = at('05:59:50');
    const example = runningExample();
    const { sql, get, send } = example;

    before(async () => {
      Date.now = () => now;
      await example.start();
    });
    after(async () => {
      Date.now = realNow;
      await example.stop();
    });

    it('rolls known readings up into every window table and keeps each table as long as the old tier', async () => {
      now = at('06:00:04');
      const reading = async (hms: string, i: number, power: number) => {
        const timestamp = new Date(at(hms)).toISOString();
        await send([
          JSON.stringify({ device_id: 'site-r', type: 'rt', timestamp, data: { active_power: power, voltage: 230 + i } }),
          JSON.stringify({ device_id: 'site-r', type: 'environment', timestamp, data: { temperature: 20 + i } }),
          JSON.stringify({ device_id: 'site-r', type: 'eny-now', timestamp, data: { energy_today_kwh: 1 + i } }),
        ]);
        await until(
          `the readings of ${hms}`,
          () => sql('SELECT count(*)::int AS n FROM grid_eny_now_data'),
          (r) => r[0]?.n === i + 1,
        );
      };
      await reading('05:59:00', 0, 100);
      await reading('05:59:15', 1, 200);
      await reading('05:59:30', 2, 300);
      await reading('05:59:45', 3, 400);
      // After 06:00 plus the 5 s grace: the last power reading also completes the energy of the windows before.
      now = at('06:00:06');
      await reading('06:00:06', 4, 400);
      await send([
        JSON.stringify({ device_id: 'site-r', type: 'solar', timestamp: now, data: { pv_power: 800 } }),
        JSON.stringify({ device_id: 'site-r', type: 'generator', timestamp: now, data: { fuel_level: 60 } }),
      ]);
      const tables = ['grid_rt_data_6h', 'environment_data_6h', 'grid_eny_now_data_6h'];
      for (const table of tables)
        await until(
          `${table}`,
          () => sql(`SELECT count(*)::int AS n FROM ${table}`),
          (r) => r[0]?.n === 1,
        );

      // active_power 100, 200, 300, 400 every 15 s, then 400 at 06:00:06: trapezoids, and 400 W from 05:59:45.
      const energyWh = (150 * 15 + 250 * 15 + 350 * 15 + 400 * 15) / 3600;
      const starts: Record<string, string> = { '1m': '05:59:00', '10m': '05:50:00', '30m': '05:30:00', '3h': '03:00:00', '6h': '00:00:00' };
      for (const [window, start] of Object.entries(starts)) {
        const [row] = await sql(`SELECT * FROM grid_rt_data_${window}`);
        assert.deepEqual(
          [row.time, row.sample_count, row.active_power_avg, row.active_power_min, row.active_power_max, row.active_power_sum, row.voltage_last],
          [new Date(at(start)), 4, 250, 100, 400, 1000, 233],
          window,
        );
        near(row.active_power_stddev, Math.sqrt((150 ** 2 + 50 ** 2 + 50 ** 2 + 150 ** 2) / 3), `${window} stddev`);
        near(row.active_energy_wh, energyWh, `${window} energy`);
        const [env] = await sql(`SELECT time, temperature_avg, temperature_first, temperature_last FROM environment_data_${window}`);
        assert.deepEqual(env, { time: new Date(at(start)), temperature_avg: 21.5, temperature_first: 20, temperature_last: 23 }, window);
      }
      for (const window of ['30m', '3h', '6h']) {
        const [row] = await sql(`SELECT sample_count, energy_today_kwh_avg, energy_today_kwh_max FROM grid_eny_now_data_${window}`);
        assert.deepEqual(row, { sample_count: 4, energy_today_kwh_avg: 2.5, energy_today_kwh_max: 4 }, window);
      }
      const energyTables = await sql(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'grid\\_eny\\_now\\_data\\_%' ORDER BY 1",
      );
      assert.deepEqual(
        energyTables.map((r) => r.table_name),
        ['grid_eny_now_data_30m', 'grid_eny_now_data_3h', 'grid_eny_now_data_6h'],
        'energy now has no 1m or 10m roll-ups',
      );

      // The REST API reads the roll-up tables with interval=.
      const tenMinutes = await get(`/api/telemetry/rt-data/?interval=10m&device_id=site-r&start_time=${day}T00:00:00Z&end_time=${day}T23:59:59Z`);
      assert.equal(tenMinutes.status, 200);
      assert.equal(tenMinutes.body.count, 1);
      const [result] = tenMinutes.body.results as Record<string, unknown>[];
      assert.deepEqual([result.device_id, result.timestamp, result.active_power_avg], ['site-r', `${day}T05:50:00.000Z`, 250]);

      // Retention: the old today / 7 days / 30 days / 6 months / this year, one TimescaleDB policy per table.
      await until(
        'solar and generator rows',
        () => sql('SELECT (SELECT count(*) FROM solar_data) + (SELECT count(*) FROM generator_data) AS n'),
        (r) => Number(r[0]?.n) === 2,
      );
      const policies = await sql<{ hypertable_name: string; drop_after: string }>(
        "SELECT hypertable_name, config->>'drop_after' AS drop_after FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'",
      );
      const kept = Object.fromEntries(policies.map((p) => [p.hypertable_name, p.drop_after]));
      const expected: Record<string, string> = {
        grid_rt_data: '7 days',
        environment_data: '7 days',
        grid_eny_now_data: '7 days',
        solar_data: '7 days',
        generator_data: '7 days',
        grid_rt_data_1m: '1 day',
        environment_data_1m: '1 day',
        grid_rt_data_10m: '7 days',
        environment_data_10m: '7 days',
        grid_rt_data_30m: '30 days',
        environment_data_30m: '30 days',
        grid_eny_now_data_30m: '30 days',
        grid_rt_data_3h: '180 days',
        environment_data_3h: '180 days',
        grid_eny_now_data_3h: '180 days',
        grid_rt_data_6h: '365 days',
        environment_data_6h: '365 days',
        grid_eny_now_data_6h: '365 days',
      };
      assert.deepEqual(kept, expected);
    });
  });
});
