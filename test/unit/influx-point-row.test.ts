// A reading as an InfluxDB point: what is a tag, what is a field and of which type, and what line protocol
// cannot carry (refused with the reason, before it reaches the spool).
import assert from 'node:assert/strict';
import { ReadingError } from '../../nodes/common/reading-time';
import { describeInflux, parseInfluxSettings } from '../../nodes/influxdb/influx-config';
import { timestampAt, toLine } from '../../nodes/influxdb-out/line-protocol';
import { parseOutSettings } from '../../nodes/influxdb-out/out-config';
import { toPointRow, type PointDefaults } from '../../nodes/influxdb-out/point-row';

const DEFAULTS: PointDefaults = { deviceTag: 'device', tagFields: ['site'], integerFields: ['count'] };
const at = '2026-06-21T12:00:00Z';
const point = (payload: Record<string, unknown>, extra: Record<string, unknown> = {}, defaults = DEFAULTS) =>
  toPointRow({ device: 'shed', measurement: 'epever', payload: { timestamp: at, ...payload }, ...extra }, defaults);

describe('influxdb-out point rows', () => {
  it('flattens one level with _ as timescale-out does, the device and named fields as tags, named integers with i', () => {
    const row = point({ battery: { voltage: 13.6, soc: 81 }, count: 4, site: 'north', mode: 'boost', ok: false });
    assert.deepEqual(row, {
      measurement: 'epever',
      tags: { device: 'shed', site: 'north' },
      fields: { battery_voltage: 13.6, battery_soc: 81, count: 4, mode: 'boost', ok: false },
      integers: ['count'],
      time: Date.parse(at),
    });
    assert.equal(toLine(row, 's'), 'epever,device=shed,site=north battery_voltage=13.6,battery_soc=81,count=4i,mode="boost",ok=false 1782043200');
  });

  it('escapes commas, equals signs and spaces in names and tags, quotes and backslashes in strings', () => {
    const row = point({ site: 'north, row=2', note: 'say "hi" \\o/', v: 1 }, { measurement: 'solar shed,1', device: 'a b' });
    assert.equal(toLine(row, 'ms'), `solar\\ shed\\,1,device=a\\ b,site=north\\,\\ row\\=2 note="say \\"hi\\" \\\\o/",v=1 ${Date.parse(at)}`);
  });

  it('takes the measurement from the node before msg.measurement, and the device from the node when the message has none', () => {
    const row = toPointRow({ measurement: 'ignored', payload: { timestamp: at, v: 1 } }, { ...DEFAULTS, measurement: 'fixed', device: 'default' });
    assert.equal(row.measurement, 'fixed');
    assert.deepEqual(row.tags, { device: 'default' });
  });

  it('refuses what line protocol cannot carry, saying why', () => {
    const refused: [string, () => unknown, RegExp][] = [
      ['a newline in a string', () => point({ v: 1, note: 'a\nb' }), /line break/],
      ['a newline in a tag', () => point({ v: 1, site: 'a\nb' }), /line break/],
      ['a backslash in a tag', () => point({ v: 1, site: 'a\\' }), /backslash/],
      ['a backslash in the measurement', () => point({ v: 1 }, { measurement: 'a\\b' }), /backslash/],
      ['a comment measurement', () => point({ v: 1 }, { measurement: '#x' }), /comment/],
      ['an integer field with a fraction', () => point({ count: 1.5 }), /integer.*1\.5/],
      ['a time InfluxDB cannot hold', () => point({ v: 1, timestamp: '1500-01-01T00:00:00Z' }), /1677-2262/],
      ['a list as a tag', () => point({ v: 1, site: [1, 2] }), /tag "site" must be text/],
      ['no measurement', () => point({ v: 1 }, { measurement: undefined }), /no measurement/],
      [
        'only tags',
        () => toPointRow({ device: 'd', measurement: 'm', payload: { site: 1 } }, { ...DEFAULTS, tagFields: ['site'] }),
        /no readings left/,
      ],
      ['a field called time', () => point({ time: 1 }), /"time" cannot be a field/],
      ['a backslash in a field name', () => point({ 'a\\b': 1 }), /backslash/],
    ];
    for (const [what, make, reason] of refused) {
      assert.throws(make, (err: Error) => err instanceof ReadingError && reason.test(err.message), what);
    }
  });

  it('takes any other field name, escaped, and __proto__ as a field like any other', () => {
    const row = point(JSON.parse('{"Battery Voltage": 13.6, "a=b,c": 1, "__proto__": 2}') as Record<string, unknown>);
    assert.deepEqual(Object.keys(row.fields), ['Battery Voltage', 'a=b,c', '__proto__']);
    assert.equal(toLine(row, 's'), 'epever,device=shed Battery\\ Voltage=13.6,a\\=b\\,c=1,__proto__=2 1782043200');
  });

  it('drops an empty tag (InfluxDB has no empty tag values) and writes a deeper object as JSON text', () => {
    const row = point({ v: 1, site: '', extra: { a: { b: 1 } } });
    assert.deepEqual(row.tags, { device: 'shed' });
    assert.equal(row.fields.extra_a, '{"b":1}');
  });

  it('puts the time at the precision: seconds round down, before 1970 too', () => {
    assert.equal(timestampAt(1500, 's'), '1');
    assert.equal(timestampAt(-1500, 's'), '-2');
    assert.equal(timestampAt(1500, 'us'), '1500000');
    assert.equal(timestampAt(Date.parse('2262-04-11T23:47:16Z'), 'ns'), '9223372036000000000');
  });

  it('reads its settings with defaults, and refuses a field that is both a tag and an integer', () => {
    const s = parseOutSettings({});
    assert.deepEqual([s.precision, s.batchRows, s.batchMs, s.deviceTag, s.spoolMaxBytes], ['ms', 500, 1000, 'device', 256 * 1024 * 1024]);
    assert.throws(() => parseOutSettings({ tags: 'a', integers: 'a, b' }), /both a tag and an integer/);
    assert.throws(() => parseOutSettings({ precision: 'h' }), /precision must be one of/);
    assert.throws(() => parseOutSettings({ tags: 'a, time' }), /tags: "time" cannot be a field or tag name/);
    assert.throws(() => parseOutSettings({ deviceTag: 'a\\b' }), /device tag: .*backslash/);
    assert.deepEqual(parseOutSettings({ tags: 'Site Name, pv_array_mode' }).tagFields, ['Site Name', 'pv_array_mode']);
  });
});

