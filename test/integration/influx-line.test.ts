// The line-protocol writer against real servers: InfluxDB 1.6 (/write, read back with InfluxQL: types,
// strings, tags, exact times) and VictoriaMetrics (/api/v2/write and /write, read back with /api/v1/export),
// plus a recording HTTP server for what goes over the wire (gzip, auth headers) and the answers no real server
// here gives on demand (429, 503).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parseInfluxSettings, type InfluxCredentials } from '../../nodes/influxdb/influx-config';
import { InfluxWriter, type Precision } from '../../nodes/influxdb/influx-writer';
import { InfluxSink } from '../../nodes/influxdb-out/influx-sink';
import { toPointRow, type PointDefaults, type PointRow } from '../../nodes/influxdb-out/point-row';
import { influxServersAvailable, rowsOf, startInfluxd, startVictoria, type InfluxdServer, type VictoriaServer } from '../support/influx';

const DEFAULTS: PointDefaults = { deviceTag: 'device', tagFields: ['site'], integerFields: ['count'] };
const T0 = Date.parse('2026-06-21T12:00:00.123Z');

const v1Sink = (url: string, database: string, precision: Precision = 'ms', credentials: InfluxCredentials = {}) =>
  new InfluxSink(new InfluxWriter(parseInfluxSettings({ url, api: 'v1', database }, credentials)), precision);
const v2Sink = (url: string, precision: Precision = 'ms', token = 'any') =>
  new InfluxSink(new InfluxWriter(parseInfluxSettings({ url, api: 'v2', org: 'home', bucket: 'solar' }, { token })), precision);
const write = (sink: InfluxSink, rows: PointRow[]) => sink.write(rows, { replay: false });

