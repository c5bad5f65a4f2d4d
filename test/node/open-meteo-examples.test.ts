// The examples in examples/open-meteo/, loaded in a real Node-RED with the open-meteo node pointed at a local
// server: weather to a real MQTT broker, and forecast joined with measured energy per day.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { connectAsync, type MqttClient } from 'mqtt';
import { parseOpenMeteoConfig } from '../../nodes/open-meteo/node-config';
import { parseRollupConfig } from '../../nodes/rollup/node-config';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { EXAMPLE_CONFIG_IDS, pointAtStandIns } from '../../scripts/demo/example-config';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { BUILT_IN_TYPES, checkDashboard1xChain, checkDashboardChain, downstreamOf, knownNodeTypes, type FlowNode } from '../support/example-flow';
import { startBroker, type TestBroker } from '../support/mqtt-broker';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../support/open-meteo-server';
import { collect, getNode, helper, nextMessage, waitFor } from '../support/node-red';
import { berlinForecast } from '../unit/open-meteo-fixtures';
import { readExampleFlow } from '../../scripts/demo/flow';

/* eslint-disable @typescript-eslint/no-require-imports */
const openMeteoNode = require('../../nodes/open-meteo/open-meteo');
const rollupNode = require('../../nodes/rollup/rollup');
const injectNode = require('@node-red/nodes/core/common/20-inject.js');
const commentNode = require('@node-red/nodes/core/common/90-comment.js');
const functionNode = require('@node-red/nodes/core/function/10-function.js');
const changeNode = require('@node-red/nodes/core/function/15-change.js');
const mqttNodes = require('@node-red/nodes/core/network/10-mqtt.js');
/* eslint-enable @typescript-eslint/no-require-imports */

const root = findPackageRoot(__dirname);
const known = knownNodeTypes(root);
const read = (name: string): FlowNode[] => readExampleFlow(root, join('examples', 'open-meteo', name));
const isConfig = (n: FlowNode) => known.get(n.type) === 'config' || n.type === 'global-config';

function checkImports(flow: FlowNode[]): void {
  const byId = new Map(flow.map((n) => [n.id, n]));
  const tabs = flow.filter((n) => n.type === 'tab');
  assert.equal(tabs.length, 1);
  assert.equal(byId.size, flow.length, 'ids are unique');
  for (const node of flow) assert.ok(BUILT_IN_TYPES.has(node.type) || known.has(node.type), `${node.id}: unknown type ${node.type}`);
  for (const node of flow.filter((n) => n.type !== 'tab' && !isConfig(n))) {
    assert.equal(node.z, tabs[0].id, `${node.id} is on the tab`);
    for (const target of ((node.wires as string[][] | undefined) ?? []).flat()) assert.ok(byId.has(target), `${node.id} wires to ${target}`);
  }
  for (const node of flow.filter((n) => n.type === 'open-meteo')) assert.doesNotThrow(() => parseOpenMeteoConfig(node));
  assert.ok(
    flow.some((n) => n.type === 'comment' && /Open-Meteo\.com, CC BY 4\.0/.test(String(n.name))),
    'the attribution',
  );
}

/** The example with its open-meteo node asking the local stand-in (as the demo points it), fetching only when told. */
function pointedAt(flow: FlowNode[], baseUrl: string, replace: (n: FlowNode) => FlowNode | undefined = () => undefined): FlowNode[] {
  return pointAtStandIns(
    flow.filter((n) => n.type !== 'global-config'),
    { openMeteo: baseUrl },
  ).map((n) => replace(n) ?? (n.type === 'open-meteo' ? { ...n, interval: 0, retries: 0, timeout: 2 } : n));
}

/** The ids an example may share with another: the shared config nodes, and Dashboard 2's base and theme. */
const SHARED_IDS: ReadonlySet<string> = new Set([...Object.values(EXAMPLE_CONFIG_IDS), 'd45b0a2d50a10001', 'd45b0a2d50a10002']);

/** Comes set for the real controller and database; its comment says how to try it with the simulator. */
function checkRealHardware(flow: FlowNode[]): void {
  assert.equal(flow.find((n) => n.type === 'modbus-bus')?.transport, 'serial');
  assert.equal(flow.find((n) => n.type === 'modbus-bus')?.path, '/dev/ttyUSB0');
  assert.deepEqual(
    [flow.find((n) => n.type === 'timescale-db')?.host, flow.find((n) => n.type === 'timescale-db')?.database],
    ['127.0.0.1', 'solar'],
  );
  const comment = flow.find((n) => n.type === 'comment' && /\/dev\/ttyUSB0/.test(String(n.name)));
  assert.match(String(comment?.info), /npx solar-telemetry-sim epever --tcp 5020/);
}

