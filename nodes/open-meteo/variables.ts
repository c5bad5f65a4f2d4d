// The Open-Meteo variables the editor offers, by group, and the rule for any other name a user types. Names and
// meanings: open-meteo/open-meteo-website src/routes/en/docs/+page.svelte (hourly, current, 15-minutely and daily
// variable lists) and open-meteo/open-meteo openapi/forecast.yml.

/** What a request fetches: one list of variable names per block of the response. */
export type Block = 'current' | 'hourly' | 'minutely_15' | 'daily';
export const BLOCKS: readonly Block[] = ['current', 'hourly', 'minutely_15', 'daily'];

/** Weather group: what the old weather fetcher published (temperature, humidity, pressure, wind, rain) and cloud cover. */
export const WEATHER_VARIABLES: readonly string[] = [
  'temperature_2m',
  'relative_humidity_2m',
  'pressure_msl',
  'surface_pressure',
  'wind_speed_10m',
  'wind_direction_10m',
  'wind_gusts_10m',
  'precipitation',
  'rain',
  'cloud_cover',
];

/**
 * Solar group. Hourly values are the mean of the preceding hour, 15-minutely of the preceding 15 minutes:
 * shortwave_radiation = GHI, direct_normal_irradiance = DNI, diffuse_radiation = DHI (W/m²),
 * global_tilted_irradiance = GTI on the plane set by `tilt` and `azimuth`, sunshine_duration in s, is_day 1/0.
 */
export const SOLAR_VARIABLES: readonly string[] = [
  'shortwave_radiation',
  'direct_normal_irradiance',
  'diffuse_radiation',
  'global_tilted_irradiance',
  'sunshine_duration',
  'is_day',
];

/** Daily aggregates; shortwave_radiation_sum is in MJ/m², sunrise and sunset are times. */
export const DAILY_VARIABLES: readonly string[] = [
  'temperature_2m_max',
  'temperature_2m_min',
  'precipitation_sum',
  'rain_sum',
  'wind_speed_10m_max',
  'shortwave_radiation_sum',
  'sunshine_duration',
  'daylight_duration',
  'sunrise',
  'sunset',
];

/** What a new node fetches: the old fetcher's weather now, the solar group hourly, the day's sun and radiation. */
export const DEFAULT_VARIABLES: Readonly<Record<Block, string>> = {
  current: 'temperature_2m relative_humidity_2m pressure_msl wind_speed_10m wind_direction_10m precipitation cloud_cover is_day',
  hourly: 'temperature_2m shortwave_radiation direct_normal_irradiance diffuse_radiation global_tilted_irradiance',
  minutely_15: '',
  daily: 'sunrise sunset shortwave_radiation_sum',
};

/** Daily variables whose values are times (unix seconds with `timeformat=unixtime`), not quantities. */
export const DAILY_TIME_VARIABLES: ReadonlySet<string> = new Set(['sunrise', 'sunset']);

/** GTI: the only variable that needs the panel plane (`tilt`, `azimuth`) in the request. */
export const GTI = 'global_tilted_irradiance';

/**
 * Any variable name the API may know (it has hundreds, and a self-hosted server may add more): lower-case
 * snake_case. The server answers an unknown one with HTTP 400 and names it in the reason.
 */
const VARIABLE_NAME = /^[a-z][a-z0-9_]*$/;

/** "temperature_2m, is_day" (spaces or commas) into a list without repeats; throws on a name that cannot be one. */
export function parseVariableList(given: string, block: Block): string[] {
  const names: string[] = [];
  for (const token of given.split(/[\s,]+/).filter((t) => t.length > 0)) {
    const name = token.toLowerCase();
    if (!VARIABLE_NAME.test(name)) throw new RangeError(`${block}: ${JSON.stringify(token)} is not a variable name (letters, digits, _)`);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
