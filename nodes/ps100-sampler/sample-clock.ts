// The sampling clock: slot k is due at a fixed point of a monotonic clock (start + k × period), so timer
// lateness never accumulates. A late wake-up runs only the newest due slot and counts the ones it passed
// (overruns): no burst of catch-up reads. Slots sit in the middle of wall-clock periods ((k + ½) × period
// since 1970), so a 1 s record holds exactly rate × 1 slots.
import { performance } from 'node:perf_hooks';

export interface ClockSource {
  /** Monotonic ms (performance.now). */
  monotonic(): number;
  /** Wall-clock ms since 1970 (Date.now). */
  wall(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: ClockSource = {
  monotonic: () => performance.now(),
  wall: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface Tick {
  /** The slot's number: its wall time is (slot + ½) × period. */
  readonly slot: number;
  /** The moment the slot stands for, ms since 1970: the timestamp of what it reads. */
  readonly time: number;
  /** How long after its due time the slot ran, ms. */
  readonly latenessMs: number;
}

export interface ClockCounters {
  ticks: number;
  /** Slots passed without running because the wake-up came after the next one was due. */
  overruns: number;
  /** The wall clock moved against the monotonic one by more than a second (set by hand, NTP step). */
  clockSteps: number;
}

/** A wall clock this far off the monotonic mapping has been stepped; the schedule is anchored again. */
const STEP_TOLERANCE_MS = 1000;

export class SampleClock {
  readonly counters: ClockCounters = { ticks: 0, overruns: 0, clockSteps: 0 };
  private wallAtAnchor = 0;
  private monoAtAnchor = 0;
  private lastSlot = -Infinity;
  private timer: unknown;
  private running = false;

  constructor(
    readonly periodMs: number,
    private readonly onTick: (tick: Tick) => void,
    private readonly source: ClockSource = systemClock,
  ) {
    if (!(periodMs > 0)) throw new RangeError(`sample period must be above 0 ms, got ${periodMs}`);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.anchor();
    this.lastSlot = this.slotAt(this.source.monotonic());
    this.arm();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.source.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** The wall time the schedule stands at now (the monotonic clock mapped onto its anchor). */
  now(): number {
    return this.wallAtAnchor + this.source.monotonic() - this.monoAtAnchor;
  }

  /** Monotonic due time of a slot. */
  dueAt(slot: number): number {
    return this.monoAtAnchor + (slot + 0.5) * this.periodMs - this.wallAtAnchor;
  }

  private anchor(): void {
    this.wallAtAnchor = this.source.wall();
    this.monoAtAnchor = this.source.monotonic();
  }

  /** The newest slot due at a monotonic time. */
  private slotAt(mono: number): number {
    return Math.floor((mono - this.monoAtAnchor + this.wallAtAnchor) / this.periodMs - 0.5);
  }

  private arm(): void {
    if (!this.running) return;
    const delay = Math.max(0, this.dueAt(this.lastSlot + 1) - this.source.monotonic());
    this.timer = this.source.setTimer(() => this.fire(), delay);
  }

  private fire(): void {
    this.timer = undefined;
    if (!this.running) return;
    let now = this.source.monotonic();
    const wallDrift = this.source.wall() - (this.wallAtAnchor + now - this.monoAtAnchor);
    if (Math.abs(wallDrift) > STEP_TOLERANCE_MS) {
      this.counters.clockSteps++;
      this.anchor();
      now = this.monoAtAnchor;
      this.lastSlot = this.slotAt(now);
      this.arm();
      return;
    }
    const slot = this.slotAt(now);
    // Timers may wake a fraction of a millisecond early: wait for the rest.
    if (slot <= this.lastSlot) {
      this.arm();
      return;
    }
    this.counters.overruns += slot - this.lastSlot - 1;
    this.lastSlot = slot;
    this.counters.ticks++;
    try {
      this.onTick({ slot, time: (slot + 0.5) * this.periodMs, latenessMs: now - this.dueAt(slot) });
    } finally {
      this.arm();
    }
  }
}
