// Importing a second example must not open a second bus on the same serial port, nor a second connection to
// the same database: every example names the device or server it shares with another through the same config
// node (same id, same settings), and Node-RED's "import copy" then reuses the one already there. The other
// nodes must not collide, or importing a second example would replace the first's. And the examples come set
// for real hardware; the demo and the tests point them at simulators (scripts/demo/example-config.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EXAMPLE_CONFIG_IDS } from '../../scripts/demo/example-config';
import { findPackageRoot } from '../../scripts/demo/user-dir';

const root = findPackageRoot(__dirname);
type Node = Record<string, unknown> & { id: string; type: string };

function flows(): [string, Node[]][] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : [],
    );
  return walk(join(root, 'examples')).map((file) => [relative(root, file), JSON.parse(readFileSync(file, 'utf8')) as Node[]]);
}

/** Config nodes whose twin in another file must be the very same node; dashboard bases/themes/tabs/groups too. */
const SHARED_TYPES = new Set(['modbus-bus', 'pi30-port', 'mqtt-broker', 'timescale-db', 'influxdb', 'ui-base', 'ui-theme', 'ui_base']);
const CANONICAL: Record<string, string[]> = {
  'modbus-bus': [EXAMPLE_CONFIG_IDS.epeverBus, EXAMPLE_CONFIG_IDS.pzemBus],
  'pi30-port': [EXAMPLE_CONFIG_IDS.inverterPort],
  'mqtt-broker': [EXAMPLE_CONFIG_IDS.mqttBroker],
  'timescale-db': [EXAMPLE_CONFIG_IDS.database],
  influxdb: [EXAMPLE_CONFIG_IDS.influxdb],
};

/** A config node without its position on a tab: the part two examples must agree on. */
function settings(node: Node): string {
  const { z: _z, x: _x, y: _y, ...rest } = node;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

describe('examples share their config nodes', () => {
  const all = flows();

  it('uses one config node per device or server, the same in every file that names it', () => {
    const seen = new Map<string, { file: string; text: string }>();
    for (const [file, flow] of all) {
      for (const node of flow.filter((n) => SHARED_TYPES.has(n.type))) {
        const canonical = CANONICAL[node.type];
        if (canonical)
          assert.ok(
            canonical.includes(node.id),
            `${file}: ${node.type} "${String(node.name)}" uses a shared id (${canonical.join(' or ')}), not ${node.id}`,
          );
        const earlier = seen.get(node.id);
        if (earlier) assert.equal(settings(node), earlier.text, `${file}: ${node.type} ${node.id} has the same settings as in ${earlier.file}`);
        else seen.set(node.id, { file, text: settings(node) });
      }
    }
    assert.ok(seen.size > 0);
  });

  it('gives every other node an id no other example uses, so importing one never replaces another', () => {
    const owner = new Map<string, string>();
    for (const [file, flow] of all) {
      for (const node of flow) {
        // Shared config nodes, and dashboard pages, groups and tabs shared on purpose, may repeat.
        if (SHARED_TYPES.has(node.type) || /^ui[-_](page|group|tab)$/.test(node.type)) continue;
        const other = owner.get(node.id);
        assert.ok(other === undefined || other === file, `${file}: node ${node.id} (${node.type}) is also in ${other}`);
        owner.set(node.id, file);
      }
    }
  });

  it('comes set for real hardware: serial ports, the inverter on USB, panels on I2C, never a simulator port', () => {
    for (const [file, flow] of all) {
      for (const node of flow) {
        if (node.type === 'modbus-bus') assert.equal(node.transport, 'serial', `${file}: ${String(node.name)} is a serial bus`);
        if (node.type === 'pi30-port') assert.equal(node.transport, 'usb-hid', `${file}: the inverter port is USB (HID)`);
        if (node.type === 'ps100-sampler') assert.notEqual(node.source, 'simulator', `${file}: the PS100 sampler reads a bus or messages`);
      }
    }
  });
});
