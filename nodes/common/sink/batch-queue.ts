// Rows waiting in memory for their batch, in arrival order. Without a key every batch is the next rows in
// order; with a key (e.g. the table a row goes to) a batch holds rows of one key only, in their order, so a
// sink can write each key's batches apart and ordering holds per key.
// Each key has its own FIFO, so taking a batch costs its own rows and a look at each key's oldest row, not
// a pass over everything waiting (100,000 rows queued at once must not make every batch scan them all).

interface Entry<Item> {
  item: Item;
  /** Arrival number, to find the key whose oldest row came first. */
  seq: number;
}

/** One key's rows; taken from `head` on, compacted now and then instead of shifting per batch. */
interface KeyQueue<Item> {
  entries: Entry<Item>[];
  head: number;
}

const COMPACT_AFTER = 4096;

export class BatchQueue<Item> {
  private readonly queues = new Map<string, KeyQueue<Item>>();
  private waiting = 0;
  private seq = 0;

  /**
   * `batchRows` makes a batch due; a due batch takes up to `maxRows` (default batchRows) of its key's rows, so
   * rows that piled up behind a slow write go in one larger batch instead of many small ones.
   */
  constructor(
    private readonly batchRows: number,
    private readonly keyOf?: (item: Item) => string,
    private readonly maxRows = batchRows,
  ) {}

  get length(): number {
    return this.waiting;
  }

  /** Queues an item; true when its batch is now full. */
  push(item: Item): boolean {
    const key = this.keyOf ? this.keyOf(item) : '';
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { entries: [], head: 0 };
      this.queues.set(key, queue);
    }
    queue.entries.push({ item, seq: this.seq++ });
    this.waiting += 1;
    return sizeOf(queue) >= this.batchRows;
  }

  /**
   * The next full batch, or with `partial` the oldest item's batch however small; undefined when none is due.
   * With a key, `busy` counts the batches of each key being written, and a key with `perKey` of them waits;
   * the batch's key is counted in it.
   */
  take(partial: boolean, busy?: Map<string, number>, perKey = 1): Item[] | undefined {
    if (this.waiting === 0) return undefined;
    const key = this.due(partial, busy && ((k) => (busy.get(k) ?? 0) >= perKey));
    if (key === undefined) return undefined;
    const queue = this.queues.get(key) as KeyQueue<Item>;
    const end = Math.min(queue.head + Math.max(this.batchRows, this.maxRows), queue.entries.length);
    const batch: Item[] = [];
    for (let i = queue.head; i < end; i++) batch.push(queue.entries[i].item);
    queue.head = end;
    if (queue.head === queue.entries.length) this.queues.delete(key);
    else if (queue.head > COMPACT_AFTER && queue.head * 2 > queue.entries.length) {
      queue.entries = queue.entries.slice(queue.head);
      queue.head = 0;
    }
    this.waiting -= batch.length;
    if (this.keyOf) busy?.set(key, (busy.get(key) ?? 0) + 1);
    return batch;
  }

  /** Everything, as batches in order. */
  takeAll(): Item[][] {
    const batches: Item[][] = [];
    for (let batch = this.take(true); batch; batch = this.take(true)) batches.push(batch);
    return batches;
  }

  /** The key of the oldest waiting row if its batch is due (full, or `partial`), else any full key; not one that waits. */
  private due(partial: boolean, waits?: (key: string) => boolean): string | undefined {
    let oldest: string | undefined;
    let oldestSeq = Infinity;
    for (const [key, queue] of this.queues) {
      if (waits?.(key)) continue;
      const seq = queue.entries[queue.head].seq;
      if (seq < oldestSeq) {
        oldest = key;
        oldestSeq = seq;
      }
    }
    if (oldest === undefined) return undefined;
    if (partial || sizeOf(this.queues.get(oldest) as KeyQueue<Item>) >= this.batchRows) return oldest;
    for (const [key, queue] of this.queues) if (sizeOf(queue) >= this.batchRows && !waits?.(key)) return key;
    return undefined;
  }
}

function sizeOf<Item>(queue: KeyQueue<Item>): number {
  return queue.entries.length - queue.head;
}
