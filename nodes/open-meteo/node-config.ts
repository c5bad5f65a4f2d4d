// The open-meteo node's editor settings, read through its schema (open-meteo-schema.ts) and checked at the edge;
// each error names the setting.
import { IANAZone } from 'luxon';
import type { RawConfig } from '../common/config-fields';
import { parseDeviceConfig, type DeviceConfig } from '../common/device-config';
import { readSettings } from '../common/settings-schema';
import { OPEN_METEO_DEVICE, RANGES, settingsSchema } from './open-meteo-schema';
import type { Mounting, PvSystem } from './pv-model';
import { endpointOf, type PrecipitationUnit, type ServerKind, type TemperatureUnit, type WindSpeedUnit } from './request';
import { BLOCKS, GTI, parseVariableList, type Block } from './variables';

export interface OpenMeteoConfig extends DeviceConfig {
  latitude: number;
  longitude: number;
  elevation?: number;
  timezone: string;
  /** What the user picked, before the PV forecast adds what it needs. */
  variables: Record<Block, string[]>;
  forecastDays: number;
  pastDays: number;
  tilt: number;
  azimuth: number;
  temperatureUnit: TemperatureUnit;
  windSpeedUnit: WindSpeedUnit;
  precipitationUnit: PrecipitationUnit;
  server: ServerKind;
  endpoint: string;
  timeoutMs: number;
  retries: number;
  /** Undefined: no PV forecast. */
  pv?: PvSystem;
  /** A `weather/<variable>` message per current variable on the second output. */
  weatherMessages: boolean;
}

/** The setting that holds each block's list (`minutely_15` is `minutely15` in the editor). */
const FIELD = { current: 'current', hourly: 'hourly', minutely_15: 'minutely15', daily: 'daily' } as const satisfies Record<Block, string>;

/** A decimal setting within its RANGES; empty takes the fallback, or is refused without one. */
function decimal(given: string, key: keyof typeof RANGES, fallback?: number): number {
  const [min, max] = RANGES[key];
  if (given === '' && fallback !== undefined) return fallback;
  const value = given === '' ? NaN : Number(given);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(given === '' ? `${key} is required (${min} to ${max})` : `${key} must be a number from ${min} to ${max}, got ${given}`);
  }
  return value;
}

function timezoneOf(zone: string): string {
  if (zone === '' || zone === 'auto') return 'auto';
  if (zone === 'GMT' || IANAZone.isValidZone(zone)) return zone;
  throw new RangeError(`time zone must be auto or a tz database name like Europe/Berlin, got ${JSON.stringify(zone)}`);
}

export function parseOpenMeteoConfig(raw: RawConfig): OpenMeteoConfig {
  const s = readSettings(settingsSchema, raw);
  const pv: PvSystem | undefined = s.pvEnabled
    ? {
        kwp: decimal(s.kwp, 'kwp'),
        temperatureCoefficient: decimal(s.temperatureCoefficient, 'temperatureCoefficient', -0.4),
        systemLosses: decimal(s.systemLosses, 'systemLosses', 14),
        mounting: s.mounting as Mounting,
      }
    : undefined;
  return {
    ...parseDeviceConfig(raw, { ...OPEN_METEO_DEVICE, deviceId: 'open-meteo' }),
    intervalMs: s.interval,
    latitude: decimal(s.latitude, 'latitude'),
    longitude: decimal(s.longitude, 'longitude'),
    elevation: s.elevation === '' ? undefined : decimal(s.elevation, 'elevation'),
    timezone: timezoneOf(s.timezone),
    variables: Object.fromEntries(BLOCKS.map((block) => [block, parseVariableList(s[FIELD[block]], block)])) as Record<Block, string[]>,
    forecastDays: s.forecastDays,
    pastDays: s.pastDays,
    tilt: decimal(s.tilt, 'tilt', 30),
    azimuth: decimal(s.azimuth, 'azimuth', 0),
    temperatureUnit: s.temperatureUnit,
    windSpeedUnit: s.windSpeedUnit,
    precipitationUnit: s.precipitationUnit,
    server: s.server,
    endpoint: endpointOf(s.server, s.baseUrl),
    timeoutMs: s.timeout * 1000,
    retries: s.retries,
    pv,
    weatherMessages: s.weatherMessages,
  };
}

/**
 * The variables to request: the user's, plus what the PV forecast needs (GTI and air temperature hourly, and in
 * the 15-minutely block too when that block is fetched).
 */
export function requestedVariables(config: Pick<OpenMeteoConfig, 'variables' | 'pv'>): Record<Block, string[]> {
  const out = Object.fromEntries(BLOCKS.map((b) => [b, [...config.variables[b]]])) as Record<Block, string[]>;
  if (!config.pv) return out;
  const need = (block: Block) => {
    for (const name of [GTI, 'temperature_2m']) if (!out[block].includes(name)) out[block].push(name);
  };
  need('hourly');
  if (out.minutely_15.length > 0) need('minutely_15');
  return out;
}
