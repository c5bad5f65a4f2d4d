// FlowFuse Dashboard 2 in the demo: a devDependency of the checkout, which Node-RED loads only from
// userDir/node_modules. Without it (a production install) the demo runs the flow without its widgets.
import { dirname } from 'node:path';
import type { FlowNode } from './flow';

export const DASHBOARD_PACKAGE = '@flowfuse/node-red-dashboard';

/** The folder of the checkout's Dashboard 2 package, or undefined when it is not installed. */
export function findDashboard(packageRoot: string): string | undefined {
  try {
    return dirname(require.resolve(`${DASHBOARD_PACKAGE}/package.json`, { paths: [packageRoot] }));
  } catch {
    return undefined;
  }
}

/** Dashboard 2's node types all start with `ui-`; no core node's or ours does. */
function isDashboardNode(node: FlowNode): boolean {
  return node.type.startsWith('ui-');
}

/**
 * The flow without Dashboard 2 nodes and without wires to them: Node-RED starts no flow while a node type is
 * missing. The module hint of `global-config` goes too; it only tells the editor what to offer on import.
 */
export function withoutDashboard(flow: readonly FlowNode[]): FlowNode[] {
  const dropped = new Set(flow.filter(isDashboardNode).map((n) => n.id));
  return flow
    .filter((n) => !dropped.has(n.id) && n.type !== 'global-config')
    .map((n) => (Array.isArray(n.wires) ? { ...n, wires: (n.wires as string[][]).map((port) => port.filter((id) => !dropped.has(id))) } : n));
}

/** The path the flow's dashboard is served at (its ui-base's), if it has one. */
export function dashboardPath(flow: readonly FlowNode[]): string | undefined {
  const base = flow.find((n) => n.type === 'ui-base' && typeof n.path === 'string');
  return base?.path as string | undefined;
}

/** The 1.x dashboard (node-red-dashboard): its node types start with `ui_` and it serves at /ui. */
export const DASHBOARD_1X_PACKAGE = 'node-red-dashboard';

/** The folder of an installed package, or undefined when it is not installed. */
export function findPackage(packageRoot: string, name: string): string | undefined {
  try {
    return dirname(require.resolve(`${name}/package.json`, { paths: [packageRoot] }));
  } catch {
    return undefined;
  }
}

/** The flow without the 1.x dashboard's nodes and the wires to them. */
export function withoutDashboard1x(flow: readonly FlowNode[]): FlowNode[] {
  const dropped = new Set(flow.filter((n) => n.type.startsWith('ui_')).map((n) => n.id));
  return flow
    .filter((n) => !dropped.has(n.id))
    .map((n) => (Array.isArray(n.wires) ? { ...n, wires: (n.wires as string[][]).map((port) => port.filter((id) => !dropped.has(id))) } : n));
}

export interface DashboardPage {
  /** Which package serves it. */
  package: string;
  name: string;
  /** The path to open, from the server's root (for 1.x with the tab's `#!/N` fragment). */
  path: string;
}

/** Every Dashboard 2 page (`ui-page`, under its `ui-base`'s path), in the order of the pages' `order`. */
export function dashboard2Pages(flow: readonly FlowNode[]): DashboardPage[] {
  const bases = new Map(flow.filter((n) => n.type === 'ui-base').map((n) => [n.id, typeof n.path === 'string' ? n.path : '/dashboard']));
  return flow
    .filter((n) => n.type === 'ui-page' && n.d !== true && typeof n.path === 'string')
    .sort((a, b) => Number(a.order ?? 0) - Number(b.order ?? 0))
    .map((n) => ({
      package: DASHBOARD_PACKAGE,
      name: String(n.name ?? n.path),
      path: `${(bases.get(String(n.ui)) ?? '/dashboard').replace(/\/$/, '')}${String(n.path)}`,
    }));
}

/**
 * Every 1.x dashboard tab (`ui_tab`) a user can open. The 1.x dashboard menu holds the tabs that have a widget
 * (hidden and disabled ones too), in the order of their `order` (0, "no order", after all the others, as the
 * dashboard's own sorter puts it), and opens one by its place there: /ui/#!/0 is the first.
 */
function menuRank(tab: FlowNode): number {
  const order = Number(tab.order ?? 0);
  return order === 0 || Number.isNaN(order) ? Number.POSITIVE_INFINITY : order;
}

export function dashboard1xPages(flow: readonly FlowNode[]): DashboardPage[] {
  const groupsWithWidgets = new Set(flow.filter((n) => n.type.startsWith('ui_') && typeof n.group === 'string').map((n) => String(n.group)));
  const tabsWithWidgets = new Set(flow.filter((n) => n.type === 'ui_group' && groupsWithWidgets.has(n.id)).map((n) => String(n.tab)));
  return flow
    .filter((n) => n.type === 'ui_tab' && tabsWithWidgets.has(n.id))
    .sort((a, b) => (menuRank(a) === menuRank(b) ? 0 : menuRank(a) - menuRank(b)))
    .map((n, index) => ({ tab: n, index }))
    .filter(({ tab }) => tab.d !== true && tab.hidden !== true && tab.disabled !== true)
    .map(({ tab, index }) => ({ package: DASHBOARD_1X_PACKAGE, name: String(tab.name ?? `Tab ${index + 1}`), path: `/ui/#!/${index}` }));
}
