// A first-in, first-out queue of row batches in append-only segment files, for a sink whose database is
// away: batches survive restarts and power cuts, come back in the order they went in, and past the size
// limit the oldest are dropped and counted, never lost unnoticed.
//
// Delivery is at least once. An ack is on disk before its promise resolves, but a crash between the
// database storing a batch and its ack replays that batch, and so may a power cut just after an ack (see
// spool-state.ts); sinks insert idempotently, so a replay never duplicates a row. Exactly once would need
// a transaction spanning the database and this disk.
import { mkdir, open, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { decodeRows, frameRecord, packRows } from './record';
import { recoverSegments, type Segment } from './recover';
import { SegmentReader, segmentPath, syncDir, writeFullyAt } from './segment-file';
import { BatchTooLargeError, SpoolAckError, SpoolClosedError } from './spool-errors';
import { readState, writeState, type SpoolState } from './spool-state';

export interface SpoolOptions {
  /** One folder per sink node (caller makes it unique, e.g. <userDir>/solar-telemetry-spool/<node id>). */
  dir: string;
  /** Bound on disk use; past it the oldest batches are dropped and counted. */
  maxBytes: number;
  /**
   * Roll to a new segment file past this. Space is given back a whole segment at a time, so the default,
   * a sixteenth of maxBytes between 4 KiB and 1 MiB, drops a small share of the spool when it is full.
   */
  segmentBytes?: number;
}

export interface SpoolStats {
  /** Batches waiting to be acknowledged, and their rows. */
  batches: number;
  rows: number;
  /** Bytes the waiting batches take on disk. */
  bytes: number;
  /**
   * Batches (and their rows) given up since the spool was created: the size limit, or damage found while
   * reading. Damage found at open is in damagedBytes only: how many batches those bytes held is unknown.
   */
  droppedBatches: number;
  droppedRows: number;
  /** Bytes cut off because they failed their checksum: a write torn by a power cut, a damaged card. */
  damagedBytes: number;
  /** All segment files together, acknowledged parts included; never above maxBytes. */
  diskBytes: number;
}

/** What open found left by an earlier run. */
export interface SpoolRecovery {
  batches: number;
  rows: number;
  /** Bytes cut off at open; a torn last write is one that never resolved, so no caller counted on it. */
  damagedBytes: number;
  /** The read position could not be read, so everything on disk will be replayed (and drop counts restart). */
  positionLost: boolean;
}

export interface SpooledBatch<T> {
  id: number;
  rows: T[];
}

const MIB = 1024 * 1024;

/** The oldest batch as peek last handed it out. */
interface Peeked {
  readonly seq: number;
  readonly id: number;
  readonly rowCount: number;
  readonly bytes: number;
}

export class DurableSpool<T> {
  private writer: { seq: number; handle: FileHandle } | undefined;
  private reader: SegmentReader | undefined;
  private peeked: Peeked | undefined;
  /** A peeked batch that was dropped (size limit, damage) before its ack came: that ack is then no error. */
  private droppedWhilePeeked: number | undefined;
  /** Bytes that could not be cut off follow the last segment's records: write the next batch to a fresh segment. */
  private mustRoll = false;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly segmentBytes: number,
    /** Oldest first; the last one takes appends. Only the first may hold acknowledged batches. */
    private readonly segments: Segment[],
    /** Where the oldest waiting batch starts in the first segment. */
    private headOffset: number,
    private nextId: number,
    private state: SpoolState,
    readonly recovery: SpoolRecovery,
  ) {}

  /** Opens the spool in `options.dir`, taking up what an earlier run left: after a restart, crash or torn write. */
  static async open<T>(options: SpoolOptions): Promise<DurableSpool<T>> {
    const { dir, maxBytes } = options;
    const segmentBytes = options.segmentBytes ?? Math.min(MIB, Math.max(4096, Math.floor(maxBytes / 16)));
    checkOptions(dir, maxBytes, segmentBytes);
    await mkdir(dir, { recursive: true });
    const { state: saved, lost } = await readState(dir);
    const found = await recoverSegments(dir, saved.readThroughId);
    let state = saved;
    if (found.damagedBytes > 0 || lost) {
      state = { ...saved, damagedBytes: saved.damagedBytes + found.damagedBytes };
      await writeState(dir, state);
      await syncDir(dir);
    }
    const recovery: SpoolRecovery = {
      batches: sum(found.segments, (s) => s.batches),
      rows: sum(found.segments, (s) => s.rows),
      damagedBytes: found.damagedBytes,
      positionLost: lost,
    };
    const nextId = Math.max(found.lastId, state.readThroughId) + 1;
    return new DurableSpool<T>(dir, maxBytes, segmentBytes, found.segments, found.headOffset, nextId, state, recovery);
  }

  /**
   * Adds one batch at the end; it is on disk (synced) when the promise resolves. The rows are taken as they
   * are at the call, so the caller may reuse them at once. They must be JSON values: JSON keeps them.
   */
  append(rows: readonly T[]): Promise<void> {
    // An empty batch has nothing to keep, and a sink should never be handed one to insert.
    if (rows.length === 0) return this.exclusive(async () => undefined);
    const rowCount = rows.length;
    let packing: Promise<Buffer>;
    try {
      packing = packRows(rows);
    } catch (err) {
      return Promise.reject(err);
    }
    // Awaited in turn below; this only keeps a failure that comes first from counting as unhandled.
    void packing.catch(() => undefined);
    return this.exclusive(async () => {
      const id = this.nextId;
      const record = frameRecord(id, rowCount, await packing);
      if (record.length > this.maxBytes) throw new BatchTooLargeError(rowCount, record.length, this.maxBytes);
      await this.makeRoom(record.length);
      const segment = this.segments[this.segments.length - 1];
      const handle = await this.writeHandle(segment.seq);
      try {
        await writeFullyAt(handle, record, segment.size);
        await handle.datasync();
      } catch (err) {
        // A full disk or an I/O error must not leave half a record in front of the next one.
        await handle.truncate(segment.size).catch(() => (this.mustRoll = true));
        throw err;
      }
      segment.size += record.length;
      segment.batches += 1;
      segment.rows += rowCount;
      segment.lastId = id;
      this.nextId = id + 1;
    });
  }

  /** The oldest batch not yet acknowledged, or undefined when none waits. Peeking twice gives the same batch. */
  peek(): Promise<SpooledBatch<T> | undefined> {
    return this.exclusive(async () => {
      for (;;) {
        await this.releaseAcknowledged();
        const head = this.segments[0];
        if (!head || head.batches === 0) return undefined;
        const record = await (await this.readerOf(head.seq)).recordAt(this.headOffset, head.size);
        const rows = record && (await decodeRows(record));
        if (record && rows) {
          this.peeked = { seq: head.seq, id: record.id, rowCount: record.rowCount, bytes: record.bytes };
          // The rows are what append was given, back from JSON; T is the caller's word for their shape.
          return { id: record.id, rows: rows as T[] };
        }
        await this.giveUpRestOf(head);
      }
    });
  }

  /** The oldest batch was stored elsewhere: forget it. `id` must be the one peek returned. */
  ack(id: number): Promise<void> {
    return this.exclusive(async () => {
      if (id === this.droppedWhilePeeked) {
        this.droppedWhilePeeked = undefined;
        return;
      }
      const oldest = this.peeked ?? (await this.readOldest());
      if (!oldest || oldest.id !== id) throw new SpoolAckError(id, oldest?.id);
      await this.saveState({ ...this.state, readThroughId: id });
      const head = this.segments[0];
      head.batches -= 1;
      head.rows -= oldest.rowCount;
      this.headOffset += oldest.bytes;
      this.peeked = undefined;
      await this.releaseAcknowledged();
    });
  }

  get stats(): SpoolStats {
    const diskBytes = sum(this.segments, (s) => s.size);
    return {
      batches: sum(this.segments, (s) => s.batches),
      rows: sum(this.segments, (s) => s.rows),
      bytes: diskBytes - (this.segments.length > 0 ? this.headOffset : 0),
      droppedBatches: this.state.droppedBatches,
      droppedRows: this.state.droppedRows,
      damagedBytes: this.state.damagedBytes,
      diskBytes,
    };
  }

  get isEmpty(): boolean {
    return this.segments.every((s) => s.batches === 0);
  }

  /** Waits for the operation under way, then closes the files. Every append that resolved is already on disk. */
  close(): Promise<void> {
    return this.serially(async () => {
      if (this.closed) return;
      this.closed = true;
      this.peeked = undefined;
      await this.closeReader();
      await this.closeWriter();
    });
  }

  /** One operation at a time, in call order: an append during a replay waits for the peek or ack under way. */
  private exclusive<R>(operation: () => Promise<R>): Promise<R> {
    return this.serially(() => (this.closed ? Promise.reject(new SpoolClosedError()) : operation()));
  }

  private serially<R>(operation: () => Promise<R>): Promise<R> {
    const result = this.tail.then(operation);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Rolls to a new segment when the last is full, then drops the oldest segments until `bytes` more fit. */
  private async makeRoom(bytes: number): Promise<void> {
    const last = this.segments[this.segments.length - 1];
    const full = last !== undefined && last.size > 0 && (last.size + bytes > this.segmentBytes || this.diskBytes + bytes > this.maxBytes);
    if (!last || full || this.mustRoll) await this.roll();
    // The last segment is now empty or has room, so whatever is over the limit lies in older ones.
    while (this.diskBytes + bytes > this.maxBytes) await this.dropOldest();
  }

  private async roll(): Promise<void> {
    const seq = (this.segments[this.segments.length - 1]?.seq ?? 0) + 1;
    await this.closeWriter();
    const handle = await open(segmentPath(this.dir, seq), 'wx');
    this.writer = { seq, handle };
    this.segments.push({ seq, size: 0, batches: 0, rows: 0, lastId: 0 });
    if (this.segments.length === 1) this.headOffset = 0;
    this.mustRoll = false;
    await syncDir(this.dir);
    await this.releaseAcknowledged();
  }

  private async dropOldest(): Promise<void> {
    const oldest = this.segments[0];
    if (this.segments.length < 2) throw new Error('spool: nothing older than the segment being written is left to drop');
    this.forgetPeeked(oldest.seq);
    await this.saveStateDurably({
      ...this.state,
      readThroughId: Math.max(this.state.readThroughId, oldest.lastId),
      droppedBatches: this.state.droppedBatches + oldest.batches,
      droppedRows: this.state.droppedRows + oldest.rows,
    });
    await this.removeOldest();
  }

  /**
   * A record that was whole when written no longer reads back (a damaged card): its length cannot be
   * trusted, so the rest of its segment is given up, counted, and cut off.
   */
  private async giveUpRestOf(head: Segment): Promise<void> {
    this.forgetPeeked(head.seq);
    await this.saveStateDurably({
      readThroughId: Math.max(this.state.readThroughId, head.lastId),
      droppedBatches: this.state.droppedBatches + head.batches,
      droppedRows: this.state.droppedRows + head.rows,
      damagedBytes: this.state.damagedBytes + head.size - this.headOffset,
    });
    await this.closeReader();
    const cutAt = this.headOffset;
    // Cut so a restart does not count the same damage again; if that fails, new batches go elsewhere.
    await truncate(segmentPath(this.dir, head.seq), cutAt).catch(() => (this.mustRoll = true));
    head.size = cutAt;
    head.batches = 0;
    head.rows = 0;
  }

  /** The batch peek handed out is going from `seq` unacknowledged: its ack, when it comes, is then no error. */
  private forgetPeeked(seq: number): void {
    if (this.peeked?.seq !== seq) return;
    this.droppedWhilePeeked = this.peeked.id;
    this.peeked = undefined;
  }

  /** Deletes leading segments with nothing left to read; the last one stays, it takes appends. */
  private async releaseAcknowledged(): Promise<void> {
    while (this.segments.length > 1 && this.segments[0].batches === 0) await this.removeOldest();
  }

  private async removeOldest(): Promise<void> {
    const oldest = this.segments.shift();
    if (!oldest) return;
    this.headOffset = 0;
    if (this.reader?.seq === oldest.seq) await this.closeReader();
    // Its batches are already marked read on disk; a file that will not go now is removed at the next open.
    await unlink(segmentPath(this.dir, oldest.seq)).catch(() => undefined);
  }

  private async readOldest(): Promise<Peeked | undefined> {
    await this.releaseAcknowledged();
    const head = this.segments[0];
    if (!head || head.batches === 0) return undefined;
    const record = await (await this.readerOf(head.seq)).recordAt(this.headOffset, head.size);
    return record && { seq: head.seq, id: record.id, rowCount: record.rowCount, bytes: record.bytes };
  }

  private async saveState(next: SpoolState): Promise<void> {
    await writeState(this.dir, next);
    this.state = next;
  }

  /** For counts of what was given up: those must not be undone by a power cut, as a replayed ack may be. */
  private async saveStateDurably(next: SpoolState): Promise<void> {
    await this.saveState(next);
    await syncDir(this.dir);
  }

  private get diskBytes(): number {
    return sum(this.segments, (s) => s.size);
  }

  private async writeHandle(seq: number): Promise<FileHandle> {
    if (this.writer?.seq === seq) return this.writer.handle;
    await this.closeWriter();
    const handle = await open(segmentPath(this.dir, seq), 'r+');
    this.writer = { seq, handle };
    return handle;
  }

  private async readerOf(seq: number): Promise<SegmentReader> {
    if (this.reader?.seq === seq) return this.reader;
    await this.closeReader();
    this.reader = await SegmentReader.open(this.dir, seq);
    return this.reader;
  }

  private async closeReader(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    await reader?.close();
  }

  private async closeWriter(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.handle.close();
  }
}

function checkOptions(dir: string, maxBytes: number, segmentBytes: number): void {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('spool: dir must name a folder');
  for (const [name, bytes] of [
    ['maxBytes', maxBytes],
    ['segmentBytes', segmentBytes],
  ] as const) {
    if (!Number.isFinite(bytes) || bytes <= 0) throw new RangeError(`spool: ${name} must be a positive number of bytes, not ${bytes}`);
  }
}

function sum<E>(items: readonly E[], of: (item: E) => number): number {
  let total = 0;
  for (const item of items) total += of(item);
  return total;
}
