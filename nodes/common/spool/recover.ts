// Opening a spool: take up the segments an earlier run left, whatever state a restart, a crash or a power
// cut left them in.
import { open, unlink } from 'node:fs/promises';
import { listSegments, SegmentReader, segmentPath } from './segment-file';

export interface Segment {
  readonly seq: number;
  /** Bytes of whole records: where the next one is written. */
  size: number;
  /** Batches in it not yet acknowledged, and their rows. */
  batches: number;
  rows: number;
  /** Id of its last record, 0 while it has none. */
  lastId: number;
}

export interface Recovered {
  /** Oldest first, fully read ones deleted (except the last, which takes the next appends). */
  segments: Segment[];
  /** Where the oldest unread batch starts in the first segment. */
  headOffset: number;
  /** The highest batch id on disk, so new ids carry on above it. */
  lastId: number;
  /** Bytes cut off, summed over all segments. */
  damagedBytes: number;
}

/**
 * Reads every segment once, one at a time: counts the batches not yet read, cuts each file at its first
 * record that fails its checks (after a power cut, the torn last write), and deletes fully read segments.
 */
export async function recoverSegments(dir: string, readThroughId: number): Promise<Recovered> {
  const scanned: { segment: Segment; firstUnread: number | undefined }[] = [];
  let lastId = 0;
  let damagedBytes = 0;
  for (const seq of await listSegments(dir)) {
    const segment: Segment = { seq, size: 0, batches: 0, rows: 0, lastId: 0 };
    let firstUnread: number | undefined;
    const handle = await open(segmentPath(dir, seq), 'r+');
    try {
      const { size } = await handle.stat();
      segment.size = await new SegmentReader(seq, handle).scan(size, (record, offset) => {
        segment.lastId = record.id;
        if (record.id <= readThroughId) return;
        firstUnread ??= offset;
        segment.batches += 1;
        segment.rows += record.rowCount;
      });
      if (segment.size < size) {
        await handle.truncate(segment.size);
        await handle.sync();
        damagedBytes += size - segment.size;
      }
    } finally {
      await handle.close();
    }
    lastId = Math.max(lastId, segment.lastId);
    scanned.push({ segment, firstUnread });
  }
  while (scanned.length > 1 && scanned[0].segment.batches === 0) {
    // Read before the last run ended; one that will not go now is tried again at the next open.
    await unlink(segmentPath(dir, scanned[0].segment.seq)).catch(() => undefined);
    scanned.shift();
  }
  const head = scanned[0];
  return {
    segments: scanned.map((s) => s.segment),
    headOffset: head ? (head.firstUnread ?? head.segment.size) : 0,
    lastId,
    damagedBytes,
  };
}
