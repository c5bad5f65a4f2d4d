// A device node's own polling: on an interval, the first soon after start, never two polls at once (a slow
// device skips a tick instead of piling polls up), and a failure reported once per kind until a poll succeeds.
import { DeviceBackedOffError } from './bus-queue';
import { messageOf } from './errors';

export interface PollHandlers<R> {
  poll(): Promise<R>;
  onReading(reading: R): void;
  /** Every failure, for the status. */
  onFailure(err: unknown): void;
  /** A failure unlike the one before, for a Catch node. */
  report(err: unknown): void;
}

const FIRST_POLL_DELAY_MS = 200;

export class PollSchedule<R> {
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly first: NodeJS.Timeout | undefined;
  private polling = false;
  private lastReported = '';

  /** `intervalMs` 0 polls only when asked. */
  constructor(
    intervalMs: number,
    private readonly handlers: PollHandlers<R>,
  ) {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.first = setTimeout(() => void this.tick(), FIRST_POLL_DELAY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.first);
  }

  private async tick(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const reading = await this.handlers.poll();
      this.lastReported = '';
      this.handlers.onReading(reading);
    } catch (err) {
      this.handlers.onFailure(err);
      const kind = err instanceof DeviceBackedOffError ? 'backed off' : messageOf(err);
      if (kind !== this.lastReported) {
        this.lastReported = kind;
        this.handlers.report(err);
      }
    } finally {
      this.polling = false;
    }
  }
}
