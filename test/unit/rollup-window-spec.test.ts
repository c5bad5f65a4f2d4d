import assert from 'node:assert/strict';
import { parseWindows, parseZone, WindowClock, type WindowSpec } from '../../nodes/rollup/window-spec';

const T = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

function clock(name: string, zone = 'UTC'): WindowClock {
  const spec = parseWindows(name)[0] as Exclude<WindowSpec, { kind: 'lifetime' }>;
  return new WindowClock(spec, zone);
}

function span(name: string, at: string, zone = 'UTC'): [string, string] {
  const s = clock(name, zone).spanOf(T(at));
  return [new Date(s.start).toISOString(), new Date(s.end).toISOString()];
}

describe('rollup window list', () => {
  it('parses durations, calendar units and lifetime in the order given', () => {
    assert.deepEqual(parseWindows('1m, 10m,30m 3h,6h,day,month,year,lifetime'), [
      { kind: 'fixed', name: '1m', ms: 60_000 },
      { kind: 'fixed', name: '10m', ms: 600_000 },
      { kind: 'fixed', name: '30m', ms: 1_800_000 },
      { kind: 'fixed', name: '3h', ms: 3 * HOUR },
      { kind: 'fixed', name: '6h', ms: 6 * HOUR },
      { kind: 'calendar', name: 'day', unit: 'day' },
      { kind: 'calendar', name: 'month', unit: 'month' },
      { kind: 'calendar', name: 'year', unit: 'year' },
      { kind: 'lifetime', name: 'lifetime' },
    ]);
    assert.deepEqual(parseWindows('1S'), [{ kind: 'fixed', name: '1s', ms: 1000 }]);
  });

  it('names what is wrong', () => {
    assert.throws(() => parseWindows(''), /no windows given/);
    assert.throws(() => parseWindows('1m,fortnight'), /window "fortnight" is not a duration/);
    assert.throws(() => parseWindows('1.5m'), /window "1.5m" is not a duration/);
    assert.throws(() => parseWindows('0s'), /window "0s" has no length/);
    assert.throws(() => parseWindows('1m,60s'), /window "60s" is listed twice \(as "1m"\)/);
    assert.throws(() => parseWindows('day,day'), /listed twice/);
  });

  it('accepts IANA zones and refuses anything else', () => {
    assert.equal(parseZone('Europe/Berlin'), 'Europe/Berlin');
    assert.equal(parseZone(' UTC '), 'UTC');
    assert.ok(parseZone('').length > 0, 'empty is the machine zone');
    assert.throws(() => parseZone('Mars/Olympus_Mons'), /not an IANA zone/);
  });
});

describe('rollup window boundaries', () => {
  it('aligns fixed windows to the clock', () => {
    assert.deepEqual(span('1s', '2026-06-21T12:34:56.789Z'), ['2026-06-21T12:34:56.000Z', '2026-06-21T12:34:57.000Z']);
    assert.deepEqual(span('1m', '2026-06-21T12:34:56.789Z'), ['2026-06-21T12:34:00.000Z', '2026-06-21T12:35:00.000Z']);
    assert.deepEqual(span('10m', '2026-06-21T12:34:56Z'), ['2026-06-21T12:30:00.000Z', '2026-06-21T12:40:00.000Z']);
    assert.deepEqual(span('30m', '2026-06-21T12:34:56Z'), ['2026-06-21T12:30:00.000Z', '2026-06-21T13:00:00.000Z']);
  });

  it('aligns 3h and 6h windows to UTC midnight, whatever the zone', () => {
    assert.deepEqual(span('3h', '2026-06-21T13:59:59Z'), ['2026-06-21T12:00:00.000Z', '2026-06-21T15:00:00.000Z']);
    assert.deepEqual(span('6h', '2026-06-21T05:00:00Z', 'Europe/Berlin'), ['2026-06-21T00:00:00.000Z', '2026-06-21T06:00:00.000Z']);
  });

  it('puts a moment on a boundary in the window it starts', () => {
    assert.deepEqual(span('1m', '2026-06-21T12:35:00Z'), ['2026-06-21T12:35:00.000Z', '2026-06-21T12:36:00.000Z']);
    assert.deepEqual(span('day', '2026-06-21T22:00:00Z', 'Europe/Berlin'), ['2026-06-21T22:00:00.000Z', '2026-06-22T22:00:00.000Z']);
  });

  it('starts days at local midnight of the zone', () => {
    assert.deepEqual(span('day', '2026-06-21T12:00:00Z', 'Europe/Berlin'), ['2026-06-20T22:00:00.000Z', '2026-06-21T22:00:00.000Z']);
    assert.deepEqual(span('day', '2026-06-21T03:00:00Z', 'America/New_York'), ['2026-06-20T04:00:00.000Z', '2026-06-21T04:00:00.000Z']);
    assert.deepEqual(span('day', '2026-06-21T12:00:00Z'), ['2026-06-21T00:00:00.000Z', '2026-06-22T00:00:00.000Z']);
  });

  it('makes the spring DST day 23 hours and the autumn one 25 (Europe/Berlin 2026)', () => {
    const spring = clock('day', 'Europe/Berlin').spanOf(T('2026-03-29T12:00:00Z'));
    assert.equal(new Date(spring.start).toISOString(), '2026-03-28T23:00:00.000Z');
    assert.equal((spring.end - spring.start) / HOUR, 23);
    const autumn = clock('day', 'Europe/Berlin').spanOf(T('2026-10-25T12:00:00Z'));
    assert.equal(new Date(autumn.start).toISOString(), '2026-10-24T22:00:00.000Z');
    assert.equal((autumn.end - autumn.start) / HOUR, 25);
    const before = clock('day', 'Europe/Berlin').spanOf(T('2026-03-28T12:00:00Z'));
    assert.equal((before.end - before.start) / HOUR, 24);
    assert.equal(before.end, spring.start, 'days follow each other without a gap');
  });

  it('follows months and years of the calendar', () => {
    assert.deepEqual(span('month', '2026-02-14T12:00:00Z', 'Europe/Berlin'), ['2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z']);
    const march = clock('month', 'Europe/Berlin').spanOf(T('2026-03-15T00:00:00Z'));
    assert.equal((march.end - march.start) / HOUR, 31 * 24 - 1, 'March loses the DST hour');
    assert.deepEqual(span('year', '2026-06-21T12:00:00Z', 'Europe/Berlin'), ['2025-12-31T23:00:00.000Z', '2026-12-31T23:00:00.000Z']);
    assert.deepEqual(span('year', '2028-02-29T12:00:00Z'), ['2028-01-01T00:00:00.000Z', '2029-01-01T00:00:00.000Z']);
  });

  it('gives the same answer from its cache as from fresh calendar maths', () => {
    const cached = clock('day', 'Europe/Berlin');
    for (let t = T('2026-03-27T00:00:00Z'); t < T('2026-04-01T00:00:00Z'); t += 37 * 60_000) {
      assert.deepEqual(cached.spanOf(t), clock('day', 'Europe/Berlin').spanOf(t));
    }
  });
});
