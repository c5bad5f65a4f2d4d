// The messages one fetch makes (DESIGN.md "Messages"): the forecast on output 1, `weather/<variable>` numbers on
// output 2 (the old weather fetcher's MQTT topics), and the PV forecast per local day on output 3, shaped like a
// rollup `day` record (payload.timestamp = the day's local midnight) so it can be joined with measured energy.
import { DateTime, type Zone } from 'luxon';
import { readingTimeIso } from '../common/reading-time';
import { dayEnergies, pvSeries, toCelsius, zoneOf, type DayEnergy, type PvPoint, type PvSystem } from './pv-model';
import { rowsOf, type Forecast, type Series } from './response';
import { DAILY_TIME_VARIABLES, GTI } from './variables';

type Fields = Record<string, unknown>;

const round = (v: number | null, digits: number) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

export interface PvForecast {
  today_kwh: number | null;
  tomorrow_kwh: number | null;
  days: Fields[];
  hourly?: Fields[];
  minutely_15?: Fields[];
}

function pvRows(points: readonly PvPoint[]): Fields[] {
  return points.map((p) => ({
    time: new Date(p.time).toISOString(),
    poa_irradiance: round(p.poa, 1),
    cell_temperature: round(p.cellTemperature, 2),
    power_w: round(p.powerW, 1),
  }));
}

function pointsOf(system: PvSystem, series: Series | undefined, temperatureUnit: string | undefined): PvPoint[] | undefined {
  const gti = series?.columns[GTI];
  const temperature = series?.columns.temperature_2m;
  if (!series || !gti || !temperature) return undefined;
  return pvSeries(system, series.times, gti, toCelsius(temperature, temperatureUnit));
}

const dayFields = (day: DayEnergy): Fields => ({
  date: day.date,
  timestamp: new Date(day.start).toISOString(),
  energy_wh: round(day.energyWh, 1),
  complete: day.complete,
});

/** The PV forecast from the hourly (else 15-minutely) GTI and air temperature; undefined without them. */
export function pvForecast(system: PvSystem, forecast: Forecast, now: number): { pv: PvForecast; days: DayEnergy[] } | undefined {
  const hourly = pointsOf(system, forecast.hourly, forecast.units.hourly?.temperature_2m);
  const quarter = pointsOf(system, forecast.minutely15, forecast.units.minutely_15?.temperature_2m);
  const zone = zoneOf(forecast.timezone, forecast.utcOffsetSeconds);
  const days = hourly ? dayEnergies(hourly, 3600, zone) : quarter ? dayEnergies(quarter, 900, zone) : undefined;
  if (!days) return undefined;
  const today = DateTime.fromMillis(now, { zone });
  const kwhOn = (date: DateTime) => {
    const day = days.find((d) => d.date === date.toISODate());
    return day ? round(day.energyWh / 1000, 3) : null;
  };
  const pv: PvForecast = { today_kwh: kwhOn(today), tomorrow_kwh: kwhOn(today.plus({ days: 1 })), days: days.map(dayFields) };
  if (hourly) pv.hourly = pvRows(hourly);
  if (quarter) pv.minutely_15 = pvRows(quarter);
  return { pv, days };
}

function dailyRows(series: Series, zone: Zone): Fields[] {
  return rowsOf(series, DAILY_TIME_VARIABLES).map((row, i) => ({ ...row, date: DateTime.fromMillis(series.times[i], { zone }).toISODate() }));
}

export interface MessageContext {
  topic: string;
  device: string;
  measurement: string;
  pv?: PvSystem;
}

export interface FetchMessages {
  forecast: Fields;
  weather: Fields[];
  pvDays: Fields[];
}

/** Output 1's message (without stale marks), output 2's and output 3's. */
export function fetchMessages(forecast: Forecast, fetchedAt: number, context: MessageContext): FetchMessages {
  const zone = zoneOf(forecast.timezone, forecast.utcOffsetSeconds);
  const payload: Fields = {
    timestamp: readingTimeIso(forecast.current?.time ?? fetchedAt, fetchedAt),
    fetched_at: new Date(fetchedAt).toISOString(),
    location: {
      latitude: forecast.latitude,
      longitude: forecast.longitude,
      elevation: forecast.elevation,
      timezone: forecast.timezone,
      timezone_abbreviation: forecast.timezoneAbbreviation,
      utc_offset_seconds: forecast.utcOffsetSeconds,
    },
  };
  if (forecast.current) {
    payload.current = { time: new Date(forecast.current.time).toISOString(), interval: forecast.current.intervalS, ...forecast.current.values };
  }
  if (forecast.hourly) payload.hourly = rowsOf(forecast.hourly);
  if (forecast.minutely15) payload.minutely_15 = rowsOf(forecast.minutely15);
  if (forecast.daily) payload.daily = dailyRows(forecast.daily, zone);
  const pv = context.pv ? pvForecast(context.pv, forecast, fetchedAt) : undefined;
  if (pv) payload.pv = pv.pv;

  const base = { device: context.device };
  const weather = Object.entries(forecast.current?.values ?? {})
    .filter((entry): entry is [string, number] => entry[1] !== null)
    .map(([name, value]) => ({ ...base, topic: `weather/${name}`, payload: value, unit: forecast.units.current?.[name] }));
  // Only whole days: a day the data covers in part (the first, whose first hour is yesterday's row) would compare
  // a part of a day's forecast with a whole day's measured energy.
  const pvDays = (pv?.days ?? [])
    .filter((day) => day.complete)
    .map((day) => ({
      ...base,
      topic: `${context.topic}/pv_forecast`,
      measurement: `${context.measurement}_pv_forecast`,
      payload: dayFields(day),
    }));
  return {
    forecast: { ...base, topic: context.topic, measurement: context.measurement, payload, units: forecast.units },
    weather,
    pvDays,
  };
}
