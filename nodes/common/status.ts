// Node status in the five states DESIGN.md names; text comes from a locale catalog (the editor translates it).
import type { NodeStatus } from 'node-red';
import type { DeviceFailureKind } from './failure-kind';
import type { LinkStatus } from './shared-link';

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

/**
 * Texts Node-RED itself ships (@node-red/nodes locales/en-US/messages.json, "common.status"); a status text in
 * the `node-red:` namespace is translated from that catalog, as the core MQTT and TCP nodes do.
 */
export type CoreStatusText = 'connected' | 'not-connected' | 'disconnected' | 'connecting' | 'error' | 'ok';

export function coreText(name: CoreStatusText): string {
  return `node-red:common.status.${name}`;
}

/**
 * A status text by name: a `node-red:` key as it is, any other name from `<type>.status.<name>`, which the
 * node's own catalog holds merged over the shared one (locales/<lang>/common/status.json; see scripts/build.mjs).
 */
export function catalogText(type: string, name: string): string {
  return name.startsWith('node-red:') ? name : `${type}.status.${name}`;
}

/** A status before its text is looked up: a state and a catalog name (see catalogText). */
export interface StatusLook {
  state: StatusState;
  text: string;
}

/** The one table from failure kind to status that every device node shows. */
export const FAILURE_STATUS: Readonly<Record<DeviceFailureKind, StatusLook>> = {
  refused: { state: 'error', text: 'refused' },
  // A command the node will not run is refused too, by the node instead of the device.
  'bad-input': { state: 'error', text: 'refused' },
  'no-answer': { state: 'error', text: 'unavailable' },
  garbled: { state: 'error', text: 'garbled' },
  'backed-off': { state: 'retrying', text: 'retrying' },
  'link-down': { state: 'error', text: 'disconnected' },
  error: { state: 'error', text: coreText('error') },
};

/** What a link's state looks like on a device node; undefined while the link is idle (nobody uses it yet). */
export function linkStatusLook(link: LinkStatus): StatusLook | undefined {
  switch (link.state) {
    case 'connecting':
      return { state: 'connecting', text: link.vanished ? 'vanished' : coreText('connecting') };
    case 'disconnected':
      return { state: 'error', text: link.vanished ? 'vanished' : 'disconnected' };
    case 'connected':
      return { state: 'ok', text: coreText('connected') };
    default:
      return undefined;
  }
}
