import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Aggregator, type AggregatorOptions, type WindowRecord } from '../../nodes/rollup/aggregator';
import { isPowerFieldName } from '../../nodes/rollup/energy';
import type { Sample } from '../../nodes/rollup/reading-fields';
import { recordMessage, recordPayload } from '../../nodes/rollup/record-message';
import { parseWindows } from '../../nodes/rollup/window-spec';

const T = (iso: string) => Date.parse(iso);
const SECOND = 1000;
const MINUTE = 60 * SECOND;

function aggregator(windows: string, options: Partial<AggregatorOptions> = {}): Aggregator {
  return new Aggregator({
    windows: parseWindows(windows),
    zone: 'UTC',
    graceMs: 5 * SECOND,
    maxGapMs: 300 * SECOND,
    isPowerField: isPowerFieldName,
    maxAheadMs: 300 * SECOND,
    ...options,
  });
}

const sample = (time: number, fields: Record<string, number>): Sample => ({ time, fields: new Map(Object.entries(fields)) });

/** Adds a reading measured at `at` that arrives at `now` (on time by default). */
function add(agg: Aggregator, key: string, at: string | number, fields: Record<string, number>, now?: string | number) {
  const time = typeof at === 'string' ? T(at) : at;
  const arrival = now === undefined ? time : typeof now === 'string' ? T(now) : now;
  return agg.add(key, sample(time, fields), arrival);
}

const payload = (r: WindowRecord) => recordPayload(r, isPowerFieldName);
const names = (records: WindowRecord[]) => records.map((r) => `${r.key} ${r.window} ${new Date(r.start).toISOString().slice(11, 19)}`);
const near = (actual: unknown, expected: number, what = 'value') =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-9, `${what}: ${String(actual)} is not ${expected}`);

/** Equal payloads, numbers to 1e-12 relative. */
function assertSamePayloads(actual: Record<string, unknown>[], expected: Record<string, unknown>[]) {
  assert.equal(actual.length, expected.length);
  actual.forEach((record, i) => {
    assert.deepEqual(Object.keys(record).sort(), Object.keys(expected[i]).sort());
    for (const [name, value] of Object.entries(expected[i])) {
      const got = record[name];
      if (typeof value === 'number' && typeof got === 'number') {
        assert.ok(Math.abs(got - value) <= 1e-12 * Math.max(1, Math.abs(value)), `record ${i} ${name}: ${got} is not ${value}`);
      } else assert.deepEqual(got, value, `record ${i} ${name}`);
    }
  });
}