describe('influxdb config settings', () => {
  it('reads a v2 server with its token, and a 1.x server with its user and password', () => {
    const v2 = parseInfluxSettings({ url: 'http://localhost:8086/', org: 'home', bucket: 'solar' }, { token: 't' });
    assert.deepEqual(
      [v2.url, v2.api, v2.org, v2.bucket, v2.token, v2.timeoutMs, v2.verifyTls],
      ['http://localhost:8086', 'v2', 'home', 'solar', 't', 10_000, true],
    );
    const v1 = parseInfluxSettings(
      { url: 'https://nas:8086', api: 'v1', database: 'solar', retentionPolicy: 'month', verifyTls: false },
      { user: 'u', password: 'p' },
    );
    assert.deepEqual([v1.api, v1.database, v1.retentionPolicy, v1.user, v1.password, v1.verifyTls], ['v1', 'solar', 'month', 'u', 'p', false]);
    assert.equal(describeInflux(v1), 'https://nas:8086 solar.month (1.x)');
  });

  it('refuses what cannot work, naming the field', () => {
    assert.throws(() => parseInfluxSettings({ url: 'localhost:8086', bucket: 'b' }), /url must start with http/);
    assert.throws(() => parseInfluxSettings({ url: 'not a url' }), /is not a URL/);
    assert.throws(() => parseInfluxSettings({ url: 'http://h', bucket: '' }), /bucket is empty/);
    assert.throws(() => parseInfluxSettings({ url: 'http://h', api: 'v1' }), /database is empty/);
    assert.throws(() => parseInfluxSettings({ url: 'http://h', api: 'v1', database: 'd' }, { user: 'u' }), /needs a password/);
    assert.throws(() => parseInfluxSettings({ url: 'http://h', bucket: 'b', timeoutMs: 0 }), /timeoutMs must be a whole number/);
    assert.throws(() => parseInfluxSettings({ url: 'http://h', bucket: 'b', api: 'v3' }), /api must be one of/);
  });
});
