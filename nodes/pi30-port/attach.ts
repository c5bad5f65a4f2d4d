// How a device node joins a pi30-port config node: register, follow the link status, and leave on close.
import type { Node, NodeAPI } from 'node-red';
import type { LinkStatus, Pi30Connection } from './connection';
import type { Pi30PortNode } from './port-node';

export interface PortAttachment {
  connection: Pi30Connection;
  detach(): Promise<void>;
}

/** Throws an Error naming what is wrong when the port is missing or misconfigured. */
export function attachToPort(RED: NodeAPI, node: Node, portId: unknown, onLink: (status: LinkStatus) => void): PortAttachment {
  const port = typeof portId === 'string' ? (RED.nodes.getNode(portId) as Pi30PortNode | null) : null;
  if (!port) throw new Error('no pi30-port configured');
  const connection = port.connection;
  if (!connection) throw new Error(`pi30-port: ${port.settingsError ?? 'invalid settings'}`);
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
