// How a device node joins the config node that owns its link: register, follow the link status, leave on close.
import type { Node, NodeAPI } from 'node-red';
import type { LinkStatus, SharedLink } from './shared-link';

/** A config node that owns a shared link, as device nodes see it. */
export interface LinkOwnerNode<C> extends Node {
  /** Undefined when the settings are invalid; `settingsError` then says why. */
  connection?: C;
  settingsError?: string;
}

export interface Attachment<C> {
  connection: C;
  detach(): Promise<void>;
}

/** Throws an Error naming what is wrong when the config node is missing or misconfigured. */
export function attachToLink<C extends SharedLink<unknown>>(
  RED: NodeAPI,
  node: Node,
  configType: string,
  configId: unknown,
  onLink: (status: LinkStatus) => void,
): Attachment<C> {
  const owner = typeof configId === 'string' ? (RED.nodes.getNode(configId) as LinkOwnerNode<C> | null) : null;
  if (!owner) throw new Error(`no ${configType} configured`);
  const connection = owner.connection;
  if (!connection) throw new Error(`${configType}: ${owner.settingsError ?? 'invalid settings'}`);
  connection.on('status', onLink);
  connection.register(node.id);
  onLink(connection.linkStatus);
  return {
    connection,
    detach: () => {
      connection.off('status', onLink);
      return connection.deregister(node.id);
    },
  };
}
