import assert from 'node:assert/strict';
import { parseRollupConfig } from '../../nodes/rollup/node-config';
import { findPackageRoot } from '../../scripts/demo/user-dir';
import {
  BUILT_IN_TYPES,
  checkDashboard1xChain,
  checkDashboardChain,
  downstreamOf,
  knownNodeTypes,
  type FlowNode,
  readExample,
} from '../support/example-flow';

describe('rollup example flow', () => {
  const flow = readExample('rollup', 'readings-to-rollups.json');
  const known = knownNodeTypes(findPackageRoot(__dirname));
  const byId = new Map(flow.map((n) => [n.id, n]));
  const isConfig = (n: FlowNode) => known.get(n.type) === 'config' || n.type === 'global-config';

  it('imports: one tab, unique ids, known types, every flow node placed on it, every wire to a node that exists', () => {
    const tabs = flow.filter((n) => n.type === 'tab');
    assert.equal(tabs.length, 1);
    assert.equal(byId.size, flow.length, 'ids are unique');
    for (const node of flow) assert.ok(BUILT_IN_TYPES.has(node.type) || known.has(node.type), `${node.id}: unknown type ${node.type}`);
    for (const node of flow.filter((n) => n.type !== 'tab')) {
      if (isConfig(node)) {
        assert.equal(node.wires, undefined, `config node ${node.id} has no wires`);
        assert.equal(node.z, undefined, `config node ${node.id} is global, so other flows can use it`);
        continue;
      }
      assert.equal(node.z, tabs[0].id, `${node.id} is on the tab`);
      assert.ok(typeof node.x === 'number' && typeof node.y === 'number', `${node.id} has a place`);
      for (const target of ((node.wires as string[][] | undefined) ?? []).flat()) assert.ok(byId.has(target), `${node.id} wires to ${target}`);
    }
  });

  it('holds the two rollups the README describes, with valid settings', () => {
    const rollups = flow.filter((n) => n.type === 'rollup');
    assert.deepEqual(
      rollups.map((n) => n.windows),
      ['1m,10m,30m,3h,6h', 'day,month,year,lifetime'],
    );
    for (const node of rollups) assert.doesNotThrow(() => parseRollupConfig(node));
    assert.ok(
      flow.some((n) => n.type === 'inject' && JSON.stringify(n.props).includes('"flush"')),
      'a flush button',
    );
  });

  it('needs no dashboard: its rollups end in debug nodes, and no ui node is in the file', () => {
    assert.deepEqual(
      flow.filter((n) => /^ui[-_]/.test(n.type) || n.type === 'global-config'),
      [],
    );
    for (const rollup of flow.filter((n) => n.type === 'rollup')) {
      assert.deepEqual(
        (rollup.wires as string[][]).flat().map((id) => byId.get(id)?.type),
        ['debug'],
      );
    }
  });
});

