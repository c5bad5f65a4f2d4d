// One open line to the inverter, whatever carries it. An exchange writes a command and waits for the reply
// through its CR, within the port's timeout; nothing else touches the line meanwhile (the queue sees to that).
import type { EventEmitter } from 'node:events';

const CR = 0x0d;
const REPLY_START = 0x28;
/** No PI30 reply comes near this; more bytes without a CR is noise. */
export const MAX_REPLY_BYTES = 1024;

/** Why a link was lost. `vanished`: the device itself disappeared (a USB HID device unplugged or reset). */
export interface LinkLoss {
  reason: string;
  vanished: boolean;
}

export interface Pi30Link extends Pick<EventEmitter, 'on' | 'once' | 'off'> {
  readonly isOpen: boolean;
  /** Writes `request` and resolves with the reply bytes through the first CR; rejects with a kinded error. */
  exchange(request: Buffer): Promise<Buffer>;
  close(): Promise<void>;
  // Emits 'lost' (LinkLoss) once when the link goes down without being closed.
}

/**
 * Collects reply bytes until a CR ends a segment that holds a `(`. A segment without one is the tail of a
 * late reply to an earlier command and is dropped, so the next reply is not mistaken for garbage.
 */
export class ReplyCollector {
  private buffer = Buffer.alloc(0);

  get length(): number {
    return this.buffer.length;
  }

  get bytes(): Buffer {
    return this.buffer;
  }

  reset(): void {
    this.buffer = Buffer.alloc(0);
  }

  push(chunk: Uint8Array): Buffer | undefined {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (let end = this.buffer.indexOf(CR); end >= 0; end = this.buffer.indexOf(CR)) {
      const segment = this.buffer.subarray(0, end + 1);
      if (segment.includes(REPLY_START)) return Buffer.from(segment);
      this.buffer = this.buffer.subarray(end + 1);
    }
    return undefined;
  }
}
