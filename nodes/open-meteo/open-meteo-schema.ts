// The open-meteo node's settings: what the editor offers (built into open-meteo.html) and node-config.ts reads.
// Decimal ranges (coordinates, plane, PV figures) are text fields whose editor check is built from the same
// RANGES node-config.ts enforces; the API key is a credential, not a setting.
import type { Schema } from '../common/settings-schema';
import { FREE_LIMITS } from './call-budget';
import { DAILY_VARIABLES, DEFAULT_VARIABLES, SOLAR_VARIABLES, WEATHER_VARIABLES } from './variables';

export const OPEN_METEO_DEVICE = { type: 'open-meteo', measurement: 'open_meteo', intervalS: 600 } as const;
/** Never more often than once a minute (the brief of the old fetcher: every 10 minutes). */
export const MIN_INTERVAL_S = 60;

/** [min, max] of each decimal setting. */
export const RANGES = {
  latitude: [-90, 90],
  longitude: [-180, 180],
  elevation: [-500, 9000],
  tilt: [0, 90],
  azimuth: [-180, 180],
  kwp: [0.001, 100000],
  temperatureCoefficient: [-2, 1],
  systemLosses: [0, 99],
} as const satisfies Record<string, readonly [number, number]>;

const decimalIn = (key: keyof typeof RANGES, optional: boolean) => ({
  editor: `return ${optional ? "s === '' || " : ''}(s !== '' && isFinite(Number(s)) && Number(s) >= ${RANGES[key][0]} && Number(s) <= ${RANGES[key][1]});`,
});
// Variable names as parseVariableList takes them: snake_case words, spaces or commas.
const variableList = { editor: 'return s.split(/[\\s,]+/).every(function (w) { return w === "" || /^[a-z][a-z0-9_]*$/i.test(w); });' };
// `auto`, GMT, or a zone the browser knows (node-config.ts asks luxon, which asks the same Intl).
const zone = {
  editor:
    "if (s === '' || s === 'auto' || s === 'GMT') return true; try { new Intl.DateTimeFormat('en-US', { timeZone: s }); return true; } catch (e) { return false; }",
};
const url = { editor: 'return /^https?:\\/\\/\\S+$/.test(s);' };

export const settingsSchema = {
  name: { kind: 'text', default: '' },
  latitude: { kind: 'text', default: '', required: true, check: decimalIn('latitude', false) },
  longitude: { kind: 'text', default: '', required: true, check: decimalIn('longitude', false) },
  // Empty: the grid cell's elevation (90 m DEM).
  elevation: { kind: 'text', default: '', check: decimalIn('elevation', true) },
  timezone: { kind: 'text', default: 'auto', check: zone },
  // Empty: nothing of that block; a flow saved without the field gets the default.
  current: { kind: 'text', default: DEFAULT_VARIABLES.current, emptyMeansNone: true, check: variableList },
  hourly: { kind: 'text', default: DEFAULT_VARIABLES.hourly, emptyMeansNone: true, check: variableList },
  minutely15: { kind: 'text', default: DEFAULT_VARIABLES.minutely_15, emptyMeansNone: true, check: variableList },
  daily: { kind: 'text', default: DEFAULT_VARIABLES.daily, emptyMeansNone: true, check: variableList },
  forecastDays: { kind: 'whole', default: 3, min: 0, max: 16 },
  pastDays: { kind: 'whole', default: 0, min: 0, max: 92 },
  tilt: { kind: 'text', default: '30', check: decimalIn('tilt', true) },
  azimuth: { kind: 'text', default: '0', check: decimalIn('azimuth', true) },
  temperatureUnit: { kind: 'choice', options: ['celsius', 'fahrenheit'], default: 'celsius' },
  windSpeedUnit: { kind: 'choice', options: ['kmh', 'ms', 'mph', 'kn'], default: 'kmh' },
  precipitationUnit: { kind: 'choice', options: ['mm', 'inch'], default: 'mm' },
  interval: { kind: 'interval', default: OPEN_METEO_DEVICE.intervalS, min: MIN_INTERVAL_S, what: 'fetch interval' },
  server: { kind: 'choice', options: ['public', 'customer', 'custom'], default: 'public' },
  baseUrl: { kind: 'text', default: '', required: true, when: { field: 'server', in: ['custom'] }, what: 'base URL', check: url },
  timeout: { kind: 'seconds', default: 15, min: 1 },
  retries: { kind: 'whole', default: 2, min: 0, max: 5 },
  pvEnabled: { kind: 'flag', default: false },
  // Required while the PV forecast is on (node-config.ts says so).
  kwp: { kind: 'text', default: '', check: decimalIn('kwp', true) },
  temperatureCoefficient: { kind: 'text', default: '-0.4', check: decimalIn('temperatureCoefficient', true) },
  systemLosses: { kind: 'text', default: '14', check: decimalIn('systemLosses', true) },
  mounting: { kind: 'choice', options: ['freestanding', 'insulated'], default: 'freestanding' },
  weatherMessages: { kind: 'flag', default: false },
  deviceId: { kind: 'text', default: '' },
  topic: { kind: 'text', default: '' },
  measurement: { kind: 'text', default: OPEN_METEO_DEVICE.measurement },
} as const satisfies Schema;

/** What the dialog offers as boxes and warns against; the build writes it into open-meteo.html. */
export const editorData = { weather: WEATHER_VARIABLES, solar: SOLAR_VARIABLES, daily: DAILY_VARIABLES, limits: FREE_LIMITS };
