// Shared set-up for tests that run our nodes in node-red-node-test-helper's real Node-RED runtime.
import helper from 'node-red-node-test-helper';
import type { Node, NodeMessage, NodeStatus } from 'node-red';

helper.init(require.resolve('node-red'));

export { helper };

/* eslint-disable @typescript-eslint/no-require-imports */
export const modbusBusNode = require('../../nodes/modbus-bus/modbus-bus');
export const epeverTracerNode = require('../../nodes/epever-tracer/epever-tracer');
export const catchNode = require('@node-red/nodes/core/common/25-catch.js');
export const helperNode = 'helper';

export type Msg = NodeMessage & Record<string, unknown>;
export type TestNode = Node & Record<string, unknown>;

export function getNode(id: string): TestNode {
  const node = helper.getNode(id);
  if (!node) throw new Error(`node ${id} did not start`);
  return node as TestNode;
}

/** Resolves with the next message `id` receives, rejects after `ms`. */
export function nextMessage(id: string, ms = 5000): Promise<Msg> {
  const node = getNode(id);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message at ${id} within ${ms} ms`)), ms);
    node.once('input', (msg: Msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

/** Collects every message `id` receives. */
export function collect(id: string): Msg[] {
  const messages: Msg[] = [];
  getNode(id).on('input', (msg: Msg) => messages.push(msg));
  return messages;
}

export type StatusCall = NodeStatus;

/** Records each status a node shows. */
export function statuses(id: string): StatusCall[] {
  const node = getNode(id);
  const seen: StatusCall[] = [];
  const original = node.status.bind(node);
  node.status = ((s: NodeStatus) => {
    seen.push(s);
    return original(s);
  }) as Node['status'];
  return seen;
}

export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A flow on one tab: the tab, config nodes as given, and `nodes` placed on the tab. */
export function onTab(configs: object[], nodes: object[]): object[] {
  return [{ id: 'f1', type: 'tab' }, ...configs, ...nodes.map((n) => ({ z: 'f1', x: 100, y: 100, wires: [], ...n }))];
}
