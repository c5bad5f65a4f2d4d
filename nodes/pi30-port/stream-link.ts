// A link over a byte stream: a serial port (`serialport`) or a TCP socket to a serial-to-network bridge.
import { EventEmitter } from 'node:events';
import { preview } from '../common/byte-preview';
import { IncompleteReplyError, LinkDownError, NoAnswerError } from './errors';
import { MAX_REPLY_BYTES, ReplyCollector, type LinkLoss, type Pi30Link } from './link';

/** The stream's side the link drives; the opener wires the stream's data and close to `received` and `lost`. */
export interface StreamIo {
  write(bytes: Buffer): void;
  end(): Promise<void>;
}

interface Pending {
  resolve: (reply: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class StreamLink extends EventEmitter implements Pi30Link {
  private open = true;
  private readonly collector = new ReplyCollector();
  private pending: Pending | undefined;

  constructor(
    private readonly io: StreamIo,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  get isOpen(): boolean {
    return this.open;
  }

  exchange(request: Buffer): Promise<Buffer> {
    if (!this.open) return Promise.reject(new LinkDownError('closed'));
    if (this.pending) return Promise.reject(new Error('an exchange is already running on this link'));
    // Whatever arrived since the last reply (a late answer) is not this command's reply.
    this.collector.reset();
    return new Promise<Buffer>((resolve, reject) => {
      this.pending = { resolve, reject, timer: setTimeout(() => this.expire(), this.timeoutMs) };
      try {
        this.io.write(request);
      } catch (err) {
        this.settle(new LinkDownError(`write failed: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  }

  /** Bytes from the stream. */
  received(chunk: Buffer): void {
    if (!this.pending) return;
    const reply = this.collector.push(chunk);
    if (reply) this.settle(reply);
    else if (this.collector.length > MAX_REPLY_BYTES)
      this.settle(new IncompleteReplyError(`${this.collector.length} bytes without a CR: ${preview(this.collector.bytes)}`));
  }

  /** The stream closed or failed under the link. */
  lost(reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.settle(new LinkDownError(reason));
    const loss: LinkLoss = { reason, vanished: false };
    this.emit('lost', loss);
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.settle(new LinkDownError('closed'));
    await this.io.end();
  }

  private expire(): void {
    const got = this.collector.length;
    this.settle(
      got > 0
        ? new IncompleteReplyError(`reply cut short: ${got} bytes and no CR within ${this.timeoutMs} ms: ${preview(this.collector.bytes)}`)
        : new NoAnswerError(`no answer within ${this.timeoutMs} ms (timed out)`),
    );
  }

  private settle(outcome: Buffer | Error): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }
}
