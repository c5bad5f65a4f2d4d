// The Epever pages (examples/epever-tracer/epever-dashboard.json for Dashboard 2, -1x.json for the 1.x dashboard)
// imported beside timescale-out/epever-to-timescale, which stores the readings their history reads, in one real
// Node-RED with both dashboard packages, the Epever simulator on TCP and TimescaleDB: the gauges and texts get the
// controller's values, the day's energy comes as bars, the history chart gets the stored readings, and the
// controller going silent shows as stale.
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { pointAtStandIns } from '../../scripts/demo/example-config';
import { joinFlows } from '../../scripts/demo/flow';
import { Dashboard1xClient, dashboard2Value, waitForDashboard2Value, type UiUpdate } from '../support/dashboard-clients';
import { NOON } from '../support/epever-on-tcp';
import {
  checkDashboard1xChain,
  checkDashboardChain,
  DASHBOARD_1X_PACKAGE,
  DASHBOARD_PACKAGE,
  knownNodeTypes,
  type FlowNode,
  readExample,
  PACKAGE_ROOT,
} from '../support/example-flow';
import { startNodeRedProcess, type NodeRedProcess } from '../support/node-red-process';
import { startTimescale, type TimescaleServer } from '../support/timescale';

const known = knownNodeTypes(PACKAGE_ROOT);
const read = readExample;
const d2 = read('epever-tracer', 'epever-dashboard.json');
const d1 = read('epever-tracer', 'epever-dashboard-1x.json');
const storing = read('timescale-out', 'epever-to-timescale.json');

/** A widget of a flow by its title or label. */
function widget(flow: FlowNode[], type: string, title: string): FlowNode {
  const node = flow.find((n) => n.type === type && (n.title ?? n.label) === title);
  if (!node) throw new Error(`no ${type} "${title}"`);
  return node;
}
const byName = (flow: FlowNode[], name: string) => flow.find((n) => n.name === name)!;

interface ChartSet {
  series: string[];
  labels: string[];
  data: (number | null)[][];
}
/** What a 1.x chart sent its page: the data set it was given, under `values`. */
function dataSet(update: UiUpdate): ChartSet | undefined {
  const value = update.value as { values?: ChartSet }[] | undefined;
  return Array.isArray(value) ? value[0]?.values : undefined;
}

