// A link over USB HID, the way PI30 inverters with a USB socket take commands: the command goes out in 8-byte
// output reports (report id 0 first, the last one padded with zeros), the reply comes back in input reports
// read until a CR, within the port's deadline. Reads are short async reads so nothing ever blocks Node.
// The hidraw device is known to vanish (USB reset, cable) and come back: any I/O failure, or its path
// disappearing, ends the link as vanished, and the connection reopens it.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { preview } from '../common/byte-preview';
import { messageOf } from '../common/errors';
import { IncompleteReplyError, LinkDownError, NoAnswerError } from './errors';
import type { HidDevice } from './hid-device';
import { MAX_REPLY_BYTES, ReplyCollector, type LinkLoss, type Pi30Link } from './link';

export const REPORT_BYTES = 8;
/** Each read waits at most this long, so a close or vanish is noticed between reads. */
const READ_SLICE_MS = 100;
/** Input reports drained before a command: leftovers of a late reply. */
const MAX_STALE_REPORTS = 64;

export interface HidLinkOptions {
  timeoutMs: number;
  /** Where the device was opened from; watched while idle, so a vanished device shows without a poll. */
  path?: string;
  /** How often the path is checked, ms. Default 2000. */
  presenceCheckMs?: number;
  /** Default `fs.existsSync`. */
  exists?: (path: string) => boolean;
}

export class HidLink extends EventEmitter implements Pi30Link {
  private open = true;
  private busy = false;
  private readonly collector = new ReplyCollector();
  private readonly presence: NodeJS.Timeout | undefined;

  constructor(
    private readonly device: HidDevice,
    private readonly options: HidLinkOptions,
  ) {
    super();
    device.on('error', (err) => void this.vanish(messageOf(err)));
    const path = options.path;
    if (path !== undefined) {
      const exists = options.exists ?? existsSync;
      this.presence = setInterval(() => {
        if (!exists(path)) void this.vanish(`${path} is gone`);
      }, options.presenceCheckMs ?? 2000);
      this.presence.unref();
    }
  }

  get isOpen(): boolean {
    return this.open;
  }

  async exchange(request: Buffer): Promise<Buffer> {
    if (!this.open) throw new LinkDownError('closed');
    if (this.busy) throw new Error('an exchange is already running on this link');
    this.busy = true;
    try {
      await this.drainStale();
      for (let at = 0; at < request.length; at += REPORT_BYTES) {
        const report = Buffer.alloc(1 + REPORT_BYTES);
        request.copy(report, 1, at, Math.min(at + REPORT_BYTES, request.length));
        await this.io(() => this.device.write(report));
      }
      return await this.readReply();
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    clearInterval(this.presence);
    await this.device.close().catch(() => undefined);
  }

  private async readReply(): Promise<Buffer> {
    this.collector.reset();
    const deadline = Date.now() + this.options.timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const got = this.collector.length;
        if (got === 0) throw new NoAnswerError(`no answer within ${this.options.timeoutMs} ms (timed out)`);
        throw new IncompleteReplyError(
          `reply cut short: ${got} bytes and no CR within ${this.options.timeoutMs} ms: ${preview(this.collector.bytes)}`,
        );
      }
      const report = await this.io(() => this.device.read(Math.min(left, READ_SLICE_MS)));
      if (!report || report.length === 0) continue;
      const reply = this.collector.push(report);
      if (reply) return reply;
      if (this.collector.length > MAX_REPLY_BYTES)
        throw new IncompleteReplyError(`${this.collector.length} bytes without a CR: ${preview(this.collector.bytes)}`);
    }
  }

  private async drainStale(): Promise<void> {
    for (let i = 0; i < MAX_STALE_REPORTS; i++) {
      const report = await this.io(() => this.device.read(0));
      if (!report || report.length === 0) return;
    }
  }

  /** Runs one device call; a failure means the device is gone or broken, which ends the link. */
  private async io<T>(call: () => Promise<T>): Promise<T> {
    if (!this.open) throw new LinkDownError('closed');
    try {
      return await call();
    } catch (err) {
      const reason = messageOf(err);
      await this.vanish(reason);
      throw new LinkDownError(`USB device vanished (${reason})`);
    }
  }

  private async vanish(detail: string): Promise<void> {
    if (!this.open) return;
    this.open = false;
    clearInterval(this.presence);
    const loss: LinkLoss = { reason: `USB device vanished (${detail})`, vanished: true };
    this.emit('lost', loss);
    await this.device.close().catch(() => undefined);
  }
}
