// A node whose settings cannot work still starts: it shows why, logs it once, and answers every message with
// the reason, so a Catch node hears it and Node-RED keeps running.
import type { Node } from 'node-red';
import { statusOf } from './status';

export function refuseAllInput(node: Node, statusKey: string, logText: string, reason: string): void {
  node.status(statusOf('error', statusKey));
  node.error(logText);
  node.on('input', (_msg: unknown, _send: unknown, done: (err?: Error) => void) => done(new Error(reason)));
}
