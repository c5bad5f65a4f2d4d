// The demo runs the package's own example flow, so what `npm start` shows is what users import; only the
// bus is pointed at wherever the simulator actually listens.
import { readFileSync } from 'node:fs';
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

export function readExampleFlow(packageRoot: string): FlowNode[] {
  const file = join(packageRoot, EXAMPLE_FLOW);
  return parseFlow(readFileSync(file, 'utf8'), file);
}

/** The example with its one modbus-bus switched to Modbus TCP at `host:port`. */
export function pointBusAt(flow: readonly FlowNode[], host: string, port: number): FlowNode[] {
  const buses = flow.filter((n) => n.type === 'modbus-bus');
  if (buses.length !== 1) throw new Error(`the example flow should hold one modbus-bus, it holds ${buses.length}`);
  return flow.map((n) => (n.type === 'modbus-bus' ? { ...n, transport: 'tcp', host, port } : { ...n }));
}

/** The path the flow's WebSocket listener serves, for the banner. */
export function websocketPath(flow: readonly FlowNode[]): string | undefined {
  const listener = flow.find((n) => n.type === 'websocket-listener');
  return typeof listener?.path === 'string' ? listener.path : undefined;
}
