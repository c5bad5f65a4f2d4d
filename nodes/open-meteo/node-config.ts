// The open-meteo node's editor settings, parsed and checked at the edge; each error names the setting.
import { IANAZone } from 'luxon';
import { flag, oneOf, text, wholeNumber, type RawConfig } from '../common/config-fields';
import { parseDeviceConfig, type DeviceConfig } from '../common/device-config';
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

/** A fetch every 10 minutes, as the old weather fetcher did; never more often than once a minute (0: on input only). */
export const DEFAULT_INTERVAL_S = 600;
export const MIN_INTERVAL_S = 60;

export const DEFAULT_VARIABLES: Readonly<Record<Block, string>> = {
  current: 'temperature_2m relative_humidity_2m pressure_msl wind_speed_10m wind_direction_10m precipitation cloud_cover is_day',
  hourly: 'temperature_2m shortwave_radiation direct_normal_irradiance diffuse_radiation global_tilted_irradiance',
  minutely_15: '',
  daily: 'sunrise sunset shortwave_radiation_sum',
};
/** The setting that holds each block's list (`minutely_15` is `minutely15` in the editor). */
const FIELD: Readonly<Record<Block, string>> = { current: 'current', hourly: 'hourly', minutely_15: 'minutely15', daily: 'daily' };

/** A number in [min, max] (fractions allowed); an absent or empty field takes the fallback, or is required without one. */
export function decimal(raw: RawConfig, key: string, fallback: number | undefined, min: number, max: number): number {
  const given = raw[key] === undefined || raw[key] === '' ? undefined : Number(raw[key]);
  const value = given ?? fallback;
  if (value === undefined) throw new RangeError(`${key} is required (${min} to ${max})`);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new RangeError(`${key} must be a number from ${min} to ${max}, got ${String(raw[key])}`);
  return value;
}

function timezoneOf(raw: RawConfig): string {
  const zone = text(raw, 'timezone', 'auto');
  if (zone === 'auto' || zone === 'GMT' || IANAZone.isValidZone(zone)) return zone;
  throw new RangeError(`time zone must be auto or a tz database name like Europe/Berlin, got ${JSON.stringify(zone)}`);
}

function pvSystem(raw: RawConfig): PvSystem | undefined {
  if (!flag(raw, 'pvEnabled')) return undefined;
  return {
    kwp: decimal(raw, 'kwp', undefined, 0.001, 100000),
    temperatureCoefficient: decimal(raw, 'temperatureCoefficient', -0.4, -2, 1),
    systemLosses: decimal(raw, 'systemLosses', 14, 0, 99),
    mounting: oneOf<Mounting>(raw, 'mounting', ['freestanding', 'insulated'], 'freestanding'),
  };
}

export function parseOpenMeteoConfig(raw: RawConfig): OpenMeteoConfig {
  const device = parseDeviceConfig(raw, { type: 'open-meteo', measurement: 'open_meteo', intervalS: DEFAULT_INTERVAL_S, deviceId: 'open-meteo' });
  if (device.intervalMs !== 0 && device.intervalMs < MIN_INTERVAL_S * 1000) {
    throw new RangeError(`fetch interval must be 0 (only on input) or at least ${MIN_INTERVAL_S} s, got ${device.intervalMs / 1000} s`);
  }
  const variables = Object.fromEntries(
    BLOCKS.map((block) => [block, parseVariableList(raw[FIELD[block]] === undefined ? DEFAULT_VARIABLES[block] : text(raw, FIELD[block]), block)]),
  ) as Record<Block, string[]>;
  const server = oneOf<ServerKind>(raw, 'server', ['public', 'customer', 'custom'], 'public');
  const elevation = raw.elevation === undefined || raw.elevation === '' ? undefined : decimal(raw, 'elevation', undefined, -500, 9000);
  return {
    ...device,
    latitude: decimal(raw, 'latitude', undefined, -90, 90),
    longitude: decimal(raw, 'longitude', undefined, -180, 180),
    elevation,
    timezone: timezoneOf(raw),
    variables,
    forecastDays: wholeNumber(raw, 'forecastDays', 3, 0, 16),
    pastDays: wholeNumber(raw, 'pastDays', 0, 0, 92),
    tilt: decimal(raw, 'tilt', 30, 0, 90),
    azimuth: decimal(raw, 'azimuth', 0, -180, 180),
    temperatureUnit: oneOf<TemperatureUnit>(raw, 'temperatureUnit', ['celsius', 'fahrenheit'], 'celsius'),
    windSpeedUnit: oneOf<WindSpeedUnit>(raw, 'windSpeedUnit', ['kmh', 'ms', 'mph', 'kn'], 'kmh'),
    precipitationUnit: oneOf<PrecipitationUnit>(raw, 'precipitationUnit', ['mm', 'inch'], 'mm'),
    server,
    endpoint: endpointOf(server, text(raw, 'baseUrl')),
    timeoutMs: decimal(raw, 'timeout', 15, 1, 120) * 1000,
    retries: wholeNumber(raw, 'retries', 2, 0, 5),
    pv: pvSystem(raw),
    weatherMessages: flag(raw, 'weatherMessages'),
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
