// RTU on a serial line without hardware: the devices sit on one end of a pty pair through `serialport`, a
// client opens the other end as it would open /dev/ttyUSB0.
import { SerialPort } from 'serialport';
import { DEFAULT_FRAME } from '../../line-frame';
import { openPtyPair, type PtyPair, type PtyPairOptions } from '../pty-pair';
import { SlaveBus } from './bus';
import type { ModbusDevice } from './device';
import { rtuSession } from './rtu-session';

export interface PtyEndpoint {
  /** The client's end of the line. */
  readonly path: string;
  close(): Promise<void>;
}

export interface PtyOptions extends PtyPairOptions {
  /** Default 115200, the Epever default. Sets `frame.baudRate`; the line keeps to it only when `paced`. */
  baudRate?: number;
}

export async function servePty(devices: readonly ModbusDevice[], options: PtyOptions = {}): Promise<PtyEndpoint> {
  const bus = new SlaveBus(devices);
  let pair: PtyPair | undefined;
  let port: SerialPort | undefined;

  const close = async (): Promise<void> => {
    bus.close();
    if (port?.isOpen) await new Promise<void>((resolve) => port?.close(() => resolve()));
    await pair?.close();
  };

  try {
    const frame = { ...DEFAULT_FRAME, ...options.frame, baudRate: options.baudRate ?? options.frame?.baudRate ?? DEFAULT_FRAME.baudRate };
    pair = await openPtyPair({ ...options, frame });
    const opened = new SerialPort({ path: pair.devicePath, ...frame, autoOpen: false });
    port = opened;
    await new Promise<void>((resolve, reject) => opened.open((err) => (err ? reject(err) : resolve())));
    // Errors after open (the relay gone) leave the line dead, as an unplugged adapter; close() still works.
    opened.on('error', () => undefined);
    opened.on('data', rtuSession(bus, (frame) => opened.write(frame)));
  } catch (err) {
    await close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    path: pair.clientPath,
    close: () => (closing ??= close()),
  };
}
