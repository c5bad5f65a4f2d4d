// The simulated inverter on real transports: raw bytes over TCP (a serial-to-network bridge) and a serial
// line on a pseudo-terminal pair through `serialport`.
import { SerialPort } from 'serialport';
import { DEFAULT_FRAME } from '../../common/line-frame';
import { listenTcp, type TcpEndpoint, type TcpListenOptions } from '../../common/simulator/tcp-listener';
import { openPtyPair, type PtyPair, type PtyPairOptions } from '../../common/simulator/pty-pair';
import { pi30Session, type Session } from './session';
import type { Pi30Simulator } from './inverter';

export type { TcpEndpoint } from '../../common/simulator/tcp-listener';

export function servePi30Tcp(sim: Pi30Simulator, options: TcpListenOptions = {}): Promise<TcpEndpoint> {
  const sessions = new Set<Session>();
  return listenTcp(
    options,
    (socket) => {
      const session = pi30Session(sim, {
        write: (bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        },
        drop: () => socket.destroy(),
      });
      sessions.add(session);
      socket.on('data', (chunk: Buffer) => session.push(chunk));
      socket.on('close', () => {
        session.close();
        sessions.delete(session);
      });
    },
    () => {
      for (const session of sessions) session.close();
    },
  );
}

export interface Pi30PtyEndpoint {
  /** The client's end: open it as the inverter's serial port. */
  readonly path: string;
  close(): Promise<void>;
}

export interface Pi30PtyOptions extends PtyPairOptions {
  /** Default 2400, the PI30 line speed. A pty moves bytes at any speed; `paced` delivers them at this rate, as the line would. */
  baudRate?: number;
}

/** On a pty a dropped link cannot be pulled; `dropLink` makes the inverter ignore that command instead. */
export async function servePi30Pty(sim: Pi30Simulator, options: Pi30PtyOptions = {}): Promise<Pi30PtyEndpoint> {
  let pair: PtyPair | undefined;
  let port: SerialPort | undefined;
  let session: Session | undefined;
  const close = async (): Promise<void> => {
    session?.close();
    if (port?.isOpen) await new Promise<void>((resolve) => port?.close(() => resolve()));
    await pair?.close();
  };
  try {
    const frame = { ...DEFAULT_FRAME, ...options.frame, baudRate: options.baudRate ?? options.frame?.baudRate ?? 2400 };
    pair = await openPtyPair({ ...options, frame });
    const opened = new SerialPort({ path: pair.devicePath, ...frame, autoOpen: false });
    port = opened;
    await new Promise<void>((resolve, reject) => opened.open((err) => (err ? reject(err) : resolve())));
    // Errors after open (the relay gone) leave the line dead, as an unplugged adapter; close() still works.
    opened.on('error', () => undefined);
    const live = pi30Session(sim, { write: (bytes) => opened.write(bytes), drop: () => undefined });
    session = live;
    opened.on('data', (chunk: Buffer) => live.push(chunk));
  } catch (err) {
    await close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return { path: pair.clientPath, close: () => (closing ??= close()) };
}
