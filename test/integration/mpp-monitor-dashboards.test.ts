// The MPP-Solar monitor's dashboard pages, one file per dashboard package: examples/mpp-pi30/
// mpp-solar-dashboard.json (Dashboard 2, `ui-*`) and mpp-solar-dashboard-1x.json (node-red-dashboard 1.x,
// `ui_*`). Each is checked for its widget -> group -> page wiring, then run in a real Node-RED with its
// dashboard package against the PI30 simulator, an MQTT broker and TimescaleDB holding a day of readings:
// live inverter values, the settings read at deploy, house sensors, weather and charts reach the widgets, and
// a button changes the simulated inverter's setting.
import assert from 'node:assert/strict';
import { connectAsync, type MqttClient } from 'mqtt';
import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { servePi30Tcp, type TcpEndpoint } from '../../nodes/mpp-pi30/simulator/serve';
import { EXAMPLE_CONFIG_IDS, pointAtStandIns } from '../../scripts/demo/example-config';
import { Dashboard1xClient, dashboard2Value, waitForDashboard2Value, type UiUpdate } from '../support/dashboard-clients';
import {
  checkDashboard1xChain,
  checkDashboardChain,
  DASHBOARD_1X_PACKAGE,
  DASHBOARD_PACKAGE,
  downstreamOf,
  knownNodeTypes,
  type FlowNode,
  readExample,
  PACKAGE_ROOT,
} from '../support/example-flow';
import { startBroker, type TestBroker } from '../support/mqtt-broker';
import { startNodeRedProcess, type NodeRedProcess } from '../support/node-red-process';
import { startTimescale, type TimescaleServer } from '../support/timescale';

const known = knownNodeTypes(PACKAGE_ROOT);
const read = (name: string) => readExample('mpp-pi30', name);
const FLOW_2 = read('mpp-solar-dashboard.json');
const FLOW_1X = read('mpp-solar-dashboard-1x.json');

const TEXTS = [
  'Mode',
  'AC output',
  'Battery voltage',
  'PV power',
  'Warnings',
  'Status',
  'Output source priority',
  'Charger source priority',
  'Last command',
  'Temperature',
  'Humidity',
  'Pressure',
  'Wind',
  'Precipitation',
];
const BUTTONS = ['POP00', 'POP01', 'POP02', 'PCP01', 'PCP02', 'PCP03'];
const CHARTS = ['24 hours', '7 days', '30 days'].flatMap((range) => [`PV and AC output power, ${range}`, `Battery SOC, ${range}`]);

const labelOf = (n: FlowNode) => String(n.title ?? n.label ?? n.name);
function widget(flow: readonly FlowNode[], label: string): FlowNode {
  const node = flow.find((n) => /^ui[-_]/.test(n.type) && labelOf(n) === label);
  assert.ok(node, `a widget "${label}"`);
  return node;
}

