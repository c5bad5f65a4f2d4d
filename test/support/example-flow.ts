// What the example-flow tests know about node types: the ones Node-RED's core, this package and FlowFuse
// Dashboard 2 register, read from their editor html as the editor reads them; and the Dashboard 2 chain every
// widget needs to appear on a page (widget -> ui-group -> ui-page -> ui-base).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readExampleFlow } from '../../scripts/demo/flow';
import { findPackageRoot } from '../../scripts/demo/user-dir';

export interface FlowNode {
  id: string;
  type: string;
  z?: unknown;
  x?: unknown;
  y?: unknown;
  wires?: unknown;
  [key: string]: unknown;
}

/** The package's root folder, where examples/ and package.json are. */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

/** An example file of the package, `examples/<path>`, as a flow. */
export function readExample(...path: string[]): FlowNode[] {
  return readExampleFlow(PACKAGE_ROOT, join('examples', ...path));
}

export const DASHBOARD_PACKAGE = '@flowfuse/node-red-dashboard';
/** The 1.x Angular dashboard (deprecated upstream, still in many installs): `ui_*` nodes, pages at /ui. */
export const DASHBOARD_1X_PACKAGE = 'node-red-dashboard';

/** Node types and their palette category, read from each node's editor html (`registerType('t', {category})`). */
export function typesIn(htmlFiles: readonly string[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const file of htmlFiles) {
    const html = readFileSync(file, 'utf8');
    const calls = [...html.matchAll(/registerType\(\s*['"]([^'"]+)['"]\s*,/g)];
    calls.forEach((call, i) => {
      const body = html.slice(call.index, calls[i + 1]?.index ?? html.length);
      types.set(call[1], /category:\s*['"]([^'"]+)['"]/.exec(body)?.[1] ?? '');
    });
  }
  return types;
}

function htmlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : htmlFilesUnder(path);
    return name.endsWith('.html') ? [path] : [];
  });
}

/** The editor html beside each JS file a package's `node-red.nodes` map names, as Node-RED finds it. */
function packageHtml(root: string, nodeDir: (type: string, js: string) => string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  return Object.entries(pkg['node-red'].nodes).map(([type, js]) => nodeDir(type, js));
}

/**
 * Every node type an example of this package may use: core nodes, ours (html from nodes/<type>/, the build
 * copies it beside the JS), Dashboard 2's and the 1.x dashboard's (both installed as devDependencies).
 */
export function knownNodeTypes(packageRoot: string): Map<string, string> {
  const core = join(dirname(require.resolve('@node-red/nodes/package.json')), 'core');
  const installed = (name: string) => dirname(require.resolve(`${name}/package.json`, { paths: [packageRoot] }));
  const dashboard = installed(DASHBOARD_PACKAGE);
  const dashboard1x = installed(DASHBOARD_1X_PACKAGE);
  return typesIn([
    ...htmlFilesUnder(core),
    ...packageHtml(packageRoot, (type) => join(packageRoot, 'nodes', type, `${type}.html`)),
    ...packageHtml(dashboard, (_type, js) => join(dashboard, js.replace(/\.js$/, '.html'))),
    ...packageHtml(dashboard1x, (_type, js) => join(dashboard1x, js.replace(/\.js$/, '.html'))),
  ]);
}

/**
 * Editor-only types no html registers: `tab`, and `global-config`, which carries the `modules` hint that lets
 * Node-RED 4 offer to install Dashboard 2 when a user imports an example without it.
 */
export const BUILT_IN_TYPES: ReadonlySet<string> = new Set(['tab', 'global-config']);

/** Dashboard 2's widgets are its non-config node types; they live on a tab and name a ui-group (a few a ui-base). */
export function isDashboardWidget(node: FlowNode, known: ReadonlyMap<string, string>): boolean {
  return node.type.startsWith('ui-') && known.has(node.type) && known.get(node.type) !== 'config';
}

/**
 * Asserts that every widget's `group` is a ui-group of the flow, every ui-group's `page` a ui-page, every
 * ui-page's `ui` a ui-base (and its `theme` a ui-theme), that there is one ui-base at /dashboard and a module
 * hint for Dashboard 2; returns the widgets by type.
 */
