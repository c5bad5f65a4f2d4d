// The bus settings a user picks in the editor, parsed into typed values at the edge.
import { characterMs } from '../common/line-frame';
import { recoveryTimings, type RawConfig as Raw, type RecoveryTimings } from '../common/config-fields';
import { readSettings } from '../common/settings-schema';
import { settingsSchema, type TRANSPORTS } from './modbus-bus-schema';

export type TransportKind = (typeof TRANSPORTS)[number];
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

/** Modbus RTU's silent interval: 3.5 characters, fixed at 1.75 ms above 19200 baud (spec, 2.5.1.1). */
export function interFrameGapMs(serial: SerialSettings): number {
  if (serial.baudRate > 19200) return 1.75;
  return 3.5 * characterMs(serial);
}

/** Parses the editor's config object; throws a RangeError naming the bad field. */
export function parseBusSettings(raw: Raw): BusSettings {
  const s = readSettings(settingsSchema, raw);
  const serial: SerialSettings = { path: s.path, baudRate: s.baudRate, dataBits: s.dataBits, parity: s.parity, stopBits: s.stopBits };
  const network: NetworkSettings = { host: s.host, port: s.port };
  const minimumGap = s.transport === 'serial' ? interFrameGapMs(serial) : 0;
  return {
    transport: s.transport,
    serial,
    network,
    timeoutMs: s.timeoutMs,
    retries: s.retries,
    gapMs: Math.max(minimumGap, s.gapMs),
    ...recoveryTimings(s),
  };
}

