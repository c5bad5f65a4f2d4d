// The PZEM meters' dashboard pages, examples/pzem017/dc-meters-dashboard.json (Dashboard 2) and
// dc-meters-dashboard-1x.json (the 1.x dashboard): their widget -> group -> page chains, one group per meter; the
// page's view node on its own (a missing value shows a dash, a meter gone red turns stale); then both pages in one
// real Node-RED with both dashboard packages, against three simulated meters on Modbus TCP: live values reach the
// widgets, and a meter that stops answering turns stale on both.
import assert from 'node:assert/strict';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { PzemSimulator } from '../../nodes/pzem017/simulator';
import { pointAtStandIns } from '../../scripts/demo/example-config';
import { Dashboard1xClient, waitForDashboard2Value, type UiUpdate } from '../support/dashboard-clients';
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

const read = (name: string) => readExample('pzem017', name);
const D2 = read('dc-meters-dashboard.json');
const X1 = read('dc-meters-dashboard-1x.json');
const known = knownNodeTypes(PACKAGE_ROOT);
const DASH = '\u2014';
const LABELS = ['State', 'Voltage', 'Current', 'Power', 'gauge', 'Energy'];

/** The widget ids of each meter's group, in the view node's output order (state, voltage, current, power, gauge, energy). */
function widgetsByMeter(flow: FlowNode[]): Map<string, string[]> {
  const view = flow.find((n) => n.type === 'function' && n.name === 'meter view')!;
  const outputs = (view.wires as string[][]).map((w) => w[0]);
  const meters = flow.filter((n) => n.type === 'pzem017');
  return new Map(meters.map((m, i) => [String(m.deviceId), outputs.slice(i * 6, i * 6 + 6)]));
}

