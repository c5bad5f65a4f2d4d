// The PS100 panels' dashboard pages, examples/ps100-sampler/ps100-dashboard.json (Dashboard 2) and
// ps100-dashboard-1x.json (the 1.x dashboard): their widget -> group -> page chains; the page's view node on its
// own (a dash for what the sampler did not give, a lost panel stale, events listed, the system's figures); then
// both pages in one real Node-RED with both dashboard packages and the samplers on simulated panels: live values
// reach the widgets.
import assert from 'node:assert/strict';
import { pointAtStandIns } from '../../scripts/demo/example-config';
import { parsePs100Config } from '../../nodes/ps100-sampler/node-config';
import { Dashboard1xClient, waitForDashboard2Value } from '../support/dashboard-clients';
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
import { collect, helper, waitFor, type Msg } from '../support/node-red';

/* eslint-disable @typescript-eslint/no-require-imports */
const functionNode = require('@node-red/nodes/core/function/10-function.js');
/* eslint-enable @typescript-eslint/no-require-imports */

const read = (name: string) => readExample('ps100-sampler', name);
const D2 = read('ps100-dashboard.json');
const X1 = read('ps100-dashboard-1x.json');
const known = knownNodeTypes(PACKAGE_ROOT);
const DASH = '\u2014';
const PANELS = Array.from({ length: 8 }, (_, i) => `PS100_0X${(0x40 + i).toString(16).toUpperCase()}`);
/** The view node's outputs: 3 per panel (power, samples, state), then the system's 5, the events, the chart. */
const SYSTEM = PANELS.length * 3;

const outputsOf = (flow: FlowNode[]) => {
  const view = flow.find((n) => n.type === 'function' && n.name === 'panel view')!;
  return (view.wires as string[][]).map((w) => flow.find((n) => n.id === w[0])!);
};

