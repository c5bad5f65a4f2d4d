// Opens a modbus-serial client for the chosen transport and tells its failures apart.
import ModbusRTU from 'modbus-serial';
import type { FailureKind } from '../common/bus-queue';
import type { BusSettings } from './bus-config';

// modbus-serial's typings omit that the client is an EventEmitter.
export type ModbusClient = InstanceType<typeof ModbusRTU> & Pick<NodeJS.EventEmitter, 'on' | 'once' | 'off'>;

export async function openClient(settings: BusSettings): Promise<ModbusClient> {
  const client = new ModbusRTU() as ModbusClient;
  // An unhandled 'error' event would take Node-RED down; the connection reacts to 'close' instead.
  client.on('error', () => undefined);
  const { serial, network } = settings;
  switch (settings.transport) {
    case 'serial':
      await client.connectRTUBuffered(serial.path, {
        baudRate: serial.baudRate,
        dataBits: serial.dataBits,
        parity: serial.parity,
        stopBits: serial.stopBits,
      });
      break;
    case 'tcp':
      await client.connectTCP(network.host, { port: network.port, timeout: settings.timeoutMs });
      break;
    case 'rtu-over-tcp':
      await client.connectTcpRTUBuffered(network.host, { port: network.port });
      break;
  }
  client.setTimeout(settings.timeoutMs);
  return client;
}

interface ClientError {
  errno?: unknown;
  message?: unknown;
  modbusCode?: unknown;
}

export function classifyModbusError(err: unknown): FailureKind {
  const e = (err ?? {}) as ClientError;
  const message = String(e.message ?? '');
  if (e.errno === 'ETIMEDOUT' || message === 'Timed out') return 'no-answer';
  if (typeof e.modbusCode === 'number') return 'refused';
  if (/CRC error|Data length error|Unexpected data/i.test(message)) return 'garbled';
  return 'link';
}

/** A short, readable description of a failed transaction. */
export function describeModbusError(err: unknown): string {
  const kind = classifyModbusError(err);
  const message = String((err as ClientError)?.message ?? err);
  if (kind === 'no-answer') return 'no answer (timeout)';
  if (kind === 'garbled') return `garbled answer (${message})`;
  return message;
}
