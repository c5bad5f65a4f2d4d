// A monotonic and a wall clock that move only when a test says, with timers that fire in time order; what the
// fired timers start (promises of the simulated bus) settles before the next one fires.
import type { ClockSource } from '../../nodes/ps100-sampler/sample-clock';

interface Timer {
  at: number;
  fn: () => void;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FakeClock implements ClockSource {
  mono = 5000;
  /** Wall minus monotonic. */
  offset: number;
  private timers: Timer[] = [];

  constructor(wallAtStart = Date.UTC(2026, 5, 21, 10, 0, 0, 0)) {
    this.offset = wallAtStart - this.mono;
  }

  monotonic = (): number => this.mono;
  wall = (): number => this.mono + this.offset;

  setTimer = (fn: () => void, ms: number): unknown => {
    const timer = { at: this.mono + ms, fn };
    this.timers.push(timer);
    return timer;
  };

  clearTimer = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t !== handle);
  };

  /** Runs every timer due within `ms`, each at its own time, then stands at the end. */
  async advance(ms: number): Promise<void> {
    const end = this.mono + ms;
    for (;;) {
      const next = this.timers.reduce<Timer | undefined>((a, t) => (a === undefined || t.at < a.at ? t : a), undefined);
      if (next === undefined || next.at > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.mono = Math.max(this.mono, next.at);
      next.fn();
      await settle();
    }
    this.mono = end;
    await settle();
  }

  /** Time passes with the event loop blocked: no timer runs until the next advance. */
  stall(ms: number): void {
    this.mono += ms;
  }

  get pending(): number {
    return this.timers.length;
  }
}
