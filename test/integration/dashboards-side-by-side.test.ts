// Both dashboard packages in one real Node-RED, loaded from the user directory as installed packages are: a
// value injected into a 1.x ui_text and a Dashboard 2 ui-text reaches each dashboard's clients. The example
// dashboards (one file per package) rely on this, and on the two packages not stepping on each other.
import assert from 'node:assert/strict';
import { Dashboard1xClient, dashboard2Value } from '../support/dashboard-clients';
import { DASHBOARD_1X_PACKAGE, DASHBOARD_PACKAGE } from '../support/example-flow';
import { startNodeRedProcess, type NodeRedProcess } from '../support/node-red-process';

const flow = [
  { id: 'tab1', type: 'tab', label: 'both dashboards' },
  {
    id: 'in1',
    type: 'inject',
    z: 'tab1',
    props: [{ p: 'payload' }],
    payload: '48.2',
    payloadType: 'num',
    repeat: '1',
    once: true,
    onceDelay: 0.1,
    wires: [['t1', 't2']],
  },
  { id: 'tab1x', type: 'ui_tab', name: 'Home', icon: 'dashboard', order: 1 },
  { id: 'grp1x', type: 'ui_group', name: 'Battery', tab: 'tab1x', order: 1, disp: true, width: 6 },
  {
    id: 't1',
    type: 'ui_text',
    z: 'tab1',
    group: 'grp1x',
    order: 1,
    width: 0,
    height: 0,
    name: '',
    label: 'Battery V',
    format: '{{msg.payload}}',
    layout: 'row-spread',
    wires: [],
  },
  { id: 'base2', type: 'ui-base', name: 'Dashboard', path: '/dashboard' },
  { id: 'theme2', type: 'ui-theme', name: 'Default', colors: {} },
  { id: 'page2', type: 'ui-page', name: 'Home', ui: 'base2', path: '/home', layout: 'grid', theme: 'theme2', order: 1 },
  { id: 'grp2', type: 'ui-group', name: 'Battery', page: 'page2', width: 6, order: 1 },
  {
    id: 't2',
    type: 'ui-text',
    z: 'tab1',
    group: 'grp2',
    order: 1,
    name: '',
    label: 'Battery V',
    format: '{{msg.payload}}',
    layout: 'row-spread',
    wires: [],
  },
];

describe('both dashboard packages side by side in a real Node-RED', function () {
  this.timeout(60_000);
  let nodeRed: NodeRedProcess | undefined;
  let client: Dashboard1xClient | undefined;

  before(async () => {
    nodeRed = await startNodeRedProcess({ flow, modules: [DASHBOARD_1X_PACKAGE, DASHBOARD_PACKAGE] });
  });
  after(async () => {
    client?.close();
    await nodeRed?.stop();
  });

  it('serves the 1.x dashboard at /ui and Dashboard 2 at /dashboard', async () => {
    assert.equal((await fetch(`${nodeRed!.url}/ui/`)).status, 200);
    assert.equal((await fetch(`${nodeRed!.url}/dashboard/home`)).status, 200);
  });

  it('delivers a value to a widget of each', async () => {
    client = new Dashboard1xClient(nodeRed!.url);
    const update = await client.waitFor('t1', (u) => u.value === '48.2');
    assert.equal(update.value, '48.2', 'ui_text sends its formatted text');
    let stored: Record<string, unknown> | undefined;
    for (const deadline = Date.now() + 15_000; !stored && Date.now() < deadline;) {
      stored = await dashboard2Value(nodeRed!.url, 't2');
      if (!stored) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(stored?.payload, 48.2, nodeRed!.output());
  });
});
