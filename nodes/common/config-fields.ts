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

/** One of the allowed values (compared as text, as the editor stores numbers as strings). */
export function oneOf<T extends string | number>(raw: RawConfig, key: string, allowed: readonly T[], fallback: T): T {
  const given = raw[key] === undefined || raw[key] === '' ? fallback : raw[key];
  const match = allowed.find((a) => String(a) === String(given));
  if (match === undefined) throw new RangeError(`${key} must be one of ${allowed.join(', ')}, got ${String(given)}`);
  return match;
}

export interface RecoveryTimings {
  /** Reopening a link that dropped: 1 s, doubling up to the configured cap. */
  reconnect: { initialMs: number; maxMs: number };
  /** Leaving a silent device alone: 5 s, doubling up to the configured cap. */
  deviceBackoff: { initialMs: number; maxMs: number };
}

/** The recovery timings every shared link (Modbus bus, PI30 port) takes from its editor settings. */
export function recoveryTimings(raw: RawConfig): RecoveryTimings {
  return {
    reconnect: { initialMs: 1000, maxMs: wholeNumber(raw, 'reconnectMaxMs', 30000, 1000, 600000) },
    deviceBackoff: { initialMs: 5000, maxMs: wholeNumber(raw, 'backoffMaxMs', 60000, 1000, 3600000) },
  };
}
