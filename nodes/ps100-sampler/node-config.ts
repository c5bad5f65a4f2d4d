// The ps100-sampler node's editor settings, parsed and checked at the edge (the editor checks the same rules).
import { oneOf, text, type RawConfig } from '../common/config-fields';
import { parseDeviceConfig, type DeviceConfig } from '../common/device-config';
import { readSettings } from '../common/settings-schema';
import { shuntRangeProblem, SettingError } from './calibration';
import type { ChipChoice } from './ina-chip';
import { PS100_DEVICE, settingsSchema } from './ps100-sampler-schema';
import type { PanelConfig, SamplerConfig } from './sampler';

export interface Ps100NodeConfig extends DeviceConfig, SamplerConfig {
  /** Read a simulated bus of the listed panels instead of /dev/i2c-N (demo, trying the node without hardware). */
  simulated: boolean;
}

export const MAX_PANELS = 16;
/** A0/A1 each tied to GND, VS, SDA or SCL: 16 addresses from 0x40 (ESPHome ina219/ina226 address tables). */
export const FIRST_ADDRESS = 0x40;
export const LAST_ADDRESS = 0x4f;
export const CHIPS: readonly ChipChoice[] = ['auto', 'INA219', 'INA226'];
const DEFAULT_PANEL = { shuntOhms: 0.01, maxCurrentA: 8, ratedPowerW: 100 };

/** `PS100_0X40`, as the old system named its panels. */
export function defaultPanelName(address: number): string {
  return `PS100_0X${address.toString(16).toUpperCase()}`;
}

/** A positive number, from a number or a numeric string; an empty field takes the fallback. */
function positive(value: unknown, fallback: number, what: string, max = Infinity): number {
  const n = value === undefined || value === '' || value === null ? fallback : Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new SettingError(`${what} must be a number above 0${max < Infinity ? ` and at most ${max}` : ''}, got ${String(value)}`);
  return n;
}

/** 64, "64", "0x40" or "40h" -> 64. */
export function parseAddress(value: unknown): number {
  const raw =
    typeof value === 'number'
      ? value
      : String(value ?? '')
          .trim()
          .toLowerCase();
  const n =
    typeof raw === 'number'
      ? raw
      : /^0x[0-9a-f]+$/.test(raw)
        ? parseInt(raw, 16)
        : /^[0-9a-f]+h$/.test(raw)
          ? parseInt(raw, 16)
          : /^\d+$/.test(raw)
            ? Number(raw)
            : NaN;
  if (!Number.isInteger(n) || n < FIRST_ADDRESS || n > LAST_ADDRESS)
    throw new SettingError(`panel address must be 0x40 to 0x4F, got ${String(value)}`);
  return n;
}

export function parsePanel(raw: unknown, index: number): PanelConfig {
  if (typeof raw !== 'object' || raw === null) throw new SettingError(`panel ${index + 1} is not a panel entry`);
  const p = raw as Record<string, unknown>;
  const address = parseAddress(p.address);
  const name = text(p, 'name') || defaultPanelName(address);
  const chip = oneOf(p, 'chip', CHIPS, 'auto');
  const panel: PanelConfig = {
    address,
    name,
    chip,
    shuntOhms: positive(p.shunt, DEFAULT_PANEL.shuntOhms, `${name} shunt resistance (Ω)`, 10),
    maxCurrentA: positive(p.maxCurrent, DEFAULT_PANEL.maxCurrentA, `${name} maximum current (A)`, 100),
    ratedPowerW: positive(p.ratedPower, DEFAULT_PANEL.ratedPowerW, `${name} rated power (W)`, 100_000),
  };
  // Auto-detect is checked against the INA219's wider range; an INA226 found later is checked when set up.
  const problem = shuntRangeProblem(chip === 'INA226' ? 'INA226' : 'INA219', panel);
  if (problem) throw new SettingError(`${name}: ${problem}`);
  return panel;
}

export function parsePanels(raw: unknown): PanelConfig[] {
  const list = typeof raw === 'string' ? (raw.trim() === '' ? [] : (JSON.parse(raw) as unknown)) : (raw ?? []);
  if (!Array.isArray(list)) throw new SettingError('panels must be a list');
  if (list.length > MAX_PANELS) throw new SettingError(`at most ${MAX_PANELS} panels (addresses 0x40-0x4F), got ${list.length}`);
  const panels = list.map(parsePanel);
  const seen = new Map<string, string>();
  for (const panel of panels) {
    const address = `0x${panel.address.toString(16)}`;
    if (seen.has(address)) throw new SettingError(`two panels at address ${address}`);
    seen.set(address, panel.name);
  }
  const names = new Set(panels.map((p) => p.name));
  if (names.size !== panels.length) throw new SettingError('two panels have the same name');
  return panels;
}

export function parsePs100Config(raw: RawConfig): Ps100NodeConfig {
  const settings = readSettings(settingsSchema, raw);
  const source = settings.source === 'messages' ? 'messages' : 'bus';
  // The editor saves the list as JSON text; a flow written by hand may hold the array itself.
  const panels = parsePanels(Array.isArray(raw.panels) ? raw.panels : settings.panels);
  if (source === 'bus' && panels.length === 0) throw new SettingError('list at least one panel to read from the bus');
  const base = parseDeviceConfig(raw, { ...PS100_DEVICE, deviceId: 'ps100' });
  return {
    ...base,
    // The sampling clock replaces the poll interval.
    intervalMs: 0,
    busNumber: settings.bus,
    sampleRateHz: settings.sampleRate,
    recordPeriodS: settings.recordPeriod,
    panels,
    underVoltageV: settings.underVoltage === '' ? 12 : positiveOrZero(settings.underVoltage),
    source,
    simulated: settings.source === 'simulator',
    defaultLimits: { ratedPowerW: DEFAULT_PANEL.ratedPowerW, maxCurrentA: DEFAULT_PANEL.maxCurrentA },
  };
}

function positiveOrZero(value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new SettingError(`under-voltage alert must be 0 (off) to 100 V, got ${String(value)}`);
  return n;
}

/** Record kinds as sinks name their tables: `<measurement>_readings_<period>s`, `_system_<period>s`, `_events`. */
export function measurementsOf(config: Pick<Ps100NodeConfig, 'measurement' | 'recordPeriodS'>): { readings: string; system: string; events: string } {
  return {
    readings: `${config.measurement}_readings_${config.recordPeriodS}s`,
    system: `${config.measurement}_system_${config.recordPeriodS}s`,
    events: `${config.measurement}_events`,
  };
}
