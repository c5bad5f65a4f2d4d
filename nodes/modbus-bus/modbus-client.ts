// Opens a modbus-serial client for the chosen transport and tells its failures apart.
import ModbusRTU from 'modbus-serial';
import type { FailureKind } from '../common/bus-queue';
import { transportFailureKind, type DeviceFailureKind } from '../common/failure-kind';
import { findRtuAnswer, rtuRequestFrame } from '../common/modbus/rtu-frame';
import type { ModbusUnit } from '../common/modbus/unit';
import type { BusSettings, TransportKind } from './bus-config';

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
    this.name = 'ModbusTransactionError';
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
export function unitThrough(run: Transactor, transport: TransportKind): ModbusUnit {
  return {
    readInputRegisters: (address, count) => run(async (c) => (await c.readInputRegisters(address, count)).data),
    readHoldingRegisters: (address, count) => run(async (c) => (await c.readHoldingRegisters(address, count)).data),
    readCoils: (address, count) => run(async (c) => (await c.readCoils(address, count)).data.slice(0, count)),
    readDiscreteInputs: (address, count) => run(async (c) => (await c.readDiscreteInputs(address, count)).data.slice(0, count)),
    writeRegisters: (address, values) => run(async (c) => void (await c.writeRegisters(address, values))),
    writeRegister: (address, value) => run(async (c) => void (await c.writeRegister(address, value))),
    writeCoil: (address, value) => run(async (c) => void (await c.writeCoil(address, value))),
    customFunction: (functionCode, data) => {
      // Checked before the request joins the bus queue: a request that cannot be sent is no bus failure.
      const problem = customFunctionProblem(functionCode, data, transport);
      if (problem) return Promise.reject(new RangeError(problem));
      return run((c) => (transport === 'tcp' ? customOverTcp(c, functionCode, data) : customOverRtuLine(c, functionCode, data)));
    },
  };
}

/** The function codes modbus-serial 8 frames as "custom" (index.js `_readCustomFC`: FC 65-72 and 100-110). */
function isLibraryCustomCode(fc: number): boolean {
  return (fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110);
}

/** Why this custom request cannot be sent, or undefined. */
function customFunctionProblem(fc: number, data: readonly number[], transport: TransportKind): string | undefined {
  if (!Number.isInteger(fc) || fc < 1 || fc > 127) return `function code ${fc} is not 1..127`;
  if (!data.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return 'custom function data must be bytes 0..255';
  // A PDU is at most 253 bytes: the function code and 252 of data.
  if (data.length > 252) return `custom function data of ${data.length} bytes is longer than a Modbus PDU allows`;
  if (transport === 'tcp' && !isLibraryCustomCode(fc)) return `function code ${fc} cannot be sent over Modbus TCP by modbus-serial`;
  return undefined;
}

/** Modbus TCP carries a length in its header, so modbus-serial's own custom-function call gets any answer. */
async function customOverTcp(client: ModbusClient, fc: number, data: readonly number[]): Promise<Buffer> {
  return (await client.customFunction(fc, [...data])).buffer;
}

/** The byte stream under modbus-serial's RTU ports (a SerialPort, or the socket of an RTU-over-TCP gateway). */
interface RtuLine {
  write(bytes: Buffer): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

function isRtuLine(x: unknown): x is RtuLine {
  const line = x as Partial<Record<keyof RtuLine, unknown>> | null;
  return typeof line?.write === 'function' && typeof line.on === 'function' && typeof line.off === 'function';
}

/**
 * modbus-serial's RTU ports drop what they cannot size: the telnet (RTU over TCP) port does not send a request
 * under 6 bytes, and the buffered serial port expects no answer to a function code it does not know, so a
 * 4-byte `addr 42 CRC` never completes (ports/telnetport.js, ports/rtubufferedport.js `write`). The frame goes
 * on the port's own line instead (its `_client`, modbus-serial 8), inside the bus transaction like any other.
 */
function customOverRtuLine(client: ModbusClient, fc: number, data: readonly number[]): Promise<Buffer> {
  const line = (client as unknown as { _port?: { _client?: unknown } })._port?._client;
  if (!isRtuLine(line)) return Promise.reject(new Error('the port offers no raw line for a custom function'));
  const unitId = client.getID();
  return new Promise<Buffer>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const finish = (outcome: () => void) => {
      clearTimeout(timer);
      line.off('data', onData);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = findRtuAnswer(received, unitId, fc);
      if (answer?.kind === 'data') finish(() => resolve(answer.data));
      else if (answer?.kind === 'exception') {
        finish(() => reject(Object.assign(new Error(`Modbus exception ${answer.code}`), { modbusCode: answer.code })));
      }
    };
    // Said the way modbus-serial says a timeout, so the bus classifies it as "no answer".
    const timer = setTimeout(() => finish(() => reject(Object.assign(new Error('Timed out'), { errno: 'ETIMEDOUT' }))), client.getTimeout());
    line.on('data', onData);
    line.write(rtuRequestFrame(unitId, fc, Uint8Array.from(data)));
  });
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
