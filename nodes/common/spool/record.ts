// One batch on disk: a fixed header, then its rows as deflated JSON. The checksum covers everything after
// itself, so a write torn by a power cut, or a damaged card, is caught before its rows are trusted.
// Deflating matters on a small card: readings repeat their field names and most digits from one second to
// the next, so a batch takes a tenth of the room or less, and the same limit holds ten times the outage.
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { crc32 } from './crc32';

// Compression runs on libuv's thread pool, so a big batch never stalls the flow; level 1 is the cheap end.
const deflate = promisify(zlib.deflateRaw);
const inflate = promisify(zlib.inflateRaw);
const DEFLATE = { level: 1 };

/** Header layout, little-endian: magic u32, crc32 u32, payload length u32, row count u32, batch id u64. */
export const HEADER_BYTES = 24;
/** "SPZ1": marks the start of a record and the format version, so zeros or a foreign file never pass. */
const MAGIC = 0x315a5053;

export interface RecordHeader {
  readonly id: number;
  readonly rowCount: number;
  /** Header and payload: where the next record starts, counted from this one. */
  readonly bytes: number;
}

export interface SpoolRecord extends RecordHeader {
  readonly payload: Buffer;
}

/** The payload of a batch: its rows as deflated JSON. Throws at once for rows JSON cannot hold (a BigInt). */
export function packRows(rows: readonly unknown[]): Promise<Buffer> {
  return deflate(JSON.stringify(rows), DEFLATE);
}

/** A whole record: the header for batch `id`, then the payload packRows made of its `rowCount` rows. */
export function frameRecord(id: number, rowCount: number, payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(payload.length, 8);
  header.writeUInt32LE(rowCount, 12);
  header.writeBigUInt64LE(BigInt(id), 16);
  header.writeUInt32LE(crc32(payload, crc32(header.subarray(8))), 4);
  return Buffer.concat([header, payload]);
}

/** The header at the start of `bytes`, or undefined when it is not one (damage, or not a record at all). */
export function parseHeader(bytes: Buffer): RecordHeader | undefined {
  if (bytes.length < HEADER_BYTES || bytes.readUInt32LE(0) !== MAGIC) return undefined;
  const id = Number(bytes.readBigUInt64LE(16));
  if (!Number.isSafeInteger(id) || id < 1) return undefined;
  return { id, rowCount: bytes.readUInt32LE(12), bytes: HEADER_BYTES + bytes.readUInt32LE(8) };
}

/** Whether a header and the payload read after it are exactly what was written. */
export function checksumMatches(header: Buffer, payload: Buffer): boolean {
  return crc32(payload, crc32(header.subarray(8, HEADER_BYTES))) === header.readUInt32LE(4);
}

/** The rows of a checked record, or undefined when its payload does not hold the row count its header says. */
export async function decodeRows(record: SpoolRecord): Promise<unknown[] | undefined> {
  let rows: unknown;
  try {
    rows = JSON.parse((await inflate(record.payload)).toString('utf8'));
  } catch {
    return undefined;
  }
  return Array.isArray(rows) && rows.length === record.rowCount ? rows : undefined;
}
