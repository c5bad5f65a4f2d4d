import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OpenMeteoError } from '../../nodes/open-meteo/errors';
import { fetchMessages } from '../../nodes/open-meteo/messages';
import { parseForecast, rowsOf } from '../../nodes/open-meteo/response';
import { BERLIN_2026_03_29, BERLIN_2026_10_25, berlinForecast, SERVER_UNIXTIME_JSON } from './open-meteo-fixtures';

const malformed = (body: unknown, pattern: RegExp) =>
  assert.throws(
    () => parseForecast(body),
    (err: unknown) => err instanceof OpenMeteoError && err.failure === 'malformed' && pattern.test(err.message),
  );

describe('open-meteo response', () => {
  it("reads the server's own unixtime JSON (OutputformatTests.swift)", () => {
    const forecast = parseForecast(JSON.parse(SERVER_UNIXTIME_JSON));
    assert.equal(forecast.latitude, 41);
    assert.equal(forecast.longitude, 2);
    assert.equal(forecast.elevation, null, 'the fixture has no elevation');
    assert.equal(forecast.utcOffsetSeconds, 3600);
    assert.equal(forecast.hourly?.times.length, 48);
    assert.equal(new Date(forecast.hourly!.times[0]).toISOString(), '2022-07-12T00:00:00.000Z');
    assert.equal(forecast.hourly!.times[47] - forecast.hourly!.times[0], 47 * 3_600_000);
    assert.deepEqual(forecast.hourly!.columns.windspeed_10m.slice(0, 2), [10, 10]);
    assert.deepEqual(
      forecast.daily?.times.map((t) => new Date(t).toISOString()),
      ['2022-07-12T00:00:00.000Z', '2022-07-13T00:00:00.000Z'],
    );
    assert.deepEqual(forecast.units.daily, { time: 'unixtime', temperature_2m_mean: '°C', windspeed_10m_mean: 'km/h' });
    assert.equal(forecast.current, undefined, 'the legacy current_weather block is not `current`');
  });

  it('keeps nulls as null in current, hourly, 15-minutely and daily', () => {
    const body = berlinForecast({
      start: BERLIN_2026_03_29,
      hours: 23,
      gti: (i) => (i === 3 ? null : 100),
      temperature: (i) => (i === 5 ? null : 4),
    });
    body.minutely_15 = { time: [BERLIN_2026_03_29 + 900, BERLIN_2026_03_29 + 1800], shortwave_radiation: [null, 12.5] };
    body.minutely_15_units = { time: 'unixtime', shortwave_radiation: 'W/m²' };
    const forecast = parseForecast(body);
    assert.equal(forecast.current?.values.wind_speed_10m, null);
    assert.equal(forecast.current?.intervalS, 900);
    assert.equal(forecast.hourly?.columns.global_tilted_irradiance[3], null);
    assert.equal(forecast.hourly?.columns.temperature_2m[5], null);
    assert.deepEqual(forecast.minutely15?.columns.shortwave_radiation, [null, 12.5]);
    assert.deepEqual(forecast.daily?.columns.shortwave_radiation_sum, [12.5]);
    const rows = rowsOf(forecast.minutely15!);
    assert.deepEqual(rows, [
      { time: '2026-03-28T23:15:00.000Z', shortwave_radiation: null },
      { time: '2026-03-28T23:30:00.000Z', shortwave_radiation: 12.5 },
    ]);
  });

  it('gives a DST day in the requested zone its 23 real hours, and its date and local midnight', () => {
    const forecast = parseForecast(berlinForecast({ start: BERLIN_2026_03_29, hours: 23, gti: () => 0, temperature: () => 5 }));
    const times = forecast.hourly!.times.map((t) => new Date(t).toISOString());
    // 01:00 CET is 00:00Z; after 02:00 CET comes 03:00 CEST (01:00Z); the day ends at 00:00 CEST (22:00Z).
    assert.equal(times[0], '2026-03-29T00:00:00.000Z');
    assert.equal(times[1], '2026-03-29T01:00:00.000Z');
    assert.equal(times[22], '2026-03-29T22:00:00.000Z');
    const { forecast: message } = fetchMessages(forecast, Date.parse('2026-03-29T10:00:00Z'), { topic: 't', device: 'd', measurement: 'm' });
    const daily = (message.payload as { daily: Record<string, unknown>[] }).daily;
    assert.deepEqual(daily[0], {
      time: '2026-03-28T23:00:00.000Z',
      sunrise: '2026-03-29T05:00:00.000Z',
      shortwave_radiation_sum: 12.5,
      date: '2026-03-29',
    });
    const autumn = parseForecast(berlinForecast({ start: BERLIN_2026_10_25, hours: 25, gti: () => 0, temperature: () => 5 }));
    assert.equal(new Date(autumn.hourly!.times[24]).toISOString(), '2026-10-25T23:00:00.000Z', '25 hours to midnight CET');
  });

  it('says what is wrong with a body that is not a forecast', () => {
    malformed([{ latitude: 1 }], /one result per location/);
    malformed('text', /not a JSON object/);
    malformed({ longitude: 2 }, /latitude/);
    malformed({ latitude: 1, longitude: 2, hourly: { time: ['2026-03-29T00:00'], x: [1] } }, /hourly.time\[0\].*not unix seconds/);
    malformed({ latitude: 1, longitude: 2, hourly: { time: [1, 2], x: [1] } }, /hourly.x has 1 values for 2 times/);
    malformed({ latitude: 1, longitude: 2, daily: { time: [1], x: ['7'] } }, /daily.x\[0\] is "7"/);
    malformed({ latitude: 1, longitude: 2, current: { time: 5, x: {} } }, /current.x/);
    assert.throws(
      () => parseForecast({ error: true, reason: 'Cannot initialize WeatherVariable from invalid String value tempeture_2m for key hourly' }),
      (err: unknown) => err instanceof OpenMeteoError && err.failure === 'rejected' && /tempeture_2m/.test(err.reason ?? ''),
    );
  });

  it('fuzz: any JSON is a forecast or an OpenMeteoError, never a crash', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        try {
          parseForecast(body);
        } catch (err) {
          assert.ok(err instanceof OpenMeteoError, String(err));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('fuzz: well-formed columns come back row for row, nulls included', () => {
    const cell = fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), fc.array(fc.tuple(cell, cell), { maxLength: 30 }), (start, pairs) => {
        const body = {
          latitude: 1,
          longitude: 2,
          hourly: { time: pairs.map((_, i) => start + i * 3600), a: pairs.map((p) => p[0]), b: pairs.map((p) => p[1]) },
        };
        const rows = rowsOf(parseForecast(body).hourly!);
        assert.equal(rows.length, pairs.length);
        rows.forEach((row, i) => {
          assert.equal(row.time, new Date((start + i * 3600) * 1000).toISOString());
          assert.equal(row.a, pairs[i][0]);
          assert.equal(row.b, pairs[i][1]);
        });
      }),
      { numRuns: 300 },
    );
  });
});