describe('PZEM meters dashboard pages (Dashboard 2 and 1.x)', function () {
  this.timeout(90_000);

  for (const [name, flow] of [
    ['dc-meters-dashboard', D2],
    ['dc-meters-dashboard-1x', X1],
  ] as const) {
    it(`${name}: every widget in a group of the page, one group per meter (width 6 or less), the PZEM bus shared`, () => {
      const is2 = flow === D2;
      const widgets = is2 ? checkDashboardChain(flow, known) : checkDashboard1xChain(flow, known);
      assert.ok(widgets.size > 0);
      const meters = flow.filter((n) => n.type === 'pzem017');
      assert.equal(meters.length, 3);
      const groups = flow.filter((n) => n.type === (is2 ? 'ui-group' : 'ui_group'));
      assert.deepEqual(
        groups.map((g) => g.name),
        meters.map((m) => m.name),
      );
      assert.ok(groups.every((g) => Number(g.width) <= 6));
      const byId = new Map(flow.map((n) => [n.id, n]));
      for (const [device, ids] of widgetsByMeter(flow)) {
        assert.equal(new Set(ids.map((id) => byId.get(id)!.group)).size, 1, `${device}: one group`);
        assert.deepEqual(
          ids.map((id) => byId.get(id)!.label ?? 'gauge'),
          LABELS.map((l) => (l === 'gauge' && !is2 ? 'W' : l)),
        );
      }
      const bus = read('dc-meters-to-timescale.json').find((n) => n.type === 'modbus-bus');
      assert.deepEqual(
        flow.find((n) => n.type === 'modbus-bus'),
        bus,
      );
      const status = flow.find((n) => n.type === 'status')!;
      assert.deepEqual(
        status.scope,
        meters.map((m) => m.id),
        'a Status node hears the meters',
      );
    });
  }

  describe('the meter view node', () => {
    const view = D2.find((n) => n.name === 'meter view')!;
    const outputs = (view.wires as string[][]).length;
    let received: Msg[][];
    beforeEach(async () => {
      await helper.startServer();
      const helpers = Array.from({ length: outputs }, (_, i) => ({ id: `out${i}`, type: 'helper', z: 't', wires: [] }));
      await helper.load([functionNode], [{ id: 't', type: 'tab' }, { ...view, z: 't', wires: helpers.map((h) => [h.id]) }, ...helpers]);
      received = helpers.map((h) => collect(h.id));
    });
    afterEach(async () => {
      await helper.unload();
      await helper.stopServer();
    });
    const send = (msg: Record<string, unknown>) => helper.getNode(view.id)!.receive(msg);
    const last = (i: number) => received[i].at(-1);

    it('shows each value with its unit, and a dash for one the meter did not give, never 0', async () => {
      send({ device: 'solar', payload: { voltage: 13.456, current: 2, energy_wh: 120 } });
      await waitFor(() => received[6 + 5].length > 0, 2000, 'the solar group');
      assert.deepEqual(
        [1, 2, 3, 5].map((j) => last(6 + j)?.payload),
        ['13.46 V', '2.00 A', DASH, '120 Wh'],
      );
      assert.equal(received[6 + 4].length, 0, 'the gauge gets no value at all rather than 0');
      assert.match(String(last(6)?.payload), /^read at \d\d:\d\d:\d\d$/);
      assert.equal(received[0].length, 0, 'other meters untouched');
    });

    it('greys a meter the bus left alone ("retrying"), not one that refused a command', async () => {
      const status = (fill: string, text: string) => ({
        status: { fill, shape: 'ring', text, source: { id: 'x', type: 'pzem017', name: 'Solar meter' } },
      });
      send({ device: 'solar', payload: { voltage: 13, current: 1, power: 13, energy_wh: 5 } });
      send(status('red', 'pzem017.status.refused'));
      send(status('yellow', 'pzem017.status.retrying'));
      await waitFor(() => String(last(6)?.payload).startsWith('stale'), 2000, 'stale');
      assert.equal(received[6].length, 2, 'the refusal changed nothing');
      assert.equal(last(6 + 1)?.class, 'solar-stale');
    });

    it('greys a meter whose node turned red, with the time, until its next reading', async () => {
      send({ device: 'battery', payload: { voltage: 13, current: 1, power: 13, energy_wh: 5 } });
      send({ status: { fill: 'red', shape: 'ring', text: 'unavailable', source: { id: 'x', type: 'pzem017', name: 'Battery meter' } } });
      await waitFor(() => String(last(0)?.payload).startsWith('stale'), 2000, 'stale');
      assert.match(String(last(0)?.payload), /^stale since \d\d:\d\d$/);
      for (const j of [0, 1, 3, 4]) assert.equal(last(j)?.class, 'solar-stale');
      assert.equal(last(4)?.className, 'solar-stale');
      assert.equal(last(1)?.payload, '13.00 V', 'the last value stays, greyed');
      send({ device: 'battery', payload: { voltage: 12.5, current: 1, power: 12.5, energy_wh: 6 } });
      await waitFor(() => last(1)?.payload === '12.50 V', 2000, 'the next reading');
      assert.equal(last(0)?.class, '');
    });
  });

  describe('both pages in a real Node-RED, three simulated meters', () => {
    let meters: PzemSimulator[];
    let server: TcpEndpoint;
    let nodeRed: NodeRedProcess | undefined;
    let client: Dashboard1xClient | undefined;

    before(async () => {
      meters = [1, 2, 3].map((unitId) => new PzemSimulator({ unitId, phase: unitId }));
      server = await serveTcp(meters, { port: 0 });
      const seen = new Set<string>();
      const flow = pointAtStandIns([...D2, ...X1], { pzem: { host: '127.0.0.1', port: server.port } })
        .filter((n) => !seen.has(n.id) && seen.add(n.id))
        .map((n) => (n.type === 'pzem017' ? { ...n, interval: 1 } : n));
      nodeRed = await startNodeRedProcess({ flow, modules: [DASHBOARD_PACKAGE, DASHBOARD_1X_PACKAGE] });
      client = new Dashboard1xClient(nodeRed.url);
    });
    after(async () => {
      client?.close();
      await nodeRed?.stop();
      await server?.close();
    });

    const d2 = (id: string, accept: (m: Record<string, unknown>) => boolean) => waitForDashboard2Value(nodeRed!.url, id, accept, 15_000);

    it('serves the pages: /dashboard/pzem and the 1.x dashboard at /ui', async () => {
      assert.equal((await fetch(`${nodeRed!.url}/dashboard/pzem`)).status, 200);
      assert.equal((await fetch(`${nodeRed!.url}/ui/`)).status, 200);
    });

    it('logs no error or warning from the flows', () => {
      assert.doesNotMatch(nodeRed!.output(), /\[(error|warn)\] \[/);
    });

    it("shows every meter's live voltage, current, power and energy on both", async () => {
      const d2Widgets = widgetsByMeter(D2);
      const x1Widgets = widgetsByMeter(X1);
      const unit = ['', 'V', 'A', 'W', '', 'Wh'];
      for (const device of ['battery', 'solar', 'load']) {
        for (const j of [1, 2, 3, 5]) {
          const pattern = new RegExp(`^-?\\d+(\\.\\d+)? ${unit[j]}$`);
          const shown = await d2(d2Widgets.get(device)![j], (m) => pattern.test(String(m.payload)));
          assert.match(String(shown.payload), pattern);
          const update = await client!.waitFor(x1Widgets.get(device)![j], (u: UiUpdate) => pattern.test(String(u.value)));
          assert.match(String(update.value), pattern);
        }
        const gauge = await d2(d2Widgets.get(device)![4], (m) => typeof m.payload === 'number');
        assert.ok((gauge.payload as number) >= 0);
        await client!.waitFor(x1Widgets.get(device)![4], (u) => typeof u.value === 'number');
      }
    });

    it('turns a meter that stops answering stale on both pages, the others live', async () => {
      meters[2].faults.silent = true;
      const d2Load = widgetsByMeter(D2).get('load')!;
      const x1Load = widgetsByMeter(X1).get('load')!;
      const stale = await d2(d2Load[0], (m) => /^stale since \d\d:\d\d$/.test(String(m.payload)));
      assert.equal(stale.class, 'solar-stale');
      const voltage = await d2(d2Load[1], (m) => m.class === 'solar-stale');
      assert.match(String(voltage.payload), / V$/, 'the last value stays, greyed');
      const update = await client!.waitFor(x1Load[0], (u) => /^stale since/.test(String(u.value)));
      assert.equal(update.className, 'solar-stale');
      const battery = await d2(widgetsByMeter(D2).get('battery')![0], (m) => /^read at/.test(String(m.payload)));
      assert.equal(battery.class, '');
    });
  });
});
