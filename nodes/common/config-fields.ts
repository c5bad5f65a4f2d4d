// Reading the editor's settings into typed values at the edge; each error names the field that is wrong.

export type RawConfig = Record<string, unknown>;

/** A whole number in [min, max]; an absent or empty field takes the fallback. */
export function wholeNumber(raw: RawConfig, key: string, fallback: number, min: number, max: number): number {
  const value = raw[key] === undefined || raw[key] === '' ? fallback : Number(raw[key]);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${key} must be a whole number from ${min} to ${max}, got ${String(raw[key])}`);
  }
  return value;
}

/** One of the allowed values (compared as trimmed text, as the editor stores numbers as strings). */
export function oneOf<T extends string | number>(raw: RawConfig, key: string, allowed: readonly T[], fallback: T): T {
  const given = raw[key] === undefined || String(raw[key]).trim() === '' ? fallback : raw[key];
  const match = allowed.find((a) => String(a) === String(given).trim());
  if (match === undefined) throw new RangeError(`${key} must be one of ${allowed.join(', ')}, got ${String(given)}`);
  return match;
}

/** Text with the spaces around it trimmed; an absent or blank field takes the fallback. */
export function text(raw: RawConfig, key: string, fallback = ''): string {
  const value = raw[key] === undefined || raw[key] === null ? '' : String(raw[key]).trim();
  return value || fallback;
}

/** A checkbox: only a ticked box (true) counts, so a missing field is off. */
export function flag(raw: RawConfig, key: string): boolean {
  return raw[key] === true;
}

/** An interval in seconds (fractions allowed) into ms: 0 for "never", otherwise at least `minS`. */
export function intervalMs(raw: RawConfig, key: string, fallbackS: number, minS: number): number {
  const seconds = raw[key] === undefined || raw[key] === '' ? fallbackS : Number(raw[key]);
  if (!Number.isFinite(seconds) || (seconds !== 0 && seconds < minS)) {
    throw new RangeError(`poll interval must be 0 (only on input) or at least ${minS} s, got ${String(raw[key])}`);
  }
  return seconds * 1000;
}

/** A Modbus device's unit id: 1-247 (Modbus over Serial Line v1.02, 2.2: 0 is broadcast, 248-255 reserved). */
export function modbusUnitId(raw: RawConfig, key = 'unitId'): number {
  const value = raw[key] === undefined || raw[key] === '' ? 1 : Number(raw[key]);
  if (!Number.isInteger(value) || value < 1 || value > 247) throw new RangeError(`unit id must be 1-247, got ${String(raw[key])}`);
  return value;
}

export interface RecoveryTimings {
  /** Reopening a link that dropped: 1 s, doubling up to the configured cap. */
  reconnect: { initialMs: number; maxMs: number };
  /** Leaving a silent device alone: 5 s, doubling up to the configured cap. */
  deviceBackoff: { initialMs: number; maxMs: number };
}

/** The recovery settings of every shared link (Modbus bus, PI30 port), as a fragment of its settings schema. */
export const RECOVERY_FIELDS = {
  reconnectMaxMs: { kind: 'whole', default: 30000, min: 1000, max: 600000 },
  backoffMaxMs: { kind: 'whole', default: 60000, min: 1000, max: 3600000 },
} as const;

/** The recovery timings from a link's settings, read through RECOVERY_FIELDS. */
export function recoveryTimings(settings: { reconnectMaxMs: number; backoffMaxMs: number }): RecoveryTimings {
  return {
    reconnect: { initialMs: 1000, maxMs: settings.reconnectMaxMs },
    deviceBackoff: { initialMs: 5000, maxMs: settings.backoffMaxMs },
  };
}