/** What both files must have: the same widgets, fed from the right nodes, buttons reaching only the node that may write. */
function checkWiring(flow: readonly FlowNode[], widgets: Map<string, FlowNode[]>, kind: '-' | '_'): void {
  const labels = (type: string) => (widgets.get(`ui${kind}${type}`) ?? []).map(labelOf).sort();
  assert.deepEqual(labels('text'), [...TEXTS].sort());
  assert.deepEqual(labels('gauge'), ['AC output load', 'Battery SOC']);
  assert.deepEqual(labels('chart'), [...CHARTS].sort());
  assert.deepEqual(labels('template'), ['house sensors']);
  assert.deepEqual((widgets.get(`ui${kind}button`) ?? []).map((b) => b.payload).sort(), [...BUTTONS].sort());

  const [reader, commander] = flow.filter((n) => n.type === 'mpp-pi30');
  assert.deepEqual([reader.allowWrites, commander.allowWrites, commander.interval], [false, true, 0]);
  assert.equal(reader.port, EXAMPLE_CONFIG_IDS.inverterPort);
  const fromReader = downstreamOf(flow, reader.id);
  for (const label of ['Mode', 'AC output', 'AC output load', 'Battery voltage', 'Battery SOC', 'PV power', 'Warnings', 'Status'])
    assert.ok(fromReader.has(widget(flow, label).id), `${label} is fed by the readings`);
  const fromCommands = downstreamOf(flow, commander.id);
  for (const label of ['Output source priority', 'Charger source priority', 'Last command'])
    assert.ok(fromCommands.has(widget(flow, label).id), `${label} shows the command node's replies`);
  for (const button of widgets.get(`ui${kind}button`) ?? []) {
    const reached = downstreamOf(flow, button.id);
    assert.ok(reached.has(commander.id), `${labelOf(button)} reaches the command node`);
    assert.ok(!reached.has(reader.id), `${labelOf(button)} never reaches the reading node`);
  }
  const query = flow.find((n) => n.type === 'timescale-query');
  assert.ok(query);
  assert.equal(query.database, EXAMPLE_CONFIG_IDS.database);
  for (const label of CHARTS) assert.ok(downstreamOf(flow, query.id).has(widget(flow, label).id), `${label} is fed from the database`);
  const houseIn = flow.find((n) => n.type === 'mqtt in' && n.topic === 'house/+');
  assert.ok(houseIn && downstreamOf(flow, houseIn.id).has(widget(flow, 'house sensors').id), 'house/+ feeds the house table');
  for (const n of flow) assert.ok(known.has(n.type) || ['tab', 'global-config'].includes(n.type), `${n.type} is a known type`);
}