describe('rollup aggregator: closing windows', () => {
  it('closes a window on the clock, grace after its end, with exact statistics', () => {
    const agg = aggregator('1m');
    add(agg, 'shed', '2026-06-21T12:00:10Z', { voltage: 12, current: 1.5 });
    add(agg, 'shed', '2026-06-21T12:00:20Z', { voltage: 13, current: 2.5 });
    add(agg, 'shed', '2026-06-21T12:00:50Z', { voltage: 14 });
    assert.equal(agg.nextDue(), T('2026-06-21T12:01:05Z'));
    assert.deepEqual(agg.closeDue(T('2026-06-21T12:01:04.999Z')), []);
    const [record, ...rest] = agg.closeDue(T('2026-06-21T12:01:05Z'));
    assert.equal(rest.length, 0);
    assert.deepEqual(payload(record), {
      timestamp: '2026-06-21T12:00:00.000Z',
      window_start: '2026-06-21T12:00:00.000Z',
      window_end: '2026-06-21T12:01:00.000Z',
      sample_count: 3,
      late_samples: 0,
      voltage_avg: 13,
      voltage_min: 12,
      voltage_max: 14,
      voltage_stddev: 1,
      voltage_first: 12,
      voltage_last: 14,
      voltage_sum: 39,
      voltage_count: 3,
      current_avg: 2,
      current_min: 1.5,
      current_max: 2.5,
      current_stddev: Math.SQRT1_2,
      current_first: 1.5,
      current_last: 2.5,
      current_sum: 4,
      current_count: 2,
    });
    assert.equal(agg.nextDue(), undefined);
    assert.deepEqual(agg.closeDue(T('2026-06-21T13:00:00Z')), [], 'a window is sent once');
  });

  it('sends each window kind of each key, and lifetime whenever a key closes one', () => {
    const agg = aggregator('1m,10m,lifetime');
    add(agg, 'a', '2026-06-21T12:00:10Z', { v: 1 });
    add(agg, 'b', '2026-06-21T12:00:20Z', { v: 2 });
    add(agg, 'a', '2026-06-21T12:05:00Z', { v: 3 });
    assert.deepEqual(names(agg.closeDue(T('2026-06-21T12:01:05Z'))), [
      'a 1m 12:00:00',
      'b 1m 12:00:00',
      'a lifetime 12:00:10',
      'b lifetime 12:00:20',
    ]);
    const later = agg.closeDue(T('2026-06-21T12:10:05Z'));
    assert.deepEqual(names(later), ['a 1m 12:05:00', 'a 10m 12:00:00', 'b 10m 12:00:00', 'a lifetime 12:00:10', 'b lifetime 12:00:20']);
    const lifetimeA = later[3];
    assert.equal(lifetimeA.end, T('2026-06-21T12:10:00Z'), 'lifetime is reported as of the boundary that closed');
    assert.equal(payload(lifetimeA).timestamp, '2026-06-21T12:10:00.000Z', 'and stamped with it: a running total');
    assert.equal(payload(lifetimeA).v_sum, 4);
    assert.equal(payload(later[1]).sample_count, 2);
  });

  it('sends nothing for a key in a window it had no reading in', () => {
    const agg = aggregator('1m');
    add(agg, 'a', '2026-06-21T12:00:10Z', { v: 1 });
    add(agg, 'b', '2026-06-21T12:01:10Z', { v: 1 });
    assert.deepEqual(names(agg.closeDue(T('2026-06-21T12:03:00Z'))), ['a 1m 12:00:00', 'b 1m 12:01:00']);
  });

  it('refuses a reading stamped far ahead of the clock', () => {
    const agg = aggregator('1m');
    assert.throws(() => add(agg, 'a', '2026-06-21T12:10:00Z', { v: 1 }, '2026-06-21T12:00:00Z'), /is 600 s ahead of this machine's clock/);
    add(agg, 'a', '2026-06-21T12:04:00Z', { v: 1 }, '2026-06-21T12:00:00Z');
    assert.equal(agg.keyCount, 1);
  });
});

describe('rollup aggregator: late and out-of-order readings', () => {
  it('adds a late reading within the grace to its window', () => {
    const agg = aggregator('1m');
    add(agg, 'a', '2026-06-21T12:00:10Z', { v: 1 });
    const outcome = add(agg, 'a', '2026-06-21T12:00:59Z', { v: 3 }, '2026-06-21T12:01:04Z');
    assert.deepEqual(outcome, { late: 0, outOfOrder: false });
    const [record] = agg.closeDue(T('2026-06-21T12:01:05Z'));
    assert.equal(payload(record).sample_count, 2);
    assert.equal(payload(record).v_avg, 2);
  });

  it('counts a reading after the grace and reports it with the next record of that window kind', () => {
    const agg = aggregator('1m,10m');
    add(agg, 'a', '2026-06-21T12:00:10Z', { v: 1 });
    assert.equal(agg.closeDue(T('2026-06-21T12:01:05Z')).length, 1);
    const outcome = add(agg, 'a', '2026-06-21T12:00:30Z', { v: 100 }, '2026-06-21T12:01:06Z');
    assert.deepEqual(outcome, { late: 1, outOfOrder: false });
    assert.equal(agg.counters.late, 1);
    add(agg, 'a', '2026-06-21T12:01:10Z', { v: 2 });
    add(agg, 'a', '2026-06-21T12:02:10Z', { v: 3 });
    const records = agg.closeDue(T('2026-06-21T12:10:05Z'));
    assert.deepEqual(names(records), ['a 1m 12:01:00', 'a 1m 12:02:00', 'a 10m 12:00:00']);
    assert.equal(payload(records[0]).late_samples, 1, 'reported once');
    assert.equal(payload(records[1]).late_samples, 0);
    assert.equal(payload(records[2]).late_samples, 0, 'the 10m window was still open: the reading is in it');
    assert.equal(payload(records[2]).v_sum, 106);
  });

  it('adds an out-of-order reading where it belongs: first and last by time', () => {
    const agg = aggregator('1m');
    add(agg, 'a', '2026-06-21T12:00:30Z', { v: 3, power: 100 });
    const outcome = add(agg, 'a', '2026-06-21T12:00:10Z', { v: 1, power: 999 }, '2026-06-21T12:00:31Z');
    assert.equal(outcome.outOfOrder, true);
    add(agg, 'a', '2026-06-21T12:00:50Z', { v: 5, power: 100 });
    // No power reading after the window's end: its energy is complete once Max gap (300 s) + grace have passed.
    assert.deepEqual(agg.closeDue(T('2026-06-21T12:05:54.999Z')), []);
    const p = payload(agg.closeDue(T('2026-06-21T12:05:55Z'))[0]);
    assert.equal(p.v_first, 1);
    assert.equal(p.v_last, 5);
    assert.equal(p.v_avg, 3);
    assert.equal(p.power_max, 999);
    // Energy integrates the in-order readings only: 100 W from :30 to :50.
    near(p.energy_wh, (100 * 20) / 3600, 'energy');
  });
});

describe('rollup aggregator: energy', () => {
  it('makes a constant 100 W for one hour, sampled every second, 100.000 Wh', () => {
    const agg = aggregator('1m,1h,day,lifetime');
    const start = T('2026-06-21T12:00:00Z');
    for (let t = start; t <= start + 3600 * SECOND; t += SECOND) add(agg, 'pv', t, { pv_array_power: 100 });
    const records = agg.closeDue(start + 3600 * SECOND + 5 * SECOND);
    const hour = records.find((r) => r.window === '1h')!;
    assert.equal(payload(hour).sample_count, 3600);
    near(payload(hour).pv_array_energy_wh, 100, 'hour');
    assert.equal((payload(hour).pv_array_energy_wh as number).toFixed(3), '100.000');
    const minutes = records.filter((r) => r.window === '1m');
    assert.equal(minutes.length, 60);
    for (const m of minutes) near(payload(m).pv_array_energy_wh, 100 / 60, 'minute');
    near(payload(records.find((r) => r.window === 'lifetime')!).pv_array_energy_wh, 100, 'lifetime');
    near(payload(agg.flush(start + 3605 * SECOND).find((r) => r.window === 'day')!).pv_array_energy_wh, 100, 'day so far');
  });

  it('splits an interval at a window boundary in proportion to time', () => {
    const agg = aggregator('1m');
    add(agg, 'a', '2026-06-21T12:00:50Z', { power: 100 });
    add(agg, 'a', '2026-06-21T12:01:20Z', { power: 200 });
    add(agg, 'a', '2026-06-21T12:02:00Z', { power: 200 });
    const [first, second] = agg.closeDue(T('2026-06-21T12:03:00Z'));
    // 150 W on average for 30 s: 10 s of it before 12:01, 20 s after; then 200 W for 40 s.
    near(payload(first).energy_wh, (150 * 10) / 3600, 'before');
    near(payload(second).energy_wh, (150 * 20 + 200 * 40) / 3600, 'after');
  });

  it('invents no energy over a gap longer than the maximum', () => {
    const agg = aggregator('1h', { maxGapMs: 300 * SECOND });
    add(agg, 'a', '2026-06-21T12:00:00Z', { load_w: 100 });
    add(agg, 'a', '2026-06-21T12:06:00Z', { load_w: 100 });
    add(agg, 'a', '2026-06-21T12:07:00Z', { load_w: 100 });
    add(agg, 'a', '2026-06-21T12:12:00Z', { load_w: 100 });
    const p = payload(agg.closeDue(T('2026-06-21T13:00:05Z'))[0]);
    // 12:00 -> 12:06 is 6 min (none); 12:06 -> 12:07 and 12:07 -> 12:12 count: 6 min at 100 W.
    near(p.load_wh, 10, 'energy');
  });

  it('splits the energy after a gap over the windows it spans: 1000 W read 5 minutes apart into 1-minute windows', () => {
    const agg = aggregator('1m,10m,lifetime');
    add(agg, 'a', '2026-06-21T12:00:00Z', { power: 1000 });
    // The first minute's statistics close at 12:01:05; its energy waits for the next reading.
    assert.deepEqual(agg.closeDue(T('2026-06-21T12:01:05Z')), []);
    assert.deepEqual(add(agg, 'a', '2026-06-21T12:05:00Z', { power: 1000 }), { late: 0, outOfOrder: false });
    const records = agg.closeDue(T('2026-06-21T12:05:05Z'));
    const minutes = records.filter((r) => r.window === '1m');
    assert.deepEqual(names(minutes), ['a 1m 12:00:00', 'a 1m 12:01:00', 'a 1m 12:02:00', 'a 1m 12:03:00', 'a 1m 12:04:00']);
    // 83.3 Wh over 5 minutes: 16.7 Wh in each, the most 1000 W can give in a minute, not 83.3 Wh in the last.
    for (const m of minutes) near(payload(m).energy_wh, 1000 / 60, names([m])[0]);
    assert.deepEqual(
      minutes.map((m) => payload(m).sample_count),
      [1, 0, 0, 0, 0],
      'the minutes in the gap hold energy only',
    );
    near(payload(records.find((r) => r.window === 'lifetime')!).energy_wh, 1000 / 12, 'lifetime');
    add(agg, 'a', '2026-06-21T12:10:00Z', { power: 1000 });
    const tenMinutes = agg.closeDue(T('2026-06-21T12:10:05Z')).find((r) => r.window === '10m')!;
    near(payload(tenMinutes).energy_wh, 1000 / 6, '10 minutes');
  });

  it('sends a window with power fields once the next reading comes, or Max gap and grace after the last', () => {
    const agg = aggregator('1m', { maxGapMs: 120 * SECOND });
    add(agg, 'a', '2026-06-21T12:00:30Z', { power: 600, v: 12 });
    assert.equal(agg.nextDue(), T('2026-06-21T12:01:05Z'));
    assert.deepEqual(agg.closeDue(T('2026-06-21T12:01:05Z')), []);
    assert.equal(agg.nextDue(), T('2026-06-21T12:02:35Z'), 'the last reading plus max gap plus grace');
    // A reading after the grace is too late for the statistics of its window; its energy is not.
    add(agg, 'a', '2026-06-21T12:01:30Z', { power: 600, v: 13 }, '2026-06-21T12:01:40Z');
    assert.equal(agg.nextDue(), T('2026-06-21T12:01:40Z'), 'the first window is complete now');
    const [first] = agg.closeDue(T('2026-06-21T12:01:40Z'));
    assert.equal(names([first])[0], 'a 1m 12:00:00');
    assert.equal(payload(first).v_avg, 12, 'statistics as they closed on time');
    near(payload(first).energy_wh, (600 * 30) / 3600, 'energy of 12:00:30 to 12:01:00');
    // The device goes quiet: the window of its last reading goes out when no reading can continue the interval.
    assert.deepEqual(agg.closeDue(T('2026-06-21T12:03:34.999Z')), []);
    const [second] = agg.closeDue(T('2026-06-21T12:03:35Z'));
    assert.equal(names([second])[0], 'a 1m 12:01:00');
    near(payload(second).energy_wh, (600 * 30) / 3600, 'the half minute up to the last reading');
    assert.equal(agg.nextDue(), undefined);
  });

  it('books no energy in a window already sent, and counts the reading that brought it as late', () => {
    const agg = aggregator('1m,lifetime', { maxGapMs: 120 * SECOND });
    add(agg, 'a', '2026-06-21T12:00:30Z', { power: 600 });
    const [first] = agg.closeDue(T('2026-06-21T12:02:35Z'));
    near(payload(first).energy_wh, 0, 'sent with what it had when no reading came');
    // A reading stamped within max gap of the last, delivered long after: the sent minute keeps its record.
    const outcome = add(agg, 'a', '2026-06-21T12:01:30Z', { power: 600 }, '2026-06-21T12:02:40Z');
    assert.deepEqual(outcome, { late: 1, outOfOrder: false });
    const records = agg.closeDue(T('2026-06-21T12:05:00Z'));
    const minute = records.find((r) => r.window === '1m')!;
    assert.equal(names([minute])[0], 'a 1m 12:01:00');
    near(payload(minute).energy_wh, 5, 'its own share: 30 s at 600 W');
    assert.equal(payload(minute).late_samples, 1);
    near(payload(records.find((r) => r.window === 'lifetime')!).energy_wh, 10, 'lifetime has the whole minute');
  });

  it('makes a DST day in Europe/Berlin 23 and 25 hours of energy', () => {
    for (const [from, to, hours] of [
      ['2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', 23],
      ['2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', 25],
    ] as const) {
      const agg = aggregator('day', { zone: 'Europe/Berlin' });
      for (let t = T(from); t <= T(to); t += MINUTE) add(agg, 'pv', t, { power: 100 });
      const [day] = agg.closeDue(T(to) + 5 * SECOND);
      const p = payload(day);
      assert.equal(p.window_start, new Date(T(from)).toISOString());
      assert.equal(p.window_end, new Date(T(to)).toISOString());
      assert.equal(p.sample_count, hours * 60);
      near(p.energy_wh, hours * 100, `${hours} h day`);
    }
  });
});

describe('rollup aggregator: many keys, memory, flush, reset', () => {
  it('keeps thousands of keys apart', () => {
    const agg = aggregator('1m,lifetime');
    const keys = 5000;
    for (let k = 0; k < keys; k++) {
      for (let s = 0; s < 3; s++) add(agg, `dev-${k}`, T('2026-06-21T12:00:00Z') + s * 10 * SECOND, { v: k + s, power: k });
    }
    assert.equal(agg.keyCount, keys);
    // No reading after the minute: its energy is complete max gap (300 s) and grace after the last one.
    const records = agg.closeDue(T('2026-06-21T12:05:25Z'));
    assert.equal(records.length, 2 * keys);
    const minutes = records.filter((r) => r.window === '1m');
    assert.equal(minutes.length, keys);
    for (const r of minutes) {
      const k = Number(r.key.slice(4));
      const p = payload(r);
      assert.equal(p.v_avg, k + 1);
      assert.equal(p.sample_count, 3);
      near(p.energy_wh, (k * 20) / 3600);
    }
  });

  it('holds the same few numbers per key and window at any reading rate', () => {
    const numbers = (agg: Aggregator) => (JSON.stringify(agg.snapshot()).match(/-?\d+(\.\d+)?(e[+-]?\d+)?/g) ?? []).length;
    const run = (perMinute: number) => {
      const agg = aggregator('1m,1h,day,lifetime');
      for (let i = 0; i < perMinute; i++) add(agg, 'a', T('2026-06-21T12:00:00Z') + (i * MINUTE) / perMinute, { v: i % 7, power: 50 + (i % 3) });
      return numbers(agg);
    };
    assert.equal(run(10), run(6000));
  });

  it('flushes open windows as partial records and keeps them running', () => {
    const agg = aggregator('1m,lifetime');
    add(agg, 'a', '2026-06-21T12:00:10Z', { v: 1 });
    add(agg, 'b', '2026-06-21T12:00:10Z', { v: 5 });
    const flushed = agg.flush(T('2026-06-21T12:00:30Z'));
    assert.deepEqual(names(flushed), ['a 1m 12:00:00', 'b 1m 12:00:00', 'a lifetime 12:00:10', 'b lifetime 12:00:10']);
    assert.ok(flushed.every((r) => r.partial));
    assert.equal(flushed[2].end, T('2026-06-21T12:00:30Z'));
    assert.deepEqual(names(agg.flush(T('2026-06-21T12:00:30Z'), 'b')), ['b 1m 12:00:00', 'b lifetime 12:00:10']);
    add(agg, 'a', '2026-06-21T12:00:40Z', { v: 3 });
    const closed = agg.closeDue(T('2026-06-21T12:01:05Z'));
    assert.equal(closed[0].partial, false);
    assert.equal(payload(closed[0]).v_avg, 2);
  });

  it('forgets one key or all of them on reset', () => {
    const agg = aggregator('1m,lifetime');
    add(agg, 'a', '2026-06-21T12:00:10Z', { v: 1 });
    add(agg, 'b', '2026-06-21T12:00:10Z', { v: 5 });
    agg.reset('a');
    assert.deepEqual(names(agg.flush(T('2026-06-21T12:00:30Z'))), ['b 1m 12:00:00', 'b lifetime 12:00:10']);
    add(agg, 'a', '2026-06-21T12:00:20Z', { v: 7 });
    assert.equal(payload(agg.flush(T('2026-06-21T12:00:30Z'), 'a').find((r) => r.window === 'lifetime')!).v_sum, 7);
    agg.reset();
    assert.equal(agg.keyCount, 0);
    assert.deepEqual(agg.flush(T('2026-06-21T12:00:30Z')), []);
    assert.equal(agg.nextDue(), undefined);
  });

  it('forgets a key that is idle and has no lifetime', () => {
    const agg = aggregator('1m');
    add(agg, 'a', '2026-06-21T12:00:10Z', { v: 1 });
    agg.closeDue(T('2026-06-21T12:01:05Z'));
    assert.equal(agg.keyCount, 1, 'its energy interval may still continue');
    agg.closeDue(T('2026-06-21T12:07:00Z'));
    assert.equal(agg.keyCount, 0);
  });
});

describe('rollup aggregator: snapshot and restore', () => {
  const WINDOWS = '1m,1h,day,month,lifetime';
  const feed = (agg: Aggregator, from: number, to: number) => {
    for (let t = from; t < to; t += 7 * SECOND) {
      add(agg, 'a', t, { v: (t / SECOND) % 13, pv_power: 100 + ((t / SECOND) % 5) });
      add(agg, 'b', t + 3 * SECOND, { v: 2 });
    }
  };

  it('carries on after a restore as if nothing had happened', () => {
    const start = T('2026-06-21T11:58:00Z');
    const middle = start + 5 * MINUTE;
    const end = start + 70 * MINUTE;
    const straight = aggregator(WINDOWS, { zone: 'Europe/Berlin' });
    const restarted = aggregator(WINDOWS, { zone: 'Europe/Berlin' });
    feed(straight, start, middle);
    feed(restarted, start, middle);
    const again = aggregator(WINDOWS, { zone: 'Europe/Berlin' });
    assert.deepEqual(again.restore(JSON.parse(JSON.stringify(restarted.snapshot()))), { keys: 2, windows: 9, dropped: 0 });
    feed(straight, middle, end);
    feed(again, middle, end);
    const a = straight.closeDue(end + MINUTE).map(payload);
    const b = again.closeDue(end + MINUTE).map(payload);
    assert.ok(a.length > 60);
    // The same records; figures merged from finer windows may differ in the last bit from those of a restored
    // window, which took the rest of its readings one by one.
    assertSamePayloads(b, a);
    assertSamePayloads(again.flush(end + MINUTE).map(payload), straight.flush(end + MINUTE).map(payload));
  });

  it('leaves out saved windows whose boundaries moved, and keeps lifetime', () => {
    const berlin = aggregator('1m,day,lifetime', { zone: 'Europe/Berlin' });
    add(berlin, 'a', '2026-06-21T12:00:10Z', { v: 4 });
    const utc = aggregator('10m,day,lifetime', { zone: 'UTC' });
    assert.deepEqual(utc.restore(JSON.parse(JSON.stringify(berlin.snapshot()))), { keys: 1, windows: 0, dropped: 2 });
    assert.deepEqual(names(utc.flush(T('2026-06-21T12:00:30Z'))), ['a lifetime 12:00:10']);
  });

  it('starts empty from nothing or garbage', () => {
    const agg = aggregator(WINDOWS);
    for (const junk of [undefined, null, 42, 'x', { version: 99 }, { version: 1, keys: [[1, 2], 'x'], windows: [{ window: '1m', start: 'no' }] }]) {
      agg.restore(junk);
      assert.equal(agg.keyCount, 0);
    }
  });
});

describe('rollup aggregator: against a naive computation', () => {
  it('gives count, mean, min, max, first and last of any readings in any order', () => {
    const hour = T('2026-06-21T12:00:00Z');
    fc.assert(
      fc.property(
        fc.array(fc.record({ offset: fc.integer({ min: 0, max: 3_599_999 }), value: fc.double({ min: -1000, max: 1000, noNaN: true }) }), {
          minLength: 1,
          maxLength: 100,
        }),
        (readings) => {
          const agg = aggregator('1h', { graceMs: 3_600_000 });
          for (const r of readings) add(agg, 'k', hour + r.offset, { x: r.value }, hour + 3_600_000);
          const p = payload(agg.closeDue(hour + 7_200_000)[0]);
          const values = readings.map((r) => r.value);
          const byTime = [...readings].sort((a, b) => a.offset - b.offset);
          const lastTime = byTime[byTime.length - 1].offset;
          assert.equal(p.x_count, values.length);
          assert.equal(p.x_avg, values.reduce((a, b) => a + b, 0) / values.length);
          assert.equal(p.x_min, Math.min(...values));
          assert.equal(p.x_max, Math.max(...values));
          assert.equal(p.x_first, readings.find((r) => r.offset === byTime[0].offset)!.value);
          assert.equal(p.x_last, readings.filter((r) => r.offset === lastTime).at(-1)!.value);
        },
      ),
    );
  });
});

describe('rollup record message', () => {
  it('names topic, device, measurement and window', () => {
    const agg = aggregator('1m,lifetime');
    agg.add('shed', sample(T('2026-06-21T12:00:10Z'), { pv_array_power: 50 }), T('2026-06-21T12:00:10Z'), 'epever_tracer');
    const [minute, lifetime] = agg.closeDue(T('2026-06-21T12:05:15Z'));
    const options = { topic: 'solar/{key}/{window}', measurement: '', isPowerField: isPowerFieldName };
    const msg = recordMessage(minute, options);
    assert.equal(msg.topic, 'solar/shed/1m');
    assert.equal(msg.device, 'shed');
    assert.equal(msg.measurement, 'epever_tracer_1m');
    assert.deepEqual(msg.window, { name: '1m', start: '2026-06-21T12:00:00.000Z', end: '2026-06-21T12:01:00.000Z' });
    assert.equal(msg.payload.pv_array_power_stddev, null, 'none with one sample');
    assert.equal(msg.payload.pv_array_energy_wh, 0, 'no interval yet');
    assert.equal(recordMessage(lifetime, { ...options, measurement: 'pv' }).measurement, 'pv_lifetime');
    const partial = recordMessage(agg.flush(T('2026-06-21T12:01:06Z'))[0], { ...options, topic: 'rollup/{key}' });
    assert.equal(partial.window.partial, true);
    assert.equal(partial.topic, 'rollup/shed');
  });
});

describe('rollup aggregator: energy of random readings with gaps', () => {
  const GRACE = 5 * SECOND;
  const MAX_GAP = 300 * SECOND;
  const WINDOWS = '1s,7s,1m,10m,day,lifetime';
  const FIELDS = { power: 'energy_wh', load_w: 'load_wh' } as const;
  type Field = keyof typeof FIELDS;
  interface Reading {
    time: number;
    arrival: number;
    fields: Partial<Record<Field, number>>;
  }

  /** Readings from 23:00 local before the day America/Santiago's midnight is skipped; gaps up to twice max gap. */
  const streams = fc
    .array(
      fc.record({
        gap: fc.oneof(fc.integer({ min: 1, max: 10 * SECOND }), fc.integer({ min: 10 * SECOND, max: 2 * MAX_GAP })),
        delay: fc.integer({ min: 0, max: GRACE - 1 }),
        power: fc.double({ min: 0, max: 5000, noNaN: true }),
        load: fc.option(fc.double({ min: 0, max: 500, noNaN: true }), { freq: 3 }),
      }),
      { minLength: 2, maxLength: 40 },
    )
    .map((steps) => {
      let time = T('2023-09-03T03:00:00Z');
      return steps.map(({ gap, delay, power, load }): Reading => {
        time += gap;
        return { time, arrival: time + delay, fields: load === null ? { power } : { power, load_w: load } };
      });
    });

  /** Feeds the readings as the node does: whatever falls due before a reading arrives is closed first. */
  function run(readings: Reading[]): WindowRecord[] {
    const agg = aggregator(WINDOWS, { zone: 'America/Santiago', graceMs: GRACE, maxGapMs: MAX_GAP });
    const records: WindowRecord[] = [];
    const closeUntil = (now: number) => {
      for (let due = agg.nextDue(); due !== undefined && due <= now; due = agg.nextDue()) records.push(...agg.closeDue(due));
    };
    for (const r of readings) {
      closeUntil(r.arrival);
      const outcome = agg.add('k', sample(r.time, r.fields as Record<string, number>), r.arrival);
      assert.deepEqual(outcome, { late: 0, outOfOrder: false }, 'readings within the grace are never late');
    }
    closeUntil(Infinity);
    return records;
  }

  /** Each interval of each field, as the trapezoidal rule sees it. */
  function intervals(readings: Reading[], field: Field): { a: number; b: number; wh: number; watts: number }[] {
    const points = readings.filter((r) => r.fields[field] !== undefined).map((r) => ({ time: r.time, watts: r.fields[field]! }));
    const out = [];
    for (let i = 1; i < points.length; i++) {
      const [a, b] = [points[i - 1], points[i]];
      if (b.time - a.time > MAX_GAP) continue;
      out.push({ a: a.time, b: b.time, wh: (((a.watts + b.watts) / 2) * (b.time - a.time)) / 3_600_000, watts: Math.max(a.watts, b.watts) });
    }
    return out;
  }

  it('never puts more into a window than the power allows, splits each interval in proportion to time, and adds up', () => {
    fc.assert(
      fc.property(streams, (readings) => {
        const records = run(readings);
        const seen = new Set<string>();
        for (const field of Object.keys(FIELDS) as Field[]) {
          const parts = intervals(readings, field);
          const total = parts.reduce((sum, p) => sum + p.wh, 0);
          const tolerance = 1e-9 * Math.max(1, total);
          const byKind = new Map<string, number>();
          for (const r of records) {
            const wh = (payload(r)[FIELDS[field]] as number | undefined) ?? 0;
            if (r.window === 'lifetime') continue;
            const at = `${r.window} ${new Date(r.start).toISOString()}`;
            seen.add(at);
            // Each interval gives each window its share of the time they overlap; nothing else reaches it.
            let expected = 0;
            let bound = 0;
            for (const p of parts) {
              const overlap = Math.min(r.end, p.b) - Math.max(r.start, p.a);
              if (overlap <= 0) continue;
              expected += (p.wh * overlap) / (p.b - p.a);
              bound = Math.max(bound, p.watts);
            }
            assert.ok(Math.abs(wh - expected) <= tolerance, `${field} ${at}: ${wh} Wh, its shares make ${expected}`);
            assert.ok(wh <= (bound * (r.end - r.start)) / 3_600_000 + tolerance, `${field} ${at}: ${wh} Wh is more than ${bound} W over the window`);
            byKind.set(r.window, (byKind.get(r.window) ?? 0) + wh);
          }
          for (const [kind, sum] of byKind)
            assert.ok(Math.abs(sum - total) <= tolerance, `${field}: the ${kind} windows add up to ${sum}, not ${total}`);
          if (total > 0) assert.equal(byKind.size, 5, `${field}: every window kind got energy`);
          const lifetime = records.filter((r) => r.window === 'lifetime').at(-1);
          assert.ok(lifetime !== undefined);
          assert.ok(Math.abs(((payload(lifetime)[FIELDS[field]] as number | undefined) ?? 0) - total) <= tolerance, `${field}: lifetime`);
        }
        assert.equal(seen.size, records.filter((r) => r.window !== 'lifetime').length, 'each window is sent once');
      }),
      { numRuns: 150 },
    );
  });
});
