// The demo's flow with and without Dashboard 2: without it Node-RED would start no flow at all, so its widgets
// go; with two examples sharing the dashboard base by id, the base is kept once.
import assert from 'node:assert/strict';
import { dashboardPath, withoutDashboard } from '../../scripts/demo/dashboard';
import { joinFlows, readExampleFlow, type FlowNode } from '../../scripts/demo/flow';
import { findPackageRoot } from '../../scripts/demo/user-dir';

describe('demo flow and Dashboard 2', () => {
  const root = findPackageRoot(__dirname);
  const epever = readExampleFlow(root, 'examples/epever-tracer/epever-dashboard.json');

  it('without Dashboard 2: no ui-* node, no module hint, no wire to a node that is gone; the rest unchanged', () => {
    const flow = withoutDashboard(epever);
    assert.ok(
      epever.some((n) => n.type.startsWith('ui-')),
      'the example has widgets to drop',
    );
    assert.deepEqual(
      flow.filter((n) => n.type.startsWith('ui-') || n.type === 'global-config'),
      [],
    );
    const ids = new Set(flow.map((n) => n.id));
    for (const n of flow)
      for (const target of ((n.wires as string[][] | undefined) ?? []).flat()) assert.ok(ids.has(target), `${n.id} wires to ${target}`);
    const kept = (n: FlowNode) => ({ ...n, wires: undefined });
    assert.deepEqual(flow.map(kept), epever.filter((n) => ids.has(n.id)).map(kept));
    assert.equal(dashboardPath(flow), undefined);
    assert.equal(dashboardPath(epever), '/dashboard');
  });

  it('joins example flows keeping a shared node once', () => {
    const rollup = readExampleFlow(root, 'examples/rollup/readings-to-rollups-dashboard.json');
    const joined = joinFlows(epever, rollup);
    assert.equal(new Set(joined.map((n) => n.id)).size, joined.length, 'ids are unique');
    assert.equal(joined.filter((n) => n.type === 'ui-base').length, 1);
    assert.equal(joined.filter((n) => n.type === 'ui-page').length, 2);
    assert.equal(joined.length, epever.length + rollup.length - 2, 'only the shared base and theme are left out');
  });
});
