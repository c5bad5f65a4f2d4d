// FROZEN REFERENCE copy of the rollup engine before its rewrite; see aggregator.ts here for why it exists.
// What one key has gathered in one window: a sample count, statistics per field and energy per power field.
import { FieldStats } from './field-stats';

export interface SavedWindowState {
  n: number;
  fields: Record<string, number[]>;
  wh: Record<string, number>;
}

export class WindowState {
  sampleCount = 0;
  readonly fields = new Map<string, FieldStats>();
  readonly energyWh = new Map<string, number>();

  addSample(time: number, values: ReadonlyMap<string, number>): void {
    this.sampleCount++;
    for (const [name, value] of values) {
      let stats = this.fields.get(name);
      if (stats === undefined) {
        stats = new FieldStats();
        this.fields.set(name, stats);
      }
      stats.add(value, time);
    }
  }

  addEnergy(field: string, wh: number): void {
    this.energyWh.set(field, (this.energyWh.get(field) ?? 0) + wh);
  }

  toJSON(): SavedWindowState {
    const fields: Record<string, number[]> = {};
    for (const [name, stats] of this.fields) fields[name] = stats.toJSON();
    return { n: this.sampleCount, fields, wh: Object.fromEntries(this.energyWh) };
  }

  /** Undefined for anything that is not a saved state; fields that do not parse are left out. */
  static fromJSON(saved: unknown): WindowState | undefined {
    if (typeof saved !== 'object' || saved === null) return undefined;
    const { n, fields, wh } = saved as Partial<Record<keyof SavedWindowState, unknown>>;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return undefined;
    const state = new WindowState();
    state.sampleCount = n;
    if (typeof fields === 'object' && fields !== null) {
      for (const [name, value] of Object.entries(fields)) {
        const stats = FieldStats.fromJSON(value);
        if (stats) state.fields.set(name, stats);
      }
    }
    if (typeof wh === 'object' && wh !== null) {
      for (const [name, value] of Object.entries(wh)) {
        if (typeof value === 'number' && Number.isFinite(value)) state.energyWh.set(name, value);
      }
    }
    return state;
  }
}
