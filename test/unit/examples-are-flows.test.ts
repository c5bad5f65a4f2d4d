// Node-RED lists every .json file under a package's examples/ folder in Import > Examples; one that is not a
// flow (a Grafana dashboard, say) fails there, so that folder holds flows only.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findPackageRoot } from '../../scripts/demo/user-dir';

const root = findPackageRoot(__dirname);

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsonFiles(path);
    return entry.name.endsWith('.json') ? [path] : [];
  });
}

describe('examples/', () => {
  it('holds only Node-RED flows: arrays of nodes with an id and a type, ids unique', () => {
    const files = jsonFiles(join(root, 'examples'));
    assert.ok(files.length > 0);
    for (const file of files) {
      const name = relative(root, file);
      const flow = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      assert.ok(Array.isArray(flow), `${name} is a flow (an array of nodes)`);
      for (const node of flow as Record<string, unknown>[]) {
        assert.ok(typeof node.id === 'string' && typeof node.type === 'string', `${name}: every node has an id and a type`);
      }
      const ids = (flow as { id: string }[]).map((n) => n.id);
      assert.equal(new Set(ids).size, ids.length, `${name}: ids are unique`);
    }
  });
});
