// The open-meteo node in a real Node-RED runtime against a local HTTP server that answers as Open-Meteo does.
import assert from 'node:assert/strict';
import { freeApiBudget, rateLimitGate } from '../../nodes/open-meteo/call-budget';
import { BERLIN_2026_10_25, berlinForecast } from '../unit/open-meteo-fixtures';
import { closedPort, startFakeOpenMeteo, type FakeOpenMeteo } from '../support/open-meteo-server';
import { catchNode, collect, getNode, helper, nextMessage, onTab, statuses, waitFor, type Msg } from '../support/node-red';

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const openMeteoNode = require('../../nodes/open-meteo/open-meteo');
const NODES = [openMeteoNode, catchNode];

const FORECAST = berlinForecast({
  start: BERLIN_2026_10_25,
  hours: 49,
  gti: (i) => (i % 24 === 12 ? 800 : 0),
  temperature: () => 20,
  days: [BERLIN_2026_10_25, BERLIN_2026_10_25 + 25 * 3600],
  utcOffsetSeconds: 7200,
});

function flow(baseUrl: string, settings: Record<string, unknown> = {}) {
  return onTab(
    [],
    [
      {
        id: 'om',
        type: 'open-meteo',
        name: 'Home',
        latitude: '52.52',
        longitude: '13.41',
        timezone: 'Europe/Berlin',
        interval: 0,
        server: 'custom',
        baseUrl,
        timeout: 1,
        retries: 0,
        wires: [['out'], ['weather'], ['days']],
        ...settings,
      },
      { id: 'out', type: 'helper' },
      { id: 'weather', type: 'helper' },
      { id: 'days', type: 'helper' },
      { id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ],
  );
}

describe('open-meteo node (local Open-Meteo server)', function () {
  let server: FakeOpenMeteo;

  beforeEach(async () => {
    server = await startFakeOpenMeteo({ status: 200, body: FORECAST });
    rateLimitGate.clear();
    freeApiBudget.reset();
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await server.close();
  });

  const fetchNow = (msg: Record<string, unknown> = {}) => getNode('om').receive(msg);
  const caughtError = async () => ((await nextMessage('caught')).error as { message: string }).message;

  it('fetches on an input message and sends one forecast message with units and the grid cell', async () => {
    await helper.load(NODES, flow(server.baseUrl));
    const out = nextMessage('out');
    fetchNow({ keep: 'me' });
    const msg = await out;
    assert.equal(msg.topic, 'open-meteo/home');
    assert.equal(msg.device, 'home');
    assert.equal(msg.measurement, 'open_meteo');
    assert.equal(msg.keep, 'me');
    assert.equal(msg.stale, false);
    const p = msg.payload as Record<string, unknown> & {
      current: Record<string, unknown>;
      hourly: Record<string, unknown>[];
      daily: Record<string, unknown>[];
    };
    assert.deepEqual(p.location, {
      latitude: 52.52,
      longitude: 13.419998,
      elevation: 38,
      timezone: 'Europe/Berlin',
      timezone_abbreviation: 'GMT+1',
      utc_offset_seconds: 7200,
    });
    assert.equal(p.timestamp, new Date((BERLIN_2026_10_25 + 9 * 3600) * 1000).toISOString(), 'the current block is when it was measured');
    assert.deepEqual(p.current, { time: p.timestamp, interval: 900, temperature_2m: 7.5, relative_humidity_2m: 81, wind_speed_10m: null, is_day: 1 });
    assert.equal(p.hourly.length, 49);
    assert.deepEqual(p.hourly[0], { time: '2026-10-24T23:00:00.000Z', global_tilted_irradiance: 0, temperature_2m: 20 });
    assert.equal(p.daily[0].date, '2026-10-25');
    assert.deepEqual((msg.units as Record<string, unknown>).hourly, { time: 'unixtime', global_tilted_irradiance: 'W/m²', temperature_2m: '°C' });
    const q = server.requests[0].searchParams;
    assert.equal(server.requests[0].pathname, '/v1/forecast');
    assert.equal(q.get('timeformat'), 'unixtime');
    assert.equal(q.get('timezone'), 'Europe/Berlin');
    assert.equal(q.get('tilt'), '30', 'GTI is asked for on the panel plane');
    assert.equal(
      q.get('current'),
      'temperature_2m,relative_humidity_2m,pressure_msl,wind_speed_10m,wind_direction_10m,precipitation,cloud_cover,is_day',
    );
  });

  it('sends weather/<variable> numbers on output 2 when asked, leaving out nulls', async () => {
    await helper.load(NODES, flow(server.baseUrl, { weatherMessages: true }));
    const weather = collect('weather');
    const out = nextMessage('out');
    fetchNow();
    await out;
    await waitFor(() => weather.length >= 3, 2000, 'weather messages');
    assert.deepEqual(
      weather.map((m) => [m.topic, m.payload, m.unit]),
      [
        ['weather/temperature_2m', 7.5, '°C'],
        ['weather/relative_humidity_2m', 81, '%'],
        ['weather/is_day', 1, ''],
      ],
    );
  });

  it('sends nothing on output 2 unless asked', async () => {
    await helper.load(NODES, flow(server.baseUrl));
    const weather = collect('weather');
    const out = nextMessage('out');
    fetchNow();
    await out;
    fetchNow();
    await nextMessage('out');
    assert.equal(weather.length, 0);
  });

  it('forecasts PV energy per day and sends whole days on output 3 for the rollup join', async () => {
    await helper.load(NODES, flow(server.baseUrl, { pvEnabled: true, kwp: '4', temperatureCoefficient: '0', systemLosses: '0' }));
    const days = collect('days');
    const out = nextMessage('out');
    fetchNow();
    const pv = ((await out).payload as { pv: { days: Record<string, unknown>[]; hourly: Record<string, unknown>[] } }).pv;
    // One hour of 800 W/m² a day on 4 kWp, no losses: 3.2 kWh.
    assert.deepEqual(
      pv.days.map((d) => [d.date, d.energy_wh, d.complete]),
      [
        ['2026-10-25', 3200, true],
        ['2026-10-26', 3200, true],
      ],
    );
    await waitFor(() => days.length === 2, 2000, 'two day messages');
    assert.deepEqual(days[0].payload, { date: '2026-10-25', timestamp: '2026-10-24T22:00:00.000Z', energy_wh: 3200, complete: true });
    assert.equal(days[0].measurement, 'open_meteo_pv_forecast');
    assert.ok(server.requests[0].searchParams.get('hourly')?.includes('global_tilted_irradiance'));
  });

  it('reports a 400 with its reason, shows refused, and the next message works', async () => {
    await helper.load(NODES, flow(server.baseUrl));
    const seen = statuses('om');
    server.answer({
      status: 400,
      body: { error: true, reason: 'Cannot initialize WeatherVariable from invalid String value tempeture_2m for key hourly' },
    });
    const error = caughtError();
    fetchNow();
    assert.match(await error, /refused the request: Cannot initialize WeatherVariable .* tempeture_2m/);
    assert.deepEqual([seen.at(-1)?.fill, seen.at(-1)?.text], ['red', 'open-meteo.status.refused']);
    server.answer({ status: 200, body: FORECAST });
    const out = nextMessage('out');
    fetchNow();
    assert.equal((await out).stale, false);
  });

  it('after a 429 reports the reason, waits, and does not ask the server again meanwhile', async () => {
    await helper.load(NODES, flow(server.baseUrl));
    const seen = statuses('om');
    server.answer({ status: 429, body: { error: true, reason: 'Minutely API request limit exceeded. Please try again in one minute.' } });
    const first = caughtError();
    fetchNow();
    assert.match(await first, /Minutely API request limit exceeded/);
    assert.deepEqual([seen.at(-1)?.fill, seen.at(-1)?.text], ['yellow', 'open-meteo.status.retrying']);
    const second = caughtError();
    fetchNow();
    assert.match(await second, /waiting until/);
    assert.equal(server.requests.length, 1);
  });

  it('times out on a slow server', async () => {
    await helper.load(NODES, flow(server.baseUrl));
    server.answer({ hang: true });
    const error = caughtError();
    fetchNow();
    assert.match(await error, /no answer from http:\/\/127.0.0.1:\d+ within 1 s/);
  });

  it('reports malformed JSON as a malformed answer', async () => {
    await helper.load(NODES, flow(server.baseUrl));
    const seen = statuses('om');
    server.answer({ status: 200, text: '<html>Bad Gateway</html>' });
    const error = caughtError();
    fetchNow();
    assert.match(await error, /malformed forecast: not JSON/);
    assert.equal(seen.at(-1)?.text, 'open-meteo.status.garbled');
  });

  it('reports a refused connection', async () => {
    const port = await closedPort();
    await helper.load(NODES, flow(`http://127.0.0.1:${port}`));
    const error = caughtError();
    fetchNow();
    assert.match(await error, /cannot reach http:\/\/127.0.0.1:\d+: ECONNREFUSED/);
  });

  it('re-sends the last good forecast marked stale while fetching fails, and nothing on outputs 2 and 3', async () => {
    await helper.load(NODES, flow(server.baseUrl, { weatherMessages: true, pvEnabled: true, kwp: '4' }));
    const weather = collect('weather');
    const days = collect('days');
    const good = nextMessage('out');
    fetchNow();
    const first = await good;
    await waitFor(() => weather.length > 0 && days.length > 0, 2000, 'outputs 2 and 3');
    const [w, d] = [weather.length, days.length];
    const seen = statuses('om');
    server.answer({ status: 503, text: 'Service Unavailable' });
    const stale = nextMessage('out');
    fetchNow({ again: true });
    const msg: Msg = await stale;
    assert.equal(msg.stale, true);
    assert.match(msg.error as string, /HTTP 503/);
    assert.deepEqual(msg.payload, first.payload, 'the same forecast');
    assert.equal(msg.again, true);
    assert.equal(seen.at(-1)?.fill, 'yellow');
    assert.match(String(seen.at(-1)?.text), /^stale since \d\d:\d\d:\d\d: no answer$/);
    fetchNow();
    await nextMessage('out');
    assert.deepEqual([weather.length, days.length], [w, d]);
  });

  it('fetches soon after deploy when it has an interval', async () => {
    await helper.load(NODES, flow(server.baseUrl, { interval: 600 }));
    const msg = await nextMessage('out', 3000);
    assert.equal(msg.device, 'home');
  });

  it('reports a failing scheduled fetch to a Catch node, with the reason', async () => {
    server.answer({ status: 500, body: { error: true, reason: 'internal' } });
    await helper.load(NODES, flow(server.baseUrl, { interval: 600 }));
    const seen = statuses('om');
    const caught = await nextMessage('caught');
    assert.match(String(caught.payload), /Open-Meteo answered HTTP 500: internal/);
    assert.equal(caught.topic, 'open-meteo/home');
    assert.deepEqual([seen.at(-1)?.fill, seen.at(-1)?.text], ['red', 'open-meteo.status.unavailable']);
  });

  it('sends its API key to a custom server and hides it from the log', async () => {
    await helper.load(NODES, flow(server.baseUrl), { om: { apikey: 'k-123' } });
    const out = nextMessage('out');
    fetchNow();
    await out;
    assert.equal(server.requests[0].searchParams.get('apikey'), 'k-123');
    const logged = (helper.log().args as [{ type: string; msg: unknown }][]).map(([entry]) => entry).filter((e) => e.type === 'open-meteo');
    assert.ok(
      logged.some((e) => /fetching http:\/\/127.0.0.1:\d+\/v1\/forecast\?.*apikey=\*\*\*/.test(String(e.msg))),
      'the URL is logged',
    );
    assert.ok(
      logged.every((e) => !String(e.msg).includes('k-123')),
      'without the key',
    );
  });

  it('refuses the customer- server without an API key, before any request', async () => {
    await helper.load(NODES, flow(server.baseUrl, { server: 'customer' }));
    const error = caughtError();
    fetchNow();
    assert.match(await error, /customer- server needs an API key/);
    assert.equal(server.requests.length, 0);
  });

  it('refuses settings that cannot work, answering every message with the reason', async () => {
    await helper.load(NODES, flow(server.baseUrl, { latitude: '' }));
    const seen = statuses('om');
    const error = caughtError();
    fetchNow();
    assert.match(await error, /latitude is empty/);
    assert.equal(server.requests.length, 0);
    assert.equal(seen.length, 0, 'the config status was shown at start');
  });
});
