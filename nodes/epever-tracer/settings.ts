// Battery settings (0x9000-0x900E) in the names users see, and the checks Epever documents for them:
// each value in range for the system voltage, and the set points in their required order (setting-rules.ts).
import { decodeGroup, groupWords } from '../common/modbus/register-codec';
import { BATTERY_SETTINGS, type BatterySettings } from './register-map';
import { brokenRule, ruleText, type VoltageKey } from './setting-rules';

export const BATTERY_TYPES = ['user', 'sealed', 'gel', 'flooded'] as const;
export type BatteryType = (typeof BATTERY_TYPES)[number];

/** The user-facing name of each settings register, in register order. */
export const SETTING_NAMES = {
  batteryType: 'battery_type',
  batteryCapacity: 'capacity_ah',
  temperatureCompensation: 'temperature_compensation',
  highVoltageDisconnect: 'high_voltage_disconnect',
  chargingLimitVoltage: 'charging_limit_voltage',
  overVoltageReconnect: 'over_voltage_reconnect',
  equalizationVoltage: 'equalization_voltage',
  boostVoltage: 'boost_voltage',
  floatVoltage: 'float_voltage',
  boostReconnectVoltage: 'boost_reconnect_voltage',
  lowVoltageReconnect: 'low_voltage_reconnect',
  underVoltageWarningReconnect: 'under_voltage_warning_reconnect',
  underVoltageWarning: 'under_voltage_warning',
  lowVoltageDisconnect: 'low_voltage_disconnect',
  dischargingLimitVoltage: 'discharging_limit_voltage',
} as const satisfies Record<keyof BatterySettings, string>;

type SettingKey = keyof BatterySettings;

export type NamedSettings = { battery_type: BatteryType } & {
  [K in Exclude<SettingKey, 'batteryType'> as (typeof SETTING_NAMES)[K]]: number;
};

const VOLTAGE_KEYS = Object.keys(SETTING_NAMES).filter(
  (k) => !['batteryType', 'batteryCapacity', 'temperatureCompensation'].includes(k),
) as VoltageKey[];

/** Set points of a 12 V system must lie in 9-17 V; 24/36/48 V systems scale by 2/3/4. */
const VOLTAGE_RANGE_12V: readonly [number, number] = [9, 17];

export function toNamed(s: BatterySettings): NamedSettings {
  const named: Record<string, number | string> = {};
  for (const [key, name] of Object.entries(SETTING_NAMES)) named[name] = s[key as SettingKey];
  named.battery_type = BATTERY_TYPES[s.batteryType] ?? `unknown_${s.batteryType}`;
  return named as NamedSettings;
}

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/**
 * Applies a user's partial change (named fields) to the current settings, checking names, types, ranges
 * and order. Throws a SettingsError that says what is wrong; returns the whole block to write.
 */
export function applyChange(current: BatterySettings, change: unknown, systemVoltage: number): BatterySettings {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) {
    throw new SettingsError('settings must be an object of named values, e.g. {"float_voltage": 13.7}');
  }
  const byName = new Map(Object.entries(SETTING_NAMES).map(([k, n]) => [n as string, k as SettingKey]));
  const next: BatterySettings = { ...current };
  for (const [name, value] of Object.entries(change)) {
    const key = byName.get(name);
    if (!key) throw new SettingsError(`unknown setting "${name}"; known: ${[...byName.keys()].join(', ')}`);
    next[key] = key === 'batteryType' ? parseBatteryType(value) : parseNumber(name, value);
  }
  const voltageChanged = VOLTAGE_KEYS.some((k) => next[k] !== current[k]);
  if (voltageChanged && next.batteryType !== 0) {
    throw new SettingsError('voltage set points can only be changed with battery_type "user"');
  }
  checkRanges(next, systemVoltage);
  checkOrder(next);
  return next;
}

function parseBatteryType(value: unknown): number {
  const index = typeof value === 'number' ? value : BATTERY_TYPES.indexOf(value as BatteryType);
  if (!Number.isInteger(index) || index < 0 || index >= BATTERY_TYPES.length) {
    throw new SettingsError(`battery_type must be one of ${BATTERY_TYPES.join(', ')}`);
  }
  return index;
}

function parseNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SettingsError(`${name} must be a number`);
  return value;
}

function checkRanges(s: BatterySettings, systemVoltage: number): void {
  const factor = Math.max(1, Math.round(systemVoltage / 12));
  const [lo, hi] = VOLTAGE_RANGE_12V.map((v) => v * factor);
  for (const key of VOLTAGE_KEYS) {
    if (s[key] < lo || s[key] > hi) {
      throw new SettingsError(`${SETTING_NAMES[key]} ${s[key]} V is outside ${lo}-${hi} V for a ${factor * 12} V system`);
    }
  }
  if (!Number.isInteger(s.batteryCapacity) || s.batteryCapacity < 1 || s.batteryCapacity > 9999) {
    throw new SettingsError(`capacity_ah must be a whole number from 1 to 9999`);
  }
  if (s.temperatureCompensation < 0 || s.temperatureCompensation > 9) {
    throw new SettingsError(`temperature_compensation must be 0-9 mV/°C/2V`);
  }
}

function checkOrder(s: BatterySettings): void {
  const rule = brokenRule(s);
  if (!rule) return;
  const { higher: a, lower: b } = rule;
  throw new SettingsError(
    `${SETTING_NAMES[a]} (${s[a]} V) must be ${rule.orEqual ? 'at least' : 'above'} ${SETTING_NAMES[b]} (${s[b]} V): ` +
      `Epever's rule ${ruleText(rule, settingName)}`,
  );
}

/** The name users see for a voltage set point. */
export function settingName(key: VoltageKey): string {
  return SETTING_NAMES[key];
}

export function settingsWords(s: BatterySettings): number[] {
  return groupWords(BATTERY_SETTINGS, s);
}

export function settingsFromWords(words: ArrayLike<number>): BatterySettings {
  return decodeGroup(BATTERY_SETTINGS, words, BATTERY_SETTINGS[0].address);
}

export const SETTINGS_START = BATTERY_SETTINGS[0].address;
export const SETTINGS_WORDS = BATTERY_SETTINGS.length;
