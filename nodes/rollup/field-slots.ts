// What one key has gathered in one window, as one Float64Array: the sample count, then a fixed run of numbers per
// field, then the energy of each power field. Where each field sits is a Layout, made once per field set and
// shared by every key that sends that set; nothing is looked up by name per reading.
import { FieldStats } from './field-stats';
import { WindowState } from './window-state';

/** Slot 0: samples in the window. */
export const HEAD = 1;
/** Per field, in FieldStats.toJSON's order, so a saved field is these numbers as they are. */
export const COUNT = 0;
export const SUM = 1;
export const MIN = 2;
export const MAX = 3;
/** Welford's running mean and sum of squared deviations from it. */
export const MEAN = 4;
export const M2 = 5;
export const FIRST = 6;
export const FIRST_TIME = 7;
export const LAST = 8;
export const LAST_TIME = 9;
export const STRIDE = 10;

const EMPTY_FIELD = [0, 0, Infinity, -Infinity, 0, 0, Number.NaN, Infinity, Number.NaN, -Infinity];

/** Every field name the node has met, numbered once; whether it is a power field is decided once too. */
export class FieldRegistry {
  readonly names: string[] = [];
  readonly power: boolean[] = [];
  private readonly ids = new Map<string, number>();
  readonly empty: Layout;

  constructor(private readonly isPowerField: (field: string) => boolean) {
    this.empty = new Layout(this, []);
  }

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.power.push(this.isPowerField(name));
      this.ids.set(name, id);
    }
    return id;
  }
}

/**
 * The fields of a key in the order it first sent them. A key that sends a field it never sent before moves to
 * the layout with that field appended (made once, then shared); its window states are copied over once.
 */
export class Layout {
  /** Registry ids, by slot. */
  readonly ids: readonly number[];
  /** Slot of each registry id, -1 for fields not in this layout (ids beyond its length are not in it either). */
  readonly slotOf: Int32Array;
  /** Per slot, the index of its energy among the power fields, -1 for other fields. */
  readonly powerIndex: Int32Array;
  /** Slot of each power field, by power index. */
  readonly powerSlots: readonly number[];
  /** Where the energies begin; a state is this plus one number per power field long. */
  readonly energyAt: number;
  readonly size: number;
  private readonly next = new Map<number, Layout>();

  constructor(
    readonly registry: FieldRegistry,
    ids: readonly number[],
  ) {
    this.ids = ids;
    this.slotOf = new Int32Array(registry.names.length).fill(-1);
    ids.forEach((id, slot) => (this.slotOf[id] = slot));
    this.powerIndex = new Int32Array(ids.length).fill(-1);
    const powerSlots: number[] = [];
    ids.forEach((id, slot) => {
      if (registry.power[id]) {
        this.powerIndex[slot] = powerSlots.length;
        powerSlots.push(slot);
      }
    });
    this.powerSlots = powerSlots;
    this.energyAt = HEAD + ids.length * STRIDE;
    this.size = this.energyAt + powerSlots.length;
  }

  slot(id: number): number {
    return id < this.slotOf.length ? this.slotOf[id] : -1;
  }

  /** This layout with one more field. */
  with(id: number): Layout {
    let layout = this.next.get(id);
    if (layout === undefined) {
      layout = new Layout(this.registry, [...this.ids, id]);
      this.next.set(id, layout);
    }
    return layout;
  }

  /** A state with nothing in it: no samples, empty statistics, no energy (NaN: none booked, unlike 0 Wh). */
  newState(): Float64Array {
    const state = new Float64Array(this.size);
    for (let slot = 0; slot < this.ids.length; slot++) state.set(EMPTY_FIELD, HEAD + slot * STRIDE);
    state.fill(Number.NaN, this.energyAt);
    return state;
  }

