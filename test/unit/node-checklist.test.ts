// Everything a node type needs, checked for every type package.json registers: a reader adding a node learns
// here what they forgot. Reads the sources and the build's output (dist/nodes/<type>/<type>.html).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceFields } from '../../nodes/common/device-config';
import { editorValue, readSettings, type Schema } from '../../nodes/common/settings-schema';
import { findPackageRoot } from '../../scripts/demo/user-dir';

const root = findPackageRoot(__dirname);
const builtNodes = join(__dirname, '..', '..', 'nodes');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  files: string[];
  'node-red': { nodes: Record<string, string> };
};
const types = Object.keys(packageJson['node-red'].nodes);

interface EditorDefinition {
  category?: string;
  defaults: Record<string, { value: unknown; type?: string; required?: boolean; validate?: (v: unknown) => boolean }>;
}

/** Runs a built editor html's inline scripts against a stub RED and returns what it registered. */
function registeredDefinitions(html: string): Map<string, EditorDefinition> {
  const registered = new Map<string, EditorDefinition>();
  const RED = { nodes: { registerType: (type: string, def: EditorDefinition) => registered.set(type, def) }, settings: {} };
  const $ = () => ({ val: () => undefined });
  for (const script of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) {
    new Function('RED', '$', 'window', script[1])(RED, $, {});
  }
  return registered;
}

function read(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** The schema a node's parser reads through: nodes/<type>/<type>-schema.ts, as built. */
function schemaOf(type: string): Schema | undefined {
  const file = join(builtNodes, type, `${type}-schema.js`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return existsSync(file) ? (require(file) as { settingsSchema: Schema }).settingsSchema : undefined;
}

const isDevice = (schema: Schema | undefined) =>
  schema !== undefined && Object.keys(deviceFields({ measurement: '', intervalS: 1 })).every((k) => k in schema);

function missingFor(type: string): string[] {
  const missing: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) missing.push(what);
  };
  need(packageJson['node-red'].nodes[type] === `dist/nodes/${type}/${type}.js`, `package.json "node-red".nodes entry dist/nodes/${type}/${type}.js`);
  need(existsSync(join(root, 'nodes', type, `${type}.ts`)), `nodes/${type}/${type}.ts (the Node-RED adapter)`);
  const html = read(join(root, 'nodes', type, `${type}.html`));
  need(html !== '', `nodes/${type}/${type}.html (the editor)`);
  const config = /category:\s*'config'/.test(html);
  const catalog = read(join(root, 'locales', 'en-US', `${type}.json`));
  need(catalog !== '', `locales/en-US/${type}.json (labels and messages)`);
  need(read(join(root, 'locales', 'en-US', `${type}.html`)).includes(`data-help-name="${type}"`), `locales/en-US/${type}.html (help text)`);
  if (!config) need(existsSync(join(root, 'icons', `${type}.svg`)), `icons/${type}.svg`);
  need(read(join(root, 'README.md')).includes(`### \`${type}\``), `a README section "### \`${type}\`"`);
  const examples = readdirSync(join(root, 'examples')).flatMap((dir) =>
    readdirSync(join(root, 'examples', dir)).map((f) => read(join(root, 'examples', dir, f))),
  );
  need(
    examples.some((flow) => flow.includes(`"type": "${type}"`)),
    `an example flow under examples/ using a ${type} node`,
  );

  const schema = schemaOf(type);
  need(schema !== undefined, `nodes/${type}/${type}-schema.ts exporting settingsSchema (the parser and the editor read it)`);
  if (isDevice(schema)) {
    need(
      new RegExp(`from '[^']*/${type}/[^']*'`).test(read(join(root, 'scripts', 'simulate.ts'))),
      `a simulator served by scripts/simulate.ts (solar-telemetry-sim) for ${type}`,
    );
  }
  if (!schema) return missing;

  need(
    /\/\*SCHEMA_DEFAULTS\*\/\s*\{\}/.test(html),
    `the /*SCHEMA_DEFAULTS*/ {} marker in nodes/${type}/${type}.html (the build writes the editor defaults there)`,
  );
  const builtHtml = read(join(builtNodes, type, `${type}.html`));
  const built = registeredDefinitions(builtHtml).get(type);
  need(built !== undefined, `RED.nodes.registerType('${type}', ...) in the built editor html`);
  if (!built) return missing;
  const prefix = config ? 'node-config-input-' : 'node-input-';
  const labels = (JSON.parse(catalog || '{}') as Record<string, { label?: Record<string, string> }>)[type]?.label ?? {};
  for (const [key, field] of Object.entries(schema)) {
    const editor = built.defaults[key];
    need(editor !== undefined, `editor default for ${key}`);
    if (editor)
      need(
        JSON.stringify(editor.value) === JSON.stringify(editorValue(field)),
        `editor default ${key} = ${JSON.stringify(editorValue(field))} (it has ${JSON.stringify(editor.value)})`,
      );
    if (field.kind === 'link') need(editor?.type === field.nodeType, `editor default ${key} of type ${field.nodeType}`);
    // The built html: the build writes the shared device rows (device id, topic, measurement) into it.
    need(builtHtml.includes(`id="${prefix}${key}"`), `an editor input id="${prefix}${key}" in nodes/${type}/${type}.html`);
    need(key in labels, `a label ${type}.label.${key} in locales/en-US/${type}.json`);
  }
  for (const key of Object.keys(built.defaults)) need(key in schema, `${key} in the schema (the editor has it, the parser does not read it)`);
  return missing;
}

describe('node checklist', () => {
  it('finds the node types in package.json', () => {
    assert.ok(types.length >= 8, `found ${types.join(', ')}`);
  });

  it('ships the editor helpers (resources/) in the package', () => {
    assert.ok(packageJson.files.includes('resources'), 'package.json "files" lists resources');
    assert.ok(existsSync(join(root, 'resources', 'editor.js')), 'resources/editor.js');
  });

  for (const type of types) {
    it(`${type} has everything a node needs`, () => {
      assert.deepEqual(missingFor(type), [], `${type} is missing:\n  ${missingFor(type).join('\n  ')}`);
    });

    it(`${type}: a node made in the editor behaves as one with no settings at all`, function () {
      const schema = schemaOf(type);
      if (!schema) throw new Error(`nodes/${type}/${type}-schema.ts is missing`);
      const builtHtml = read(join(builtNodes, type, `${type}.html`));
      const built = registeredDefinitions(builtHtml).get(type);
      assert.ok(built, `the built ${type}.html registers ${type}`);
      const fromEditor = Object.fromEntries(Object.entries(built.defaults).map(([key, d]) => [key, d.value]));
      assert.deepEqual(readSettings(schema, fromEditor, { checkRequired: false }), readSettings(schema, {}, { checkRequired: false }));
    });
  }
});
