// The demo runs the package's own example flows, every file under examples/ joined into one, so what `npm start`
// shows is what users import; only the devices and servers are pointed at the demo's stand-ins.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One node of a Node-RED flow file: an id, a type and whatever that type keeps. */
export interface FlowNode {
  id: string;
  type: string;
  [property: string]: unknown;
}

export const EXAMPLE_FLOW = join('examples', 'epever-tracer', 'epever-to-websocket.json');

export function parseFlow(text: string, source: string): FlowNode[] {
  const data: unknown = JSON.parse(text);
  if (!Array.isArray(data)) throw new Error(`${source}: a flow is a JSON array of nodes`);
  return data.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null) throw new Error(`${source}: item ${index} is not a node`);
    const node = item as Record<string, unknown>;
    if (typeof node.id !== 'string' || typeof node.type !== 'string') {
      throw new Error(`${source}: item ${index} lacks a string id and type`);
    }
    return node as FlowNode;
  });
}

export function readExampleFlow(packageRoot: string, example = EXAMPLE_FLOW): FlowNode[] {
  const file = join(packageRoot, example);
  return parseFlow(readFileSync(file, 'utf8'), file);
}

/**
 * Example flows joined into one. A node whose id came already is left out: the examples share their Dashboard 2
 * base and theme by id, so that importing two of them keeps one /dashboard.
 */
export function joinFlows(...flows: (readonly FlowNode[])[]): FlowNode[] {
  const seen = new Set<string>();
  return flows.flat().filter((n) => !seen.has(n.id) && seen.add(n.id));
}

/** The paths the flow's WebSocket listeners serve, for the banner. */
export function websocketPaths(flow: readonly FlowNode[]): string[] {
  return flow.filter((n) => n.type === 'websocket-listener' && typeof n.path === 'string').map((n) => n.path as string);
}

/** Every example file under examples/, as paths relative to the package root, in a stable order. */
export function exampleFiles(packageRoot: string): string[] {
  const root = join(packageRoot, 'examples');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(root, d.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => join('examples', d.name, f)),
    )
    .sort();
}

/**
 * Node-RED keeps one `global-config` node (its `env` and the `modules` a flow needs); each dashboard example
 * brings its own. The joined flow gets one: the first one's id, every module named (when `keep` says it is
 * there), every environment variable once.
 */
export function mergeGlobalConfigs(flow: readonly FlowNode[], keep: (module: string) => boolean = () => true): FlowNode[] {
  const configs = flow.filter((n) => n.type === 'global-config');
  if (configs.length === 0) return [...flow];
  const modules: Record<string, unknown> = {};
  const env: { name?: unknown }[] = [];
  for (const c of configs) {
    for (const [name, version] of Object.entries((c.modules as Record<string, unknown> | undefined) ?? {})) if (keep(name)) modules[name] = version;
    for (const variable of (c.env as { name?: unknown }[] | undefined) ?? []) if (!env.some((e) => e.name === variable.name)) env.push(variable);
  }
  const merged: FlowNode = { ...configs[0], env, modules };
  return flow.filter((n) => n.type !== 'global-config' || n === configs[0]).map((n) => (n === configs[0] ? merged : n));
}

/** The ids of the nodes that name one of `configIds` in a property (a config node's users). */
function usersOf(flow: readonly FlowNode[], configIds: ReadonlySet<string>): Set<string> {
  return new Set(
    flow.filter((n) => Object.entries(n).some(([key, value]) => key !== 'id' && typeof value === 'string' && configIds.has(value))).map((n) => n.id),
  );
}

/**
 * The flow with every node that uses a config node of one of `types` disabled (`d: true`), for servers the demo
 * does not run: a disabled node does not start, so it neither fails nor fills the log with reconnects.
 * Returns the flow and what was disabled.
 */
export function disableUsersOf(flow: readonly FlowNode[], types: readonly string[]): { flow: FlowNode[]; disabled: FlowNode[] } {
  const configIds = new Set(flow.filter((n) => types.includes(n.type)).map((n) => n.id));
  const users = usersOf(flow, configIds);
  const out = flow.map((n) => (users.has(n.id) ? { ...n, d: true } : n));
  return { flow: out, disabled: out.filter((n) => users.has(n.id)) };
}

/**
 * The inject nodes a user presses to see what a page shows only on request: a device's settings (named "Read
 * settings ...") and the windows so far of a roll-up (an inject that sets `msg.flush`, which only reports).
 * Never one that writes or resets.
 */
export function pressedOnStart(flow: readonly FlowNode[]): FlowNode[] {
  const flushes = (n: FlowNode) =>
    Array.isArray(n.props) && (n.props as { p?: unknown; v?: unknown }[]).some((p) => p.p === 'flush' && String(p.v) === 'true');
  return flow.filter((n) => n.type === 'inject' && n.d !== true && n.once !== true && (/read settings/i.test(String(n.name ?? '')) || flushes(n)));
}

/**
 * The flow with one node of `type` (the first); the others go. For the 1.x dashboard's `ui_base` (its site
 * settings and theme), which each 1.x example brings with an id of its own and of which the dashboard wants one.
 */
export function keepFirstOf(flow: readonly FlowNode[], type: string): FlowNode[] {
  const first = flow.find((n) => n.type === type);
  return flow.filter((n) => n.type !== type || n === first);
}