describe('PS100 panels dashboard pages (Dashboard 2 and 1.x)', function () {
  this.timeout(90_000);

  for (const [name, flow] of [
    ['ps100-dashboard', D2],
    ['ps100-dashboard-1x', X1],
  ] as const) {
    it(`${name}: a group per panel, the system, events and a chart, each widget on the page; real panels on I2C bus 1`, () => {
      const is2 = flow === D2;
      const widgets = is2 ? checkDashboardChain(flow, known) : checkDashboard1xChain(flow, known);
      assert.ok(widgets.size > 0);
      const groups = flow.filter((n) => n.type === (is2 ? 'ui-group' : 'ui_group'));
      assert.deepEqual(groups.map((g) => g.name).sort(), [...PANELS, 'Events', 'Power per panel', 'System'].sort());
      assert.ok(groups.every((g) => Number(g.width) <= 6));
      const outputs = outputsOf(flow);
      assert.equal(outputs.length, SYSTEM + 7);
      PANELS.forEach((panel, i) => {
        const mine = outputs.slice(i * 3, i * 3 + 3);
        assert.deepEqual(
          mine.map((w) => groups.find((g) => g.id === w.group)?.name),
          [panel, panel, panel],
        );
        assert.deepEqual(
          mine.map((w) => w.label),
          ['Power', 'Samples', 'State'],
        );
      });
      assert.equal(outputs.at(-1)!.type, is2 ? 'ui-chart' : 'ui_chart');
      const sampler = parsePs100Config(flow.find((n) => n.type === 'ps100-sampler')!);
      assert.deepEqual([sampler.source, sampler.simulated, sampler.busNumber, sampler.panels.length], ['bus', false, 1, 8]);
      assert.ok(!flow.some((n) => n.type === 'timescale-out' || n.type === 'timescale-db'), 'no storage in a dashboard file');
    });
  }

  describe('the panel view node', () => {
    const view = D2.find((n) => n.name === 'panel view')!;
    let received: Msg[][];
    beforeEach(async () => {
      await helper.startServer();
      const helpers = Array.from({ length: SYSTEM + 7 }, (_, i) => ({ id: `out${i}`, type: 'helper', z: 't', wires: [] }));
      await helper.load([functionNode], [{ id: 't', type: 'tab' }, { ...view, z: 't', wires: helpers.map((h) => [h.id]) }, ...helpers]);
      received = helpers.map((h) => collect(h.id));
    });
    afterEach(async () => {
      await helper.unload();
      await helper.stopServer();
    });
    const send = (msg: Record<string, unknown>) => helper.getNode(view.id)!.receive(msg);
    // Values made in the function node's sandbox: compared by their JSON.
    const last = (i: number) => JSON.parse(JSON.stringify(received[i].at(-1) ?? null)) as Msg | null;
    const record = (panel: string, extra: Record<string, unknown> = {}) => ({
      measurement: 'ps100_readings_1s',
      payload: {
        timestamp: new Date().toISOString(),
        panel_id: panel,
        power_avg: 91.54,
        sample_count: 10,
        conditions_estimate: 'Excellent - Full sun',
        ...extra,
      },
    });

    it("shows a panel's power, samples per second and conditions; a dash for what the record lacks", async () => {
      send(record('PS100_0X41'));
      await waitFor(() => received[5].length > 0, 2000, 'the second panel');
      assert.deepEqual(
        [3, 4, 5].map((i) => last(i)?.payload),
        ['91.5 W', '10.0 /s', 'Excellent - Full sun'],
      );
      assert.deepEqual(last(SYSTEM + 6), { topic: 'PS100_0X41', payload: 91.54, _msgid: last(SYSTEM + 6)?._msgid }, 'the chart');
      send(record('PS100_0X42', { power_avg: undefined, sample_count: null }));
      await waitFor(() => received[6].length > 0, 2000, 'the third panel');
      assert.deepEqual([last(6)?.payload, last(7)?.payload], [DASH, DASH]);
      assert.equal(received[SYSTEM + 6].length, 1, 'no chart point for an unknown power');
    });

    it('greys a panel on sensor_lost, lists the event, and brings the panel back with its next record', async () => {
      send(record('PS100_0X47'));
      send({
        measurement: 'ps100_events',
        payload: {
          timestamp: '2026-06-21T12:00:03.000Z',
          panel_id: 'PS100_0X47',
          event_type: 'sensor_lost',
          severity: 'critical',
          message: 'no answer',
        },
      });
      await waitFor(() => received[SYSTEM + 5].length > 0, 2000, 'the events');
      const events = last(SYSTEM + 5)?.payload as Record<string, unknown>[];
      assert.deepEqual(
        events.map((e) => [e.panel, e.event, e.severity, e.message]),
        [['PS100_0X47', 'sensor_lost', 'critical', 'no answer']],
      );
      assert.match(String(last(7 * 3 + 2)?.payload), /^stale since \d\d:\d\d$/);
      assert.equal(last(7 * 3)?.class, 'solar-stale');
      assert.equal(last(7 * 3)?.className, 'solar-stale');
      assert.equal(last(7 * 3)?.payload, '91.5 W', 'the last value stays, greyed');
      send(record('PS100_0X47', { power_avg: 12 }));
      await waitFor(() => last(7 * 3)?.payload === '12.0 W', 2000, 'the next record');
      assert.equal(last(7 * 3)?.class, '');
    });

    it("shows the system's total power, active panels, samples and today's energy", async () => {
      send({
        measurement: 'ps100_system_1s',
        payload: { panel_id: 'PS100_SYSTEM', total_power: 640.26, active_panels: 7, sample_count: 70, energy_wh: 0.2 },
      });
      send({ measurement: 'ps100_system_1s', payload: { panel_id: 'PS100_SYSTEM', total_power: 641, active_panels: 7, energy_wh: 0.15 } });
      await waitFor(() => received[SYSTEM].length === 2, 2000, 'two system records');
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => last(SYSTEM + i)?.payload),
        ['641.0 W', '7 of 8', DASH, '0.3 Wh'],
      );
    });
  });

  describe('both pages in a real Node-RED, simulated panels', () => {
    let nodeRed: NodeRedProcess | undefined;
    let client: Dashboard1xClient | undefined;

    before(async () => {
      const seen = new Set<string>();
      const flow = pointAtStandIns([...D2, ...X1], { ps100Simulated: true }).filter((n) => !seen.has(n.id) && seen.add(n.id));
      nodeRed = await startNodeRedProcess({ flow, modules: [DASHBOARD_PACKAGE, DASHBOARD_1X_PACKAGE] });
      client = new Dashboard1xClient(nodeRed.url);
    });
    after(async () => {
      client?.close();
      await nodeRed?.stop();
    });

    const d2 = (id: string, accept: (m: Record<string, unknown>) => boolean) => waitForDashboard2Value(nodeRed!.url, id, accept, 15_000);

    it('serves the pages: /dashboard/ps100 and the 1.x dashboard at /ui', async () => {
      assert.equal((await fetch(`${nodeRed!.url}/dashboard/ps100`)).status, 200);
      assert.equal((await fetch(`${nodeRed!.url}/ui/`)).status, 200);
    });

    it('logs no error or warning from the flows', () => {
      assert.doesNotMatch(nodeRed!.output(), /\[(error|warn)\] \[/);
    });

    it("shows every panel's power and sample rate, and the system's, on both", async () => {
      const d2Out = outputsOf(D2);
      const x1Out = outputsOf(X1);
      const power = /^\d+\.\d W$/;
      const rate = /^\d+\.\d \/s$/;
      for (let i = 0; i < PANELS.length; i++) {
        assert.match(String((await d2(d2Out[i * 3].id, (m) => power.test(String(m.payload)))).payload), power);
        assert.match(String((await d2(d2Out[i * 3 + 1].id, (m) => rate.test(String(m.payload)))).payload), rate);
        assert.match(String((await client!.waitFor(x1Out[i * 3].id, (u) => power.test(String(u.value)))).value), power);
        assert.match(String((await client!.waitFor(x1Out[i * 3 + 1].id, (u) => rate.test(String(u.value)))).value), rate);
      }
      // 10 Hz: each 1 s record holds about 10 samples (a tick missed now and then on a busy machine).
      // The first record of a panel holds part of a second only.
      const samples = await d2(d2Out[1].id, (m) => rate.test(String(m.payload)) && Math.abs(parseFloat(String(m.payload)) - 10) <= 2);
      assert.match(String(samples.payload), rate);
      assert.equal((await d2(d2Out[SYSTEM + 1].id, (m) => m.payload === '8 of 8')).payload, '8 of 8');
      assert.equal((await client!.waitFor(x1Out[SYSTEM + 1].id, (u) => u.value === '8 of 8')).value, '8 of 8');
      assert.match(String((await d2(d2Out[SYSTEM].id, (m) => power.test(String(m.payload)))).payload), power);
      // The sampler's own status, as its node shows it in the editor.
      const sampler = /^8\/8 ok/;
      assert.match(String((await d2(d2Out[SYSTEM + 4].id, (m) => sampler.test(String(m.payload)))).payload), sampler);
      assert.match(String((await client!.waitFor(x1Out[SYSTEM + 4].id, (u) => sampler.test(String(u.value)))).value), sampler);
      // A chart keeps its points: one per panel and record.
      const chart = (await d2(d2Out[SYSTEM + 6].id, (m) => Array.isArray(m) && m.length >= 8)) as unknown as Msg[];
      assert.deepEqual([...new Set(chart.map((point) => point.topic))].sort(), PANELS);
      assert.ok(chart.every((point) => typeof point.payload === 'number'));
    });
  });
});
