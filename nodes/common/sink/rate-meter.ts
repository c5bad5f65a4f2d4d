// Rows per second over the last few seconds, for the node's status.

const WINDOW_MS = 10_000;
const SLOT_MS = 1000;

export class RateMeter {
  /** Rows counted per one-second slot, keyed by the slot's start. */
  private readonly slots = new Map<number, number>();

  constructor(private readonly now: () => number = Date.now) {}

  add(rows: number): void {
    const slot = Math.floor(this.now() / SLOT_MS) * SLOT_MS;
    this.slots.set(slot, (this.slots.get(slot) ?? 0) + rows);
    this.prune();
  }

  /** Average over the window, counting only whole seconds that have passed. */
  perSecond(): number {
    this.prune();
    const current = Math.floor(this.now() / SLOT_MS) * SLOT_MS;
    let rows = 0;
    for (const [slot, n] of this.slots) if (slot < current && slot >= current - WINDOW_MS) rows += n;
    return rows / (WINDOW_MS / SLOT_MS);
  }

  private prune(): void {
    const oldest = this.now() - 2 * WINDOW_MS;
    for (const slot of this.slots.keys()) if (slot < oldest) this.slots.delete(slot);
  }
}
