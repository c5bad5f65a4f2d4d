// Running statistics of one field in one window: a fixed handful of numbers however many samples arrive.
// Variance by Welford's method (no cancellation from summing squares); the mean is sum / count, so it equals
// what a database computes over the raw rows.

export class FieldStats {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** Welford's running mean and sum of squared deviations from it. */
  private runningMean = 0;
  private m2 = 0;
  first = Number.NaN;
  firstTime = Infinity;
  last = Number.NaN;
  lastTime = -Infinity;

  add(value: number, time: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const delta = value - this.runningMean;
    this.runningMean += delta / this.count;
    this.m2 += delta * (value - this.runningMean);
    // First and last by the time measured, not by arrival, so an out-of-order sample lands where it belongs.
    if (time < this.firstTime) {
      this.first = value;
      this.firstTime = time;
    }
    if (time >= this.lastTime) {
      this.last = value;
      this.lastTime = time;
    }
  }

  get mean(): number {
    return this.sum / this.count;
  }

  /** Sample standard deviation (n - 1, like SQL's stddev); none for a single sample. */
  get stddev(): number | null {
    return this.count < 2 ? null : Math.sqrt(Math.max(0, this.m2) / (this.count - 1));
  }

  /** A plain array for a context store, which may write JSON. */
  toJSON(): number[] {
    return [this.count, this.sum, this.min, this.max, this.runningMean, this.m2, this.first, this.firstTime, this.last, this.lastTime];
  }

  /** From toJSON's numbers, unchecked: how a window state (field-slots.ts) hands its figures out. */
  static of(values: ArrayLike<number>): FieldStats {
    const stats = new FieldStats();
    [stats.count, stats.sum, stats.min, stats.max, stats.runningMean, stats.m2, stats.first, stats.firstTime, stats.last, stats.lastTime] =
      Array.from(values);
    return stats;
  }

  /** The inverse of toJSON; undefined for anything that is not a saved, non-empty accumulator. */
  static fromJSON(saved: unknown): FieldStats | undefined {
    if (!Array.isArray(saved) || saved.length !== 10) return undefined;
    for (const n of saved) if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
    const values = saved as number[];
    if (!Number.isInteger(values[0]) || values[0] < 1) return undefined;
    const stats = new FieldStats();
    [stats.count, stats.sum, stats.min, stats.max, stats.runningMean, stats.m2, stats.first, stats.firstTime, stats.last, stats.lastTime] = values;
    return stats;
  }
}
