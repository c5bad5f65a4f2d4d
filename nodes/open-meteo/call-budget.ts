// Weighted calls made to the free API by every open-meteo node in this Node-RED runtime, in the windows the server
// counts, and the waits a 429 asks for. Source: open-meteo/open-meteo Sources/App/Helper/Vapor/RateLimiter.swift:
// limits 600 per minute, 5,000 per hour and 10,000 per day per IP address (also the terms of use,
// open-meteo-website src/routes/en/terms/+page.svelte); the counts are cleared on the UTC clock by a sweep that
// runs every minute: the minute's each time, the hour's within the first minute of an hour, the day's within the
// first minute after 00:00 UTC. The limits are per IP, so other programs behind the same address count too.

export type Window = 'minute' | 'hour' | 'day';
export const WINDOWS: readonly Window[] = ['minute', 'hour', 'day'];
const WINDOW_MS: Readonly<Record<Window, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export const FREE_LIMITS: Readonly<Record<Window, number>> = { minute: 600, hour: 5000, day: 10000 };
/** Share of a limit from which the status and the log warn. */
export const WARN_RATIO = 0.8;

export type Usage = Record<Window, number>;

export interface BudgetWarning {
  window: Window;
  used: number;
  limit: number;
}

export class CallBudget {
  private readonly counts = new Map<Window, { slot: number; used: number }>();

  constructor(private readonly limits: Readonly<Record<Window, number>> = FREE_LIMITS) {}

  /** Books one call of the given weight at `now` (ms). */
  record(weight: number, now: number): void {
    for (const window of WINDOWS) {
      const slot = Math.floor(now / WINDOW_MS[window]);
      const count = this.counts.get(window);
      this.counts.set(window, { slot, used: (count?.slot === slot ? count.used : 0) + weight });
    }
  }

  usage(now: number): Usage {
    const used = (window: Window) => {
      const count = this.counts.get(window);
      return count && count.slot === Math.floor(now / WINDOW_MS[window]) ? count.used : 0;
    };
    return { minute: used('minute'), hour: used('hour'), day: used('day') };
  }

  /** The fullest window at or above WARN_RATIO of its limit, if any. */
  warning(now: number): BudgetWarning | undefined {
    const usage = this.usage(now);
    let worst: BudgetWarning | undefined;
    for (const window of WINDOWS) {
      const used = usage[window];
      const limit = this.limits[window];
      if (used / limit < WARN_RATIO) continue;
      if (!worst || used / limit > worst.used / worst.limit) worst = { window, used, limit };
    }
    return worst;
  }

  reset(): void {
    this.counts.clear();
  }
}

/** One budget for the whole runtime: every open-meteo node imports this module once and shares it. */
export const freeApiBudget = new CallBudget();

/** Margin after a counter's reset for the server's minute sweep to have run. */
const SWEEP_MS = 60_000;
/** "Too many concurrent requests" (a queue of 6 per IP, issue open-meteo/open-meteo#1493): a short pause. */
const CONCURRENCY_WAIT_MS = 10_000;

/**
 * When to ask again after a 429, from its reason (RateLimiter.swift `RateLimitError.reason`): "Daily API request
 * limit exceeded. Please try again tomorrow." -> after 00:00 UTC; "Hourly ... in the next hour." -> after the next
 * full UTC hour; "Minutely ... in one minute." -> a minute; anything else -> a minute.
 */
export function retryAfter429(reason: string, now: number): number {
  const text = reason.toLowerCase();
  const next = (window: Window) => (Math.floor(now / WINDOW_MS[window]) + 1) * WINDOW_MS[window] + SWEEP_MS;
  if (text.includes('daily') || text.includes('tomorrow')) return next('day');
  if (text.includes('hourly') || text.includes('next hour')) return next('hour');
  if (text.includes('concurrent')) return now + CONCURRENCY_WAIT_MS;
  return now + SWEEP_MS;
}

/** Per server (origin): no request before this time, after a 429. Shared by all nodes like the budget. */
export class RateLimitGate {
  private readonly until = new Map<string, { until: number; reason: string }>();

  block(origin: string, until: number, reason: string): void {
    this.until.set(origin, { until, reason });
  }

  /** The wait still in force for the origin, if any. */
  blocked(origin: string, now: number): { until: number; reason: string } | undefined {
    const wait = this.until.get(origin);
    if (wait && wait.until > now) return wait;
    if (wait) this.until.delete(origin);
    return undefined;
  }

  clear(): void {
    this.until.clear();
  }
}

export const rateLimitGate = new RateLimitGate();
