// Node status in the five states DESIGN.md names; text comes from the node's locale file.
import type { NodeStatus } from 'node-red';

export type StatusState = 'ok' | 'connecting' | 'retrying' | 'error' | 'idle';

const LOOK: Record<StatusState, Pick<NodeStatus, 'fill' | 'shape'>> = {
  ok: { fill: 'green', shape: 'dot' },
  connecting: { fill: 'yellow', shape: 'ring' },
  retrying: { fill: 'yellow', shape: 'ring' },
  error: { fill: 'red', shape: 'ring' },
  idle: { fill: 'grey', shape: 'ring' },
};

export function statusOf(state: StatusState, text: string): NodeStatus {
  return { ...LOOK[state], text };
}

/** Local time of day as HH:MM:SS, for "last poll" texts that must stay short. */
export function timeOfDay(date: Date): string {
  return date.toTimeString().slice(0, 8);
}
