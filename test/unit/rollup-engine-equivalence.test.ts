// The rollup engine merges coarser windows from finer ones; the engine before that (test/support/rollup-reference)
// updated every window with every reading. For random streams both must give the same records.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Aggregator, type AggregatorOptions, type WindowRecord } from '../../nodes/rollup/aggregator';
import { isPowerFieldName } from '../../nodes/rollup/energy';
import { recordPayload } from '../../nodes/rollup/record-message';
import { parseWindows } from '../../nodes/rollup/window-spec';
import { Aggregator as ReferenceAggregator, type WindowRecord as ReferenceRecord } from '../support/rollup-reference/aggregator';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Zones with DST, and with 30- and 45-minute offsets (Lord Howe's DST is half an hour). */
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns'];
/** Starts a few hours before a DST change, a month's end or a year's end, in UTC. */
const STARTS = [
  '2026-03-28T20:00:00Z', // Berlin springs forward 2026-03-29 01:00 UTC
  '2026-10-24T20:00:00Z', // Berlin falls back 2026-10-25 01:00 UTC
  '2026-03-08T02:00:00Z', // New York springs forward 07:00 UTC
  '2026-11-01T02:00:00Z', // New York falls back 06:00 UTC
  '2026-04-04T10:00:00Z', // Lord Howe falls back half an hour 2026-04-04 15:00 UTC
  '2026-06-30T15:00:00Z',
  '2026-12-31T12:00:00Z',
].map(Date.parse);
const WINDOWS = ['1m', '5m', '10m', '15m', '30m', '45m', '1h', '3h', '6h', 'day', 'month', 'year', 'lifetime'];
const KEYS = ['a', 'b', 'c'];
const FIELDS = ['v', 'pv_power', 'load_w', 't'];

type Step =
  | { kind: 'reading'; key: number; advance: number; lateness: number; fields: [number, number][] }
  | { kind: 'close'; advance: number }
  | { kind: 'flush'; key: number | undefined }
  | { kind: 'reset'; key: number | undefined }
  | { kind: 'restart' };

const advance = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 30 * SECOND }) },
  { weight: 2, arbitrary: fc.integer({ min: 30 * SECOND, max: 10 * MINUTE }) },
  { weight: 1, arbitrary: fc.integer({ min: 10 * MINUTE, max: 6 * HOUR }) },
);
const value = fc.oneof(fc.integer({ min: -50, max: 500 }), fc.double({ min: -1000, max: 1000, noNaN: true }));
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('reading' as const),
      key: fc.integer({ min: 0, max: KEYS.length - 1 }),
      advance,
      // Mostly on time, some after the grace of the finer windows, a few a little ahead of the clock.
      lateness: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: -60 * SECOND, max: 5 * MINUTE }) }),
      fields: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: FIELDS.length - 1 }), value), {
        minLength: 1,
        maxLength: FIELDS.length,
        selector: ([f]) => f,
      }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('close' as const), advance }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('flush' as const), key: fc.option(fc.integer({ min: 0, max: KEYS.length - 1 }), { nil: undefined }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reset' as const), key: fc.option(fc.integer({ min: 0, max: KEYS.length - 1 }), { nil: undefined }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

const scenario = fc.record({
  zone: fc.constantFrom(...ZONES),
  start: fc.constantFrom(...STARTS),
  windows: fc.subarray(WINDOWS, { minLength: 1 }),
  graceMs: fc.constantFrom(0, 2 * SECOND, 30 * SECOND),
  maxGapMs: fc.constantFrom(60 * SECOND, 300 * SECOND),
  steps: fc.array(step, { minLength: 1, maxLength: 150 }),
  // Most devices send every field every time (a dense layout); some leave fields out (sparse).
  everyField: fc.boolean(),
});

function close(a: unknown, b: unknown): boolean {
  if (typeof a !== 'number' || typeof b !== 'number') return a === b;
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function assertSameRecords(ours: WindowRecord[], reference: ReferenceRecord[], what: string): void {
  const describe = (r: WindowRecord | ReferenceRecord) =>
    `${r.key} ${r.window} ${r.start}-${r.end}${r.partial ? ' partial' : ''} late ${r.lateSamples} ${r.kind}`;
  assert.deepEqual(ours.map(describe), reference.map(describe), `${what}: the same records in the same order`);
  ours.forEach((record, i) => {
    const a = recordPayload(record, isPowerFieldName);
    const b = recordPayload(reference[i] as unknown as WindowRecord, isPowerFieldName);
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${what}: fields of ${describe(record)}`);
    for (const name of Object.keys(b))
      assert.ok(close(a[name], b[name]), `${what}: ${describe(record)} ${name} ${String(a[name])} vs ${String(b[name])}`);
  });
}

describe('rollup engine: merged windows against the engine that updated every window', () => {
  it('gives the same records for random streams of several devices, with gaps, late readings, DST days and 30- and 45-minute zones', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(scenario, ({ zone, start, windows, graceMs, maxGapMs, steps, everyField }) => {
        const options: AggregatorOptions = {
          windows: parseWindows(windows.join(',')),
          zone,
          graceMs,
          maxGapMs,
          isPowerField: isPowerFieldName,
          maxAheadMs: 5 * MINUTE,
        };
        let ours = new Aggregator(options);
        let reference = new ReferenceAggregator(options);
        let now = start;
        steps.forEach((s, n) => {
          const what = `step ${n} (${s.kind})`;
          if (s.kind === 'reading') {
            now += s.advance;
            const fields = new Map(s.fields.map(([f, v]) => [FIELDS[f], v]));
            if (everyField) FIELDS.forEach((name, f) => fields.set(name, fields.get(name) ?? f * 10 + s.advance / SECOND));
            const sample = { time: now - s.lateness, fields };
            const key = KEYS[s.key];
            let expected: unknown;
            let got: unknown;
            try {
              expected = reference.add(key, sample, now, 'kind');
            } catch (err) {
              expected = (err as Error).message;
            }
            try {
              got = ours.add(key, sample, now, 'kind');
            } catch (err) {
              got = (err as Error).message;
            }
            assert.deepEqual(got, expected, what);
          } else if (s.kind === 'close') {
            now += s.advance;
            assertSameRecords(ours.closeDue(now), reference.closeDue(now), what);
          } else if (s.kind === 'flush') {
            const key = s.key === undefined ? undefined : KEYS[s.key];
            assertSameRecords(ours.flush(now, key), reference.flush(now, key), what);
          } else if (s.kind === 'reset') {
            const key = s.key === undefined ? undefined : KEYS[s.key];
            ours.reset(key);
            reference.reset(key);
          } else {
            const saved = JSON.parse(JSON.stringify(ours.snapshot())) as unknown;
            const savedReference = JSON.parse(JSON.stringify(reference.snapshot())) as unknown;
            ours = new Aggregator(options);
            reference = new ReferenceAggregator(options);
            // Each restores its own store; ours also restores the reference's (the store an older version wrote).
            assert.deepEqual(ours.restore(saved), reference.restore(savedReference), what);
            const fromOld = new Aggregator(options);
            fromOld.restore(savedReference);
            assertSameRecords(fromOld.flush(now), reference.flush(now), `${what}, from the older store`);
            // The store keeps its form: the engine before the rewrite reads ours too.
            const olderFromOurs = new ReferenceAggregator(options);
            olderFromOurs.restore(saved);
            assertSameRecords(ours.flush(now), olderFromOurs.flush(now), `${what}, ours read by the older engine`);
          }
          assert.equal(ours.keyCount, reference.keyCount, `${what}: keys`);
          assert.equal(ours.nextDue(), reference.nextDue(), `${what}: next due`);
        });
        now += 400 * 24 * HOUR;
        assertSameRecords(ours.flush(now), reference.flush(now), 'the last flush');
        assertSameRecords(ours.closeDue(now), reference.closeDue(now), 'the last close');
        assert.deepEqual(ours.counters, reference.counters);
      }),
      { numRuns: 300 },
    );
  });
});
