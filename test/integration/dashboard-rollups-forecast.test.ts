// The roll-up and PV forecast pages (examples/rollup/readings-to-rollups-dashboard*.json and
// examples/open-meteo/forecast-vs-actual-dashboard*.json), each for both dashboard packages, in one real Node-RED
// with both packages, the Epever simulator on TCP and an Open-Meteo stand-in: the day's energies reach the texts,
// the joined forecast and measured day reaches the bars and the ratio, on both dashboards.
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { pointAtStandIns } from '../../scripts/demo/example-config';
import { joinFlows } from '../../scripts/demo/flow';
import { Dashboard1xClient, dashboard2Value, type UiUpdate } from '../support/dashboard-clients';
import { NOON } from '../support/epever-on-tcp';
import { DASHBOARD_1X_PACKAGE, DASHBOARD_PACKAGE, type FlowNode, readExample } from '../support/example-flow';
import { startNodeRedProcess, type NodeRedProcess } from '../support/node-red-process';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../support/open-meteo-server';
import { berlinForecast } from '../unit/open-meteo-fixtures';

const read = readExample;
const rollups2 = read('rollup', 'readings-to-rollups-dashboard.json');
const rollups1 = read('rollup', 'readings-to-rollups-dashboard-1x.json');
const forecast2 = read('open-meteo', 'forecast-vs-actual-dashboard.json');
const forecast1 = read('open-meteo', 'forecast-vs-actual-dashboard-1x.json');
const byName = (flow: FlowNode[], name: string) => flow.find((n) => n.name === name)!;
const byLabel = (flow: FlowNode[], type: string, label: string) => flow.find((n) => n.type === type && n.label === label)!;

describe('roll-up and PV forecast pages in a real Node-RED, both dashboard packages', function () {
  this.timeout(60_000);
  let epeverServer: TcpEndpoint | undefined;
  let openMeteo: FakeOpenMeteo | undefined;
  let nodeRed: NodeRedProcess | undefined;
  let client: Dashboard1xClient | undefined;

  async function press(id: string): Promise<void> {
    assert.equal((await fetch(`${nodeRed!.url}/inject/${id}`, { method: 'POST' })).status, 200, `inject ${id}`);
  }
  /** Presses `buttons` until `check` finds what it waits for, at most 20 s. */
  async function pressUntil<T>(buttons: string[], check: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      for (const id of buttons) await press(id);
      await new Promise((resolve) => setTimeout(resolve, 700));
      const found = await check();
      if (found !== undefined) return found;
    }
    throw new Error(`never: ${what}`);
  }
  const last1x = (id: string, accept: (u: UiUpdate) => boolean) => client!.valuesOf(id).filter(accept).at(-1);

  before(async () => {
    const epever = new EpeverSimulator({ unitId: 1, now: () => NOON });
    epeverServer = await serveTcp([epever], { port: 0 });
    openMeteo = await startFakeOpenMeteo();
    const zone = String(forecast2.find((n) => n.type === 'open-meteo')!.timezone);
    const midnight = DateTime.now().setZone(zone).startOf('day');
    openMeteo.answer({
      status: 200,
      body: berlinForecast({
        start: midnight.toSeconds(),
        hours: midnight.plus({ days: 2 }).diff(midnight, 'hours').hours,
        gti: (i) => (i === 12 ? 1000 : 0),
        temperature: () => 25,
        timezone: zone,
        days: [midnight.toSeconds(), midnight.plus({ days: 1 }).toSeconds()],
      }),
    });
    // The forecast flows poll the controller once a minute; here every second, so a day has energy at once.
    const flow = pointAtStandIns(joinFlows(rollups2, rollups1, forecast2, forecast1), {
      epever: { host: '127.0.0.1', port: epeverServer.port },
      openMeteo: openMeteo.baseUrl,
    }).map((n) => (n.type === 'epever-tracer' ? { ...n, interval: 1 } : n));
    nodeRed = await startNodeRedProcess({ flow, modules: [DASHBOARD_PACKAGE, DASHBOARD_1X_PACKAGE] });
    client = new Dashboard1xClient(nodeRed.url);
  });
  after(async () => {
    client?.close();
    await nodeRed?.stop();
    await openMeteo?.close();
    await epeverServer?.close();
  });

  it("Roll-ups: today's PV, charging and load energy reach the texts of both pages, in Wh", async () => {
    const labels = ['PV energy, day', 'Battery charging, day', 'Load energy, day'];
    const texts2 = labels.map((label) => byLabel(rollups2, 'ui-text', label).id);
    const texts1 = labels.map((label) => byLabel(rollups1, 'ui_text', label).id);
    const flushes = [byName(rollups2, 'show totals now').id, byName(rollups1, 'show totals now').id];
    const wh = /^\d+\.\d Wh$/;
    const shown = await pressUntil(
      flushes,
      async () => {
        const values2 = await Promise.all(texts2.map(async (id) => (await dashboard2Value(nodeRed!.url, id))?.payload));
        const values1 = texts1.map((id) => last1x(id, () => true)?.value);
        // The example's simulated readings follow this machine's sun, so PV may be 0; the load never is.
        const some = (v: unknown) => wh.test(String(v)) && Number.parseFloat(String(v)) > 0;
        return some(values2[2]) && some(values1[2]) ? { values2, values1 } : undefined;
      },
      'load energy on both pages',
    );
    for (const values of [shown.values2, shown.values1]) {
      for (const value of values) assert.match(String(value), wh);
    }
  });

  it('PV forecast: the joined day reaches the bars and the ratio of both pages', async () => {
    await press(byName(forecast2, 'forecast now').id);
    await press(byName(forecast1, 'forecast now').id);
    const today = DateTime.now()
      .setZone(String(forecast2.find((n) => n.type === 'open-meteo')!.timezone))
      .toISODate();
    const flushes = [byName(forecast2, 'today so far').id, byName(forecast1, 'today so far').id];
    const chart2 = forecast2.find((n) => n.type === 'ui-chart')!.id;
    const chart1 = forecast1.find((n) => n.type === 'ui_chart')!.id;
    const bars = await pressUntil(
      flushes,
      async () => {
        const stored = await dashboard2Value(nodeRed!.url, chart2);
        const points = (Array.isArray(stored) ? stored : []) as { topic: string; payload: { x: string; y: number } }[];
        const update = last1x(chart1, (u) => Array.isArray(u.value) && u.value.length > 0);
        return points.some((p) => p.topic === 'actual' && p.payload.x === today) && update ? { points, update } : undefined;
      },
      "today's bars on both pages",
    );
    const forecastBar = bars.points.find((p) => p.topic === 'forecast' && p.payload.x === today);
    assert.ok(forecastBar && forecastBar.payload.y > 0.9 && forecastBar.payload.y < 0.93, `forecast ${JSON.stringify(forecastBar)}`);
    const [set] = (bars.update.value as { values: { series: string[]; labels: string[]; data: number[][] } }[]).map((v) => v.values);
    assert.deepEqual(set.series, ['forecast', 'actual']);
    assert.equal(set.labels.at(-1), today);
    assert.equal(set.data[0].at(-1), forecastBar.payload.y, 'the same forecast on both pages');

    const ratio2 = (await dashboard2Value(nodeRed!.url, forecast2.find((n) => n.type === 'ui-text')!.id))?.payload;
    assert.match(String(ratio2), /^\d+ % \(so far\)$/);
    const ratio1 = await client!.waitFor(forecast1.find((n) => n.type === 'ui_text')!.id, (u) => /^\d+ % \(so far\)$/.test(String(u.value)));
    assert.ok(ratio1);
  });
});
