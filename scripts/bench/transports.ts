// Simulated devices served on loopback over each transport, with the bus settings a user would enter for it.
import { servePty, serveRtuOverTcp, serveTcp, type ModbusDevice } from '../../nodes/common/simulator/modbus-slave';
import type { TransportKind } from '../../nodes/modbus-bus/bus-config';

export const TRANSPORTS: readonly TransportKind[] = ['tcp', 'rtu-over-tcp', 'serial'];

export interface ServedBus {
  /** The modbus-bus editor fields that reach these devices. */
  readonly busConfig: Record<string, unknown>;
  close(): Promise<void>;
}

export async function serveBus(transport: TransportKind, devices: readonly ModbusDevice[]): Promise<ServedBus> {
  switch (transport) {
    case 'tcp': {
      const server = await serveTcp(devices, { host: '127.0.0.1', port: 0 });
      return { busConfig: { transport, host: server.host, port: server.port }, close: () => server.close() };
    }
    case 'rtu-over-tcp': {
      const server = await serveRtuOverTcp(devices, { host: '127.0.0.1', port: 0 });
      return { busConfig: { transport, host: server.host, port: server.port }, close: () => server.close() };
    }
    case 'serial': {
      const line = await servePty(devices, { baudRate: 115200 });
      return { busConfig: { transport, path: line.path, baudRate: 115200 }, close: () => line.close() };
    }
  }
}
