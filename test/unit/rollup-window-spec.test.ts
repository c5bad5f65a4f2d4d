import assert from 'node:assert/strict';
import { IANAZone } from 'luxon';
import { parseWindows, parseZone, WindowClock, type Span, type WindowSpec } from '../../nodes/rollup/window-spec';

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

describe('rollup calendar windows in every zone', function () {
  // Every zone of the tz database this Node.js knows (ICU's copy, canonical names), and some of the other names
  // luxon takes: the extremes of the offsets, UTC and links.
  const extra = ['UTC', 'Etc/GMT-14', 'Etc/GMT+12', 'Asia/Kolkata', 'US/Pacific', 'Chile/Continental', 'Egypt', 'Cuba'];
  const zones = [...new Set([...Intl.supportedValuesOf('timeZone'), ...extra])].filter((z) => IANAZone.isValidZone(z));
  const YEAR = { from: T('2023-01-01T00:00:00Z'), to: T('2024-01-01T00:00:00Z') };
  this.timeout(60_000);

  /** The local calendar date of an instant, `MM/DD/YYYY`, by Intl, not by the code under test. */
  function localDates(zone: string): (time: number) => string {
    const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    return (time) => format.format(time);
  }

  /**
   * Walks the windows of `unit` through 2023 in one zone: each begins where the one before ends and on a new
   * local date. A window of other than 24 h has an offset change near it: there a fresh clock must find the same
   * window from its first moment, its last moment and the hour after its start.
   */
  function walk(zone: string, unit: 'day' | 'month' | 'year', check: (w: Span, date: (t: number) => string) => void): number {
    const walker = clock(unit, zone);
    const date = localDates(zone);
    let windows = 0;
    let w = walker.spanOf(YEAR.from - 1);
    let dateBefore = date(w.start - 1);
    for (; w.start < YEAR.to; windows++) {
      const at = `${zone} ${unit} ${new Date(w.start).toISOString()}`;
      const next = walker.spanOf(w.end);
      assert.ok(w.start < w.end, `${at} is not empty`);
      assert.equal(next.start, w.end, `${at}: the next window starts where it ends`);
      assert.notEqual(date(w.start), dateBefore, `${at} begins on a new local date`);
      if (unit !== 'day' || w.end - w.start !== 24 * HOUR) {
        for (const t of [w.start, w.end - 1, Math.min(w.start + HOUR, w.end - 1)])
          assert.deepEqual(clock(unit, zone).spanOf(t), w, `${at} holds ${new Date(t).toISOString()}`);
        assert.notDeepEqual(clock(unit, zone).spanOf(w.end), w, `${at} does not hold its end`);
      }
      dateBefore = date(w.end - 1);
      check(w, date);
      w = next;
    }
    return windows;
  }

  it('knows the zones of the tz database', () => {
    assert.ok(zones.length > 400, `${zones.length} zones`);
    for (const zone of [...extra, 'America/Santiago', 'Africa/Cairo', 'America/Havana', 'Asia/Beirut', 'Pacific/Apia', 'Europe/Berlin']) {
      assert.ok(zones.includes(zone), zone);
    }
  });

  it('tiles 2023 with days that begin where the local date changes, in every zone', () => {
    let windows = 0;
    for (const zone of zones) {
      windows += walk(zone, 'day', (w, date) => {
        assert.equal(date(w.end - 1), date(w.start), `${zone}: the day of ${new Date(w.start).toISOString()} is one date`);
      });
    }
    assert.ok(windows >= zones.length * 365);
  });

  it('tiles 2023 with months, and the years around it, that begin on the first of the local month', () => {
    for (const zone of zones) {
      for (const unit of ['month', 'year'] as const) {
        walk(zone, unit, (w, date) => {
          assert.match(date(w.start), unit === 'month' ? /^\d\d\/01\// : /^01\/01\//, `${zone} ${unit} begins on the first`);
        });
      }
    }
  });

  it('begins a day whose midnight does not exist at the jump, and ends the day before there', () => {
    for (const [zone, day, start] of [
      ['America/Santiago', '2023-09-03', '2023-09-03T04:00:00.000Z'],
      ['Africa/Cairo', '2023-04-28', '2023-04-27T22:00:00.000Z'],
      ['America/Havana', '2023-03-12', '2023-03-12T05:00:00.000Z'],
      ['Asia/Beirut', '2023-03-26', '2023-03-25T22:00:00.000Z'],
    ] as const) {
      const days = clock('day', zone);
      const theDay = days.spanOf(T(`${day}T12:00:00Z`));
      const before = days.spanOf(theDay.start - 1);
      const after = days.spanOf(theDay.end);
      assert.equal(new Date(theDay.start).toISOString(), start, `${zone} ${day} starts at 01:00 local`);
      assert.equal(before.end, theDay.start, `${zone}: the day before ends there`);
      assert.equal((before.end - before.start) / HOUR, 24, `${zone}: the day before is 24 h`);
      assert.equal((theDay.end - theDay.start) / HOUR, 23, `${zone} ${day} is 23 h`);
      assert.equal(after.start, theDay.end, `${zone}: the next day starts where it ends`);
      // A reading just after the jump is in the new day, one just before it in the old one, whatever was asked before.
      assert.deepEqual(days.spanOf(theDay.start - 1), before);
      assert.deepEqual(days.spanOf(theDay.start + 30 * 60_000), theDay);
    }
  });

  it('begins a day whose midnight happens twice at the first one (America/Havana, 2023-11-05)', () => {
    const day = clock('day', 'America/Havana').spanOf(T('2023-11-05T12:00:00Z'));
    // 00:00 CDT (-04) is 04:00Z; clocks go from 01:00 CDT back to 00:00 CST (-05) at 05:00Z.
    assert.equal(new Date(day.start).toISOString(), '2023-11-05T04:00:00.000Z');
    assert.equal((day.end - day.start) / HOUR, 25);
  });
});