describe('Epever pages in a real Node-RED, both dashboard packages, the simulator and TimescaleDB', function () {
  this.timeout(60_000);
  let epever: EpeverSimulator;
  let epeverServer: TcpEndpoint | undefined;
  let database: TimescaleServer | undefined;
  let nodeRed: NodeRedProcess | undefined;
  let client: Dashboard1xClient | undefined;

  /** Dashboard 2's last message for widget `id`, once `accept` takes it. */
  async function shown2(
    id: string,
    accept: (stored: Record<string, unknown>) => boolean,
    what: string,
    ms = 20_000,
  ): Promise<Record<string, unknown>> {
    return waitForDashboard2Value(nodeRed!.url, id, accept, ms).catch((err: Error) => {
      throw new Error(`never showed ${what}: ${err.message}`);
    });
  }
  /** Presses an inject node's button, as the editor does. */
  async function press(id: string): Promise<void> {
    const response = await fetch(`${nodeRed!.url}/inject/${id}`, { method: 'POST' });
    assert.equal(response.status, 200, `inject ${id}`);
  }

  before(async () => {
    epever = new EpeverSimulator({ unitId: 1, now: () => NOON });
    epeverServer = await serveTcp([epever], { port: 0 });
    database = await startTimescale();
    const c = database.connection;
    const flow = pointAtStandIns(joinFlows(d2, d1, storing), {
      epever: { host: '127.0.0.1', port: epeverServer.port },
      database: { host: c.host, port: c.port, database: c.database, user: c.user },
    });
    nodeRed = await startNodeRedProcess({ flow, modules: [DASHBOARD_PACKAGE, DASHBOARD_1X_PACKAGE] });
    client = new Dashboard1xClient(nodeRed.url);
  });
  after(async () => {
    client?.close();
    await nodeRed?.stop();
    await database?.close();
    await epeverServer?.close();
  });

  it('hangs every widget on a group and a page of its own dashboard: gauges, texts, bars, history', () => {
    const widgets2 = checkDashboardChain(d2, known);
    assert.deepEqual([...widgets2.keys()].sort(), ['ui-button-group', 'ui-chart', 'ui-gauge', 'ui-text']);
    assert.equal(d2.find((n) => n.type === 'ui-page')?.path, '/solar');
    const widgets1 = checkDashboard1xChain(d1, known);
    assert.deepEqual([...widgets1.keys()].sort(), ['ui_button', 'ui_chart', 'ui_gauge', 'ui_text']);
    for (const flow of [d2, d1]) {
      for (const group of flow.filter((n) => n.type === 'ui-group' || n.type === 'ui_group'))
        assert.ok(Number(group.width) <= 6, 'reflows on a phone');
      assert.equal(flow.find((n) => n.type === 'modbus-bus')?.transport, 'serial', 'set for the real controller');
      assert.equal(flow.find((n) => n.type === 'epever-tracer')?.deviceId, 'shed', 'the device the stored readings are under');
    }
    assert.doesNotMatch(nodeRed!.output(), /missing types|Unknown type|\[error\] \[ui[-_]/);
  });

  it("shows the controller's SOC, voltage, PV power, load and charging mode on both dashboards", async () => {
    const plant = epever.plant();
    const soc = await shown2(widget(d2, 'ui-gauge', 'Battery SOC').id, (m) => typeof m.payload === 'number', 'the SOC');
    assert.equal(soc.payload, Math.round(plant.soc));
    const pv = await shown2(widget(d2, 'ui-gauge', 'PV power').id, (m) => typeof m.payload === 'number', 'PV power');
    assert.ok(Math.abs((pv.payload as number) - plant.pvVoltage * plant.pvCurrent) < 0.5, `PV ${String(pv.payload)}`);
    const volts = await shown2(widget(d2, 'ui-gauge', 'Battery voltage').id, (m) => typeof m.payload === 'number', 'the voltage');
    assert.ok(Math.abs((volts.payload as number) - plant.batteryVoltage) < 0.02);
    const load = await shown2(widget(d2, 'ui-text', 'Load').id, (m) => /W$/.test(String(m.payload)), 'the load');
    assert.match(String(load.payload), /^\d+(\.\d)? W$/);
    const mode = await shown2(widget(d2, 'ui-text', 'Charging mode').id, (m) => typeof m.payload === 'string' && m.payload !== '—', 'the mode');
    assert.equal(mode.payload, plant.chargingMode);
    const state = await shown2(widget(d2, 'ui-text', 'Controller').id, (m) => /^answering/.test(String(m.payload)), 'answering');
    assert.match(String(state.payload), /^answering, last reading \d\d:\d\d:\d\d$/);

    const value = async (title: string, type = 'ui_gauge') => (await client!.waitFor(widget(d1, type, title).id, (u) => u.value !== '—')).value;
    assert.equal(await value('Battery SOC'), Math.round(plant.soc));
    assert.ok(Math.abs(Number(await value('PV power')) - plant.pvVoltage * plant.pvCurrent) < 0.5);
    assert.equal(await value('Charging mode', 'ui_text'), plant.chargingMode);
    assert.equal(await value('Load', 'ui_text'), load.payload, 'the same text on both dashboards');
  });

  it("draws today's PV and load energy as bars once the day so far is flushed", async () => {
    const flush = byName(d2, 'today so far, every minute');
    const bars2 = widget(d2, 'ui-chart', 'Energy per day (kWh)');
    const bars1 = widget(d1, 'ui_chart', 'Energy per day (kWh)');
    const today = (() => {
      const d = new Date();
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    })();
    // Energy needs two readings (5 s apart); flush both pages' rollups until the day has some.
    let update: UiUpdate | undefined;
    for (const deadline = Date.now() + 20_000; !update && Date.now() < deadline;) {
      await press(flush.id);
      await press(byName(d1, 'today so far, every minute').id);
      update = client!.valuesOf(bars1.id).find((u) => {
        const set = dataSet(u);
        return set?.labels.includes(today) && (set.data[0].at(-1) ?? 0) > 0;
      });
      if (!update) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.ok(update, `the 1.x bars: ${JSON.stringify(client!.valuesOf(bars1.id).at(-1))}`);
    const set = dataSet(update)!;
    assert.deepEqual(set.series, ['PV', 'Load']);
    assert.equal(typeof set.data[1].at(-1), 'number', 'load energy too');
    // Dashboard 2 keeps a chart's points as the messages that brought them.
    const stored = await dashboard2Value(nodeRed!.url, bars2.id);
    const points = (Array.isArray(stored) ? stored : [stored]) as { topic?: string; payload?: { x: string; y: number } }[];
    const pvBar = points.find((p) => p.topic === 'PV' && p.payload?.x === today);
    assert.ok(pvBar && pvBar.payload!.y > 0, `Dashboard 2 bars: ${JSON.stringify(stored)}`);
  });

  it('charts the stored readings of the last 24 hours from TimescaleDB, and says how many averages', async () => {
    const refresh2 = byName(d2, 'refresh every 5 minutes');
    const note2 = widget(d2, 'ui-text', 'History');
    let note: Record<string, unknown> | undefined;
    // timescale-out stores each reading within a second; ask until the history has some.
    for (const deadline = Date.now() + 20_000; !note && Date.now() < deadline;) {
      await press(refresh2.id);
      await press(byName(d1, 'refresh every 5 minutes').id);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const last = await dashboard2Value(nodeRed!.url, note2.id);
      if (/^\d+ averages over the last 24 hours$/.test(String(last?.payload))) note = last;
    }
    assert.ok(note, 'the history note');
    const chart = await dashboard2Value(nodeRed!.url, widget(d2, 'ui-chart', 'PV and load power (W)').id);
    const points = (Array.isArray(chart) ? chart : [chart]) as { payload?: { series: string; t: number; w: number } }[];
    const pv = points.filter((p) => p.payload?.series === 'PV');
    assert.ok(pv.length > 0 && pv.every((p) => p.payload!.w > 0), `Dashboard 2 history: ${JSON.stringify(chart)}`);
    assert.ok(
      pv.every((p) => Date.now() - p.payload!.t < 86_400_000 + 300_000),
      'within the last 24 hours',
    );
    const history1 = await client!.waitFor(widget(d1, 'ui_chart', 'PV and load power (W)').id, (u) => {
      const set = dataSet(u);
      return set?.series[0] === 'PV' && set.data[0].length > 0;
    });
    const set = dataSet(history1) as unknown as { data: { x: number; y: number }[][] };
    assert.ok(
      set.data[0].every((p) => p.y > 0 && Date.now() - p.x < 86_400_000 + 300_000),
      'PV within the last 24 hours',
    );
  });

  it("each page's 7 d button charts the last 7 days", async () => {
    // A click, as each page sends it over its dashboard's socket.
    const click = async (path: string, send: (page: ReturnType<typeof io>) => void) => {
      const page = io(nodeRed!.url, { path, transports: ['polling', 'websocket'], reconnection: false });
      await new Promise<void>((resolve) => page.once('connect', () => resolve()));
      send(page);
      return page;
    };
    const sevenDays = /^\d+ averages over the last 7 days$/;
    const button1 = d1.find((n) => n.type === 'ui_button' && n.label === '7 d')!;
    const page1 = await click('/ui/socket.io', (page) => page.emit('update-value', { id: button1.id, value: true }));
    const page2 = await click('/dashboard/socket.io', (page) => page.emit('widget-change', widget(d2, 'ui-button-group', '').id, 168));
    try {
      const update = await client!.waitFor(widget(d1, 'ui_text', 'History').id, (u) => sevenDays.test(String(u.value)));
      assert.match(String(update.value), sevenDays);
      await shown2(widget(d2, 'ui-text', 'History').id, (m) => sevenDays.test(String(m.payload)), 'the 7 days');
    } finally {
      page1.close();
      page2.close();
    }
  });

  it('says "stale since hh:mm" on both dashboards when the controller stops answering', async () => {
    epever.faults.silent = true;
    const text2 = widget(d2, 'ui-text', 'Controller');
    const state = await shown2(text2.id, (m) => /^stale since/.test(String(m.payload)), 'stale');
    assert.match(String(state.payload), /^stale since \d\d:\d\d$/);
    const update = await client!.waitFor(widget(d1, 'ui_text', 'Controller').id, (u) => /^stale since \d\d:\d\d$/.test(String(u.value)), 20_000);
    assert.equal(update.value, state.payload);
  });
});
