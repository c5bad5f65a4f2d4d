// Rows waiting in memory for their batch, in arrival order. Without a key every batch is the next rows in
// order; with a key (e.g. the table a row goes to) a batch holds rows of one key only, in their order, so a
// sink can write each key's batches apart and ordering holds per key.

export class BatchQueue<Item> {
  private items: { item: Item; key: string }[] = [];
  /** Items waiting per key; only kept when there is a key. */
  private readonly perKey = new Map<string, number>();

  constructor(
    private readonly batchRows: number,
    private readonly keyOf?: (item: Item) => string,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Queues an item; true when its batch is now full. */
  push(item: Item): boolean {
    if (!this.keyOf) {
      this.items.push({ item, key: '' });
      return this.items.length >= this.batchRows;
    }
    const key = this.keyOf(item);
    const waiting = (this.perKey.get(key) ?? 0) + 1;
    this.perKey.set(key, waiting);
    this.items.push({ item, key });
    return waiting >= this.batchRows;
  }

  /**
   * The next full batch, or with `partial` the oldest item's batch however small; undefined when none is due.
   * With a key, `busy` names keys that must wait (their batch is being written); the batch's key is added to it.
   */
  take(partial: boolean, busy?: Set<string>): Item[] | undefined {
    if (this.items.length === 0) return undefined;
    if (!this.keyOf) {
      if (!partial && this.items.length < this.batchRows) return undefined;
      return this.items.splice(0, this.batchRows).map((e) => e.item);
    }
    const oldest = busy?.size ? this.items.find((e) => !busy.has(e.key))?.key : this.items[0].key;
    const key = oldest !== undefined && (partial || (this.perKey.get(oldest) ?? 0) >= this.batchRows) ? oldest : this.fullKey(busy);
    if (key === undefined) return undefined;
    busy?.add(key);
    const batch: Item[] = [];
    this.items = this.items.filter((e) => {
      if (e.key !== key || batch.length >= this.batchRows) return true;
      batch.push(e.item);
      return false;
    });
    const left = (this.perKey.get(key) ?? 0) - batch.length;
    if (left > 0) this.perKey.set(key, left);
    else this.perKey.delete(key);
    return batch;
  }

  /** Everything, as batches in order. */
  takeAll(): Item[][] {
    const batches: Item[][] = [];
    for (let batch = this.take(true); batch; batch = this.take(true)) batches.push(batch);
    return batches;
  }

  private fullKey(busy?: Set<string>): string | undefined {
    for (const [key, waiting] of this.perKey) if (waiting >= this.batchRows && !busy?.has(key)) return key;
    return undefined;
  }
}
