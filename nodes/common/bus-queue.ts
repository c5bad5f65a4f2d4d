// One transaction at a time on a shared bus, in arrival order, with a quiet gap between frames.
// A device that stops answering is backed off on its own, so it costs the others one timeout, not a stall.
import { Backoff, type BackoffOptions } from './backoff';

/**
 * The last stretch of a quiet gap passes by turns of the event loop instead of a timer (see quietGap): at
 * most this long of a busy wait per transaction, against a timer's millisecond of overshoot.
 */
const SPIN_MS = 1.5;

/** How a failed transaction failed, as the transport sees it. */
export type FailureKind =
  /** No answer within the timeout. */
  | 'no-answer'
  /** An answer that could not be trusted (CRC, framing). */
  | 'garbled'
  /** The device answered and refused (an exception reply): it is alive. */
  | 'refused'
  /** The port or socket itself is down: the connection owner reconnects. */
  | 'link';

export interface BusQueueOptions {
  /** Minimum quiet time between the end of one transaction and the start of the next. */
  gapMs: number;
  /** Extra attempts after a no-answer or garbled reply, while the device is in good standing. */
  retries: number;
  /** Backoff of a device that stopped answering. */
  deviceBackoff: BackoffOptions;
  classify: (err: unknown) => FailureKind;
  /** Milliseconds on a monotonic clock, fractions included. Default `performance.now()`. */
  now?: () => number;
}

export class DeviceBackedOffError extends Error {
  constructor(
    readonly device: string | number,
    readonly retryInMs: number,
  ) {
    super(`device ${device} is not answering; next try in ${Math.ceil(retryInMs / 1000)} s`);
    this.name = 'DeviceBackedOffError';
  }
}

export class QueueClosedError extends Error {
  constructor() {
    super('bus closed');
    this.name = 'QueueClosedError';
  }
}

interface Job {
  device: string | number;
  transaction: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface DeviceStanding {
  backoff: Backoff;
  retryAt: number;
}

export class BusQueue {
  private readonly jobs: Job[] = [];
  private readonly standing = new Map<string | number, DeviceStanding>();
  private running = false;
  private closed = false;
  private lastEnd = -Infinity;
  private readonly now: () => number;

  constructor(private readonly options: BusQueueOptions) {
    // Not Date.now(): whole milliseconds, and it jumps with the wall clock. A 1.75 ms gap measured with it came
    // out as short as 0.08 ms on a 115200 baud line.
    this.now = options.now ?? (() => performance.now());
  }

  /** Runs `transaction` when the bus is free; rejects at once if `device` is backed off. */
  run<T>(device: string | number, transaction: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new QueueClosedError());
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ device, transaction, resolve: resolve as (v: unknown) => void, reject });
      void this.drain();
    });
  }

  get pending(): number {
    return this.jobs.length;
  }

  /** Whether a device is currently backed off, and for how long. */
  backedOffFor(device: string | number): number {
    const s = this.standing.get(device);
    return s ? Math.max(0, s.retryAt - this.now()) : 0;
  }

  /** Rejects everything still waiting; used when the bus is shut down for good. */
  close(): void {
    this.closed = true;
    for (const job of this.jobs.splice(0)) job.reject(new QueueClosedError());
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
        const wait = this.backedOffFor(job.device);
        if (wait > 0) {
          job.reject(new DeviceBackedOffError(job.device, wait));
          continue;
        }
        await this.quietGap();
        try {
          job.resolve(await this.attempt(job));
        } catch (err) {
          job.reject(err);
        } finally {
          this.lastEnd = this.now();
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async attempt(job: Job): Promise<unknown> {
    const inGoodStanding = !this.standing.has(job.device);
    const attempts = 1 + (inGoodStanding ? this.options.retries : 0);
    for (let i = 1; ; i++) {
      try {
        const result = await job.transaction();
        this.standing.delete(job.device);
        return result;
      } catch (err) {
        const kind = this.options.classify(err);
        const deviceSilent = kind === 'no-answer' || kind === 'garbled';
        if (deviceSilent && i < attempts) {
          this.lastEnd = this.now();
          await this.quietGap();
          continue;
        }
        if (deviceSilent) this.backOff(job.device);
        if (kind === 'refused') this.standing.delete(job.device);
        throw err;
      }
    }
  }

  private backOff(device: string | number): void {
    const s = this.standing.get(device) ?? { backoff: new Backoff(this.options.deviceBackoff), retryAt: 0 };
    s.retryAt = this.now() + s.backoff.fail();
    this.standing.set(device, s);
  }

  /**
   * Waits until `gapMs` have passed since the last transaction ended, and not much longer: the gap comes
   * before every request, so on a fast line (1.75 ms at 115200 baud) its overshoot is a good part of a read.
   * Node's timers count whole milliseconds from the event loop's cached time and may fire a millisecond
   * early or late against this clock: a timer takes the wait to within SPIN_MS of its end, and the rest
   * passes turn by turn of the event loop, the clock read again each time.
   */
  private async quietGap(): Promise<void> {
    for (let wait = this.lastEnd + this.options.gapMs - this.now(); wait > 0; wait = this.lastEnd + this.options.gapMs - this.now()) {
      if (wait > SPIN_MS) await new Promise((r) => setTimeout(r, wait - SPIN_MS));
      else await new Promise((r) => setImmediate(r));
    }
  }
}
