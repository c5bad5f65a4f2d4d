import assert from 'node:assert/strict';
import { DeviceBackedOffError } from '../../nodes/common/bus-queue';
import { PollSchedule } from '../../nodes/common/poll-schedule';
import { waitFor } from '../support/node-red';

describe('PollSchedule', () => {
  let schedule: PollSchedule<number> | undefined;
  afterEach(() => schedule?.stop());

  it('never runs two polls at once when a poll outlasts the interval', async () => {
    let running = 0;
    let most = 0;
    let done = 0;
    schedule = new PollSchedule(10, {
      poll: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 35));
        running--;
        return ++done;
      },
      onReading: () => undefined,
      onFailure: () => undefined,
      report: () => undefined,
    });
    await waitFor(() => done >= 3, 3000, 'three polls');
    assert.equal(most, 1);
  });

  it('reports a failure once per kind, and again after a success', async () => {
    const outcomes: (number | Error)[] = [
      new Error('no answer'),
      new Error('no answer'),
      new DeviceBackedOffError(2, 5000),
      new DeviceBackedOffError(2, 4000),
      1,
      new Error('no answer'),
    ];
    const failures: unknown[] = [];
    const reported: string[] = [];
    const readings: number[] = [];
    schedule = new PollSchedule(5, {
      poll: async () => {
        const next = outcomes.shift();
        if (next === undefined) return 0;
        if (next instanceof Error) throw next;
        return next;
      },
      onReading: (r) => r > 0 && readings.push(r),
      onFailure: (err) => failures.push(err),
      report: (err) => reported.push((err as Error).message.slice(0, 9)),
    });
    await waitFor(() => outcomes.length === 0, 3000, 'all outcomes');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(failures.length, 5, 'every failure reaches the status');
    assert.deepEqual(reported, ['no answer', 'device 2 ', 'no answer']);
    assert.deepEqual(readings, [1]);
  });

  it('does not poll by itself with interval 0', async () => {
    let polls = 0;
    schedule = new PollSchedule(0, { poll: async () => ++polls, onReading: () => undefined, onFailure: () => undefined, report: () => undefined });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(polls, 0);
  });
});
