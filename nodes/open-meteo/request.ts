// The forecast request: its URL and what it costs in weighted API calls. Parameters and their ranges:
// open-meteo/open-meteo openapi/forecast.yml and open-meteo-website src/routes/en/docs/+page.svelte.
import { BLOCKS, GTI, type Block } from './variables';

export type TemperatureUnit = 'celsius' | 'fahrenheit';
export type WindSpeedUnit = 'kmh' | 'ms' | 'mph' | 'kn';
export type PrecipitationUnit = 'mm' | 'inch';

export interface ForecastRequest {
  /** The forecast endpoint, e.g. https://api.open-meteo.com/v1/forecast. */
  endpoint: string;
  latitude: number;
  longitude: number;
  /** Metres; undefined lets the server take the grid cell's (90 m DEM) elevation. */
  elevation?: number;
  /** An IANA zone or `auto` (the zone of the coordinates); daily values need one. */
  timezone: string;
  variables: Readonly<Record<Block, readonly string[]>>;
  /** 0-16. */
  forecastDays: number;
  /** 0-92. */
  pastDays: number;
  /** Panel plane for GTI: tilt 0-90° from horizontal, azimuth 0 = south, -90 east, 90 west, ±180 north. */
  tilt: number;
  azimuth: number;
  temperatureUnit: TemperatureUnit;
  windSpeedUnit: WindSpeedUnit;
  precipitationUnit: PrecipitationUnit;
  /** Only for the commercial `customer-` host or a server that asks for one. */
  apikey?: string;
}

export const PUBLIC_ENDPOINT = 'https://api.open-meteo.com/v1/forecast';
export const CUSTOMER_ENDPOINT = 'https://customer-api.open-meteo.com/v1/forecast';
const FORECAST_PATH = '/v1/forecast';

export type ServerKind = 'public' | 'customer' | 'custom';

/** The endpoint of a server choice; a custom base URL without a path gets `/v1/forecast` (a self-hosted server's). */
export function endpointOf(server: ServerKind, customUrl: string): string {
  if (server === 'public') return PUBLIC_ENDPOINT;
  if (server === 'customer') return CUSTOMER_ENDPOINT;
  let url: URL;
  try {
    url = new URL(customUrl);
  } catch {
    throw new RangeError(`base URL ${JSON.stringify(customUrl)} is not a URL (e.g. http://localhost:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`base URL must be http or https, got ${url.protocol}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = FORECAST_PATH;
  return url.toString();
}

/**
 * True for the free API, whose calls count against the free limits: the server counts a call when the Host
 * contains "open-meteo.com" and does not start with "customer-" (open-meteo/open-meteo
 * Sources/App/Helper/Vapor/RateLimiter.swift, `incrementRateLimiter`).
 */
export function isFreeApi(endpoint: string): boolean {
  const host = new URL(endpoint).host;
  return host.includes('open-meteo.com') && !host.startsWith('customer-');
}

/** Every variable the request names, in all blocks (a name in two blocks counts twice, as the server counts it). */
export function variableCount(request: Pick<ForecastRequest, 'variables'>): number {
  return BLOCKS.reduce((n, block) => n + request.variables[block].length, 0);
}

/**
 * The URL of the request. Times come as unix seconds (`timeformat=unixtime`, always UTC), so every row is a real
 * instant whatever the zone does; the zone still decides where days start (daily rows, `past_days`).
 */
export function forecastUrl(request: ForecastRequest): URL {
  const url = new URL(request.endpoint);
  const q = url.searchParams;
  q.set('latitude', String(request.latitude));
  q.set('longitude', String(request.longitude));
  if (request.elevation !== undefined) q.set('elevation', String(request.elevation));
  for (const block of BLOCKS) {
    if (request.variables[block].length > 0) q.set(block, request.variables[block].join(','));
  }
  q.set('timezone', request.timezone);
  q.set('timeformat', 'unixtime');
  q.set('forecast_days', String(request.forecastDays));
  if (request.pastDays > 0) q.set('past_days', String(request.pastDays));
  if (BLOCKS.some((block) => request.variables[block].includes(GTI))) {
    q.set('tilt', String(request.tilt));
    q.set('azimuth', String(request.azimuth));
  }
  if (request.temperatureUnit !== 'celsius') q.set('temperature_unit', request.temperatureUnit);
  if (request.windSpeedUnit !== 'kmh') q.set('wind_speed_unit', request.windSpeedUnit);
  if (request.precipitationUnit !== 'mm') q.set('precipitation_unit', request.precipitationUnit);
  if (request.apikey) q.set('apikey', request.apikey);
  return url;
}

/** The URL as it may be logged: the API key replaced. */
export function redactedUrl(url: URL): string {
  if (!url.searchParams.has('apikey')) return url.toString();
  const copy = new URL(url);
  copy.searchParams.set('apikey', '***');
  return copy.toString();
}

/**
 * Weighted API calls of one request for one location: 10 variables and 14 days count as 1; more scale linearly,
 * `max(1, max(v/10, v/10 * days/14))`. Source: open-meteo/open-meteo Sources/App/Helper/ForecastapiResult.swift
 * `calculateQueryWeight` (days = whole days of the time range, variables = current + hourly + 15-minutely + daily,
 * times the models: one here), tested in Tests/AppTests/OutputformatTests.swift `testApiWeight` (7 days: 15
 * variables 1.5, 30 variables 3; 31 days: 15 variables 3.32). The pricing page's example agrees: 15 variables count
 * as 1.5 calls, and over 4 weeks as 3.0 (open-meteo-website src/routes/en/pricing/+page.svelte).
 */
export function callWeight(variables: number, days: number): number {
  const variablesFraction = variables / 10;
  return Math.max(1, variablesFraction, variablesFraction * (Math.floor(days) / 14));
}

export function requestWeight(request: ForecastRequest): number {
  return callWeight(variableCount(request), request.forecastDays + request.pastDays);
}
