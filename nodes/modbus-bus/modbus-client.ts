// Opens a modbus-serial client for the chosen transport and tells its failures apart.
import ModbusRTU from 'modbus-serial';
import type { FailureKind } from '../common/bus-queue';
import { transportFailureKind, type DeviceFailureKind } from '../common/failure-kind';
import type { ModbusUnit } from '../common/modbus/unit';
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
      // Raw RTU frames (with CRC) over a socket, as transparent serial servers pass them.
      await client.connectTelnet(network.host, { port: network.port, timeout: settings.timeoutMs });
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

/** A failed transaction, said the way a user reads it, with its kind kept for the queue. */
export class ModbusTransactionError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly modbusCode?: number,
  ) {
    super(message);
    this.name = 'ModbusError';
  }
}

export function classifyModbusError(err: unknown): FailureKind {
  if (err instanceof ModbusTransactionError) return err.kind;
  const e = (err ?? {}) as ClientError;
  const message = String(e.message ?? '');
  if (e.errno === 'ETIMEDOUT' || message === 'Timed out') return 'no-answer';
  if (typeof e.modbusCode === 'number') return 'refused';
  if (/CRC error|Data length error|Unexpected data/i.test(message)) return 'garbled';
  return 'link';
}

/** What a device node on a modbus-bus shows for a failure: the queue's kind, or the client's error read. */
export function failureKind(err: unknown): DeviceFailureKind {
  const kind = transportFailureKind(err) ?? classifyModbusError(err);
  // classifyModbusError calls anything it does not know a link failure; the node shows it as an error.
  return kind === 'link' ? 'error' : kind;
}

/** Rewrites a modbus-serial failure as a ModbusTransactionError naming the unit. */
export function explainFailure(err: unknown, unitId: number, timeoutMs: number): unknown {
  const kind = classifyModbusError(err);
  const e = (err ?? {}) as ClientError;
  const message = String(e.message ?? err);
  switch (kind) {
    case 'no-answer':
      return new ModbusTransactionError(kind, `unit ${unitId}: no answer within ${timeoutMs} ms (timed out)`);
    case 'garbled':
      return new ModbusTransactionError(kind, `unit ${unitId}: garbled answer (${message})`);
    case 'refused':
      return new ModbusTransactionError(kind, `unit ${unitId} refused: ${message}`, e.modbusCode as number);
    default:
      return err;
  }
}

/** Something that runs one transaction with the client when the bus is free. */
export type Transactor = <T>(op: (client: ModbusClient) => Promise<T>) => Promise<T>;

/** A ModbusUnit whose every call is one transaction through `run`. */
export function unitThrough(run: Transactor): ModbusUnit {
  return {
    readInputRegisters: (address, count) => run(async (c) => (await c.readInputRegisters(address, count)).data),
    readHoldingRegisters: (address, count) => run(async (c) => (await c.readHoldingRegisters(address, count)).data),
    readCoils: (address, count) => run(async (c) => (await c.readCoils(address, count)).data.slice(0, count)),
    readDiscreteInputs: (address, count) => run(async (c) => (await c.readDiscreteInputs(address, count)).data.slice(0, count)),
    writeRegisters: (address, values) => run(async (c) => void (await c.writeRegisters(address, values))),
    writeCoil: (address, value) => run(async (c) => void (await c.writeCoil(address, value))),
  };
}

export function closeClient(client: ModbusClient): Promise<void> {
  return new Promise((resolve) => {
    try {
      client.close(() => resolve());
    } catch {
      resolve();
    }
    // A serial port that never acknowledges its close must not hold up Node-RED's redeploy.
    setTimeout(resolve, 2000).unref();
  });
}
