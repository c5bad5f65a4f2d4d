// Capped exponential backoff: 1x, 2x, 4x ... the initial delay, never above the cap.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Records a failure and returns how long to wait before the next attempt. */
  fail(): number {
    this.failures += 1;
    return this.delay();
  }

  delay(): number {
    if (this.failures === 0) return 0;
    const { initialMs, maxMs } = this.options;
    return Math.min(maxMs, initialMs * 2 ** Math.min(this.failures - 1, 30));
  }

  reset(): void {
    this.failures = 0;
  }

  /** Failures since the last reset: how many retries have been made. */
  get attempts(): number {
    return this.failures;
  }
}