/** The dashboard variants: the same rollups feeding a chart and three texts on a page *Roll-ups*. */
for (const [file, widget, check] of [
  ['readings-to-rollups-dashboard.json', 'ui-', checkDashboardChain],
  ['readings-to-rollups-dashboard-1x.json', 'ui_', checkDashboard1xChain],
] as const) {
  describe(`rollup example flow with a dashboard: ${file}`, () => {
    const flow = readExample('rollup', file);
    const known = knownNodeTypes(findPackageRoot(__dirname));
    const plain = readExample('rollup', 'readings-to-rollups.json');

    it('holds the same two rollups and buttons as the plain flow, under ids of its own', () => {
      const settings = (n: FlowNode) => {
        const { id: _id, z: _z, wires: _w, ...rest } = n;
        return rest;
      };
      const own = (n: FlowNode) => n.name !== 'dashes until the first day';
      for (const type of ['rollup', 'inject', 'function']) {
        assert.deepEqual(flow.filter((n) => n.type === type && own(n)).map(settings), plain.filter((n) => n.type === type).map(settings), type);
      }
      const ids = new Set(plain.map((n) => n.id));
      assert.ok(
        flow.every((n) => !ids.has(n.id)),
        'imports beside the plain flow',
      );
    });

    it("charts the short windows' average PV power, one line per window, and shows the daily energies as text", () => {
      const widgets = check(flow, known);
      const page = flow.find((n) => n.type === 'ui-page' || n.type === 'ui_tab')!;
      assert.equal(page.name, 'Roll-ups');
      if (page.type === 'ui-page') assert.equal(page.path, '/rollups');
      const [short, calendar] = flow.filter((n) => n.type === 'rollup');

      const charts = widgets.get(`${widget}chart`) ?? [];
      assert.equal(charts.length, 1);
      assert.ok(downstreamOf(flow, short.id).has(charts[0].id), 'the chart is fed by the short windows');
      if (widget === 'ui-') assert.deepEqual([charts[0].category, charts[0].categoryType], ['topic', 'msg'], 'one line per msg.topic');
      const feeder = flow.find((n) => (n.wires as string[][] | undefined)?.flat().includes(charts[0].id));
      assert.equal(feeder?.type, 'change');
      assert.deepEqual(
        (feeder.rules as { p: string; to: string }[]).map((r) => [r.p, r.to]),
        [
          ['payload', 'payload.pv_array_power_avg'],
          ['topic', 'window.name'],
        ],
      );

      const texts = widgets.get(`${widget}text`) ?? [];
      const fromCalendar = downstreamOf(flow, calendar.id);
      const fields = texts.map((text) => {
        assert.ok(fromCalendar.has(text.id), `${String(text.label)} is fed by the calendar rollup`);
        const pick = flow.find((n) => n.type === 'change' && (n.wires as string[][]).flat().includes(text.id));
        assert.ok(pick, `${String(text.label)} is fed by a change node`);
        const rule = (pick.rules as { to: string }[])[0].to;
        assert.match(rule, /"—"/, `${String(text.label)}: a dash for a missing field`);
        return /payload\.(\w+)/.exec(rule)?.[1];
      });
      assert.deepEqual(fields, ['pv_array_energy_wh', 'battery_charging_energy_wh', 'load_energy_wh']);
      const dashes = flow.find((n) => n.type === 'inject' && n.name === 'dashes until the first day');
      assert.equal(dashes?.once, true, 'a dash in each text from the start, before the first day record');
      assert.deepEqual(
        (dashes.wires as string[][])[0].map((id) => flow.find((n) => n.id === id)?.wires),
        texts.map((text) => [[text.id]]),
      );
      const days = flow.find((n) => n.type === 'switch' && n.property === 'window.name');
      assert.deepEqual(days?.rules, [{ t: 'eq', v: 'day', vt: 'str' }], 'only day records reach the texts');
      for (const group of flow.filter((n) => n.type === 'ui-group' || n.type === 'ui_group'))
        assert.ok(Number(group.width) <= 6, 'reflows on a phone');
    });
  });
}

describe('rollup example flow with Dashboard 2: readings-to-rollups-dashboard.json', () => {
  const flow = readExample('rollup', 'readings-to-rollups-dashboard.json');

  it('shares its dashboard base and theme with the power-flow example, by id, so importing both keeps one /dashboard', () => {
    const epever = readExample('power-flow', 'power-flow-dashboard.json');
    for (const type of ['ui-base', 'ui-theme']) {
      assert.deepEqual(
        flow.find((n) => n.type === type),
        epever.find((n) => n.type === type),
        `the same ${type}`,
      );
    }
    const pages = [...flow, ...epever].filter((n) => n.type === 'ui-page');
    assert.equal(new Set(pages.map((n) => n.path)).size, 2, 'each example has a page of its own');
    assert.equal(new Set(pages.map((n) => n.id)).size, 2);
  });
});
