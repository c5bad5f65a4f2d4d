// How a device node joins a modbus-bus config node: register, follow the link status, and leave on close.
import type { Node, NodeAPI } from 'node-red';
import type { ModbusConnection, LinkStatus } from './connection';
import type { ModbusBusNode } from './bus-node';

export interface BusAttachment {
  connection: ModbusConnection;
  detach(): Promise<void>;
}

/** Throws an Error naming what is wrong when the bus is missing or misconfigured. */
export function attachToBus(RED: NodeAPI, node: Node, busId: unknown, onLink: (status: LinkStatus) => void): BusAttachment {
  const bus = typeof busId === 'string' ? (RED.nodes.getNode(busId) as ModbusBusNode | null) : null;
  if (!bus) throw new Error('no modbus-bus configured');
  const connection = bus.connection;
  if (!connection) throw new Error(`modbus-bus: ${bus.settingsError ?? 'invalid settings'}`);
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
