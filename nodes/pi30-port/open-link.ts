// Opens the link for the configured transport: a serial port at the PI30's 2400 8N1, a TCP connection to a
// serial-to-network bridge, or the USB HID device.
import { connect, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { messageOf } from '../common/errors';
import { HidLink } from './hid-link';
import { openNodeHid, type HidOpener } from './hid-device';
import type { Pi30Link } from './link';
import type { PortSettings } from './port-config';
import { StreamLink } from './stream-link';

export interface LinkOpeners {
  /** Default: node-hid's HIDAsync, loaded at the first USB open. */
  hid?: HidOpener;
  /** Passed to the HID link: how it checks that a hidraw path still exists. */
  exists?: (path: string) => boolean;
  presenceCheckMs?: number;
}

const CONNECT_TIMEOUT_MS = 5000;

export async function openLink(settings: PortSettings, openers: LinkOpeners = {}): Promise<Pi30Link> {
  switch (settings.transport) {
    case 'serial':
      return openSerial(settings);
    case 'tcp':
      return openTcp(settings);
    case 'usb-hid': {
      const device = await (openers.hid ?? openNodeHid)(settings.hid);
      return new HidLink(device, {
        timeoutMs: settings.timeoutMs,
        path: settings.hid.path,
        exists: openers.exists,
        presenceCheckMs: openers.presenceCheckMs,
      });
    }
  }
}

async function openSerial(settings: PortSettings): Promise<Pi30Link> {
  const port = new SerialPort({
    path: settings.serial.path,
    baudRate: settings.serial.baudRate,
    dataBits: 8,
    parity: 'none',
    stopBits: 1,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const link = new StreamLink(
    {
      write: (bytes) => void port.write(bytes),
      end: () =>
        new Promise<void>((resolve) => {
          port.close(() => resolve());
          // A port that never acknowledges its close must not hold up Node-RED's redeploy.
          setTimeout(resolve, 2000).unref();
        }),
    },
    settings.timeoutMs,
  );
  port.on('data', (chunk: Buffer) => link.received(chunk));
  port.on('error', (err: Error) => link.lost(`serial port error: ${err.message}`));
  port.on('close', () => link.lost('serial port closed'));
  return link;
}

async function openTcp(settings: PortSettings): Promise<Pi30Link> {
  const { host, port } = settings.network;
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no connection to ${host}:${port} within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to ${host}:${port}: ${messageOf(err)}`));
    });
  });
  socket.setNoDelay(true);
  const link = new StreamLink(
    {
      write: (bytes) => void socket.write(bytes),
      end: () =>
        new Promise<void>((resolve) => {
          if (socket.destroyed) return resolve();
          socket.once('close', () => resolve());
          socket.destroy();
        }),
    },
    settings.timeoutMs,
  );
  socket.on('data', (chunk: Buffer) => link.received(chunk));
  // 'close' follows every 'error'; the link reacts to 'close' alone.
  socket.on('error', () => undefined);
  socket.on('close', () => link.lost('connection closed'));
  return link;
}
