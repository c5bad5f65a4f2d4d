// Cuts a byte stream into Modbus RTU request frames. A slave has no inter-frame timing over TCP or a pty,
// so frames are found by each function code's length rule and confirmed by their CRC; anything that
// does not make a valid frame is dropped a byte at a time until the stream is in step again.
import { hasValidCrc, withCrc } from '../../modbus/crc16';

export interface RtuRequest {
  readonly unitId: number;
  /** Function code and data, without unit id and CRC. */
  readonly pdu: Buffer;
}

/** The longest RTU frame Modbus allows. */
export const MAX_RTU_FRAME = 256;
const MAX_UNIT_ID = 247;
/** Reserved by Modbus, but PZEM meters answer it as their "general address" (devices-and-services.md 3.1). */
const GENERAL_UNIT_ID = 0xf8;

type Probe = { kind: 'frame'; length: number } | { kind: 'incomplete' } | { kind: 'invalid' };

/**
 * The frame starting at `at`, if one is there. Requests FC1-6 are 8 bytes and FC15/16 carry a byte count;
 * for any other function code (only when `openEnded`) the frame is taken to end where the received bytes
 * end (the sender's pause), so such a request can still be answered with "illegal function".
 */
function probe(buf: Buffer, at: number, openEnded: boolean): Probe {
  const available = buf.length - at;
  if (available < 2) return { kind: 'incomplete' };
  const unitId = buf[at];
  const fc = buf[at + 1];
  if ((unitId > MAX_UNIT_ID && unitId !== GENERAL_UNIT_ID) || fc === 0 || fc >= 0x80) return { kind: 'invalid' };
  let length: number;
  if (fc >= 1 && fc <= 6) {
    length = 8;
  } else if (fc === 15 || fc === 16) {
    if (available < 7) return { kind: 'incomplete' };
    length = 9 + buf[at + 6];
    if (length > MAX_RTU_FRAME) return { kind: 'invalid' };
  } else {
    if (!openEnded) return { kind: 'invalid' };
    if (available >= 4 && available <= MAX_RTU_FRAME && hasValidCrc(buf.subarray(at))) {
      return { kind: 'frame', length: available };
    }
    return available >= MAX_RTU_FRAME ? { kind: 'invalid' } : { kind: 'incomplete' };
  }
  if (available < length) return { kind: 'incomplete' };
  return hasValidCrc(buf.subarray(at, at + length)) ? { kind: 'frame', length } : { kind: 'invalid' };
}

export class RtuFramer {
  private buffer: Buffer = Buffer.alloc(0);

  /** Bytes held back waiting for the rest of a frame. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Adds received bytes; returns every request they complete, in order. Never throws on garbage. */
  push(chunk: Uint8Array): RtuRequest[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const requests: RtuRequest[] = [];
    while (this.buffer.length > 0) {
      const head = probe(this.buffer, 0, true);
      if (head.kind === 'frame') {
        requests.push(this.take(0, head.length));
      } else if (head.kind === 'invalid') {
        this.buffer = this.buffer.subarray(1);
      } else {
        // The head may be noise that only looks like the start of a long frame. A valid request that
        // ends exactly where the received bytes end (the sender now waits for an answer) wins over it.
        const later = this.findTrailingFrame();
        if (later === undefined) break;
        requests.push(this.take(later.at, later.length));
      }
    }
    return requests;
  }

  /** Forgets held-back bytes, as a slave does after a pause on the line. */
  reset(): void {
    this.buffer = Buffer.alloc(0);
  }

  private findTrailingFrame(): { at: number; length: number } | undefined {
    // Only function codes with a length rule: a frame of unknown length could be "found" almost anywhere.
    for (let at = 1; at + 8 <= this.buffer.length; at++) {
      const p = probe(this.buffer, at, false);
      if (p.kind === 'frame' && at + p.length === this.buffer.length) return { at, length: p.length };
    }
    return undefined;
  }

  private take(at: number, length: number): RtuRequest {
    const frame = this.buffer.subarray(at, at + length);
    this.buffer = this.buffer.subarray(at + length);
    return { unitId: frame[0], pdu: Buffer.from(frame.subarray(1, length - 2)) };
  }
}

/** An RTU frame on the wire: unit id, PDU, CRC (inverted when a fault asks for a broken one). */
export function encodeRtuFrame(unitId: number, pdu: Uint8Array, corruptCrc = false): Buffer {
  const body = Buffer.alloc(1 + pdu.length);
  body[0] = unitId;
  body.set(pdu, 1);
  const frame = withCrc(body);
  if (corruptCrc) {
    frame[frame.length - 2] ^= 0xff;
    frame[frame.length - 1] ^= 0xff;
  }
  return frame;
}