export function checkDashboardChain(flow: readonly FlowNode[], known: ReadonlyMap<string, string>): Map<string, FlowNode[]> {
  const byId = new Map(flow.map((n) => [n.id, n]));
  const refersTo = (node: FlowNode, property: string, type: string) => {
    const target = byId.get(node[property] as string);
    assert.equal(target?.type, type, `${node.type} ${node.id}: ${property} ${String(node[property])} is a ${type} in the file`);
  };
  const widgets = new Map<string, FlowNode[]>();
  for (const node of flow) {
    if (isDashboardWidget(node, known)) {
      // ui-notification and ui-event belong to the whole dashboard, every other widget to a group.
      if (node.group === undefined && node.ui !== undefined) refersTo(node, 'ui', 'ui-base');
      else refersTo(node, 'group', 'ui-group');
      widgets.set(node.type, [...(widgets.get(node.type) ?? []), node]);
    }
    if (node.type === 'ui-group') refersTo(node, 'page', 'ui-page');
    if (node.type === 'ui-page') {
      refersTo(node, 'ui', 'ui-base');
      refersTo(node, 'theme', 'ui-theme');
    }
  }
  const bases = flow.filter((n) => n.type === 'ui-base');
  assert.equal(bases.length, 1, 'one ui-base');
  assert.equal(bases[0].path, '/dashboard');
  const modules = flow.find((n) => n.type === 'global-config')?.modules as Record<string, string> | undefined;
  assert.ok(modules?.[DASHBOARD_PACKAGE], `a global-config names ${DASHBOARD_PACKAGE}, so Node-RED offers to install it`);
  return widgets;
}

/** The 1.x dashboard's widgets are its non-config `ui_*` types; each names a ui_group (ui_toast and ui_ui_control none). */
export function isDashboard1xWidget(node: FlowNode, known: ReadonlyMap<string, string>): boolean {
  return node.type.startsWith('ui_') && known.has(node.type) && known.get(node.type) !== 'config';
}

/**
 * The 1.x chain: every widget's `group` is a ui_group of the flow (ui_toast, ui_ui_control and ui_template in
 * head/global scope need none), every ui_group's `tab` a ui_tab; a module hint names node-red-dashboard and no
 * Dashboard 2 node is mixed in. Returns the widgets by type.
 */
export function checkDashboard1xChain(flow: readonly FlowNode[], known: ReadonlyMap<string, string>): Map<string, FlowNode[]> {
  const byId = new Map(flow.map((n) => [n.id, n]));
  const refersTo = (node: FlowNode, property: string, type: string) => {
    const target = byId.get(node[property] as string);
    assert.equal(target?.type, type, `${node.type} ${node.id}: ${property} ${String(node[property])} is a ${type} in the file`);
  };
  const widgets = new Map<string, FlowNode[]>();
  for (const node of flow) {
    assert.ok(!node.type.startsWith('ui-'), `${node.type} ${node.id}: a Dashboard 2 node in a 1.x dashboard file`);
    if (isDashboard1xWidget(node, known)) {
      const groupless = node.type === 'ui_toast' || node.type === 'ui_ui_control' || (node.type === 'ui_template' && node.templateScope !== 'local');
      if (!groupless) refersTo(node, 'group', 'ui_group');
      widgets.set(node.type, [...(widgets.get(node.type) ?? []), node]);
    }
    if (node.type === 'ui_group') refersTo(node, 'tab', 'ui_tab');
  }
  const modules = flow.find((n) => n.type === 'global-config')?.modules as Record<string, string> | undefined;
  assert.ok(modules?.[DASHBOARD_1X_PACKAGE], `a global-config names ${DASHBOARD_1X_PACKAGE}, so Node-RED offers to install it`);
  return widgets;
}

/** The ids of every node a message from `start` can reach. */
export function downstreamOf(flow: readonly FlowNode[], start: string): Set<string> {
  const byId = new Map(flow.map((n) => [n.id, n]));
  const reached = new Set<string>();
  const visit = (id: string) => {
    for (const port of (byId.get(id)?.wires as string[][] | undefined) ?? []) {
      for (const target of port) {
        if (reached.has(target)) continue;
        reached.add(target);
        visit(target);
      }
    }
  };
  visit(start);
  return reached;
}
