import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRollupConfig } from '../../nodes/rollup/node-config';
import { findPackageRoot } from '../../scripts/demo/user-dir';

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  x?: number;
  y?: number;
  wires?: string[][];
  [property: string]: unknown;
}

describe('rollup example flow', () => {
  const file = join(findPackageRoot(__dirname), 'examples', 'rollup', 'readings-to-rollups.json');
  const flow = JSON.parse(readFileSync(file, 'utf8')) as FlowNode[];

  it('imports: one tab, unique ids, every node placed on it, every wire to a node that exists', () => {
    const tabs = flow.filter((n) => n.type === 'tab');
    assert.equal(tabs.length, 1);
    const ids = new Set(flow.map((n) => n.id));
    assert.equal(ids.size, flow.length, 'ids are unique');
    for (const node of flow.filter((n) => n.type !== 'tab')) {
      assert.equal(node.z, tabs[0].id, `${node.id} is on the tab`);
      assert.ok(typeof node.x === 'number' && typeof node.y === 'number', `${node.id} has a place`);
      for (const target of (node.wires ?? []).flat()) assert.ok(ids.has(target), `${node.id} wires to ${target}`);
    }
  });

  it('holds the two rollups the README describes, with valid settings', () => {
    const rollups = flow.filter((n) => n.type === 'rollup');
    assert.deepEqual(rollups.map((n) => n.windows), ['1m,10m,30m,3h,6h', 'day,month,year,lifetime']);
    for (const node of rollups) assert.doesNotThrow(() => parseRollupConfig(node));
    assert.ok(flow.some((n) => n.type === 'inject' && JSON.stringify(n.props).includes('"flush"')), 'a flush button');
  });
});