const asHelper = (n: FlowNode): FlowNode => ({ id: n.id, type: 'helper', z: n.z, wires: [] });

describe('open-meteo example flows', function () {
  this.timeout(15000);
  let server: FakeOpenMeteo;

  beforeEach(async () => {
    server = await startFakeOpenMeteo();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await server.close();
  });

  describe('weather-to-mqtt.json', () => {
    const flow = read('weather-to-mqtt.json');
    let broker: TestBroker;
    let client: MqttClient | undefined;

    before(async () => {
      broker = await startBroker();
    });
    after(async () => {
      await client?.endAsync();
      await broker?.close();
    });

    it("imports, with core mqtt out to localhost:1883, the old fetcher's 10 minutes and no dashboard nodes", () => {
      checkImports(flow);
      const broker = flow.find((n) => n.type === 'mqtt-broker');
      assert.deepEqual([broker?.broker, broker?.port], ['localhost', '1883']);
      const node = flow.find((n) => n.type === 'open-meteo')!;
      assert.deepEqual([node.interval, node.weatherMessages, node.server], [600, true, 'public']);
      assert.equal(flow.filter((n) => n.type.startsWith('ui-')).length, 0);
      const mqttOut = flow.find((n) => n.type === 'mqtt out')!;
      assert.deepEqual((node.wires as string[][])[1], [mqttOut.id], 'output 2 feeds mqtt out');
      assert.equal(mqttOut.topic, '', 'the message topic weather/<variable> is used');
    });

    it('publishes weather/<variable> to a real broker', async () => {
      const url = new URL(broker.url);
      client = await connectAsync(broker.url, { clean: true, reconnectPeriod: 0 });
      const received = new Map<string, string>();
      client.on('message', (topic: string, payload: Buffer) => received.set(topic, payload.toString()));
      await client.subscribeAsync('weather/#', { qos: 0 });
      server.answer({ status: 200, body: berlinForecast({ start: 1782000000, hours: 2, gti: () => 0, temperature: () => 18 }) });
      const runnable = pointedAt(flow, server.baseUrl, (n) => {
        if (n.type === 'mqtt-broker') return { ...n, broker: url.hostname, port: url.port };
        if (n.type === 'debug') return asHelper(n);
        return undefined;
      });
      await helper.load([openMeteoNode, injectNode, commentNode, mqttNodes], runnable);
      const brokerId = flow.find((n) => n.type === 'mqtt-broker')!.id;
      await waitFor(() => (getNode(brokerId) as unknown as { connected: boolean }).connected, 5000, "the flow's broker connection");
      const node = flow.find((n) => n.type === 'open-meteo')!;
      getNode(node.id).receive({});
      await waitFor(() => received.size >= 3, 5000, 'three weather topics');
      assert.deepEqual(Object.fromEntries(received), {
        'weather/temperature_2m': '7.5',
        'weather/relative_humidity_2m': '81',
        'weather/is_day': '1',
      });
    });
  });

  describe('forecast-vs-actual.json', () => {
    const flow = read('forecast-vs-actual.json');

    it('imports, with the same time zone in the forecast and the measured day, and valid storage settings', () => {
      checkImports(flow);
      checkRealHardware(flow);
      const forecast = flow.find((n) => n.type === 'open-meteo')!;
      const rollup = flow.find((n) => n.type === 'rollup')!;
      assert.equal(forecast.timezone, rollup.zone);
      assert.equal(forecast.pvEnabled, true);
      assert.doesNotThrow(() => parseRollupConfig(rollup));
      assert.deepEqual(flow.find((n) => n.type === 'epever-tracer')?.wires, [[rollup.id]], "the controller's readings feed the day rollup");
      assert.deepEqual((forecast.wires as string[][])[2], [flow.find((n) => n.type === 'function')!.id], 'output 3 feeds the join');
      assert.equal(forecast.server, 'public', "Open-Meteo's own server by default");
      assert.doesNotThrow(() => parseOutSettings(flow.find((n) => n.type === 'timescale-out')!));
      assert.equal(flow.filter((n) => n.type.startsWith('ui-')).length, 0, 'no dashboard nodes in this file');
    });

    it("joins the day's forecast energy with the energy measured that day, with the ratio", async () => {
      const zone = String(flow.find((n) => n.type === 'open-meteo')!.timezone);
      // Today and tomorrow in the example's zone, 1000 W/m² for one hour at local noon.
      const midnight = DateTime.now().setZone(zone).startOf('day');
      const hours = midnight.plus({ days: 2 }).diff(midnight, 'hours').hours;
      server.answer({
        status: 200,
        body: berlinForecast({
          start: midnight.toSeconds(),
          hours,
          gti: (i) => (i === 12 ? 1000 : 0),
          temperature: () => 25,
          timezone: zone,
          days: [midnight.toSeconds(), midnight.plus({ days: 1 }).toSeconds()],
        }),
      });
      const runnable = pointedAt(flow, server.baseUrl, (n) => {
        if (['epever-tracer', 'timescale-out', 'debug'].includes(n.type)) return asHelper(n);
        if (['modbus-bus', 'timescale-db'].includes(n.type)) return { id: n.id, type: 'comment' } as FlowNode;
        return undefined;
      });
      await helper.load([openMeteoNode, rollupNode, injectNode, commentNode, functionNode], runnable);
      const join = flow.find((n) => n.type === 'function')!;
      const stored = collect(flow.find((n) => n.type === 'timescale-out')!.id);

      // The forecast: 1.2 kWp, 14 % losses, cell at 25 + 1000 * 0.81 / 29 = 52.93 °C:
      // 1200 * (1 - 0.004 * 27.93) * 0.86 = 916.7 Wh for today.
      const forecastNode = flow.find((n) => n.type === 'open-meteo')!;
      getNode(forecastNode.id).receive({});
      await nextMessage((forecastNode.wires as string[][])[0][0], 3000);

      // The measured side, as the epever-tracer would send it to the rollup: two readings of 500 W a second apart,
      // then the "today so far" flush.
      const rollup = flow.find((n) => n.type === 'rollup')!;
      const now = Date.now();
      const reading = (t: number) => ({
        device: 'pv',
        measurement: 'epever_tracer',
        payload: { timestamp: new Date(t).toISOString(), pv_array: { power: 500 } },
      });
      getNode(rollup.id).receive(reading(now - 2000));
      getNode(rollup.id).receive(reading(now - 1000));
      const joined = nextMessage(flow.find((n) => n.type === 'debug' && n.name === 'forecast vs actual')!.id, 5000);
      const flush = flow.find((n) => n.type === 'inject' && n.name === 'today so far')!;
      assert.deepEqual(flush.wires, [[rollup.id]]);
      getNode(rollup.id).receive({ flush: true });
      const msg = await joined;
      const p = msg.payload as { timestamp: string; date: string; forecast_wh: number; actual_wh: number; ratio: number; partial: boolean };
      assert.equal(p.timestamp, new Date(midnight.toMillis()).toISOString());
      assert.equal(p.date, midnight.toISODate());
      assert.ok(Math.abs(p.forecast_wh - 916.7) < 0.05, `forecast ${p.forecast_wh}`);
      assert.ok(Math.abs(p.actual_wh - 500 / 3600) < 0.01, `actual ${p.actual_wh}`);
      assert.equal(p.ratio, Math.round((p.actual_wh / p.forecast_wh) * 1000) / 1000);
      assert.equal(p.partial, true);
      assert.equal(msg.measurement, 'pv_forecast_vs_actual');
      await waitFor(() => stored.length > 0, 2000, 'the row for TimescaleDB');
      assert.ok(downstreamOf(flow, join.id).has(flow.find((n) => n.type === 'timescale-out')!.id));
    });
  });

  describe('forecast-vs-actual-dashboard.json and -1x.json', () => {
    const plainIds = new Set(read('forecast-vs-actual.json').map((n) => n.id));
    const d2 = read('forecast-vs-actual-dashboard.json');
    const d1 = read('forecast-vs-actual-dashboard-1x.json');
    const joinOf = (flow: FlowNode[]) => flow.find((n) => n.type === 'function' && n.name === 'join forecast and actual by day')!;

    /** The ratio's text: through a change node that shows a dash for a day without forecast energy. */
    function checkRatio(flow: FlowNode[], text: FlowNode | undefined): void {
      assert.ok(text && downstreamOf(flow, joinOf(flow).id).has(text.id), 'the ratio text is fed by the join');
      const change = flow.find((n) => n.type === 'change' && (n.wires as string[][]).flat().includes(text.id));
      assert.match(String((change?.rules as { to: string }[])[0].to), /^\$type\(payload\.ratio\) = "number" \?.* : "—"$/);
      const dash = flow.find((n) => n.type === 'inject' && n.name === 'dash until the first day');
      assert.deepEqual([dash?.once, dash?.wires], [true, [[change!.id]]], 'a dash from the start, before the first joined day');
    }

    it('Dashboard 2: charts forecast and measured energy per day from the join on the page /pv-forecast', () => {
      checkImports(d2);
      checkRealHardware(d2);
      const widgets = checkDashboardChain(d2, known);
      assert.equal(d2.find((n) => n.type === 'ui-page')?.path, '/pv-forecast');
      const chart = (widgets.get('ui-chart') ?? [])[0];
      assert.ok(chart && downstreamOf(d2, joinOf(d2).id).has(chart.id), 'the chart is fed by the join');
      assert.deepEqual([chart.category, chart.categoryType, chart.chartType], ['topic', 'msg', 'bar'], 'one series per topic: forecast, actual');
      checkRatio(d2, (widgets.get('ui-text') ?? [])[0]);
      assert.ok(
        d2.filter((n) => !SHARED_IDS.has(n.id)).every((n) => !plainIds.has(n.id)),
        'imports beside the plain file',
      );
    });

    it('1.x: the same join, bars of the last days and the ratio on the tab PV forecast', () => {
      checkImports(d1);
      checkRealHardware(d1);
      const widgets = checkDashboard1xChain(d1, known);
      assert.equal(d1.find((n) => n.type === 'ui_tab')?.name, 'PV forecast');
      assert.equal(joinOf(d1).func, joinOf(d2).func, 'the same join as the Dashboard 2 page');
      const chart = (widgets.get('ui_chart') ?? [])[0];
      assert.equal(chart?.chartType, 'bar');
      assert.ok(downstreamOf(d1, joinOf(d1).id).has(chart.id), 'the chart is fed by the join');
      checkRatio(d1, (widgets.get('ui_text') ?? [])[0]);
      const ids = new Set(d2.map((n) => n.id));
      assert.ok(
        d1.filter((n) => !SHARED_IDS.has(n.id)).every((n) => !plainIds.has(n.id) && !ids.has(n.id)),
        'imports beside the plain file and the Dashboard 2 one',
      );
    });

    it("1.x: sends the chart every joined day's forecast and measured kWh, one series each, a label per day", async () => {
      const runnable = pointedAt(d1, server.baseUrl, (n) => {
        if (['epever-tracer', 'timescale-out', 'debug', 'ui_chart', 'ui_text'].includes(n.type)) return asHelper(n);
        if (['modbus-bus', 'timescale-db', 'ui_tab', 'ui_group'].includes(n.type)) return { id: n.id, type: 'comment' } as FlowNode;
        return undefined;
      });
      await helper.load([openMeteoNode, rollupNode, injectNode, commentNode, functionNode, changeNode], runnable);
      const chart = d1.find((n) => n.type === 'ui_chart')!;
      const text = d1.find((n) => n.type === 'ui_text')!;
      const join = joinOf(d1);
      const sent = (date: string, forecast: number, actual: number | undefined, ratio: number | null) => ({
        payload: { timestamp: `${date}T04:00:00.000Z`, date, forecast_wh: forecast, actual_wh: actual, ratio, partial: false },
      });
      // What the join sends, straight to the nodes after it.
      const bars = d1.find((n) => n.name === 'bars per day')!;
      const ratio = d1.find((n) => n.name === 'ratio as text')!;
      assert.ok((join.wires as string[][])[0].includes(bars.id) && (join.wires as string[][])[0].includes(ratio.id));
      const first = nextMessage(chart.id);
      getNode(bars.id).receive(sent('2026-06-21', 4321.4, 3999.6, 0.926));
      await first;
      const charted = nextMessage(chart.id);
      getNode(bars.id).receive(sent('2026-06-20', 1000, 1500, 1.5));
      const msg = await charted;
      assert.deepEqual(JSON.parse(JSON.stringify(msg.payload)), [
        {
          series: ['forecast', 'actual'],
          labels: ['2026-06-20', '2026-06-21'],
          data: [
            [1, 4.321],
            [1.5, 4],
          ],
        },
      ]);
      let shown = nextMessage(text.id);
      getNode(ratio.id).receive(sent('2026-06-21', 4321.4, 3999.6, 0.926));
      assert.equal((await shown).payload, '93 %');
      shown = nextMessage(text.id);
      getNode(ratio.id).receive(sent('2026-06-22', 0, 10, null));
      assert.equal((await shown).payload, '—', 'no forecast energy: a dash, not 0');
      shown = nextMessage(text.id);
      getNode(ratio.id).receive({});
      assert.equal((await shown).payload, '—', 'the empty message of "dash until the first day"');
    });
  });
});
