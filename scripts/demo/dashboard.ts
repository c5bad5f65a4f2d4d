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
