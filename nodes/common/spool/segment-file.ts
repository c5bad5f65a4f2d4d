// Segment files on disk: their names, reading records out of one through a small window (a drain or a
// scan at open costs a read per 64 KiB, not per record), writing, and making new names durable.
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { checksumMatches, HEADER_BYTES, parseHeader, type SpoolRecord } from './record';

const SEGMENT_NAME = /^(\d+)\.seg$/;
const WINDOW_BYTES = 64 * 1024;

export function segmentPath(dir: string, seq: number): string {
  return join(dir, `${String(seq).padStart(6, '0')}.seg`);
}

/** Sequence numbers of the segment files in `dir`, oldest first. */
export async function listSegments(dir: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const name of await readdir(dir)) {
    const match = SEGMENT_NAME.exec(name);
    if (match) seqs.push(Number(match[1]));
  }
  return seqs.sort((a, b) => a - b);
}

export class SegmentReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    readonly seq: number,
    private readonly handle: FileHandle,
  ) {}

  static async open(dir: string, seq: number): Promise<SegmentReader> {
    return new SegmentReader(seq, await open(segmentPath(dir, seq), 'r'));
  }

  /** The checked record at `offset`, or undefined when the bytes before `end` there are not a whole one. */
  async recordAt(offset: number, end: number): Promise<SpoolRecord | undefined> {
    if (end - offset < HEADER_BYTES) return undefined;
    const headerBytes = await this.bytesAt(offset, HEADER_BYTES, end);
    const header = headerBytes && parseHeader(headerBytes);
    if (!header || header.bytes > end - offset) return undefined;
    const record = await this.bytesAt(offset, header.bytes, end);
    if (!record) return undefined;
    const payload = record.subarray(HEADER_BYTES);
    return checksumMatches(record, payload) ? { ...header, payload } : undefined;
  }

  /**
   * Walks the records from the start and returns where the whole, checked ones end: the file's length
   * when nothing is torn or damaged.
   */
  async scan(end: number, visit: (record: SpoolRecord, offset: number) => void): Promise<number> {
    let offset = 0;
    for (let record = await this.recordAt(0, end); record; record = await this.recordAt(offset, end)) {
      visit(record, offset);
      offset += record.bytes;
    }
    return offset;
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  private async bytesAt(offset: number, length: number, end: number): Promise<Buffer | undefined> {
    const from = offset - this.windowStart;
    if (from < 0 || from + length > this.window.length) {
      this.window = Buffer.allocUnsafe(Math.min(end - offset, Math.max(length, WINDOW_BYTES)));
      this.windowStart = offset;
      const { bytesRead } = await this.handle.read(this.window, 0, this.window.length, offset);
      // A file cut shorter than we were told (another tool, a damaged card) reads as a torn record.
      if (bytesRead < this.window.length) this.window = this.window.subarray(0, bytesRead);
      if (length > this.window.length) return undefined;
      return this.window.subarray(0, length);
    }
    return this.window.subarray(from, from + length);
  }
}

/** Writes all of `bytes` at `position`: a write may take less than asked, a record must go down whole. */
export async function writeFullyAt(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, position + written);
    written += bytesWritten;
  }
}

/**
 * Makes a file created or renamed in `dir` survive a power cut. Windows and some file systems cannot
 * open or sync a directory; there the rename or create is as durable as the system makes it anyway.
 */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw err;
  } finally {
    await handle?.close();
  }
}
