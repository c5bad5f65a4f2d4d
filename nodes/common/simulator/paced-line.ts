// The timing of a real two-wire serial line, for a pseudo-terminal that has none: a pty hands every byte over
// at once whatever the baud rate. Bytes go on the wire one talker at a time (RS-485 is half duplex), each
// taking one character time, and reach the other end when their stop bit is over.
import { characterMs, type LineFrame } from '../line-frame';

export type LineEnd = 'device' | 'client';

export interface LinePacing {
  frame: LineFrame;
  /** The device starts answering no sooner than this after the last byte it heard. Default 0. */
  turnaroundMs?: number;
}

/** One transmission on the wire, in `performance.now()` milliseconds. */
export interface WireBurst {
  readonly from: LineEnd;
  readonly bytes: Buffer;
  /** When its first start bit went on the wire. */
  readonly startMs: number;
  /** When its last stop bit ended. */
  readonly endMs: number;
}

export interface PacedLineOptions {
  /** Hears every transmission as it is put on the wire. */
  onBurst?: (burst: WireBurst) => void;
  now?: () => number;
}

/**
 * Near the end of a burst the timer is a spin on setImmediate, not setTimeout: timers fire on whole
 * milliseconds of a loop clock read once per turn, which at 115200 baud is more than ten characters late.
 */
const SPIN_MS = 1.5;

interface Pending extends WireBurst {
  delivered: number;
}

export class PacedLine {
  private readonly byteMs: number;
  private readonly turnaroundMs: number;
  private readonly now: () => number;
  private readonly pending: Pending[] = [];
  private lineFreeAt = -Infinity;
  private deviceHeardAt = -Infinity;
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    pacing: LinePacing,
    private readonly deliver: (to: LineEnd, bytes: Buffer) => void,
    private readonly options: PacedLineOptions = {},
  ) {
    this.byteMs = characterMs(pacing.frame);
    this.turnaroundMs = pacing.turnaroundMs ?? 0;
    this.now = options.now ?? (() => performance.now());
  }

  /** Bytes one end wrote: they go on the wire when it is free, after everything sent before them. */
  send(from: LineEnd, bytes: Buffer): void {
    if (this.closed || bytes.length === 0) return;
    let startMs = Math.max(this.now(), this.lineFreeAt);
    if (from === 'device') startMs = Math.max(startMs, this.deviceHeardAt + this.turnaroundMs);
    const endMs = startMs + bytes.length * this.byteMs;
    this.lineFreeAt = endMs;
    if (from === 'client') this.deviceHeardAt = endMs;
    const burst: Pending = { from, bytes: Buffer.from(bytes), startMs, endMs, delivered: 0 };
    this.pending.push(burst);
    this.options.onBurst?.(burst);
    if (!this.timeout && !this.immediate) this.tick();
  }

  close(): void {
    this.closed = true;
    this.pending.length = 0;
    this.cancel();
  }

  private tick = (): void => {
    this.timeout = this.immediate = undefined;
    if (this.closed) return;
    const now = this.now();
    while (this.pending.length > 0) {
      const head = this.pending[0];
      const due = Math.min(head.bytes.length, Math.floor((now - head.startMs) / this.byteMs + 1e-9));
      if (due > head.delivered) {
        this.deliver(head.from === 'device' ? 'client' : 'device', head.bytes.subarray(head.delivered, due));
        head.delivered = due;
      }
      if (head.delivered < head.bytes.length) break;
      this.pending.shift();
    }
    const head = this.pending[0];
    if (!head) return;
    const nextByteIn = head.startMs + (head.delivered + 1) * this.byteMs - now;
    const endIn = head.endMs - now;
    if (endIn <= SPIN_MS) this.immediate = setImmediate(this.tick);
    else this.timeout = setTimeout(this.tick, Math.max(1, Math.min(nextByteIn, endIn - SPIN_MS)));
  };

  private cancel(): void {
    clearTimeout(this.timeout);
    clearImmediate(this.immediate);
    this.timeout = this.immediate = undefined;
  }
}
