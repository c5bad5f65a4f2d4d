// Reads a forecast response (open-meteo-website src/lib/components/code/docs/weather-forecast-object.svx; the
// server's own JSON in open-meteo/open-meteo Tests/AppTests/OutputformatTests.swift): location fields at the top,
// then per block an object and a `<block>_units` object. `current` is one value per variable plus `time` and
// `interval` (s); `hourly`, `minutely_15` and `daily` are columns aligned with `time`. Times are unix seconds
// (the request asks for `timeformat=unixtime`); a missing value is null and stays null.
import { OpenMeteoError } from './errors';
import { DAILY_TIME_VARIABLES } from './variables';

export type Value = number | null;

export interface Series {
  /** ms since 1970 of each row: the end of the interval the value is the mean of (hourly, 15-min), or the day's start. */
  times: number[];
  columns: Record<string, Value[]>;
}

export interface Current {
  time: number;
  /** Seconds the values stand for (900: the 15 minutes before `time`). */
  intervalS: number | null;
  values: Record<string, Value>;
}

export interface Forecast {
  /** The grid cell actually used: its centre may lie km from the coordinates asked for. */
  latitude: number;
  longitude: number;
  elevation: number | null;
  /** The zone the days are counted in, as the server resolved it (`auto` becomes a name). */
  timezone: string;
  timezoneAbbreviation: string | null;
  utcOffsetSeconds: number;
  generationTimeMs: number | null;
  current?: Current;
  hourly?: Series;
  minutely15?: Series;
  daily?: Series;
  /** Units by block and variable, as the server names them (`°C`, `km/h`, `W/m²`, `unixtime`...). */
  units: Record<string, Record<string, string>>;
}

type Json = Record<string, unknown>;

function malformed(what: string): OpenMeteoError {
  return new OpenMeteoError('malformed', `malformed forecast: ${what}`);
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function numberField(body: Json, key: string, required: true): number;
function numberField(body: Json, key: string, required: false): number | null;
function numberField(body: Json, key: string, required: boolean): number | null {
  const v = body[key];
  if (isFiniteNumber(v)) return v;
  if (!required && (v === undefined || v === null)) return null;
  throw malformed(`${key} is ${JSON.stringify(v) ?? 'missing'}, not a number`);
}

/** Unix seconds into ms; anything else (an ISO string from a server that ignored `timeformat`) is refused. */
function instant(v: unknown, where: string): number {
  if (!isFiniteNumber(v) || !Number.isInteger(v)) throw malformed(`${where} is ${JSON.stringify(v)}, not unix seconds`);
  return v * 1000;
}

function value(v: unknown, where: string): Value {
  if (v === null || isFiniteNumber(v)) return v;
  throw malformed(`${where} is ${JSON.stringify(v)}, not a number or null`);
}

function units(body: Json, block: string): Record<string, string> {
  const raw = body[`${block}_units`];
  if (!isObject(raw)) return {};
  return Object.fromEntries(Object.entries(raw).filter(([, u]) => typeof u === 'string')) as Record<string, string>;
}

function series(raw: unknown, block: string): Series {
  if (!isObject(raw)) throw malformed(`${block} is not an object`);
  const time = raw.time;
  if (!Array.isArray(time)) throw malformed(`${block}.time is not an array`);
  const times = time.map((t, i) => instant(t, `${block}.time[${i}]`));
  const columns: Record<string, Value[]> = {};
  for (const [name, column] of Object.entries(raw)) {
    if (name === 'time') continue;
    if (!Array.isArray(column)) throw malformed(`${block}.${name} is not an array`);
    if (column.length !== times.length) throw malformed(`${block}.${name} has ${column.length} values for ${times.length} times`);
    // Sunrise and sunset are times: kept as ms like `time`, so the message can show them as instants.
    columns[name] =
      DAILY_TIME_VARIABLES.has(name) && block === 'daily'
        ? column.map((v, i) => (v === null ? null : instant(v, `${block}.${name}[${i}]`)))
        : column.map((v, i) => value(v, `${block}.${name}[${i}]`));
  }
  return { times, columns };
}

function current(raw: unknown): Current {
  if (!isObject(raw)) throw malformed('current is not an object');
  const values: Record<string, Value> = {};
  for (const [name, v] of Object.entries(raw)) {
    if (name !== 'time' && name !== 'interval') values[name] = value(v, `current.${name}`);
  }
  const interval = raw.interval;
  return { time: instant(raw.time, 'current.time'), intervalS: isFiniteNumber(interval) ? interval : null, values };
}

/** A parsed JSON body into a Forecast; an `{"error": true, "reason"}` body is the server refusing (HTTP 400). */
export function parseForecast(body: unknown): Forecast {
  if (!isObject(body)) throw malformed(Array.isArray(body) ? 'a list (one result per location), not one location' : 'not a JSON object');
  if (body.error === true) {
    const reason = typeof body.reason === 'string' ? body.reason : 'no reason given';
    throw new OpenMeteoError('rejected', `Open-Meteo refused the request: ${reason}`, reason);
  }
  const timezone = typeof body.timezone === 'string' && body.timezone ? body.timezone : 'GMT';
  const forecast: Forecast = {
    latitude: numberField(body, 'latitude', true),
    longitude: numberField(body, 'longitude', true),
    elevation: numberField(body, 'elevation', false),
    timezone,
    timezoneAbbreviation: typeof body.timezone_abbreviation === 'string' ? body.timezone_abbreviation : null,
    utcOffsetSeconds: numberField(body, 'utc_offset_seconds', false) ?? 0,
    generationTimeMs: numberField(body, 'generationtime_ms', false),
    units: {},
  };
  if (body.current !== undefined) {
    forecast.current = current(body.current);
    forecast.units.current = units(body, 'current');
  }
  if (body.hourly !== undefined) {
    forecast.hourly = series(body.hourly, 'hourly');
    forecast.units.hourly = units(body, 'hourly');
  }
  if (body.minutely_15 !== undefined) {
    forecast.minutely15 = series(body.minutely_15, 'minutely_15');
    forecast.units.minutely_15 = units(body, 'minutely_15');
  }
  if (body.daily !== undefined) {
    forecast.daily = series(body.daily, 'daily');
    forecast.units.daily = units(body, 'daily');
  }
  return forecast;
}

/** Rows `{time, ...}` of a series, time as ISO-8601 UTC; daily time variables (sunrise, sunset) too. */
export function rowsOf(s: Series, timeColumns: ReadonlySet<string> = new Set()): Record<string, string | Value>[] {
  return s.times.map((t, i) => {
    const row: Record<string, string | Value> = { time: new Date(t).toISOString() };
    for (const [name, column] of Object.entries(s.columns)) {
      const v = column[i];
      row[name] = timeColumns.has(name) && v !== null ? new Date(v).toISOString() : v;
    }
    return row;
  });
}
