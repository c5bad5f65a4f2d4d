// The power-flow pages (examples/power-flow/) for both dashboard packages, imported side by side in one real
// Node-RED with both packages installed, the Epever and the inverter simulators on TCP: each widget hangs on a
// group and a page, the live model reaches both dashboards, an inverter that does not answer yet shows dashes and
// "stale", its numbers arrive when it answers, and the controller going silent turns its part stale.
import assert from 'node:assert/strict';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { EpeverSimulator } from '../../nodes/epever-tracer/simulator';
import { Pi30Simulator } from '../../nodes/mpp-pi30/simulator/inverter';
import { servePi30Tcp } from '../../nodes/mpp-pi30/simulator/serve';
import { pointAtStandIns } from '../../scripts/demo/example-config';
import { joinFlows } from '../../scripts/demo/flow';
import { Dashboard1xClient, dashboard2Value } from '../support/dashboard-clients';
import { NOON } from '../support/epever-on-tcp';
import {
  checkDashboard1xChain,
  checkDashboardChain,
  DASHBOARD_1X_PACKAGE,
  DASHBOARD_PACKAGE,
  knownNodeTypes,
  readExample,
  PACKAGE_ROOT,
} from '../support/example-flow';
import { freePort, startNodeRedProcess, type NodeRedProcess } from '../support/node-red-process';

const known = knownNodeTypes(PACKAGE_ROOT);
const read = (name: string) => readExample('power-flow', name);
const d2 = read('power-flow-dashboard.json');
const d1 = read('power-flow-dashboard-1x.json');

interface Model {
  pv_w: number | null;
  battery_w: number | null;
  soc: number | null;
  ac_w: number | null;
  grid_w: number | null;
  mode: string | null;
  battery_state: string | null;
  stale: { epever: boolean; inverter: boolean };
  text: Record<string, string>;
  flow: Record<string, string>;
}

