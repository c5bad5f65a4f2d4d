import assert from 'node:assert/strict';
import { callWeight, endpointOf, forecastUrl, isFreeApi, redactedUrl, requestWeight, type ForecastRequest } from '../../nodes/open-meteo/request';

function request(overrides: Partial<ForecastRequest> = {}): ForecastRequest {
  return {
    endpoint: 'https://api.open-meteo.com/v1/forecast',
    latitude: 43.7776,
    longitude: -72.8145,
    timezone: 'auto',
    variables: {
      current: ['temperature_2m', 'relative_humidity_2m'],
      hourly: ['global_tilted_irradiance', 'temperature_2m'],
      minutely_15: [],
      daily: ['sunrise'],
    },
    forecastDays: 3,
    pastDays: 0,
    tilt: 35,
    azimuth: -10,
    temperatureUnit: 'celsius',
    windSpeedUnit: 'kmh',
    precipitationUnit: 'mm',
    ...overrides,
  };
}

describe('open-meteo request', () => {
  it('builds the forecast URL with unixtime, the blocks asked for and the panel plane for GTI', () => {
    const url = forecastUrl(request());
    assert.equal(url.origin + url.pathname, 'https://api.open-meteo.com/v1/forecast');
    const q = Object.fromEntries(url.searchParams);
    assert.deepEqual(q, {
      latitude: '43.7776',
      longitude: '-72.8145',
      current: 'temperature_2m,relative_humidity_2m',
      hourly: 'global_tilted_irradiance,temperature_2m',
      daily: 'sunrise',
      timezone: 'auto',
      timeformat: 'unixtime',
      forecast_days: '3',
      tilt: '35',
      azimuth: '-10',
    });
  });

  it('adds elevation, past days, units and the API key only when set, and leaves the plane out without GTI', () => {
    const url = forecastUrl(
      request({
        elevation: 412,
        pastDays: 2,
        variables: { current: [], hourly: ['temperature_2m'], minutely_15: ['shortwave_radiation'], daily: [] },
        temperatureUnit: 'fahrenheit',
        windSpeedUnit: 'ms',
        precipitationUnit: 'inch',
        apikey: 's3cret',
      }),
    );
    const q = url.searchParams;
    assert.equal(q.get('elevation'), '412');
    assert.equal(q.get('past_days'), '2');
    assert.equal(q.get('minutely_15'), 'shortwave_radiation');
    assert.equal(q.has('current'), false);
    assert.equal(q.has('tilt'), false);
    assert.equal(q.get('temperature_unit'), 'fahrenheit');
    assert.equal(q.get('wind_speed_unit'), 'ms');
    assert.equal(q.get('precipitation_unit'), 'inch');
    assert.equal(q.get('apikey'), 's3cret');
    assert.ok(!redactedUrl(url).includes('s3cret'), 'the logged URL hides the key');
  });

  it('weighs calls as the server does (OutputformatTests.swift testApiWeight)', () => {
    // 7 days: 1, 2, 15 and 30 variables.
    assert.equal(callWeight(1, 7), 1);
    assert.equal(callWeight(2, 7), 1);
    assert.equal(callWeight(15, 7), 1.5);
    assert.equal(callWeight(30, 7), 3);
    // 31 days (January 2000), two locations of 15 variables: 6.6428566 in all, 3.3214 each.
    assert.ok(Math.abs(2 * callWeight(15, 31) - 6.6428566) < 1e-5);
    assert.equal(callWeight(1, 31), 1);
    // Pricing page: 15 variables over 4 weeks count as 3.0 calls.
    assert.equal(callWeight(15, 28), 3);
    // Days are whole days of the range; 10 variables and 14 days are exactly one call.
    assert.equal(callWeight(10, 14), 1);
  });

  it('counts the variables of every block and past plus forecast days', () => {
    const twelve = { current: ['a', 'b', 'c'], hourly: ['d', 'e', 'f', 'g'], minutely_15: ['h', 'i'], daily: ['j', 'k', 'l'] };
    assert.equal(requestWeight(request({ variables: twelve, forecastDays: 16, pastDays: 12 })), (12 / 10) * (28 / 14));
    assert.equal(requestWeight(request()), 1);
  });

  it('knows which servers count against the free limits (RateLimiter.swift incrementRateLimiter)', () => {
    assert.equal(isFreeApi(endpointOf('public', '')), true);
    assert.equal(isFreeApi(endpointOf('customer', '')), false);
    assert.equal(isFreeApi(endpointOf('custom', 'http://localhost:8080')), false);
  });

  it('gives a self-hosted base URL the forecast path and refuses what is not a URL', () => {
    assert.equal(endpointOf('custom', 'http://localhost:8080'), 'http://localhost:8080/v1/forecast');
    assert.equal(endpointOf('custom', 'http://10.0.0.5:8080/v1/forecast'), 'http://10.0.0.5:8080/v1/forecast');
    assert.throws(() => endpointOf('custom', 'localhost:8080/x y'), /base URL/);
    assert.throws(() => endpointOf('custom', 'ftp://example.org'), /http or https/);
  });
});
