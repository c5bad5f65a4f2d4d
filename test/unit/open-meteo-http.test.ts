import assert from 'node:assert/strict';
import { RateLimitGate } from '../../nodes/open-meteo/call-budget';
import { OpenMeteoError, failureKind, type FetchFailure } from '../../nodes/open-meteo/errors';
import { getJson, type HttpOptions } from '../../nodes/open-meteo/http-client';
import { closedPort, startFakeOpenMeteo, type FakeOpenMeteo } from '../support/open-meteo-server';

describe('open-meteo HTTP client (local server)', () => {
  let server: FakeOpenMeteo;
  let gate: RateLimitGate;
  let slept: number[];
  const options = (overrides: Partial<HttpOptions> = {}): HttpOptions => ({
    timeoutMs: 2000,
    retries: 2,
    backoff: { initialMs: 1000, maxMs: 30_000 },
    gate,
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...overrides,
  });
  const url = () => new URL(`${server.baseUrl}/v1/forecast?latitude=1&longitude=2`);
  const failsWith = async (promise: Promise<unknown>, failure: FetchFailure, pattern: RegExp) => {
    await assert.rejects(promise, (err: unknown) => err instanceof OpenMeteoError && err.failure === failure && pattern.test(err.message));
  };

  beforeEach(async () => {
    server = await startFakeOpenMeteo();
    gate = new RateLimitGate();
    slept = [];
  });
  afterEach(() => server.close());

  it('returns the JSON of a 200', async () => {
    server.answer({ status: 200, body: { latitude: 1, longitude: 2 } });
    assert.deepEqual(await getJson(url(), options()), { latitude: 1, longitude: 2 });
  });

  it('reports a 400 with its reason and does not retry it', async () => {
    const reason = 'Cannot initialize WeatherVariable from invalid String value tempeture_2m for key hourly';
    server.answer({ status: 400, body: { error: true, reason } });
    await failsWith(getJson(url(), options()), 'rejected', /tempeture_2m/);
    assert.equal(server.requests.length, 1);
    assert.deepEqual(slept, []);
  });

  it('after a 429 reports the reason and asks nothing more of that server until the wait is over', async () => {
    let now = Date.parse('2026-06-21T21:30:00Z');
    server.answer({ status: 429, body: { error: true, reason: 'Hourly API request limit exceeded. Please try again in the next hour.' } });
    await failsWith(getJson(url(), options({ now: () => now })), 'rate-limited', /Hourly API request limit exceeded.*2026-06-21T22:01:00.000Z/);
    server.answer({ status: 200, body: { latitude: 1, longitude: 2 } });
    now = Date.parse('2026-06-21T22:00:59Z');
    await failsWith(getJson(url(), options({ now: () => now })), 'rate-limited', /waiting until 2026-06-21T22:01:00.000Z/);
    assert.equal(server.requests.length, 1, 'the second call did not reach the server');
    now = Date.parse('2026-06-21T22:01:00Z');
    assert.deepEqual(await getJson(url(), options({ now: () => now })), { latitude: 1, longitude: 2 });
  });

  it('retries a 5xx with backoff and takes the answer that follows', async () => {
    let calls = 0;
    server.answer(() => (++calls < 3 ? { status: 503, text: 'Service Unavailable' } : { status: 200, body: { latitude: 3, longitude: 4 } }));
    assert.deepEqual(await getJson(url(), options()), { latitude: 3, longitude: 4 });
    assert.deepEqual(slept, [1000, 2000]);
  });

  it('gives up after the retries with the last 5xx', async () => {
    server.answer({ status: 502, body: { error: true, reason: 'upstream down' } });
    await failsWith(getJson(url(), options({ retries: 1 })), 'server', /HTTP 502: upstream down/);
    assert.equal(server.requests.length, 2);
  });

  it('ends a wait on a slow server with a timeout', async () => {
    server.answer({ hang: true });
    await failsWith(getJson(url(), options({ timeoutMs: 150, retries: 0 })), 'timeout', /no answer from http:\/\/127.0.0.1:\d+ within 0.15 s/);
  });

  it('reports malformed JSON without retrying', async () => {
    server.answer({ status: 200, text: '{"latitude": 52.5, "longi' });
    await failsWith(getJson(url(), options()), 'malformed', /not JSON/);
    assert.equal(server.requests.length, 1);
  });

  it('retries a refused connection, then names it', async () => {
    const port = await closedPort();
    await failsWith(getJson(new URL(`http://127.0.0.1:${port}/v1/forecast`), options()), 'network', /ECONNREFUSED/);
    assert.deepEqual(slept, [1000, 2000]);
  });

  it('maps each failure to the status kind the node shows', () => {
    assert.equal(failureKind(new OpenMeteoError('rejected', 'x')), 'refused');
    assert.equal(failureKind(new OpenMeteoError('rate-limited', 'x')), 'backed-off');
    assert.equal(failureKind(new OpenMeteoError('timeout', 'x')), 'no-answer');
    assert.equal(failureKind(new OpenMeteoError('network', 'x')), 'no-answer');
    assert.equal(failureKind(new OpenMeteoError('malformed', 'x')), 'garbled');
    assert.equal(failureKind(new RangeError('latitude')), 'bad-input');
    assert.equal(failureKind(new Error('x')), 'error');
  });
});
