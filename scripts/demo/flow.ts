// The demo runs the package's own example flows, so what `npm start` shows is what users import; only the
// bus and the inverter port are pointed at wherever the simulators actually listen.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One node of a Node-RED flow file: an id, a type and whatever that type keeps. */
export interface FlowNode {
  id: string;
  type: string;
  [property: string]: unknown;
}

export const EXAMPLE_FLOW = join('examples', 'epever-tracer', 'epever-to-websocket.json');
export const INVERTER_EXAMPLE_FLOW = join('examples', 'mpp-pi30', 'inverter-dashboard-mqtt.json');

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

/** The example with its one modbus-bus switched to Modbus TCP at `host:port`. */
export function pointBusAt(flow: readonly FlowNode[], host: string, port: number): FlowNode[] {
  const buses = flow.filter((n) => n.type === 'modbus-bus');
  if (buses.length !== 1) throw new Error(`the example flow should hold one modbus-bus, it holds ${buses.length}`);
  return flow.map((n) => (n.type === 'modbus-bus' ? { ...n, transport: 'tcp', host, port } : { ...n }));
}

/**
 * The inverter example with its one pi30-port switched to TCP at `host:port`, and its MQTT output disabled:
 * the demo starts no broker, and a broker that is not there would fill the log with reconnect attempts.
 */
export function pointInverterAt(flow: readonly FlowNode[], host: string, port: number): FlowNode[] {
  const ports = flow.filter((n) => n.type === 'pi30-port');
  if (ports.length !== 1) throw new Error(`the inverter example should hold one pi30-port, it holds ${ports.length}`);
  return flow.map((n) => {
    if (n.type === 'pi30-port') return { ...n, transport: 'tcp', host, port };
    if (n.type === 'mqtt out') return { ...n, d: true };
    return { ...n };
  });
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

/** The path of the first WebSocket listener. */
export function websocketPath(flow: readonly FlowNode[]): string | undefined {
  return websocketPaths(flow)[0];
}
