// An Open-Meteo stand-in for the demo: answers /v1/forecast in the server's JSON shape (unix times, one block
// per requested list, `<block>_units` beside each) with values from the simulators' day model for the requested
// place, so the open-meteo nodes run with no internet and no call against the free limits. Days start at local
// midnight of the requested zone, with the one `utc_offset_seconds` the response gives (the zone's offset now;
// `auto` is answered as GMT).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { ambientTemperature, clearnessOfDay, panelIrradiance, solarElevationDeg, type Site } from '../../nodes/common/simulator/day';

const HOUR_S = 3600;
const DAY_S = 86_400;

const UNITS: Record<string, string> = {
  temperature_2m: '°C',
  temperature_2m_max: '°C',
  temperature_2m_min: '°C',
  relative_humidity_2m: '%',
  pressure_msl: 'hPa',
  surface_pressure: 'hPa',
  wind_speed_10m: 'km/h',
  wind_speed_10m_max: 'km/h',
  wind_gusts_10m: 'km/h',
  wind_direction_10m: '°',
  precipitation: 'mm',
  precipitation_sum: 'mm',
  rain: 'mm',
  rain_sum: 'mm',
  cloud_cover: '%',
  shortwave_radiation: 'W/m²',
  direct_normal_irradiance: 'W/m²',
  diffuse_radiation: 'W/m²',
  global_tilted_irradiance: 'W/m²',
  sunshine_duration: 's',
  daylight_duration: 's',
  shortwave_radiation_sum: 'MJ/m²',
  is_day: '',
  sunrise: 'unixtime',
  sunset: 'unixtime',
};

