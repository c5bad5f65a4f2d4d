// RTU on a serial line without hardware: the devices sit on one end of a socat pty pair through `serialport`,
// a client opens the other end as it would open /dev/ttyUSB0.
import { SerialPort } from 'serialport';
import { openPtyPair, type PtyPair } from '../pty-pair';
import { SlaveBus } from './bus';
import type { ModbusDevice } from './device';
import { rtuSession } from './rtu-session';

export interface PtyEndpoint {
  /** The client's end of the line. */
  readonly path: string;
  close(): Promise<void>;
}

export interface PtyOptions {
  /** Default 115200, the Epever default. A pty ignores it, but serialport needs one. */
  baudRate?: number;
  /** Default `socat` from PATH. */
  socat?: string;
  /** How long to wait for socat to create the pair. Default 5000 ms. */
  startTimeoutMs?: number;
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
    pair = await openPtyPair(options);
    const opened = new SerialPort({ path: pair.devicePath, baudRate: options.baudRate ?? 115200, autoOpen: false });
    port = opened;
    await new Promise<void>((resolve, reject) => opened.open((err) => (err ? reject(err) : resolve())));
    // Errors after open (socat gone) leave the line dead, as an unplugged adapter; close() still works.
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
