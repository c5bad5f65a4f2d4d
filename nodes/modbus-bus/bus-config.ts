// The bus settings a user picks in the editor, parsed into typed values at the edge.
import { characterMs } from '../common/line-frame';
import { oneOf, recoveryTimings, wholeNumber, type RawConfig as Raw, type RecoveryTimings } from '../common/config-fields';

export type TransportKind = 'serial' | 'tcp' | 'rtu-over-tcp';
export type Parity = 'none' | 'even' | 'odd';

export interface SerialSettings {
  path: string;
  baudRate: number;
  dataBits: 7 | 8;
  parity: Parity;
  stopBits: 1 | 2;
}

export interface NetworkSettings {
  host: string;
  port: number;
}

export interface BusSettings extends RecoveryTimings {
  transport: TransportKind;
  serial: SerialSettings;
  network: NetworkSettings;
  /** Per-request answer timeout; there is always one. */
  timeoutMs: number;
  retries: number;
  /** Quiet time between frames; on serial at least 3.5 characters at the configured baud. */
  gapMs: number;
}

export const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;

/** Modbus RTU's silent interval: 3.5 characters, fixed at 1.75 ms above 19200 baud (spec, 2.5.1.1). */
export function interFrameGapMs(serial: SerialSettings): number {
  if (serial.baudRate > 19200) return 1.75;
  return 3.5 * characterMs(serial);
}

/** Parses the editor's config object; throws a RangeError naming the bad field. */
export function parseBusSettings(raw: Raw): BusSettings {
  const transport = oneOf<TransportKind>(raw, 'transport', ['serial', 'tcp', 'rtu-over-tcp'], 'serial');
  const serial: SerialSettings = {
    path: String(raw.path ?? '').trim(),
    baudRate: wholeNumber(raw, 'baudRate', 115200, 300, 921600),
    dataBits: oneOf(raw, 'dataBits', [7, 8] as const, 8),
    parity: oneOf<Parity>(raw, 'parity', ['none', 'even', 'odd'], 'none'),
    stopBits: oneOf(raw, 'stopBits', [1, 2] as const, 1),
  };
  const network: NetworkSettings = {
    host: String(raw.host ?? '').trim(),
    port: wholeNumber(raw, 'port', transport === 'tcp' ? 502 : 8899, 1, 65535),
  };
  if (transport === 'serial' && !serial.path) throw new RangeError('serial port path is empty');
  if (transport !== 'serial' && !network.host) throw new RangeError('host is empty');
  const minimumGap = transport === 'serial' ? interFrameGapMs(serial) : 0;
  const gapMs = Math.max(minimumGap, wholeNumber(raw, 'gapMs', 0, 0, 10000));
  return {
    transport,
    serial,
    network,
    timeoutMs: wholeNumber(raw, 'timeoutMs', 1000, 50, 60000),
    retries: wholeNumber(raw, 'retries', 1, 0, 5),
    gapMs,
    ...recoveryTimings(raw),
  };
}

export function describeBus(s: BusSettings): string {
  if (s.transport === 'serial') {
    const { path, baudRate, dataBits, parity, stopBits } = s.serial;
    return `${path} ${baudRate} ${dataBits}${parity[0].toUpperCase()}${stopBits}`;
  }
  return `${s.transport === 'tcp' ? 'tcp' : 'rtu-tcp'} ${s.network.host}:${s.network.port}`;
}
