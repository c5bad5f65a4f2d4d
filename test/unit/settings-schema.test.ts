import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editorDefaultsSource, editorValue, readSettings, type Field, type Schema } from '../../nodes/common/settings-schema';
import { parseEpeverConfig } from '../../nodes/epever-tracer/node-config';
import { settingsSchema as busSchema } from '../../nodes/modbus-bus/modbus-bus-schema';
import { parseBusSettings } from '../../nodes/modbus-bus/bus-config';
import { settingsSchema as epeverSchema } from '../../nodes/epever-tracer/epever-tracer-schema';
import { settingsSchema as pi30Schema } from '../../nodes/mpp-pi30/mpp-pi30-schema';
import { parsePi30Config } from '../../nodes/mpp-pi30/node-config';
import { settingsSchema as portSchema } from '../../nodes/pi30-port/pi30-port-schema';
import { parsePortSettings } from '../../nodes/pi30-port/port-config';
import { settingsSchema as rollupSchema } from '../../nodes/rollup/rollup-schema';
import { settingsSchema as dbSchema } from '../../nodes/timescale-db/timescale-db-schema';
import { settingsSchema as querySchema } from '../../nodes/timescale-query/timescale-query-schema';
import { parseOutSettings } from '../../nodes/timescale-out/out-config';
import { settingsSchema as outSchema } from '../../nodes/timescale-out/timescale-out-schema';
import { findPackageRoot } from '../../scripts/demo/user-dir';

const SCHEMAS: Record<string, Schema> = {
  'modbus-bus': busSchema,
  'pi30-port': portSchema,
  'epever-tracer': epeverSchema,
  'mpp-pi30': pi30Schema,
  rollup: rollupSchema,
  'timescale-db': dbSchema,
  'timescale-query': querySchema,
  'timescale-out': outSchema,
};

type Validator = (this: Record<string, unknown>, v: unknown) => boolean;

/** The editor's defaults as the browser gets them; `$` answers nothing, so conditions come from the node. */
function editorDefaults(schema: Schema): Record<string, { value: unknown; validate?: Validator }> {
  const $ = () => ({ val: () => undefined });
  return new Function('$', `return ${editorDefaultsSource(schema, 'node-input-')};`)($) as Record<string, { value: unknown; validate?: Validator }>;
}

function accepts(schema: Schema, raw: Record<string, unknown>): boolean {
  try {
    readSettings(schema, raw);
    return true;
  } catch {
    return false;
  }
}

