// Simulated devices served on loopback over each transport, with the bus settings a user would enter for it.
// The serial line is a pty pair paced like a real RS-485 line (bytes at 115200 8N1, one talker at a time,
// the device answering a turnaround after the request): a bare pty moves bytes at memory speed.
import { servePty, serveRtuOverTcp, serveTcp, type ModbusDevice } from '../../nodes/common/simulator/modbus-slave';
import type { TransportKind } from '../../nodes/modbus-bus/bus-config';

export const TRANSPORTS: readonly TransportKind[] = ['tcp', 'rtu-over-tcp', 'serial'];

export interface ServedBus {
  /** The modbus-bus editor fields that reach these devices. */
  readonly busConfig: Record<string, unknown>;
  close(): Promise<void>;
}

/** The serial line's speed, which wire-estimate.ts computes the line's limit for. */
export const SERIAL_BAUD = 115200;

export interface LineOptions {
  /** Serial only: the simulated device starts answering this long after the request's last byte. Default 0. */
  turnaroundMs?: number;
}

export async function serveBus(transport: TransportKind, devices: readonly ModbusDevice[], line: LineOptions = {}): Promise<ServedBus> {
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
      const pty = await servePty(devices, { baudRate: SERIAL_BAUD, paced: true, turnaroundMs: line.turnaroundMs ?? 0 });
      return { busConfig: { transport, path: pty.path, baudRate: SERIAL_BAUD }, close: () => pty.close() };
    }
  }
}
