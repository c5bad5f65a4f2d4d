// The examples under examples/pzem017/, imported as a user would and run in Node-RED against three simulated
// PZEM-017 meters: the TimescaleDB flow (its timescale-out stood in for by a helper) and the dashboard page with
// one group per meter (its widgets stood in for by helpers: the test helper cannot run Dashboard 2).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serveTcp, type TcpEndpoint } from '../../nodes/common/simulator/modbus-slave';
import { PzemSimulator } from '../../nodes/pzem017/simulator';
import { parsePzemConfig } from '../../nodes/pzem017/node-config';
import { pointAtStandIns } from '../../scripts/demo/example-config';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import { BUILT_IN_TYPES, checkDashboardChain, isDashboardWidget, knownNodeTypes, type FlowNode } from '../support/example-flow';
import { catchNode, collect, getNode, helper, modbusBusNode, waitFor } from '../support/node-red';
import { readExampleFlow } from '../../scripts/demo/flow';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [
  modbusBusNode,
  require('../../nodes/pzem017/pzem017'),
  catchNode,
  require('@node-red/nodes/core/common/21-debug.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  require('@node-red/nodes/core/common/20-inject.js'),
  require('@node-red/nodes/core/common/25-status.js'),
  require('@node-red/nodes/core/function/10-function.js'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

const root = findPackageRoot(__dirname);
const read = (name: string): FlowNode[] => readExampleFlow(root, join('examples', 'pzem017', name));
const known = knownNodeTypes(root);

function checkImports(flow: FlowNode[]): void {
  const tabs = flow.filter((n) => n.type === 'tab');
  assert.equal(tabs.length, 1);
  const byId = new Map(flow.map((n) => [n.id, n]));
  assert.equal(byId.size, flow.length, 'ids are unique');
  for (const node of flow) {
    assert.ok(BUILT_IN_TYPES.has(node.type) || known.has(node.type), `${node.id}: unknown type ${node.type}`);
    if (node.type === 'tab' || known.get(node.type) === 'config' || node.type === 'global-config') continue;
    assert.equal(node.z, tabs[0].id, `${node.id} is on the tab`);
    for (const target of ((node.wires as string[][] | undefined) ?? []).flat()) assert.ok(byId.has(target), `${node.id} wires to ${target}`);
  }
  for (const meter of flow.filter((n) => n.type === 'pzem017')) assert.doesNotThrow(() => parsePzemConfig(meter));
}

/** The flow pointed at the simulator, with `replace` types and the dashboard's widgets turned into helpers. */
function runnable(flow: FlowNode[], port: number, replace: readonly string[]): FlowNode[] {
  const widgets = new Set(flow.filter((n) => isDashboardWidget(n, known)).map((n) => n.id));
  return pointAtStandIns(flow, { pzem: { host: '127.0.0.1', port } })
    .filter((n) => !(n.type.startsWith('ui-') && !widgets.has(n.id)) && n.type !== 'global-config' && n.type !== 'timescale-db')
    .map((n) => {
      if (n.type === 'pzem017') return { ...n, interval: 1 };
      if (widgets.has(n.id) || replace.includes(n.type)) return { id: n.id, type: 'helper', z: n.z, wires: [] };
      return { ...n };
    });
}

describe('pzem017 example flows', function () {
  this.timeout(20000);
  let server: TcpEndpoint;
  beforeEach(async () => {
    server = await serveTcp(
      [1, 2, 3].map((unitId) => new PzemSimulator({ unitId, phase: unitId })),
      { port: 0 },
    );
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await server.close();
  });

  it('dc-meters-to-timescale: three meters on /dev/ttyUSB1 at 9600 8N2 into timescale-out, each under its device id', async () => {
    const flow = read('dc-meters-to-timescale.json');
    checkImports(flow);
    const bus = flow.find((n) => n.type === 'modbus-bus')!;
    assert.deepEqual([bus.transport, bus.path, bus.baudRate, bus.dataBits, bus.parity, bus.stopBits], ['serial', '/dev/ttyUSB1', 9600, 8, 'none', 2]);
    const sink = flow.find((n) => n.type === 'timescale-out')!;
    const meters = flow.filter((n) => n.type === 'pzem017');
    assert.ok(meters.length >= 2 && meters.every((m) => (m.wires as string[][])[0].includes(sink.id)), 'several meters feed timescale-out');

    await helper.load(NODES, runnable(flow, server.port, ['timescale-out']));
    const stored = collect(sink.id);
    await waitFor(() => new Set(stored.map((m) => m.device)).size === meters.length, 8000, 'a reading from every meter');
    assert.deepEqual(new Set(stored.map((m) => m.device)), new Set(meters.map((m) => m.deviceId)));
    assert.ok(stored.every((m) => m.measurement === 'pzem' && typeof (m.payload as { voltage: number }).voltage === 'number'));
  });

  it('dc-meters-dashboard: one group per meter, and each group shows its own meter', async () => {
    const flow = read('dc-meters-dashboard.json');
    checkImports(flow);
    checkDashboardChain(flow, known);
    const meters = flow.filter((n) => n.type === 'pzem017');
    const groups = flow.filter((n) => n.type === 'ui-group');
    assert.equal(groups.length, meters.length, 'one group per meter');
    const view = flow.find((n) => n.type === 'function' && n.name === 'meter view')!;
    assert.ok(
      meters.every((m) => (m.wires as string[][])[0].includes(view.id)),
      'every meter feeds the view node',
    );
    const outputs = (view.wires as string[][]).map((w) => flow.find((n) => n.id === w[0])!);
    meters.forEach((meter, i) => {
      const widgets = outputs.slice(i * 6, i * 6 + 6);
      assert.equal(new Set(widgets.map((w) => w.group)).size, 1, `${String(meter.name)} feeds one group`);
      assert.equal(groups.find((g) => g.id === widgets[0].group)?.name, meter.name);
    });
    const timescaleBus = read('dc-meters-to-timescale.json').find((n) => n.type === 'modbus-bus');
    assert.deepEqual(
      flow.find((n) => n.type === 'modbus-bus'),
      timescaleBus,
      'the same bus as the TimescaleDB example, by id',
    );

    await helper.load(NODES, runnable(flow, server.port, []));
    const voltage = outputs[1];
    const shown = collect(voltage.id);
    await waitFor(() => shown.length >= 1, 8000, "the battery meter's voltage");
    assert.match(String(shown[0].payload), /^\d+\.\d\d V$/);
    assert.ok(getNode(voltage.id));
  });
});
