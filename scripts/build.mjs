// Compiles TypeScript, then puts each node's editor html, locale files and icon beside its compiled JS:
// Node-RED looks for them nowhere else.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
// BUILD_OUT lets parallel work build into its own folder instead of dist/.
const outDir = join(root, process.env.BUILD_OUT || 'dist');
rmSync(outDir, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root, '--outDir', outDir], { stdio: 'inherit' });

// Every folder of nodes/ with an editor file is a node type.
const types = readdirSync(join(root, 'nodes')).filter((type) => existsSync(join(root, 'nodes', type, `${type}.html`)));
const localesDir = join(root, 'locales');
const languages = readdirSync(localesDir);

/** A node's catalog with the shared status texts (locales/<lang>/common/status.json) under its own; its own win. */
function catalogWithSharedStatus(type, lang, src) {
  const catalog = JSON.parse(readFileSync(src, 'utf8'));
  const sharedFile = join(localesDir, lang, 'common', 'status.json');
  if (!existsSync(sharedFile) || !catalog[type]) return catalog;
  const shared = JSON.parse(readFileSync(sharedFile, 'utf8'));
  catalog[type].status = { ...shared.status, ...catalog[type].status };
  return catalog;
}
// A node with a settings schema (nodes/<type>/<type>-schema.ts) gets its editor `defaults` and field data
// generated from the compiled schema, at the markers in its html. Inline rather than in a resources/ script:
// registerType needs them the moment the html runs. Node-RED 4.1 does hold a node's inline scripts until its
// relative <script src> files have loaded (editor-client red.js, appendConfig), but this package declares
// node-red >=3.0, and inline data needs no request and no load order at all. resources/editor.js holds only
// helpers the dialogs call from oneditprepare, when the page has long finished loading.
const { editorDefaultsSource } = await import(pathToFileURL(join(outDir, 'nodes', 'common', 'settings-schema.js')).href);
// Written `/*SCHEMA_DEFAULTS*/ {}` so the html is valid JavaScript before the build (and as Prettier leaves it).
const DEFAULTS_MARKER = /\/\*SCHEMA_DEFAULTS\*\/\s*\{\}/;
const FIELDS_MARKER = /\/\*SCHEMA_FIELDS\*\/\s*\{\}/;
// Lists a dialog offers that the runtime also holds (a schema file's `editorData` export), so they exist once.
const EDITOR_DATA_MARKER = /\/\*EDITOR_DATA\*\/\s*\{\}/;
// The rows every device node shows for the reading message (device id, topic, measurement), the same in each
// dialog but for the node's own catalog: written once here, at the marker in the node's template.
const MESSAGE_ROWS_MARKER = /^([ \t]*)<!-- DEVICE_MESSAGE_ROWS -->$/m;
const messageRows = (type) =>
  [
    ['deviceId', 'fa-id-badge', true],
    ['topic', 'fa-tasks', true],
    ['measurement', 'fa-table', false],
  ].flatMap(([field, icon, placeholder]) => [
    '<div class="form-row">',
    // "Measurement" with its icon is wider than Node-RED's 100 px label: these rows' labels get 20 px more, taken
    // from the input, so the label stays on one line and the input still ends where the others do.
    `  <label for="node-input-${field}" style="width:120px;white-space:nowrap"><i class="fa ${icon}"></i> <span data-i18n="${type}.label.${field}"></span></label>`,
    `  <input type="text" id="node-input-${field}" style="width:calc(70% - 20px)"${placeholder ? ` data-i18n="[placeholder]${type}.placeholder.${field}"` : ''} />`,
    '</div>',
  ]);
// The timing rows of a link's config node (modbus-bus, pi30-port): the same fields in each, but for the node's
// own catalog. A label longer than Node-RED's 100 px holds beside its icon gets the shared wide class
// (resources/editor.css), judged by the English text.
const LINK_ROWS_MARKER = /^([ \t]*)<!-- LINK_TIMING_ROWS -->$/m;
const WIDE_LABEL_CHARS = 10;
const linkRows = (type) => {
  const labels = JSON.parse(readFileSync(join(localesDir, 'en-US', `${type}.json`), 'utf8'))[type].label;
  return [
    ['timeoutMs', 'fa-clock-o', ' ms'],
    ['retries', 'fa-repeat', ''],
    ['gapMs', 'fa-pause', ' ms'],
    ['backoffMaxMs', 'fa-hourglass-half', ' ms'],
    ['reconnectMaxMs', 'fa-refresh', ' ms'],
  ].flatMap(([field, icon, unit]) => [
    '<div class="form-row">',
    `  <label for="node-config-input-${field}"${String(labels[field]).length > WIDE_LABEL_CHARS ? ' class="solar-telemetry-wide"' : ''}><i class="fa ${icon}"></i> <span data-i18n="${type}.label.${field}"></span></label>`,
    `  <input type="text" id="node-config-input-${field}" style="width:80px" />${unit}`,
    '</div>',
  ]);
};
async function editorHtml(type) {
  const html = readFileSync(join(root, 'nodes', type, `${type}.html`), 'utf8');
  const schemaFile = join(outDir, 'nodes', type, `${type}-schema.js`);
  if (!existsSync(schemaFile)) return html;
  const { settingsSchema, editorData } = await import(pathToFileURL(schemaFile).href);
  if (!DEFAULTS_MARKER.test(html)) throw new Error(`nodes/${type}/${type}.html has a schema but no /*SCHEMA_DEFAULTS*/ {} marker`);
  const prefix = /category:\s*'config'/.test(html) ? 'node-config-input-' : 'node-input-';
  const indent = (text, by) => text.replace(/\n/g, `\n${by}`);
  return html
    .replace(DEFAULTS_MARKER, () => indent(editorDefaultsSource(settingsSchema, prefix), '      '))
    .replace(FIELDS_MARKER, () => JSON.stringify(settingsSchema))
    .replace(EDITOR_DATA_MARKER, () => JSON.stringify(editorData ?? {}))
    .replace(MESSAGE_ROWS_MARKER, (_all, by) =>
      messageRows(type)
        .map((line) => by + line)
        .join('\n'),
    )
    .replace(LINK_ROWS_MARKER, (_all, by) =>
      linkRows(type)
        .map((line) => by + line)
        .join('\n'),
    );
}
for (const type of types) {
  const out = join(outDir, 'nodes', type);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${type}.html`), await editorHtml(type));
  for (const lang of languages) {
    for (const ext of ['json', 'html']) {
      const src = join(localesDir, lang, `${type}.${ext}`);
      if (!existsSync(src)) continue;
      mkdirSync(join(out, 'locales', lang), { recursive: true });
      const dest = join(out, 'locales', lang, `${type}.${ext}`);
      if (ext === 'json') writeFileSync(dest, `${JSON.stringify(catalogWithSharedStatus(type, lang, src), null, 2)}\n`);
      else cpSync(src, dest);
    }
  }
  const icon = join(root, 'icons', `${type}.svg`);
  if (existsSync(icon)) {
    mkdirSync(join(out, 'icons'), { recursive: true });
    cpSync(icon, join(out, 'icons', `${type}.svg`));
  }
}
