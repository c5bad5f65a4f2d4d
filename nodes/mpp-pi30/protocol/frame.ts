// PI30 framing: a command is ASCII text, a CRC-16/XMODEM high byte first, and CR; a reply is `(` + text +
// CRC + CR, its CRC covering the `(`. The protocol's quirk: a CRC byte that would read as `(`, CR or LF is
// sent one higher, so neither can be mistaken for framing.
import { preview } from '../../common/byte-preview';

export const CR = 0x0d;
export const REPLY_START = 0x28;
const LF = 0x0a;

/** CRC-16/XMODEM: polynomial 0x1021, initial value 0, no reflection, no final xor. */
export function crcXmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function quirk(byte: number): number {
  return byte === REPLY_START || byte === CR || byte === LF ? byte + 1 : byte;
}

/** The two CRC bytes as sent on the wire, high byte first, with the quirk applied. */
export function crcBytes(body: Uint8Array): [number, number] {
  const crc = crcXmodem(body);
  return [quirk(crc >> 8), quirk(crc & 0xff)];
}

function withCrc(body: Buffer): Buffer {
  const [high, low] = crcBytes(body);
  return Buffer.concat([body, Buffer.from([high, low, CR])]);
}

/** The longest command any PI30 device takes; longer text is not a command. */
export const MAX_COMMAND_LENGTH = 32;

/** A command on the wire. Commands are printable ASCII; anything else is refused before it is sent. */
export function encodeCommand(command: string): Buffer {
  if (!/^[\x21-\x7e]{1,32}$/.test(command)) {
    throw new RangeError(`a PI30 command is 1-${MAX_COMMAND_LENGTH} printable ASCII characters, got ${JSON.stringify(command)}`);
  }
  return withCrc(Buffer.from(command, 'latin1'));
}

/** A reply on the wire (the simulator's side): `(` + text + CRC + CR. */
export function encodeReply(text: string): Buffer {
  return withCrc(Buffer.concat([Buffer.from([REPLY_START]), Buffer.from(text, 'latin1')]));
}

export type Reply = { readonly kind: 'ack' } | { readonly kind: 'nak' } | { readonly kind: 'data'; readonly text: string };

export type DecodedReply =
  | { readonly ok: true; readonly reply: Reply; /** Bytes dropped before the `(`, e.g. a late answer's tail. */ readonly skipped: number }
  | { readonly ok: false; readonly problem: string };

/**
 * A reply read off the wire, up to and including its CR. Never throws: whatever arrived, the result says
 * what it is or what is wrong with it.
 */
export function decodeReply(bytes: Uint8Array): DecodedReply {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buffer.indexOf(CR);
  if (end < 0) return { ok: false, problem: buffer.length === 0 ? 'empty reply' : `reply of ${buffer.length} bytes has no CR (cut short)` };
  // `(` never occurs inside a reply (text is ASCII without it, CRC bytes are kept off it), so the frame
  // starts at the last one before the CR.
  const start = buffer.lastIndexOf(REPLY_START, end);
  if (start < 0) return { ok: false, problem: `reply does not start with "(": ${preview(buffer.subarray(0, end + 1))}` };
  const frame = buffer.subarray(start, end);
  if (frame.length < 3) return { ok: false, problem: `reply too short for a CRC: ${preview(buffer.subarray(start, end + 1))}` };
  const body = frame.subarray(0, frame.length - 2);
  const [high, low] = crcBytes(body);
  if (frame[frame.length - 2] !== high || frame[frame.length - 1] !== low) {
    return { ok: false, problem: `CRC error in reply ${preview(buffer.subarray(start, end + 1))}` };
  }
  const text = body.subarray(1).toString('latin1');
  let reply: Reply;
  if (text === 'NAK') reply = { kind: 'nak' };
  else if (text === 'ACK') reply = { kind: 'ack' };
  else reply = { kind: 'data', text };
  return { ok: true, reply, skipped: start };
}

/** A command the simulator received: its text, or what was wrong with the frame. */
export type DecodedCommand = { readonly ok: true; readonly command: string } | { readonly ok: false; readonly problem: string };

export function decodeCommand(bytes: Uint8Array): DecodedCommand {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buffer.indexOf(CR);
  const frame = end < 0 ? buffer : buffer.subarray(0, end);
  if (frame.length < 3) return { ok: false, problem: 'command too short' };
  const body = frame.subarray(0, frame.length - 2);
  const [high, low] = crcBytes(body);
  if (frame[frame.length - 2] !== high || frame[frame.length - 1] !== low) return { ok: false, problem: 'CRC error' };
  const command = body.toString('latin1');
  if (!/^[\x21-\x7e]+$/.test(command)) return { ok: false, problem: 'not printable ASCII' };
  return { ok: true, command };
}
