// Forecast responses for the open-meteo tests.

/**
 * The Open-Meteo server's own JSON for a request with `timeformat=unixtime`, as its test asserts it byte for byte:
 * open-meteo/open-meteo Tests/AppTests/OutputformatTests.swift, `testFormats` (`jsonUnix`). Its current block
 * is named `current_weather` there (the test builds the section by hand) and it has no `elevation`.
 */
export const SERVER_UNIXTIME_JSON =
  '{"latitude":41.0,"longitude":2.0,"generationtime_ms":12.0,"utc_offset_seconds":3600,"timezone":"GMT","timezone_abbreviation":"GMT","current_weather_units":{"time":"unixtime","interval":"seconds","temperature_20m":"°C","windspeed_100m":"km/h"},"current_weather":{"time":1657588500,"interval":900,"temperature_20m":20.0,"windspeed_100m":10.0},"hourly_units":{"time":"unixtime","temperature_2m":"°C","windspeed_10m":"km/h"},"hourly":{"time":[1657584000,1657587600,1657591200,1657594800,1657598400,1657602000,1657605600,1657609200,1657612800,1657616400,1657620000,1657623600,1657627200,1657630800,1657634400,1657638000,1657641600,1657645200,1657648800,1657652400,1657656000,1657659600,1657663200,1657666800,1657670400,1657674000,1657677600,1657681200,1657684800,1657688400,1657692000,1657695600,1657699200,1657702800,1657706400,1657710000,1657713600,1657717200,1657720800,1657724400,1657728000,1657731600,1657735200,1657738800,1657742400,1657746000,1657749600,1657753200],"temperature_2m":[20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0,20.0],"windspeed_10m":[10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0,10.0]},"daily_units":{"time":"unixtime","temperature_2m_mean":"°C","windspeed_10m_mean":"km/h"},"daily":{"time":[1657584000,1657670400],"temperature_2m_mean":[20.0,20.0],"windspeed_10m_mean":[10.0,10.0]}}';

/** Europe/Berlin's spring-forward day 2026-03-29 (23 hours) starts at this instant, unix seconds (00:00 CET). */
export const BERLIN_2026_03_29 = 1774738800;
/** ... and its autumn day 2026-10-25 (25 hours) at this one (00:00 CEST). */
export const BERLIN_2026_10_25 = 1792879200;

/**
 * A response in the documented shape (open-meteo-website weather-forecast-object.svx, with unixtime times) for
 * `hours` hourly rows from `start`: GTI and air temperature from the given functions of the row index (null
 * where they return null), plus a current block and one daily row per local day start given.
 */
export function berlinForecast(options: {
  start: number;
  hours: number;
  gti: (i: number) => number | null;
  temperature: (i: number) => number | null;
  days?: number[];
  utcOffsetSeconds?: number;
  timezone?: string;
}): Record<string, unknown> {
  const index = Array.from({ length: options.hours }, (_, i) => i);
  const days = options.days ?? [options.start];
  return {
    latitude: 52.52,
    longitude: 13.419998,
    generationtime_ms: 0.2,
    utc_offset_seconds: options.utcOffsetSeconds ?? 3600,
    timezone: options.timezone ?? 'Europe/Berlin',
    timezone_abbreviation: 'GMT+1',
    elevation: 38,
    current_units: { time: 'unixtime', interval: 'seconds', temperature_2m: '°C', relative_humidity_2m: '%', wind_speed_10m: 'km/h', is_day: '' },
    current: { time: options.start + 9 * 3600, interval: 900, temperature_2m: 7.5, relative_humidity_2m: 81, wind_speed_10m: null, is_day: 1 },
    hourly_units: { time: 'unixtime', global_tilted_irradiance: 'W/m²', temperature_2m: '°C' },
    hourly: {
      // Each value is the mean of the hour before its time: the first row is the hour ending 01:00 local.
      time: index.map((i) => options.start + (i + 1) * 3600),
      global_tilted_irradiance: index.map(options.gti),
      temperature_2m: index.map(options.temperature),
    },
    daily_units: { time: 'unixtime', sunrise: 'unixtime', shortwave_radiation_sum: 'MJ/m²' },
    daily: { time: days, sunrise: days.map((d) => d + 6 * 3600), shortwave_radiation_sum: days.map((_, i) => (i === 0 ? 12.5 : null)) },
  };
}
