// RTU frames for requests a Modbus library cannot frame itself: custom function codes (e.g. PZEM's 0x42
// energy reset, a 4-byte request `addr 42 CRC` whose answer is the same 4 bytes, devices-and-services.md 3.1).
// Such answers have no length rule, so an answer is complete once its CRC checks.
import { hasValidCrc, withCrc } from './crc16';

/** Unit id, function code, data, CRC low byte first. */
export function rtuRequestFrame(unitId: number, functionCode: number, data: Uint8Array): Buffer {
  return withCrc(Buffer.concat([Buffer.from([unitId, functionCode]), data]));
}

export type RtuAnswer = { readonly kind: 'data'; readonly data: Buffer } | { readonly kind: 'exception'; readonly code: number };

/** An exception answer: unit, function code | 0x80, exception code, CRC. */
const EXCEPTION_FRAME = 5;
/** The longest RTU frame Modbus allows. */
const MAX_FRAME = 256;

/**
 * The answer of `unitId` to `functionCode` within the bytes received so far, or undefined while it is
 * incomplete. Bytes before it (noise, a late answer to an earlier request) are skipped.
 */
export function findRtuAnswer(received: Buffer, unitId: number, functionCode: number): RtuAnswer | undefined {
  for (let at = 0; at + 4 <= received.length; at++) {
    if (received[at] !== unitId) continue;
    if (received[at + 1] === (functionCode | 0x80) && at + EXCEPTION_FRAME <= received.length) {
      if (hasValidCrc(received.subarray(at, at + EXCEPTION_FRAME))) return { kind: 'exception', code: received[at + 2] };
    }
    if (received[at + 1] !== functionCode) continue;
    for (let end = at + 4; end <= Math.min(received.length, at + MAX_FRAME); end++) {
      if (hasValidCrc(received.subarray(at, end))) return { kind: 'data', data: Buffer.from(received.subarray(at + 2, end - 2)) };
    }
  }
  return undefined;
}