describe('settings schema', () => {
  it('turns the drifted defaults into one: energy counters on, the RTU-over-TCP port 8899', () => {
    assert.equal(parseEpeverConfig({}).statistics, true, 'Read energy counters is on by default, as in the editor');
    assert.equal(parseEpeverConfig({ readStatistics: false }).statistics, false);
    assert.equal(editorDefaults(epeverSchema).readStatistics.value, true);
    assert.equal(parseBusSettings({ transport: 'rtu-over-tcp', host: 'gw' }).network.port, 8899);
    assert.equal(parseBusSettings({ transport: 'tcp', host: 'gw' }).network.port, 502);
  });

  it('gives the links their recovery and gap settings', () => {
    const port = parsePortSettings({ gapMs: '120', backoffMaxMs: '90000', reconnectMaxMs: '5000' });
    assert.deepEqual([port.gapMs, port.deviceBackoff.maxMs, port.reconnect.maxMs], [120, 90000, 5000]);
    const bus = parseBusSettings({ transport: 'tcp', host: 'gw', reconnectMaxMs: '2000' });
    assert.equal(bus.reconnect.maxMs, 2000);
    assert.throws(() => parsePortSettings({ reconnectMaxMs: '10' }), /reconnectMaxMs must be a whole number from 1000 to 600000/);
  });

  it('checks a field only while its condition holds, and names it', () => {
    assert.doesNotThrow(() => parseBusSettings({ transport: 'tcp', host: 'gw', baudRate: 'fast' }), 'a serial leftover on TCP');
    assert.throws(() => parseBusSettings({ transport: 'serial', path: 'x', baudRate: 'fast' }), /baudRate must be a whole number/);
    assert.throws(() => readSettings(busSchema, { transport: 'serial' }), /serial port path is empty/);
    assert.equal(readSettings(busSchema, { transport: 'serial' }, { checkRequired: false }).path, '');
  });

  it("reads a word list in the options' own spelling, once each, and refuses unknown words", () => {
    assert.deepEqual(parsePi30Config({ queries: 'qpigs, QMOD qpigs energy' }).queries, ['QPIGS', 'QMOD', 'energy']);
    assert.deepEqual(parsePi30Config({ queries: '' }).queries, ['QPIGS', 'QMOD', 'QPIWS']);
    assert.throws(() => parsePi30Config({ queries: 'QPIGS QXYZ' }), /unknown poll query "QXYZ"; choose from QPIGS, QPIGS2/);
  });

  it("keeps a required text's default as the editor's suggestion only", () => {
    assert.equal(editorDefaults(dbSchema).host.value, '127.0.0.1');
    assert.throws(() => readSettings(dbSchema, { host: ' ', database: 'solar', user: 'postgres' }), /host is empty/);
  });

  it('writes a zero default as "0", which a new config node shows and which reads as 0', () => {
    // A new config node takes a default only when it is truthy (Node-RED editor-client, editing_config_node).
    assert.equal(editorDefaults(busSchema).gapMs.value, '0');
    assert.equal(parseBusSettings({ transport: 'tcp', host: 'gw', gapMs: '0' }).gapMs, 0);
  });

  it('gives every field an editor validator that accepts exactly what the parser accepts', () => {
    const samples = [
      '',
      '0',
      '1',
      '5',
      '2.5',
      '-1',
      'abc',
      '70000',
      ' 7 ',
      'serial',
      'tcp',
      'none',
      'QPIGS',
      'QPIGS energy',
      'QXYZ',
      'auto',
      'require',
    ];
    const checked: string[] = [];
    for (const [type, schema] of Object.entries(SCHEMAS)) {
      const defaults = editorDefaults(schema);
      // A config that passes: the editor's values, with every required text filled.
      const base: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(schema)) base[key] = field.kind === 'text' && field.required ? 'x' : editorValue(field);
      for (const [key, field] of Object.entries(schema) as [string, Field][]) {
        const validate = defaults[key].validate;
        if (!validate || (field.kind === 'text' && field.check)) continue; // a check's rule lives in the node's parser
        const node = field.when ? { ...base, [field.when.field]: field.when.in[0] } : base;
        for (const v of samples) {
          assert.equal(validate.call(node, v), accepts(schema, { ...node, [key]: v }), `${type}.${key} = ${JSON.stringify(v)}`);
        }
        checked.push(`${type}.${key}`);
      }
    }
    assert.ok(checked.length > 30, `checked ${checked.length} fields`);
  });

  it("builds timescale-out's editor checks from the runtime's identifier and span rules", () => {
    const defaults = editorDefaults(outSchema);
    const samples: Record<string, string[]> = {
      table: ['', 'epever', '_x1', 'Bad Name', '1abc', 'a'.repeat(55), 'a'.repeat(56)],
      deviceColumn: ['device', 'unit_id', 'Device', 'a'.repeat(63), 'a'.repeat(64)],
      chunkInterval: ['', '1d', '12 hours', '2w', '0d', 'often', '1d, 2d', '100001s'],
      buckets: ['', '5m, 1h, 1d', '10 minutes', '5m, soon', '5m,,1h', '0m'],
    };
    for (const [key, values] of Object.entries(samples)) {
      for (const v of values) {
        let accepted = true;
        try {
          parseOutSettings({ [key]: v, buckets: key === 'buckets' ? v : '' });
        } catch {
          accepted = false;
        }
        assert.equal(defaults[key].validate?.call({}, v), accepted, `${key} = ${JSON.stringify(v)}`);
      }
    }
    assert.deepEqual(parseOutSettings({ buckets: '' }).policy.buckets, [], 'an empty bucket list is no aggregates');
    assert.equal(parseOutSettings({}).policy.buckets.length, 3, 'a flow without the field gets 5m, 1h, 1d');
  });

  it('switches the modbus-bus port with the transport in the editor, keeping a port the user typed', () => {
    const inputs: Record<string, { value: string; handlers: (() => void)[] }> = {};
    const $ = (selector: string) => {
      const el = (inputs[selector] ??= { value: '', handlers: [] });
      return { val: (v?: string) => (v === undefined ? el.value : void (el.value = v)), on: (_: string, fn: () => void) => el.handlers.push(fn) };
    };
    const window: { SolarTelemetryEditor?: { followDefault(prefix: string, fields: Schema, key: string): void } } = {};
    new Function('$', 'window', readFileSync(join(findPackageRoot(__dirname), 'resources', 'editor.js'), 'utf8'))($, window);
    const choose = (transport: string) => {
      inputs['#p-transport'].value = transport;
      inputs['#p-transport'].handlers.forEach((fn) => fn());
    };
    inputs['#p-transport'] = { value: 'serial', handlers: [] };
    inputs['#p-port'] = { value: String(editorValue(busSchema.port)), handlers: [] };
    window.SolarTelemetryEditor?.followDefault('p-', busSchema, 'port');
    choose('rtu-over-tcp');
    assert.equal(inputs['#p-port'].value, '8899');
    choose('tcp');
    assert.equal(inputs['#p-port'].value, '502');
    inputs['#p-port'].value = '1502';
    choose('rtu-over-tcp');
    assert.equal(inputs['#p-port'].value, '1502', 'a port the user typed stays');
  });
});
