import assert from 'node:assert/strict';
import { ReadingError, readingTime, readingTimeIso } from '../../nodes/common/reading-time';
import { readSample } from '../../nodes/rollup/reading-fields';
import { flattenReading } from '../../nodes/timescale-out/row-flatten';

const NOW = Date.parse('2026-06-21T12:00:00Z');

describe('reading time: one rule for every node', () => {
  it('reads zoned ISO strings, offsets, Dates and epoch milliseconds as the same instant', () => {
    assert.equal(readingTimeIso('2026-06-21T14:00:00+02:00', NOW), '2026-06-21T12:00:00.000Z');
    assert.equal(readingTimeIso('2026-06-21T06:30:00-0530', NOW), '2026-06-21T12:00:00.000Z');
    assert.equal(readingTimeIso('2026-06-21 12:00:00.5Z', NOW), '2026-06-21T12:00:00.500Z');
    assert.equal(readingTimeIso('2026-06-21T12:00:00.123456z', NOW), '2026-06-21T12:00:00.123Z');
    assert.equal(readingTimeIso('2026-06-21T12:00Z', NOW), '2026-06-21T12:00:00.000Z');
    assert.equal(readingTime(new Date(NOW), 0), NOW);
    assert.equal(readingTime(NOW, 0), NOW);
  });

  it('takes a leap day that exists and refuses dates the calendar does not have, instead of rolling them on', () => {
    assert.equal(readingTimeIso('2028-02-29T00:00:00Z', NOW), '2028-02-29T00:00:00.000Z');
    for (const text of [
      '2026-02-30T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-06-00T00:00:00Z',
      '2026-06-21T24:00:00Z',
      '2026-06-21T12:60:00Z',
      '2026-06-21T12:00:60Z',
      '2026-06-21T12:00:00+02:60',
      '2026-06-21T12:00:00+19:00',
    ]) {
      assert.throws(
        () => readingTime(text, NOW),
        (err: Error) => err instanceof ReadingError && /does not exist|not a date and time that exists/.test(err.message),
        text,
      );
    }
  });

  it('refuses a local time without a zone rather than guessing the zone', () => {
    for (const text of ['2026-06-21T12:00:00', '2026-06-21', 'yesterday-ish', 'Sun Jun 21 2026 12:00:00']) {
      assert.throws(
        () => readingTime(text, NOW),
        (err: Error) => err instanceof ReadingError && /not ISO-8601 with a zone/.test(err.message),
        text,
      );
    }
  });

  it('refuses values that are no time at all', () => {
    for (const raw of [Number.NaN, Infinity, -1e17, 1e17, new Date(Number.NaN), true, {}, [1]]) {
      assert.throws(() => readingTime(raw, NOW), ReadingError, String(raw));
    }
  });

  it('a missing timestamp is the arrival time, for rollup and timescale-out alike', () => {
    for (const missing of [undefined, null, '']) {
      assert.equal(readingTime(missing, NOW), NOW);
      assert.equal(readSample({ p: 1, timestamp: missing }, NOW).time, NOW);
      const row = flattenReading({ device: 'd', measurement: 't', payload: { p: 1, timestamp: missing } }, { deviceColumn: 'device' }, NOW);
      assert.equal(row.time, new Date(NOW).toISOString());
    }
  });

  it('rollup and timescale-out accept and refuse the same timestamps', () => {
    const samples: unknown[] = ['2026-06-21T12:00:00Z', '2026-06-21T12:00:00', '2026-02-30T00:00:00Z', NOW, 'x', new Date(NOW), -5e15];
    for (const stamp of samples) {
      let rollup: number | string;
      let sink: number | string;
      try {
        rollup = readSample({ p: 1, timestamp: stamp }, NOW).time;
      } catch (err) {
        rollup = (err as Error).name;
      }
      try {
        sink = Date.parse(
          flattenReading({ device: 'd', measurement: 't', payload: { p: 1, timestamp: stamp } }, { deviceColumn: 'device' }, NOW).time,
        );
      } catch (err) {
        sink = (err as Error).name;
      }
      assert.equal(rollup, sink, String(stamp));
    }
  });
});
