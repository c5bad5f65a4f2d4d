import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FREE_LIMITS } from '../../nodes/open-meteo/call-budget';
import { DAILY_VARIABLES, SOLAR_VARIABLES, WEATHER_VARIABLES } from '../../nodes/open-meteo/variables';
import { parseOpenMeteoConfig, requestedVariables } from '../../nodes/open-meteo/node-config';

const WHERE = { latitude: '43.7776', longitude: '-72.8145' };

describe('open-meteo settings', () => {
  it('reads a new node: every 10 minutes, public server, zone auto, the default variables', () => {
    const c = parseOpenMeteoConfig({ ...WHERE, name: 'Pittsfield VT' });
    assert.equal(c.intervalMs, 600_000);
    assert.equal(c.endpoint, 'https://api.open-meteo.com/v1/forecast');
    assert.equal(c.timezone, 'auto');
    assert.equal(c.deviceId, 'pittsfield-vt');
    assert.equal(c.measurement, 'open_meteo');
    assert.deepEqual(c.variables.daily, ['sunrise', 'sunset', 'shortwave_radiation_sum']);
    assert.deepEqual(c.variables.minutely_15, []);
    assert.deepEqual([c.tilt, c.azimuth, c.forecastDays, c.pastDays, c.timeoutMs, c.retries], [30, 0, 3, 0, 15_000, 2]);
    assert.equal(c.pv, undefined);
  });

  it('takes an emptied block as none, and a typed one as given', () => {
    const c = parseOpenMeteoConfig({ ...WHERE, current: '', hourly: 'uv_index, temperature_2m', daily: '' });
    assert.deepEqual(c.variables.current, []);
    assert.deepEqual(c.variables.hourly, ['uv_index', 'temperature_2m']);
    assert.deepEqual(c.variables.daily, []);
  });

  it('refuses what cannot work, naming the setting', () => {
    assert.throws(() => parseOpenMeteoConfig({ longitude: '1' }), /latitude is empty/);
    assert.throws(() => parseOpenMeteoConfig({ ...WHERE, latitude: '91' }), /latitude must be a number from -90 to 90/);
    assert.throws(() => parseOpenMeteoConfig({ ...WHERE, interval: 30 }), /at least 60 s/);
    assert.doesNotThrow(() => parseOpenMeteoConfig({ ...WHERE, interval: 0 }), 'only on input');
    assert.throws(() => parseOpenMeteoConfig({ ...WHERE, timezone: 'Mars/Olympus' }), /time zone/);
    assert.throws(() => parseOpenMeteoConfig({ ...WHERE, server: 'custom' }), /base URL is empty/);
    assert.throws(() => parseOpenMeteoConfig({ ...WHERE, hourly: 'temperature-2m' }), /hourly: "temperature-2m" is not a variable name/);
    assert.throws(() => parseOpenMeteoConfig({ ...WHERE, forecastDays: 17 }), /forecastDays must be a whole number from 0 to 16/);
    assert.throws(() => parseOpenMeteoConfig({ ...WHERE, azimuth: '200' }), /azimuth/);
    assert.throws(() => parseOpenMeteoConfig({ ...WHERE, pvEnabled: true }), /kwp is required/);
  });

  it('asks for GTI and air temperature when the PV forecast is on', () => {
    const c = parseOpenMeteoConfig({ ...WHERE, pvEnabled: true, kwp: '2.4', hourly: 'shortwave_radiation', minutely15: 'temperature_2m' });
    assert.deepEqual(c.pv, { kwp: 2.4, temperatureCoefficient: -0.4, systemLosses: 14, mounting: 'freestanding' });
    const v = requestedVariables(c);
    assert.deepEqual(v.hourly, ['shortwave_radiation', 'global_tilted_irradiance', 'temperature_2m']);
    assert.deepEqual(v.minutely_15, ['temperature_2m', 'global_tilted_irradiance']);
    assert.deepEqual(requestedVariables({ ...c, variables: { ...c.variables, minutely_15: [] } }).minutely_15, [], 'no 15-minutely block asked for');
  });

  it('offers in the editor the variables and free limits the runtime uses, written in by the build', () => {
    const html = readFileSync(join(__dirname, '..', '..', 'nodes', 'open-meteo', 'open-meteo.html'), 'utf8');
    const data = /const DATA = (\{.*\});/.exec(html);
    assert.ok(data, 'the built html holds the editor data');
    assert.deepEqual(JSON.parse(data[1]), { weather: WEATHER_VARIABLES, solar: SOLAR_VARIABLES, daily: DAILY_VARIABLES, limits: FREE_LIMITS });
  });
});
