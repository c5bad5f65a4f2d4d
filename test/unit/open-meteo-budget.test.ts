import assert from 'node:assert/strict';
import { CallBudget, RateLimitGate, retryAfter429 } from '../../nodes/open-meteo/call-budget';

const T = (iso: string) => Date.parse(iso);

describe('open-meteo call budget', () => {
  it('adds weights in the UTC minute, hour and day, each starting again on the clock', () => {
    const budget = new CallBudget();
    budget.record(1, T('2026-06-21T23:59:10Z'));
    budget.record(1.5, T('2026-06-21T23:59:50Z'));
    assert.deepEqual(budget.usage(T('2026-06-21T23:59:59Z')), { minute: 2.5, hour: 2.5, day: 2.5 });
    budget.record(3, T('2026-06-22T00:00:05Z'));
    assert.deepEqual(budget.usage(T('2026-06-22T00:00:30Z')), { minute: 3, hour: 3, day: 3 });
    assert.deepEqual(budget.usage(T('2026-06-22T00:01:00Z')), { minute: 0, hour: 3, day: 3 });
    assert.deepEqual(budget.usage(T('2026-06-22T01:00:00Z')), { minute: 0, hour: 0, day: 3 });
  });

  it('warns from 80 % of a free limit (600/min, 5,000/h, 10,000/day), naming the fullest window', () => {
    const budget = new CallBudget();
    const t = T('2026-06-21T10:00:00Z');
    budget.record(479, t);
    assert.equal(budget.warning(t), undefined);
    budget.record(1, t);
    assert.deepEqual(budget.warning(t), { window: 'minute', used: 480, limit: 600 });
    // A minute later the minute is empty and 480 is far from 5,000 per hour.
    assert.equal(budget.warning(t + 60_000), undefined);
    const day = new CallBudget();
    for (let h = 0; h < 9; h++) day.record(900, T(`2026-06-21T${String(h).padStart(2, '0')}:00:00Z`));
    assert.deepEqual(day.warning(T('2026-06-21T09:30:00Z')), { window: 'day', used: 8100, limit: 10000 });
  });

  it('waits after a 429 as its reason says (RateLimiter.swift RateLimitError.reason)', () => {
    const now = T('2026-06-21T21:30:00Z');
    // The server clears a day's count in the first minute after 00:00 UTC, an hour's in its first minute.
    assert.equal(retryAfter429('Daily API request limit exceeded. Please try again tomorrow.', now), T('2026-06-22T00:01:00Z'));
    assert.equal(retryAfter429('Hourly API request limit exceeded. Please try again in the next hour.', now), T('2026-06-21T22:01:00Z'));
    assert.equal(retryAfter429('Minutely API request limit exceeded. Please try again in one minute.', now), now + 60_000);
    assert.equal(retryAfter429('Too many concurrent requests', now), now + 10_000);
    assert.equal(retryAfter429('something new', now), now + 60_000);
  });

  it('holds a server back until its wait is over, and no other server', () => {
    const gate = new RateLimitGate();
    gate.block('https://api.open-meteo.com', 2000, 'Minutely API request limit exceeded.');
    assert.deepEqual(gate.blocked('https://api.open-meteo.com', 1999), { until: 2000, reason: 'Minutely API request limit exceeded.' });
    assert.equal(gate.blocked('http://127.0.0.1:8080', 1999), undefined);
    assert.equal(gate.blocked('https://api.open-meteo.com', 2000), undefined);
  });
});