describe('power-flow pages in a real Node-RED, both dashboard packages, simulators on TCP', function () {
  this.timeout(60_000);
  let epever: EpeverSimulator;
  let epeverServer: TcpEndpoint;
  let inverter: Pi30Simulator;
  let inverterServer: TcpEndpoint | undefined;
  let inverterPort: number;
  let nodeRed: NodeRedProcess | undefined;
  let client: Dashboard1xClient | undefined;
  const template2 = d2.find((n) => n.type === 'ui-template')!;
  const template1 = d1.find((n) => n.type === 'ui_template')!;

  /** What each dashboard last got, once `accept` takes both. */
  async function bothShow(accept: (m: Model) => boolean, what: string): Promise<[Model, Model]> {
    const update = await client!.waitFor(template1.id, (u) => accept((u.msg as { payload: Model }).payload), 20_000);
    let stored: Model | undefined;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      stored = (await dashboard2Value(nodeRed!.url, template2.id))?.payload as Model | undefined;
      if (stored && accept(stored)) return [(update.msg as { payload: Model }).payload, stored];
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`Dashboard 2 never showed ${what}: ${JSON.stringify(stored)}`);
  }

  before(async () => {
    epever = new EpeverSimulator({ unitId: 1, now: () => NOON });
    epeverServer = await serveTcp([epever], { port: 0 });
    inverter = new Pi30Simulator({ now: () => NOON });
    // The inverter's port stays closed until the test opens it.
    inverterPort = await freePort();
    const flow = pointAtStandIns(joinFlows(d2, d1), {
      epever: { host: '127.0.0.1', port: epeverServer.port },
      inverter: { host: '127.0.0.1', port: inverterPort },
    });
    nodeRed = await startNodeRedProcess({ flow, modules: [DASHBOARD_PACKAGE, DASHBOARD_1X_PACKAGE] });
    client = new Dashboard1xClient(nodeRed.url);
  });
  after(async () => {
    client?.close();
    await nodeRed?.stop();
    await inverterServer?.close();
    await epeverServer?.close();
  });

  it('hangs each template on a group and a page of its own dashboard, with the install hint', () => {
    const widgets2 = checkDashboardChain(d2, known);
    assert.deepEqual([...widgets2.keys()], ['ui-template']);
    assert.equal(d2.find((n) => n.type === 'ui-page')?.path, '/power-flow');
    const widgets1 = checkDashboard1xChain(d1, known);
    assert.deepEqual([...widgets1.keys()], ['ui_template']);
    for (const flow of [d2, d1]) {
      const group = flow.find((n) => n.type === 'ui-group' || n.type === 'ui_group')!;
      assert.ok(Number(group.width) <= 6, 'narrow enough to reflow on a phone');
      const template = flow.find((n) => n.type === 'ui-template' || n.type === 'ui_template')!;
      assert.doesNotMatch(String(template.format), /<script[^>]+src=|@import|url\(http|<link/i, 'nothing loaded from outside');
      assert.match(String(template.format), /viewBox="0 0 360 360"/, 'an SVG that scales to its width');
    }
    assert.doesNotMatch(nodeRed!.output(), /missing types|Unknown type|\[error\] \[ui[-_]/, 'every node type is installed and each widget starts');
  });

  it('serves both pages', async () => {
    assert.equal((await fetch(`${nodeRed!.url}/dashboard/power-flow`)).status, 200);
    assert.equal((await fetch(`${nodeRed!.url}/ui/`)).status, 200);
  });

  it("shows the controller's numbers, and the inverter that does not answer as dashes, stale, never 0", async () => {
    const [m1, m2] = await bothShow((m) => m.pv_w !== null && m.stale.inverter, 'PV with the inverter stale');
    for (const m of [m1, m2]) {
      const plant = epever.plant();
      assert.ok(Math.abs(m.pv_w! - plant.pvVoltage * plant.pvCurrent) < 0.5, `PV ${m.pv_w} W`);
      assert.equal(m.text.pv, `${Math.round(m.pv_w!)} W`);
      assert.equal(m.soc, Math.round(plant.soc));
      assert.equal(m.flow.pv, 'in', 'at noon PV flows in');
      assert.equal(m.flow.battery, m.battery_w! >= 5 ? 'out' : m.battery_w! <= -5 ? 'in' : 'none');
      assert.deepEqual([m.ac_w, m.grid_w, m.text.ac, m.text.grid], [null, null, '—', '—']);
      assert.equal(m.text.inverter, 'inverter stale', 'never read: no time to name');
      assert.deepEqual([m.flow.ac, m.flow.grid], ['none', 'none']);
    }
  });

  it("shows the inverter's AC output and grid once it answers", async () => {
    inverterServer = await servePi30Tcp(inverter, { port: inverterPort });
    const [m1, m2] = await bothShow((m) => m.ac_w !== null && !m.stale.inverter, 'the AC output');
    const plant = inverter.plant();
    for (const m of [m1, m2]) {
      assert.ok(Math.abs(m.ac_w! - plant.loadWatts) <= 1, `AC output ${m.ac_w} W, plant ${plant.loadWatts} W`);
      const mode = ({ L: 'line', B: 'battery' } as Record<string, string>)[plant.mode];
      assert.equal(m.mode, mode ?? m.mode);
      assert.equal(m.grid_w, mode === 'line' ? m.ac_w : mode === 'battery' ? 0 : m.grid_w);
      assert.equal(m.flow.ac, m.ac_w! >= 5 ? 'out' : 'none');
      assert.equal(m.text.inverter, '');
    }
  });

  it('turns the controller stale, with the time of its last reading, when it stops answering', async () => {
    epever.faults.silent = true;
    const [m1, m2] = await bothShow((m) => m.stale.epever, 'the controller stale');
    for (const m of [m1, m2]) {
      assert.match(m.text.epever, /^controller stale since \d\d:\d\d$/);
      assert.deepEqual([m.flow.pv, m.flow.battery, m.flow.load], ['none', 'none', 'none']);
      assert.ok(m.pv_w !== null, 'the last values stay, drawn grey');
    }
  });
});
