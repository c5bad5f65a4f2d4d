import assert from 'node:assert/strict';
import { BusQueue, DeviceBackedOffError, QueueClosedError, type FailureKind } from '../../nodes/common/bus-queue';

class Silent extends Error {
  kind: FailureKind = 'no-answer';
}
class Refused extends Error {
  kind: FailureKind = 'refused';
}

function queue(overrides: Partial<ConstructorParameters<typeof BusQueue>[0]> = {}) {
  return new BusQueue({
    gapMs: 0,
    retries: 1,
    deviceBackoff: { initialMs: 5000, maxMs: 60000 },
    classify: (err) => (err as { kind?: FailureKind }).kind ?? 'link',
    ...overrides,
  });
}

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

describe('BusQueue', () => {
  it('never runs two transactions at once and keeps arrival order', async () => {
    const q = queue();
    let inFlight = 0;
    let maxInFlight = 0;
    const order: number[] = [];
    const job = (n: number) => async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick(2);
      order.push(n);
      inFlight--;
      return n;
    };
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => q.run(n % 2, job(n))));
    assert.deepEqual(results, [1, 2, 3, 4, 5]);
    assert.deepEqual(order, [1, 2, 3, 4, 5]);
    assert.equal(maxInFlight, 1);
  });

  it('leaves the configured quiet gap between transactions', async () => {
    const q = queue({ gapMs: 30 });
    const starts: number[] = [];
    await Promise.all([1, 2, 3].map(() => q.run(1, async () => void starts.push(Date.now()))));
    assert.ok(starts[1] - starts[0] >= 29, `gap ${starts[1] - starts[0]} ms`);
    assert.ok(starts[2] - starts[1] >= 29, `gap ${starts[2] - starts[1]} ms`);
  });

  it('keeps a fractional gap on a monotonic clock, whatever the wall clock does', async () => {
    const q = queue({ gapMs: 1.75 });
    const wallClock = Date.now;
    const spans: { start: number; end: number }[] = [];
    const job = async () => {
      const start = performance.now();
      // The wall clock is set back an hour mid-run (NTP, a user): a gap timed by it would stall the bus.
      if (spans.length === 1) Date.now = () => wallClock() - 3_600_000;
      await tick(1);
      spans.push({ start, end: performance.now() });
    };
    try {
      await Promise.all(Array.from({ length: 6 }, () => q.run(1, job)));
    } finally {
      Date.now = wallClock;
    }
    for (let i = 1; i < spans.length; i++) {
      const gap = spans[i].start - spans[i - 1].end;
      assert.ok(gap >= 1.75, `gap ${gap.toFixed(3)} ms before transaction ${i + 1}`);
    }
  });

  it('retries a silent device once, then backs it off without touching the bus', async () => {
    let now = 1_000_000;
    const q = queue({ now: () => now });
    let calls = 0;
    const dead = () =>
      q.run(7, async () => {
        calls++;
        throw new Silent('Timed out');
      });
    await assert.rejects(dead(), Silent);
    assert.equal(calls, 2, 'one attempt plus one retry');
    await assert.rejects(dead(), DeviceBackedOffError);
    assert.equal(calls, 2, 'backed off: no transaction on the bus');
    assert.equal(q.backedOffFor(7), 5000);
    now += 5001;
    await assert.rejects(dead(), Silent);
    assert.equal(calls, 3, 'after the backoff one probe, no retry');
    assert.equal(q.backedOffFor(7), 10000, 'backoff doubled');
  });

  it('keeps other devices running while one is backed off', async () => {
    const q = queue();
    const results = await Promise.allSettled([
      q.run(1, async () => {
        throw new Silent('Timed out');
      }),
      q.run(2, async () => 'alive'),
      q.run(1, async () => 'never runs'),
      q.run(2, async () => 'still alive'),
    ]);
    assert.equal(results[0].status, 'rejected');
    assert.deepEqual(results[1], { status: 'fulfilled', value: 'alive' });
    assert.ok(results[2].status === 'rejected' && results[2].reason instanceof DeviceBackedOffError);
    assert.deepEqual(results[3], { status: 'fulfilled', value: 'still alive' });
  });

  it('does not retry or back off a device that refuses', async () => {
    const q = queue();
    let calls = 0;
    await assert.rejects(
      q.run(3, async () => {
        calls++;
        throw new Refused('Modbus exception 2');
      }),
      Refused,
    );
    assert.equal(calls, 1);
    assert.equal(q.backedOffFor(3), 0);
    assert.equal(await q.run(3, async () => 'ok'), 'ok');
  });

  it('a device that answers again is back in good standing', async () => {
    let now = 0;
    const q = queue({ now: () => now, retries: 0 });
    await assert.rejects(
      q.run(4, async () => {
        throw new Silent('Timed out');
      }),
    );
    now += 5001;
    assert.equal(await q.run(4, async () => 'back'), 'back');
    assert.equal(q.backedOffFor(4), 0);
  });

  it('close rejects what is waiting and refuses new work', async () => {
    const q = queue();
    const first = q.run(1, () => tick(20).then(() => 'first'));
    const waiting = assert.rejects(
      q.run(1, async () => 'waiting'),
      QueueClosedError,
    );
    q.close();
    assert.equal(await first, 'first');
    await waiting;
    await assert.rejects(
      q.run(1, async () => 'late'),
      QueueClosedError,
    );
  });
});
