// The roll-up everyone writes first: keep every sample of every open window, compute the figures when the
// window closes. Same windows and closing rule as ours, so only the keeping-everything differs.
import type { Sample } from '../../nodes/rollup/reading-fields';
import { WindowClock, type Span, type WindowSpec } from '../../nodes/rollup/window-spec';

export type Summary = Record<string, number | null>;

interface Line {
  readonly name: string;
  readonly clock: WindowClock;
  readonly open: Map<number, { span: Span; byKey: Map<string, Sample[]> }>;
}

export class NaiveRollup {
  private readonly lines: Line[] = [];
  private readonly lifetime: Map<string, Sample[]> | undefined;

  constructor(
    windows: readonly WindowSpec[],
    zone: string,
    private readonly graceMs: number,
    private readonly maxGapMs: number,
    private readonly isPowerField: (field: string) => boolean,
  ) {
    for (const spec of windows) {
      if (spec.kind !== 'lifetime') this.lines.push({ name: spec.name, clock: new WindowClock(spec, zone), open: new Map() });
    }
    this.lifetime = windows.some((w) => w.kind === 'lifetime') ? new Map() : undefined;
  }

  add(key: string, sample: Sample, now: number): void {
    for (const line of this.lines) {
      const span = line.clock.spanOf(sample.time);
      if (span.end + this.graceMs <= now) continue;
      let bucket = line.open.get(span.start);
      if (!bucket) line.open.set(span.start, (bucket = { span, byKey: new Map() }));
      let samples = bucket.byKey.get(key);
      if (!samples) bucket.byKey.set(key, (samples = []));
      samples.push(sample);
    }
    if (this.lifetime) {
      let all = this.lifetime.get(key);
      if (!all) this.lifetime.set(key, (all = []));
      all.push(sample);
    }
  }

  /** Summaries of the windows due, lifetime recomputed from every sample for each key that closed one. */
  closeDue(now: number): { key: string; window: string; summary: Summary }[] {
    const out: { key: string; window: string; summary: Summary }[] = [];
    const closed = new Set<string>();
    for (const line of this.lines) {
      for (const [start, bucket] of line.open) {
        if (bucket.span.end + this.graceMs > now) continue;
        line.open.delete(start);
        for (const [key, samples] of bucket.byKey) {
          out.push({ key, window: line.name, summary: this.summarise(samples) });
          closed.add(key);
        }
      }
    }
    for (const key of closed) {
      const all = this.lifetime?.get(key);
      if (all) out.push({ key, window: 'lifetime', summary: this.summarise(all) });
    }
    return out;
  }

  private summarise(samples: readonly Sample[]): Summary {
    const sorted = [...samples].sort((a, b) => a.time - b.time);
    const summary: Summary = { sample_count: sorted.length };
    const names = new Set<string>();
    for (const s of sorted) for (const name of s.fields.keys()) names.add(name);
    for (const name of names) {
      const points = sorted.filter((s) => s.fields.has(name)).map((s) => ({ time: s.time, value: s.fields.get(name)! }));
      const values = points.map((p) => p.value);
      const sum = values.reduce((a, b) => a + b, 0);
      const mean = sum / values.length;
      summary[`${name}_avg`] = mean;
      summary[`${name}_min`] = Math.min(...values);
      summary[`${name}_max`] = Math.max(...values);
      summary[`${name}_stddev`] = values.length < 2 ? null : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
      summary[`${name}_sum`] = sum;
      summary[`${name}_count`] = values.length;
      if (this.isPowerField(name)) {
        let wh = 0;
        for (let i = 1; i < points.length; i++) {
          const dt = points[i].time - points[i - 1].time;
          if (dt > 0 && dt <= this.maxGapMs) wh += ((points[i].value + points[i - 1].value) / 2) * (dt / 3_600_000);
        }
        summary[`${name}_wh`] = wh;
      }
    }
    return summary;
  }
}
