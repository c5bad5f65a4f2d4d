import assert from 'node:assert/strict';
import { CallBudget, RateLimitGate } from '../../nodes/open-meteo/call-budget';
import { OpenMeteoError } from '../../nodes/open-meteo/errors';
import { ForecastSource } from '../../nodes/open-meteo/forecast-source';
import type { ForecastRequest } from '../../nodes/open-meteo/request';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../support/open-meteo-server';
import { BERLIN_2026_03_29, berlinForecast } from './open-meteo-fixtures';

const FIFTEEN = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o'];

describe('open-meteo forecast source (local server)', () => {
  let server: FakeOpenMeteo;
  const request = (endpoint: string, hourly: string[]): ForecastRequest => ({
    endpoint,
    latitude: 52.52,
    longitude: 13.41,
    timezone: 'Europe/Berlin',
    variables: { current: [], hourly, minutely_15: [], daily: [] },
    forecastDays: 7,
    pastDays: 0,
    tilt: 30,
    azimuth: 0,
    temperatureUnit: 'celsius',
    windSpeedUnit: 'kmh',
    precipitationUnit: 'mm',
  });

  beforeEach(async () => {
    server = await startFakeOpenMeteo({
      status: 200,
      body: berlinForecast({ start: BERLIN_2026_03_29, hours: 2, gti: () => 1, temperature: () => 2 }),
    });
  });
  afterEach(() => server.close());

  it('books the weighted calls of every node in one budget, and warns from 80 % of a limit', async () => {
    const budget = new CallBudget();
    const now = Date.parse('2026-06-21T10:00:30Z');
    const options = { timeoutMs: 1000, retries: 0, budget, gate: new RateLimitGate(), now: () => now, free: true };
    const heavy = new ForecastSource(request(`${server.baseUrl}/v1/forecast`, FIFTEEN), options);
    const light = new ForecastSource(request(`${server.baseUrl}/v1/forecast`, ['temperature_2m']), options);
    assert.deepEqual([heavy.weight, light.weight], [1.5, 1]);
    await heavy.fetch();
    await light.fetch();
    assert.deepEqual(budget.usage(now), { minute: 2.5, hour: 2.5, day: 2.5 });
    budget.record(477, now);
    assert.equal(light.budgetWarning(), undefined, '479.5 of 600 per minute is under 80 %');
    await light.fetch();
    assert.deepEqual(light.budgetWarning(), { window: 'minute', used: 480.5, limit: 600 });
  });

  it('books nothing for a server outside the free API', async () => {
    const budget = new CallBudget();
    const source = new ForecastSource(request(`${server.baseUrl}/v1/forecast`, FIFTEEN), {
      timeoutMs: 1000,
      retries: 0,
      budget,
      gate: new RateLimitGate(),
    });
    assert.equal(source.free, false);
    await source.fetch();
    assert.deepEqual(budget.usage(Date.now()), { minute: 0, hour: 0, day: 0 });
    assert.equal(source.budgetWarning(), undefined);
  });

  it('re-sends the last good forecast with the reason while fetching fails, and throws before the first', async () => {
    const source = new ForecastSource(request(`${server.baseUrl}/v1/forecast`, ['x']), { timeoutMs: 1000, retries: 0, gate: new RateLimitGate() });
    server.answer({ status: 200, text: 'not json' });
    await assert.rejects(source.fetch(), (err: unknown) => err instanceof OpenMeteoError && err.failure === 'malformed');
    server.answer({ status: 200, body: berlinForecast({ start: BERLIN_2026_03_29, hours: 2, gti: () => 1, temperature: () => 2 }) });
    const good = await source.fetch();
    assert.equal(good.staleBecause, undefined);
    server.answer({ status: 400, body: { error: true, reason: 'bad' } });
    const stale = await source.fetch();
    assert.equal(stale.fetched, good.fetched);
    assert.ok(stale.staleBecause instanceof OpenMeteoError && stale.staleBecause.reason === 'bad');
  });
});