describe('MPP-Solar dashboard examples', function () {
  this.timeout(120_000);

  it('Dashboard 2: pages Inverter, House and Charts on the shared base, groups of width 6 or less', () => {
    const widgets = checkDashboardChain(FLOW_2, known);
    assert.deepEqual(
      FLOW_2.filter((n) => n.type === 'ui-page').map((p) => [p.name, p.path]),
      [
        ['Inverter', '/inverter'],
        ['House', '/house'],
        ['Charts', '/charts'],
      ],
    );
    for (const g of FLOW_2.filter((n) => n.type === 'ui-group')) assert.ok(Number(g.width) <= 6, `${String(g.name)} reflows on a phone`);
    for (const n of FLOW_2) assert.ok(!n.type.startsWith('ui_'), 'no 1.x node');
    checkWiring(FLOW_2, widgets, '-');
    const epever = readExample('epever-tracer', 'epever-dashboard.json');
    for (const type of ['ui-base', 'ui-theme'])
      assert.deepEqual(
        FLOW_2.find((n) => n.type === type),
        epever.find((n) => n.type === type),
        `the same ${type} as the other examples`,
      );
  });

  it('1.x: tabs Inverter, House and Charts, groups of width 6 or less, the same widgets', () => {
    const widgets = checkDashboard1xChain(FLOW_1X, known);
    assert.deepEqual(
      FLOW_1X.filter((n) => n.type === 'ui_tab').map((t) => t.name),
      ['Inverter', 'House', 'Charts'],
    );
    for (const g of FLOW_1X.filter((n) => n.type === 'ui_group')) assert.ok(Number(g.width) <= 6, `${String(g.name)} reflows on a phone`);
    checkWiring(FLOW_1X, widgets, '_');
  });

  describe('running in a real Node-RED against the simulator, a broker and TimescaleDB', () => {
    let sim: Pi30Simulator;
    let inverter: TcpEndpoint;
    let broker: TestBroker;
    let database: TimescaleServer;
    let mqtt: MqttClient;
    /** The newest of the seeded buckets: 5-minute means over the last day. */
    const seeded = { pv: 1234.5, load: 456.7, soc: 87 };

    before(async () => {
      sim = new Pi30Simulator({ now: () => new Date('2026-06-21T12:00:00Z') });
      [inverter, broker, database] = await Promise.all([servePi30Tcp(sim, { port: 0 }), startBroker(), startTimescale()]);
      mqtt = await connectAsync(broker.url, { clean: true, reconnectPeriod: 0 });
      // A day of stored readings as the monitor flow's timescale-out stores them (the columns the charts read).
      const client = new Client({ ...database.connection });
      await client.connect();
      try {
        await client.query(`CREATE TABLE mpp_pi30 (time timestamptz NOT NULL, device text NOT NULL, pv_charging_power double precision,
          ac_output_active_power double precision, battery_soc double precision, PRIMARY KEY (device, time))`);
        await client.query(`INSERT INTO mpp_pi30
          SELECT t, 'inverter', 100, 200, 50 FROM generate_series(now() - interval '23 hours', now() - interval '1 hour', interval '10 minutes') AS t`);
        await client.query(`INSERT INTO mpp_pi30 VALUES (now() - interval '1 minute', 'inverter', $1, $2, $3)`, [seeded.pv, seeded.load, seeded.soc]);
      } finally {
        await client.end();
      }
    });

    after(async () => {
      // Leave no retained topics behind on a shared broker (MQTT_URL).
      for (const topic of ['house/kitchen_temperature', 'house/cellar_humidity', 'weather/temperature_2m'])
        await mqtt?.publishAsync(topic, '', { retain: true });
      await mqtt?.endAsync();
      await Promise.all([inverter?.close(), broker?.close(), database?.close()]);
    });

    function pointed(flow: readonly FlowNode[]): FlowNode[] {
      const brokerUrl = new URL(broker.url);
      const c = database.connection;
      return pointAtStandIns(flow, {
        inverter: { host: '127.0.0.1', port: inverter.port },
        mqtt: { host: brokerUrl.hostname, port: Number(brokerUrl.port || 1883) },
        database: { host: c.host, port: c.port, database: c.database, user: c.user },
      }).map((n) => (n.type === 'timescale-db' ? { ...n, poolSize: 1 } : n));
    }

    /** Publishes the house and weather values the pages show (after the flow's subscriptions are up: retained). */
    async function publishHouseAndWeather(): Promise<void> {
      await mqtt.publishAsync('house/kitchen_temperature', '21.5', { retain: true });
      await mqtt.publishAsync('house/cellar_humidity', 'n/a', { retain: true });
      await mqtt.publishAsync('weather/temperature_2m', '-3.5', { retain: true });
    }

    /** Sets the simulator back to SBU (its own setting) so each dashboard starts from the same state. */
    function resetInverter(): void {
      sim.answer('POP02');
    }

    describe('Dashboard 2', () => {
      let nodeRed: NodeRedProcess | undefined;
      let socket: Socket | undefined;

      before(async () => {
        resetInverter();
        await publishHouseAndWeather();
        nodeRed = await startNodeRedProcess({ flow: pointed(FLOW_2), modules: [DASHBOARD_PACKAGE] });
      });
      after(async () => {
        socket?.close();
        await nodeRed?.stop();
      });

      /** The last message widget `label` got, once `accept` takes it. */
      async function shown(label: string, accept: (msg: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
        return waitForDashboard2Value(nodeRed!.url, widget(FLOW_2, label).id, accept, 30_000).catch((err: Error) => {
          throw new Error(`${label}: ${err.message}\n${nodeRed!.output()}`);
        });
      }

      it('serves the three pages', async () => {
        for (const path of ['inverter', 'house', 'charts']) assert.equal((await fetch(`${nodeRed!.url}/dashboard/${path}`)).status, 200, path);
      });

      it("shows the inverter's live values, and that it is answering", async () => {
        const voltage = await shown('Battery voltage', (m) => m.payload !== '—');
        assert.match(String(voltage.payload), /^\d+\.\d\d V$/);
        assert.ok(parseFloat(String(voltage.payload)) > 40, 'a 48 V battery');
        assert.equal((await shown('Mode', () => true)).payload, 'Battery');
        const soc = (await shown('Battery SOC', () => true)).payload;
        assert.ok(typeof soc === 'number' && soc >= 0 && soc <= 100, `SOC ${String(soc)}`);
        assert.match(String((await shown('PV power', () => true)).payload), /^\d+ W$/);
        assert.match(String((await shown('AC output', () => true)).payload), /^\d+\.\d V, \d+ W$/);
        assert.equal((await shown('Warnings', () => true)).payload, 'none');
        const status = await shown('Status', (m) => String(m.payload).startsWith('live'));
        assert.match(String(status.payload), /^live, read at \d\d:\d\d:\d\d$/);
      });

      it('shows the current settings read at deploy, and a button changes the inverter', async () => {
        assert.equal((await shown('Output source priority', () => true)).payload, 'SBU (solar, battery, utility)');
        assert.equal((await shown('Charger source priority', () => true)).payload, 'Solar first');
        socket = io(nodeRed!.url, { path: '/dashboard/socket.io', transports: ['polling'], reconnection: false });
        await new Promise<void>((resolve, reject) => {
          socket!.once('connect', () => resolve());
          socket!.once('connect_error', reject);
        });
        // What the page sends when the button is clicked.
        socket.emit('widget-action', widget(FLOW_2, 'Utility first').id, { payload: null, _event: { type: 'click' } });
        await shown('Output source priority', (m) => m.payload === 'Utility first');
        assert.equal(sim.settings().outputSourcePriority, 0, 'the simulated inverter runs utility first');
        assert.match(String((await shown('Last command', () => true)).payload), /^POP00: done \(ACK\) at \d\d:\d\d$/);
        socket.emit('widget-action', widget(FLOW_2, 'Charge: solar only').id, { payload: null, _event: { type: 'click' } });
        await shown('Charger source priority', (m) => m.payload === 'Solar only');
        assert.equal(sim.settings().chargerSourcePriority, 3);
      });

      it('lists every house sensor, an unknown value as a dash, and the weather', async () => {
        const table = await shown('house sensors', (m) => Array.isArray(m.payload) && m.payload.length === 2);
        assert.deepEqual(
          (table.payload as { sensor: string; value: unknown }[]).map((r) => [r.sensor, r.value]),
          [
            ['cellar_humidity', '—'],
            ['kitchen_temperature', 21.5],
          ],
        );
        assert.equal((await shown('Temperature', () => true)).payload, '-3.5 °C');
      });

      it('charts 24 hours, 7 days and 30 days from the database', async () => {
        const id = widget(FLOW_2, 'PV and AC output power, 24 hours').id;
        let points: { payload: { t: number; value: number; series: string } }[] = [];
        for (const deadline = Date.now() + 30_000; points.length === 0 && Date.now() < deadline;) {
          const stored = (await dashboard2Value(nodeRed!.url, id)) as unknown;
          if (Array.isArray(stored)) points = stored as typeof points;
          else await new Promise((resolve) => setTimeout(resolve, 200));
        }
        const pv = points.filter((p) => p.payload.series === 'PV');
        const load = points.filter((p) => p.payload.series === 'AC output');
        assert.ok(pv.length >= 20, `a point per 5 minutes with readings: ${pv.length}`);
        assert.equal(pv.length, load.length);
        assert.equal(pv.at(-1)?.payload.value, seeded.pv, 'the newest bucket holds the newest reading');
        assert.equal(load.at(-1)?.payload.value, seeded.load);
        for (const label of ['Battery SOC, 7 days', 'PV and AC output power, 30 days']) {
          const stored = (await dashboard2Value(nodeRed!.url, widget(FLOW_2, label).id)) as unknown;
          assert.ok(Array.isArray(stored) && stored.length > 0, `${label} has points`);
        }
      });
    });

    describe('1.x dashboard', () => {
      let nodeRed: NodeRedProcess | undefined;
      let client: Dashboard1xClient | undefined;
      let socket: Socket | undefined;
      const id = (label: string) => widget(FLOW_1X, label).id;

      before(async () => {
        resetInverter();
        await publishHouseAndWeather();
        nodeRed = await startNodeRedProcess({ flow: pointed(FLOW_1X), modules: [DASHBOARD_1X_PACKAGE] });
        client = new Dashboard1xClient(nodeRed.url);
      });
      after(async () => {
        client?.close();
        socket?.close();
        await nodeRed?.stop();
      });

      const value = async (label: string, accept: (u: UiUpdate) => boolean = () => true) => (await client!.waitFor(id(label), accept, 30_000)).value;

      it('serves the dashboard at /ui', async () => {
        assert.equal((await fetch(`${nodeRed!.url}/ui/`)).status, 200);
      });

      it("shows the inverter's live values, and that it is answering", async () => {
        const voltage = String(await value('Battery voltage', (u) => u.value !== '—'));
        assert.match(voltage, /^\d+\.\d\d V$/);
        assert.ok(parseFloat(voltage) > 40);
        assert.equal(await value('Mode'), 'Battery');
        const soc = Number(await value('Battery SOC'));
        assert.ok(soc >= 0 && soc <= 100, `SOC ${soc}`);
        assert.match(String(await value('PV power')), /^\d+ W$/);
        assert.equal(await value('Warnings'), 'none');
        assert.match(String(await value('Status', (u) => String(u.value).startsWith('live'))), /^live, read at \d\d:\d\d:\d\d$/);
      });

      it('shows the current settings read at deploy, and a button changes the inverter', async () => {
        assert.equal(await value('Output source priority'), 'SBU (solar, battery, utility)');
        socket = io(nodeRed!.url, { path: '/ui/socket.io', transports: ['polling', 'websocket'], reconnection: false });
        await new Promise<void>((resolve, reject) => {
          socket!.once('connect', () => resolve());
          socket!.once('connect_error', reject);
        });
        // What the 1.x page sends when the button is clicked: the widget's id; the node sends its own payload.
        socket.emit('update-value', { id: id('Solar first'), value: 'POP01' });
        await value('Output source priority', (u) => u.value === 'Solar first');
        assert.equal(sim.settings().outputSourcePriority, 1, 'the simulated inverter runs solar first');
        assert.match(String(await value('Last command', (u) => String(u.value).startsWith('POP01'))), /^POP01: done \(ACK\) at \d\d:\d\d$/);
      });

      it('lists every house sensor, an unknown value as a dash, and the weather', async () => {
        const update = await client!.waitFor(
          id('house sensors'),
          (u) => Array.isArray((u.msg as { payload?: unknown } | undefined)?.payload) && (u.msg as { payload: unknown[] }).payload.length === 2,
          30_000,
        );
        assert.deepEqual(
          (update.msg as { payload: { sensor: string; value: unknown }[] }).payload.map((r) => [r.sensor, r.value]),
          [
            ['cellar_humidity', '—'],
            ['kitchen_temperature', 21.5],
          ],
        );
        assert.equal(await value('Temperature'), '-3.5 °C');
      });

      it('charts 24 hours, 7 days and 30 days from the database', async () => {
        // The 1.x chart sends its whole data as [{key, values: {series, data, labels}}].
        type ChartValue = { values: { series: string[]; data: { x: number; y: number }[][] } }[];
        const hasData = (u: UiUpdate) => Array.isArray(u.value) && (u.value as ChartValue)[0]?.values?.data?.[0]?.length > 0;
        const [power] = (await value('PV and AC output power, 24 hours', hasData)) as ChartValue;
        assert.deepEqual(power.values.series, ['PV', 'AC output']);
        assert.ok(power.values.data[0].length >= 20, `a point per 5 minutes with readings: ${power.values.data[0].length}`);
        assert.equal(power.values.data[0].at(-1)?.y, seeded.pv, 'the newest bucket holds the newest reading');
        assert.equal(power.values.data[1].at(-1)?.y, seeded.load);
        const [soc] = (await value('Battery SOC, 30 days', hasData)) as ChartValue;
        assert.deepEqual(soc.values.series, ['Battery SOC']);
      });
    });
  });
});