/** One variable at one instant (unix s): the mean over the `periodS` before it, as Open-Meteo gives it. */
function valueAt(name: string, timeS: number, periodS: number, site: Site): number | null {
  const mid = new Date((timeS - periodS / 2) * 1000);
  const sun = panelIrradiance(mid, site);
  const horizontal = Math.max(0, Math.sin((solarElevationDeg(mid, site) * Math.PI) / 180)) * clearnessOfDay(mid);
  switch (name) {
    case 'temperature_2m':
      return round(ambientTemperature(mid, site), 1);
    case 'relative_humidity_2m':
      return round(75 - 20 * horizontal, 0);
    case 'pressure_msl':
      return 1013.2;
    case 'surface_pressure':
      return 1001.5;
    case 'wind_speed_10m':
      return round(6 + 8 * horizontal, 1);
    case 'wind_gusts_10m':
      return round(14 + 12 * horizontal, 1);
    case 'wind_direction_10m':
      return 230;
    case 'precipitation':
    case 'rain':
      return 0;
    case 'cloud_cover':
      return round(100 * (1 - clearnessOfDay(mid)), 0);
    case 'shortwave_radiation':
      return round(1000 * horizontal, 1);
    case 'direct_normal_irradiance':
      return round(horizontal > 0 ? 850 * clearnessOfDay(mid) : 0, 1);
    case 'diffuse_radiation':
      return round(110 * horizontal, 1);
    case 'global_tilted_irradiance':
      return round(1000 * sun, 1);
    case 'sunshine_duration':
      return sun > 0.12 ? Math.min(periodS, HOUR_S) : 0;
    case 'is_day':
      return solarElevationDeg(new Date(timeS * 1000), site) > 0 ? 1 : 0;
    default:
      return null;
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The day starting at `dayS` (UTC midnight): sunrise and sunset found to the minute, and the daily aggregates. */
function dailyValue(name: string, dayS: number, site: Site): number | null {
  const minutes = Array.from({ length: 1440 }, (_, m) => dayS + m * 60);
  const up = minutes.filter((t) => solarElevationDeg(new Date(t * 1000), site) > 0);
  const hours = Array.from({ length: 24 }, (_, h) => dayS + (h + 1) * HOUR_S);
  const hourly = (variable: string) => hours.map((t) => valueAt(variable, t, HOUR_S, site) ?? 0);
  switch (name) {
    case 'sunrise':
      return up[0] ?? null;
    case 'sunset':
      return up.length > 0 ? up[up.length - 1] + 60 : null;
    case 'daylight_duration':
      return up.length * 60;
    case 'sunshine_duration':
      return hourly('sunshine_duration').reduce((a, b) => a + b, 0);
    case 'shortwave_radiation_sum':
      return round(hourly('shortwave_radiation').reduce((a, b) => a + b, 0) * 0.0036, 2);
    case 'temperature_2m_max':
      return Math.max(...hourly('temperature_2m'));
    case 'temperature_2m_min':
      return Math.min(...hourly('temperature_2m'));
    case 'wind_speed_10m_max':
      return Math.max(...hourly('wind_speed_10m'));
    case 'precipitation_sum':
    case 'rain_sum':
      return 0;
    default:
      return null;
  }
}

function list(q: URLSearchParams, block: string): string[] {
  return (q.get(block) ?? '').split(',').filter((s) => s !== '');
}

function number(q: URLSearchParams, name: string, fallback: number): number {
  const n = Number(q.get(name));
  return q.has(name) && Number.isFinite(n) ? n : fallback;
}

/** The answer to one forecast request, at the real time `nowS` (unix s). */
export function forecastResponse(q: URLSearchParams, nowS: number): Record<string, unknown> {
  const site: Site = { latitudeDeg: number(q, 'latitude', 45), longitudeDeg: number(q, 'longitude', 0) };
  const forecastDays = Math.min(16, Math.max(1, number(q, 'forecast_days', 7)));
  const pastDays = Math.min(92, Math.max(0, number(q, 'past_days', 0)));
  const asked = q.get('timezone') ?? 'GMT';
  const local = DateTime.fromSeconds(nowS, { zone: asked === 'auto' ? 'UTC' : asked });
  const zone = local.isValid ? asked : 'GMT';
  const offsetS = local.isValid ? local.offset * 60 : 0;
  const firstDay = Math.floor((nowS + offsetS) / DAY_S) * DAY_S - offsetS - pastDays * DAY_S;
  const days = Array.from({ length: pastDays + forecastDays }, (_, d) => firstDay + d * DAY_S);
  const body: Record<string, unknown> = {
    latitude: site.latitudeDeg,
    longitude: site.longitudeDeg,
    generationtime_ms: 0.1,
    utc_offset_seconds: offsetS,
    timezone: zone === 'auto' ? 'GMT' : zone,
    timezone_abbreviation: local.isValid ? local.offsetNameShort : 'GMT',
    elevation: number(q, 'elevation', 300),
  };
  const units = (names: string[]) => Object.fromEntries([['time', 'unixtime'], ...names.map((n) => [n, UNITS[n] ?? ''])]);

  const current = list(q, 'current');
  if (current.length > 0) {
    const time = Math.floor(nowS / 900) * 900;
    body.current_units = { ...units(current), interval: 'seconds' };
    body.current = { time, interval: 900, ...Object.fromEntries(current.map((n) => [n, valueAt(n, time + 450, 900, site)])) };
  }
  const series = (block: string, stepS: number) => {
    const names = list(q, block);
    if (names.length === 0) return;
    // Each row's value is the mean of the step before its time, so the first row of a day ends one step in.
    const times = Array.from({ length: (days.length * DAY_S) / stepS }, (_, i) => firstDay + (i + 1) * stepS);
    body[`${block}_units`] = units(names);
    body[block] = { time: times, ...Object.fromEntries(names.map((n) => [n, times.map((t) => valueAt(n, t, stepS, site))])) };
  };
  series('hourly', HOUR_S);
  series('minutely_15', 900);
  const daily = list(q, 'daily');
  if (daily.length > 0) {
    body.daily_units = units(daily);
    body.daily = { time: days, ...Object.fromEntries(daily.map((n) => [n, days.map((d) => dailyValue(n, d, site))])) };
  }
  return body;
}

export interface OpenMeteoStandIn {
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  close(): Promise<void>;
}

export async function startOpenMeteo(host: string): Promise<OpenMeteoStandIn> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname !== '/v1/forecast') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: true, reason: `the demo's Open-Meteo stand-in answers /v1/forecast only, not ${url.pathname}` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(forecastResponse(url.searchParams, Date.now() / 1000)));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
