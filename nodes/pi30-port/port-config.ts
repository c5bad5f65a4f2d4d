// The pi30-port settings a user picks in the editor, parsed into typed values at the edge.
import { recoveryTimings, type RawConfig as Raw, type RecoveryTimings } from '../common/config-fields';
import { readSettings } from '../common/settings-schema';
import { settingsSchema, TRANSPORTS } from './pi30-port-schema';

export type Pi30Transport = (typeof TRANSPORTS)[number];

/** A USB HID device: a hidraw path, or the first device with this vendor and product id. */
export interface HidTarget {
  path?: string;
  vendorId: number;
  productId: number;
}

export interface PortSettings extends RecoveryTimings {
  transport: Pi30Transport;
  serial: { path: string; baudRate: number };
  network: { host: string; port: number };
  hid: HidTarget;
  /** How long a reply may take to arrive complete, ms. A QPIGS reply alone is ~0.5 s at 2400 baud. */
  timeoutMs: number;
  retries: number;
  /** Quiet time between commands, ms. */
  gapMs: number;
}

/** Voltronic's USB-serial bridge chip (Cypress) as PI30 inverters enumerate. */
export const DEFAULT_HID = { vendorId: 0x0665, productId: 0x5161 } as const;

/** "0665:5161" (hex vendor:product), a hidraw path, or empty for the PI30 default. */
export function parseHidTarget(text: string): HidTarget {
  const given = text.trim();
  if (given === '') return { ...DEFAULT_HID };
  const ids = /^([0-9a-f]{4}):([0-9a-f]{4})$/i.exec(given);
  if (ids) return { vendorId: parseInt(ids[1], 16), productId: parseInt(ids[2], 16) };
  if (/^[0-9a-f]*:[0-9a-f]*$/i.test(given))
    throw new RangeError(`USB device must be vendor:product as 4 hex digits each (0665:5161) or a path, got ${JSON.stringify(given)}`);
  return { ...DEFAULT_HID, path: given };
}

export function describeHidTarget(target: HidTarget): string {
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  return target.path ?? `${hex(target.vendorId)}:${hex(target.productId)}`;
}

/** Parses the editor's config object; throws a RangeError naming the bad field. */
export function parsePortSettings(raw: Raw): PortSettings {
  const given = raw.transport ?? 'usb-hid';
  if (!TRANSPORTS.some((t) => t === given)) throw new RangeError(`transport must be serial, tcp or usb-hid, got ${String(given)}`);
  const s = readSettings(settingsSchema, raw);
  return {
    transport: s.transport,
    serial: { path: s.path, baudRate: s.baudRate },
    network: { host: s.host, port: s.port },
    hid: s.transport === 'usb-hid' ? parseHidTarget(s.hidDevice) : { ...DEFAULT_HID },
    timeoutMs: s.timeoutMs,
    retries: s.retries,
    gapMs: s.gapMs,
    ...recoveryTimings(s),
  };
}

export function describePort(s: PortSettings): string {
  switch (s.transport) {
    case 'serial':
      return `${s.serial.path} ${s.serial.baudRate} 8N1`;
    case 'tcp':
      return `tcp ${s.network.host}:${s.network.port}`;
    case 'usb-hid':
      return `usb ${describeHidTarget(s.hid)}`;
  }
}