  /** A state of a smaller layout (a prefix of this one) copied into this one. */
  grow(state: Float64Array, from: Layout): Float64Array {
    const grown = this.newState();
    grown.set(state.subarray(0, from.energyAt));
    for (let e = 0; e < from.powerSlots.length; e++) {
      grown[this.energyAt + this.powerIndex[from.powerSlots[e]]] = state[from.energyAt + e];
    }
    return grown;
  }

  /** The state as the record builder and the context store read it. */
  view(state: Float64Array): WindowState {
    const view = new WindowState();
    view.sampleCount = state[0];
    for (let slot = 0; slot < this.ids.length; slot++) {
      const at = HEAD + slot * STRIDE;
      if (state[at + COUNT] === 0) continue;
      view.fields.set(this.registry.names[this.ids[slot]], FieldStats.fromSlots(state, at));
    }
    for (let e = 0; e < this.powerSlots.length; e++) {
      const wh = state[this.energyAt + e];
      if (!Number.isNaN(wh)) view.energyWh.set(this.registry.names[this.ids[this.powerSlots[e]]], wh);
    }
    return view;
  }
}

/** One sample of one field into its run of numbers at `at`: the same arithmetic as FieldStats.add. */
export function addValue(state: Float64Array, at: number, value: number, time: number): void {
  const count = state[at + COUNT] + 1;
  state[at + COUNT] = count;
  state[at + SUM] += value;
  if (value < state[at + MIN]) state[at + MIN] = value;
  if (value > state[at + MAX]) state[at + MAX] = value;
  const mean = state[at + MEAN];
  const delta = value - mean;
  const newMean = mean + delta / count;
  state[at + MEAN] = newMean;
  state[at + M2] += delta * (value - newMean);
  if (time < state[at + FIRST_TIME]) {
    state[at + FIRST] = value;
    state[at + FIRST_TIME] = time;
  }
  if (time >= state[at + LAST_TIME]) {
    state[at + LAST] = value;
    state[at + LAST_TIME] = time;
  }
}

/**
 * The statistics of `from` (a finer window, or finer windows, of the same key) into `into`, as if its samples had
 * been added one by one: counts, sums, minimum and maximum add up exactly; mean and M2 by Chan, Golub and
 * LeVeque's pairwise update (the same figures up to rounding). First and last go by time; no tie can occur, as a
 * sample goes into a coarser window directly only once the finer window of its moment has been merged (or never
 * will be). Energy is not merged: every window books its own share of each interval (see aggregator.ts).
 */
export function mergeStats(into: Float64Array, from: Float64Array, fields: number): void {
  into[0] += from[0];
  for (let slot = 0; slot < fields; slot++) {
    const at = HEAD + slot * STRIDE;
    const nb = from[at + COUNT];
    if (nb === 0) continue;
    const na = into[at + COUNT];
    if (na === 0) {
      into.set(from.subarray(at, at + STRIDE), at);
      continue;
    }
    const n = na + nb;
    const delta = from[at + MEAN] - into[at + MEAN];
    into[at + COUNT] = n;
    into[at + SUM] += from[at + SUM];
    if (from[at + MIN] < into[at + MIN]) into[at + MIN] = from[at + MIN];
    if (from[at + MAX] > into[at + MAX]) into[at + MAX] = from[at + MAX];
    into[at + MEAN] += (delta * nb) / n;
    into[at + M2] += from[at + M2] + (delta * delta * na * nb) / n;
    if (from[at + FIRST_TIME] < into[at + FIRST_TIME]) {
      into[at + FIRST] = from[at + FIRST];
      into[at + FIRST_TIME] = from[at + FIRST_TIME];
    }
    if (from[at + LAST_TIME] > into[at + LAST_TIME]) {
      into[at + LAST] = from[at + LAST];
      into[at + LAST_TIME] = from[at + LAST_TIME];
    }
  }
}

/** Energy into a power field's slot; the first booking replaces "none". */
export function addEnergy(state: Float64Array, at: number, wh: number): void {
  const had = state[at];
  state[at] = Number.isNaN(had) ? wh : had + wh;
}