describe('influxdb-out line protocol against real servers', function () {
  this.timeout(120_000);
  let influxd: InfluxdServer;
  let victoria: VictoriaServer;
  let db = 0;
  const freshDb = async () => {
    db += 1;
    await influxd.query(`CREATE DATABASE line_${db}`);
    return `line_${db}`;
  };

  before(async function () {
    if (!influxServersAvailable()) this.skip();
    [influxd, victoria] = await Promise.all([startInfluxd(), startVictoria()]);
  });

  after(async () => {
    await influxd?.close();
    await victoria?.close();
  });

  it('writes floats, integers, booleans and strings with their own types, and tags from the device and named fields', async () => {
    const database = await freshDb();
    const row = toPointRow(
      {
        device: 'shed',
        measurement: 'epever',
        payload: { timestamp: T0, battery: { voltage: 13, soc: 81.5 }, count: 7, charging: true, mode: 'boost', site: 'north' },
      },
      DEFAULTS,
    );
    assert.deepEqual(await write(v1Sink(influxd.url, database), [row]), { inserted: 1, duplicates: 0, rejected: [], emptied: [] });
    const types = Object.fromEntries(rowsOf(await influxd.query('SHOW FIELD KEYS FROM epever', database)).map((r) => [r.fieldKey, r.fieldType]));
    // 13 is whole but not named as an integer: a float, so a later 13.2 fits the same field.
    assert.deepEqual(types, { battery_soc: 'float', battery_voltage: 'float', charging: 'boolean', count: 'integer', mode: 'string' });
    const tags = rowsOf(await influxd.query('SHOW TAG KEYS FROM epever', database)).map((r) => r.tagKey);
    assert.deepEqual(tags, ['device', 'site']);
    const [stored] = rowsOf(await influxd.query('SELECT * FROM epever', database));
    assert.deepEqual(stored, {
      time: '2026-06-21T12:00:00.123Z',
      battery_soc: 81.5,
      battery_voltage: 13,
      charging: true,
      count: 7,
      device: 'shed',
      mode: 'boost',
      site: 'north',
    });
  });

  it('stores any text in tags, string fields and the measurement exactly (fuzzed, read back from InfluxDB 1.6)', async () => {
    const database = await freshDb();
    const special = fc.constantFrom(',', '=', ' ', '"', "'", '\\', '\t', '#', 'é', '☀', '𝄞', 'i', '0', '-');
    const text = (avoid: RegExp) =>
      fc.string({ unit: fc.oneof(special, fc.string({ minLength: 1, maxLength: 1 })), maxLength: 12 }).filter((s) => !avoid.test(s));
    const point = fc.record({
      key: text(/[\n\r\\]/).filter((s) => s !== '' && s !== 'time'),
      tag: text(/[\n\r\\]/).filter((s) => s !== ''),
      note: text(/[\n\r]/),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      count: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        text(/[\n\r\\"]/).filter((s) => s.trim() !== '' && !s.trim().startsWith('#')),
        fc.array(point, { minLength: 1, maxLength: 20 }),
        async (measurement, points) => {
          run += 1;
          const rows = points.map((p, i) =>
            toPointRow(
              {
                device: `run ${run}`,
                measurement,
                payload: { timestamp: T0 + i, site: p.tag, note: p.note, value: p.value, count: p.count, extra: { [p.key]: i } },
              },
              DEFAULTS,
            ),
          );
          const outcome = await write(v1Sink(influxd.url, database, 'ns'), rows);
          assert.deepEqual(outcome.rejected, []);
          // The node trims the measurement, as it does msg.device.
          assert.equal(rows[0].measurement, measurement.trim());
          const quoted = `"${measurement.trim()}"`;
          const stored = rowsOf(await influxd.query(`SELECT * FROM ${quoted} WHERE device = 'run ${run}'`, database));
          assert.equal(stored.length, points.length);
          stored.forEach((s, i) => {
            assert.equal(s.site, points[i].tag);
            assert.equal(s.note, points[i].note);
            assert.equal(s.count, points[i].count);
            // The key fuzzed inside a group: stored under its flattened name, escaped on the way.
            assert.equal(s[`extra_${points[i].key}`], i);
            // -0 comes back as 0 (JSON), anything else exactly.
            assert.equal(s.value, points[i].value === 0 ? 0 : points[i].value);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('writes the time at the chosen precision', async () => {
    const database = await freshDb();
    const expected: Record<Precision, string> = {
      s: '2026-06-21T12:00:00Z',
      ms: '2026-06-21T12:00:00.123Z',
      us: '2026-06-21T12:00:00.123Z',
      ns: '2026-06-21T12:00:00.123Z',
    };
    for (const precision of ['s', 'ms', 'us', 'ns'] as const) {
      const row = toPointRow({ device: precision, measurement: 'timing', payload: { timestamp: '2026-06-21T12:00:00.123Z', v: 1 } }, DEFAULTS);
      await write(v1Sink(influxd.url, database, precision), [row]);
      const [stored] = rowsOf(await influxd.query(`SELECT * FROM timing WHERE device = '${precision}'`, database));
      assert.equal(stored.time, expected[precision], precision);
    }
    // VictoriaMetrics keeps milliseconds: what /api/v2/write got at s and ms.
    await write(v2Sink(victoria.url, 's'), [toPointRow({ device: 's', measurement: 'timing', payload: { timestamp: T0, v: 1 } }, DEFAULTS)]);
    await write(v2Sink(victoria.url, 'ms'), [toPointRow({ device: 'ms', measurement: 'timing', payload: { timestamp: T0, v: 2 } }, DEFAULTS)]);
    const series = await victoria.exportSeries('timing_v');
    const at = (device: string) => series.find((s) => s.metric.device === device)?.timestamps;
    assert.deepEqual(at('s'), [Math.floor(T0 / 1000) * 1000]);
    assert.deepEqual(at('ms'), [T0]);
  });

  it('writes batches through /api/v2/write and /write, every point once and in place', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) =>
      toPointRow({ device: `d${i % 3}`, measurement: 'batch2', payload: { timestamp: T0 + i * 1000, power: i / 4 } }, DEFAULTS),
    );
    assert.equal((await write(v2Sink(victoria.url), rows)).inserted, 1500);
    const v1rows = rows.map((r) => ({ ...r, measurement: 'batch1' }));
    assert.equal((await write(v1Sink(victoria.url, 'solar'), v1rows)).inserted, 1500);
    for (const name of ['batch2_power', 'batch1_power']) {
      const series = await victoria.exportSeries(name);
      assert.equal(series.length, 3, name);
      for (const s of series) {
        const d = Number(s.metric.device.slice(1));
        assert.equal(s.values.length, 500);
        s.timestamps.forEach((t, k) => {
          const i = (t - T0) / 1000;
          assert.equal(i % 3, d);
          assert.equal(s.values[k], i / 4);
        });
      }
    }
  });

  it('refuses only the points the server refuses (a field of another type), and stores the rest of the batch', async () => {
    const database = await freshDb();
    const sink = v1Sink(influxd.url, database);
    await write(sink, [toPointRow({ device: 'a', measurement: 'mixed', payload: { timestamp: T0, v: 1.5 } }, DEFAULTS)]);
    const rows = Array.from({ length: 9 }, (_, i) =>
      toPointRow({ device: 'a', measurement: 'mixed', payload: { timestamp: T0 + 1 + i, n: i, v: i === 2 || i === 7 ? 'text' : i } }, DEFAULTS),
    );
    const outcome = await write(sink, rows);
    assert.deepEqual(
      outcome.rejected.map((r) => r.index),
      [2, 7],
    );
    assert.match(outcome.rejected[0].error.message, /field type conflict/);
    assert.equal(outcome.inserted, 7);
    assert.equal(rowsOf(await influxd.query('SELECT count(v) FROM mixed', database))[0].count, 8);
  });

  it('tells a missing database and a refused login (configuration) from a server that is away (outage)', async () => {
    const missing = v1Sink(influxd.url, 'no_such_db');
    const row = toPointRow({ device: 'a', measurement: 'm', payload: { timestamp: T0, v: 1 } }, DEFAULTS);
    const err = await write(missing, [row]).then(
      () => assert.fail('written to a missing database'),
      (e: Error) => e,
    );
    assert.deepEqual(missing.classify(err), { kind: 'refusal', reason: 'bucket' });

    const guarded = await startInfluxd({ auth: true });
    try {
      const refused = v1Sink(guarded.url, 'solar', 'ms', { user: 'nobody', password: 'wrong' });
      const authErr = await write(refused, [row]).then(
        () => assert.fail('written with a bad password'),
        (e: Error) => e,
      );
      assert.deepEqual(refused.classify(authErr), { kind: 'refusal', reason: 'auth' });
      await guarded.stop();
      const gone = await write(refused, [row]).then(
        () => assert.fail('written to a stopped server'),
        (e: Error) => e,
      );
      assert.deepEqual(refused.classify(gone), { kind: 'outage' });
    } finally {
      await guarded.close();
    }
  });
});

describe('influxdb-out on the wire (recording server)', () => {
  let server: Server;
  let url: string;
  const requests: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  let answer = 204;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        requests.push({ url: req.url ?? '', headers: req.headers, body });
        res.writeHead(answer, { 'content-type': 'application/json' });
        res.end(answer === 204 ? undefined : JSON.stringify({ code: 'x', message: `answer ${answer}` }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  beforeEach(() => {
    requests.length = 0;
    answer = 204;
  });

  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => toPointRow({ device: 'shed', measurement: 'epever', payload: { timestamp: T0 + i, v: i } }, DEFAULTS));

  it('gzips a batch, sends the token to /api/v2/write with org, bucket and precision', async () => {
    await write(v2Sink(url, 'us', 'secret-token'), rows(100));
    const [req] = requests;
    assert.equal(req.headers['content-encoding'], 'gzip');
    assert.equal(req.headers.authorization, 'Token secret-token');
    assert.equal(req.url, '/api/v2/write?org=home&bucket=solar&precision=us');
    const lines = req.body.split('\n');
    assert.equal(lines.length, 100);
    assert.equal(lines[1], `epever,device=shed v=1 ${(T0 + 1) * 1000}`);
  });

  it('sends the 1.x user and password as Basic auth to /write with db, rp and the 1.x precision word', async () => {
    const sink = new InfluxSink(
      new InfluxWriter(parseInfluxSettings({ url, api: 'v1', database: 'solar', retentionPolicy: 'month' }, { user: 'writer', password: 'pw' })),
      'us',
    );
    await write(sink, rows(1));
    const [req] = requests;
    assert.equal(req.url, '/write?db=solar&rp=month&precision=u');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('writer:pw').toString('base64')}`);
    assert.equal(req.headers['content-encoding'], undefined, 'one short line is not worth gzip');
  });

  it('takes 429 and 5xx for an outage, 403 for a missing right', async () => {
    const sink = v2Sink(url);
    for (const [status, failure] of [
      [429, { kind: 'outage' }],
      [503, { kind: 'outage' }],
      [403, { kind: 'refusal', reason: 'permission' }],
      [401, { kind: 'refusal', reason: 'auth' }],
    ] as const) {
      answer = status;
      const err = await write(sink, rows(3)).then(
        () => assert.fail(`no error for ${status}`),
        (e: Error) => e,
      );
      assert.deepEqual(sink.classify(err), failure, String(status));
    }
    // Refusals of the writer are not retried point by point: one request each.
    assert.equal(requests.length, 4);
  });
});
