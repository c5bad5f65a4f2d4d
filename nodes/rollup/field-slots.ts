// What one key has gathered in one window, as one array of numbers: a header (samples, time of the first and of the
// last), a fixed run of numbers per field, then the energy of each power field. Where each field sits is a
// Layout, made once per field set and shared by every key that sends that set; nothing is looked up by name per
// reading.
//
// Most devices send the same fields in every reading. While a key does, its layout is dense: a field's count
// and the times of its first and last value are the window's own, kept once in the header, so a field takes 7
// numbers. A key that sends a reading without one of its fields, or a field it has not sent before, moves to the
// sparse form of its layout once, for good: 10 numbers a field, with its own count and times.
import { FieldStats } from './field-stats';
import { WindowState } from './window-state';

/**
 * A window state's numbers. A plain array that only ever holds numbers: V8 keeps them unboxed in one block, as a
 * Float64Array would, for about 50 bytes of overhead instead of about 190 (a typed array's buffer and its
 * bookkeeping), which is 1.3 kB a device with 9 windows; reading and writing them is as fast.
 */
export type Slots = number[];

/** `count` numbers of `from` from `fromAt` into `into` at `at`. */
function copy(into: Slots, at: number, from: ArrayLike<number>, fromAt: number, count: number): void {
  for (let i = 0; i < count; i++) into[at + i] = from[fromAt + i];
}

/** Header: samples in the window, time of the first and of the last (dense layouts only). */
export const SAMPLES = 0;
const FIRST_AT = 1;
const LAST_AT = 2;
export const HEAD = 3;

/** Sparse: per field, in FieldStats.toJSON's order, so a saved field is these numbers as they are. */
const S_COUNT = 0;
const S_SUM = 1;
const S_MIN = 2;
const S_MAX = 3;
/** Welford's running mean and sum of squared deviations from it. */
const S_MEAN = 4;
const S_M2 = 5;
const S_FIRST = 6;
const S_FIRST_TIME = 7;
const S_LAST = 8;
const S_LAST_TIME = 9;
const SPARSE_STRIDE = 10;
const EMPTY_SPARSE = [0, 0, Infinity, -Infinity, 0, 0, Number.NaN, Infinity, Number.NaN, -Infinity];

/** Dense: the same less count and times. */
const D_SUM = 0;
const D_MIN = 1;
const D_MAX = 2;
const D_MEAN = 3;
const D_M2 = 4;
const D_FIRST = 5;
const D_LAST = 6;
const DENSE_STRIDE = 7;
const EMPTY_DENSE = [0, Infinity, -Infinity, 0, 0, Number.NaN, Number.NaN];

/** Every field name the node has met, numbered once; whether it is a power field is decided once too. */
export class FieldRegistry {
  readonly names: string[] = [];
  readonly power: boolean[] = [];
  private readonly ids = new Map<string, number>();
  readonly empty: Layout;

  constructor(private readonly isPowerField: (field: string) => boolean) {
    this.empty = new Layout(this, [], true);
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

/** The fields of a key in the order it first sent them, dense or sparse (above). */
export class Layout {
  /** Registry ids, by slot. */
  readonly ids: readonly number[];
  /** Slot of each registry id, -1 for fields not in this layout (ids beyond its length are not in it either). */
  readonly slotOf: Int32Array;
  /** Per slot, the index of its energy among the power fields, -1 for other fields. */
  readonly powerIndex: Int32Array;
  /** Slot of each power field, by power index. */
  readonly powerSlots: readonly number[];
  readonly stride: number;
  /** Where the energies begin; a state is this plus one number per power field long. */
  readonly energyAt: number;
  readonly size: number;
  private readonly next = new Map<number, Layout>();
  private sparseForm: Layout | undefined;
  /** An empty state, copied for each new one (so every state is an array of doubles from the start). */
  private readonly template: Slots;

  constructor(
    readonly registry: FieldRegistry,
    ids: readonly number[],
    readonly dense: boolean,
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
    this.stride = dense ? DENSE_STRIDE : SPARSE_STRIDE;
    this.energyAt = HEAD + ids.length * this.stride;
    this.size = this.energyAt + powerSlots.length;
    const template: Slots = [0, Infinity, -Infinity];
    for (let slot = 0; slot < ids.length; slot++) template.push(...(dense ? EMPTY_DENSE : EMPTY_SPARSE));
    for (let e = 0; e < powerSlots.length; e++) template.push(Number.NaN);
    this.template = template;
  }

  slot(id: number): number {
    return id < this.slotOf.length ? this.slotOf[id] : -1;
  }

  /** This layout with one more field, of the same form. */
  with(id: number): Layout {
    let layout = this.next.get(id);
    if (layout === undefined) {
      layout = new Layout(this.registry, [...this.ids, id], this.dense);
      this.next.set(id, layout);
    }
    return layout;
  }

  /** The same fields, each with its own count and times. */
  sparse(): Layout {
    if (!this.dense) return this;
    this.sparseForm ??= new Layout(this.registry, this.ids, false);
    return this.sparseForm;
  }

  /** A state with nothing in it: no samples, empty statistics, no energy (NaN: none booked, unlike 0 Wh). */
  newState(): Slots {
    return this.template.slice();
  }

  /**
   * A state of another layout of the key copied into this one, which has its fields first and then more: the
   * same form, or sparse from dense.
   */
  convert(state: Slots, from: Layout): Slots {
    const into = this.newState();
    into[SAMPLES] = state[SAMPLES];
    into[FIRST_AT] = state[FIRST_AT];
    into[LAST_AT] = state[LAST_AT];
    for (let slot = 0; slot < from.ids.length; slot++) {
      const numbers = from.fieldNumbers(state, slot);
      if (this.dense)
        copy(into, HEAD + slot * DENSE_STRIDE, [numbers[1], numbers[2], numbers[3], numbers[4], numbers[5], numbers[6], numbers[8]], 0, DENSE_STRIDE);
      else copy(into, HEAD + slot * SPARSE_STRIDE, numbers, 0, SPARSE_STRIDE);
    }
    for (let e = 0; e < from.powerSlots.length; e++) into[this.energyAt + this.powerIndex[from.powerSlots[e]]] = state[from.energyAt + e];
    return into;
  }

  /** A field's numbers in this layout's form; sparse ones from a dense state take the header's count and times. */
  private fieldNumbers(state: Slots, slot: number): ArrayLike<number> {
    const at = HEAD + slot * this.stride;
    if (!this.dense) return state.slice(at, at + SPARSE_STRIDE);
    return this.denseAsSparse(state, at);
  }

  private denseAsSparse(state: Slots, at: number): number[] {
    return [
      state[SAMPLES],
      state[at + D_SUM],
      state[at + D_MIN],
      state[at + D_MAX],
      state[at + D_MEAN],
      state[at + D_M2],
      state[at + D_FIRST],
      state[FIRST_AT],
      state[at + D_LAST],
      state[LAST_AT],
    ];
  }

  /** Whether a saved state fits a dense layout of these fields: every field in every sample. */
  fitsDense(saved: WindowState): boolean {
    if (saved.sampleCount === 0) return saved.fields.size === 0;
    let first: number | undefined;
    let last: number | undefined;
    for (const id of this.ids) {
      const stats = saved.fields.get(this.registry.names[id]);
      if (stats === undefined || stats.count !== saved.sampleCount) return false;
      first ??= stats.firstTime;
      last ??= stats.lastTime;
      if (stats.firstTime !== first || stats.lastTime !== last) return false;
    }
    return saved.fields.size === this.ids.length;
  }

  /** A saved state in this layout; it must fit (fitsDense) if this is dense. */
  fromSaved(saved: WindowState): Slots {
    const state = this.newState();
    state[SAMPLES] = saved.sampleCount;
    for (const [name, stats] of saved.fields) {
      const at = HEAD + this.slot(this.registry.id(name)) * this.stride;
      const numbers = stats.toJSON();
      if (!this.dense) {
        copy(state, at, numbers, 0, SPARSE_STRIDE);
        continue;
      }
      copy(state, at, [numbers[1], numbers[2], numbers[3], numbers[4], numbers[5], numbers[6], numbers[8]], 0, DENSE_STRIDE);
      state[FIRST_AT] = numbers[7];
      state[LAST_AT] = numbers[9];
    }
    for (const [name, wh] of saved.energyWh) {
      const slot = this.slot(this.registry.id(name));
      const power = slot < 0 ? -1 : this.powerIndex[slot];
      if (power >= 0) state[this.energyAt + power] = wh;
    }
    return state;
  }

  /** The state as the record builder and the context store read it. */
  view(state: Slots): WindowState {
    const view = new WindowState();
    view.sampleCount = state[SAMPLES];
    for (let slot = 0; slot < this.ids.length; slot++) {
      const at = HEAD + slot * this.stride;
      if (this.dense ? state[SAMPLES] === 0 : state[at + S_COUNT] === 0) continue;
      view.fields.set(this.registry.names[this.ids[slot]], FieldStats.of(this.fieldNumbers(state, slot)));
    }
    for (let e = 0; e < this.powerSlots.length; e++) {
      const wh = state[this.energyAt + e];
      if (!Number.isNaN(wh)) view.energyWh.set(this.registry.names[this.ids[this.powerSlots[e]]], wh);
    }
    return view;
  }

  /**
   * One sample into a state: the same arithmetic as FieldStats.add for each field. The fields are the first
   * `count` of `ids` (registry ids, each in this layout, each once; all of them if it is dense) and `values`.
   */
  addSample(state: Slots, time: number, ids: ArrayLike<number>, values: ArrayLike<number>, count: number): void {
    const n = state[SAMPLES] + 1;
    state[SAMPLES] = n;
    if (!this.dense) {
      for (let i = 0; i < count; i++) addSparse(state, HEAD + this.slotOf[ids[i]] * SPARSE_STRIDE, values[i], time);
      return;
    }
    // First and last by the time measured, not by arrival, so an out-of-order sample lands where it belongs.
    const first = time < state[FIRST_AT];
    const last = time >= state[LAST_AT];
    if (first) state[FIRST_AT] = time;
    if (last) state[LAST_AT] = time;
    for (let i = 0; i < count; i++) {
      const at = HEAD + this.slotOf[ids[i]] * DENSE_STRIDE;
      const value = values[i];
      state[at + D_SUM] += value;
      if (value < state[at + D_MIN]) state[at + D_MIN] = value;
      if (value > state[at + D_MAX]) state[at + D_MAX] = value;
      const mean = state[at + D_MEAN];
      const delta = value - mean;
      const newMean = mean + delta / n;
      state[at + D_MEAN] = newMean;
      state[at + D_M2] += delta * (value - newMean);
      if (first) state[at + D_FIRST] = value;
      if (last) state[at + D_LAST] = value;
    }
  }

  /**
   * The statistics of `from` (a finer window of the same key) into `into`, as if its samples had been added one
   * by one: counts, sums, minimum and maximum add up exactly; mean and M2 by Chan, Golub and LeVeque's pairwise
   * update (the same figures up to rounding). First and last go by time; no tie can occur, as a sample goes into
   * a coarser window directly only once the finer window of its moment has been merged (or never will be).
   * Energy is not merged: every window books its own share of each interval (see aggregator.ts).
   */
  mergeStats(into: Slots, from: Slots): void {
    const na = into[SAMPLES];
    const nb = from[SAMPLES];
    if (nb === 0) return;
    into[SAMPLES] = na + nb;
    if (!this.dense) {
      for (let slot = 0; slot < this.ids.length; slot++) mergeSparse(into, from, HEAD + slot * SPARSE_STRIDE);
      return;
    }
    const first = from[FIRST_AT] < into[FIRST_AT];
    const last = from[LAST_AT] > into[LAST_AT];
    if (first) into[FIRST_AT] = from[FIRST_AT];
    if (last) into[LAST_AT] = from[LAST_AT];
    for (let slot = 0; slot < this.ids.length; slot++) {
      const at = HEAD + slot * DENSE_STRIDE;
      if (na === 0) {
        copy(into, at, from, at, DENSE_STRIDE);
        continue;
      }
      const n = na + nb;
      const delta = from[at + D_MEAN] - into[at + D_MEAN];
      into[at + D_SUM] += from[at + D_SUM];
      if (from[at + D_MIN] < into[at + D_MIN]) into[at + D_MIN] = from[at + D_MIN];
      if (from[at + D_MAX] > into[at + D_MAX]) into[at + D_MAX] = from[at + D_MAX];
      into[at + D_MEAN] += (delta * nb) / n;
      into[at + D_M2] += from[at + D_M2] + (delta * delta * na * nb) / n;
      if (first) into[at + D_FIRST] = from[at + D_FIRST];
      if (last) into[at + D_LAST] = from[at + D_LAST];
    }
  }
}

function addSparse(state: Slots, at: number, value: number, time: number): void {
  const count = state[at + S_COUNT] + 1;
  state[at + S_COUNT] = count;
  state[at + S_SUM] += value;
  if (value < state[at + S_MIN]) state[at + S_MIN] = value;
  if (value > state[at + S_MAX]) state[at + S_MAX] = value;
  const mean = state[at + S_MEAN];
  const delta = value - mean;
  const newMean = mean + delta / count;
  state[at + S_MEAN] = newMean;
  state[at + S_M2] += delta * (value - newMean);
  if (time < state[at + S_FIRST_TIME]) {
    state[at + S_FIRST] = value;
    state[at + S_FIRST_TIME] = time;
  }
  if (time >= state[at + S_LAST_TIME]) {
    state[at + S_LAST] = value;
    state[at + S_LAST_TIME] = time;
  }
}

function mergeSparse(into: Slots, from: Slots, at: number): void {
  const nb = from[at + S_COUNT];
  if (nb === 0) return;
  const na = into[at + S_COUNT];
  if (na === 0) {
    copy(into, at, from, at, SPARSE_STRIDE);
    return;
  }
  const n = na + nb;
  const delta = from[at + S_MEAN] - into[at + S_MEAN];
  into[at + S_COUNT] = n;
  into[at + S_SUM] += from[at + S_SUM];
  if (from[at + S_MIN] < into[at + S_MIN]) into[at + S_MIN] = from[at + S_MIN];
  if (from[at + S_MAX] > into[at + S_MAX]) into[at + S_MAX] = from[at + S_MAX];
  into[at + S_MEAN] += (delta * nb) / n;
  into[at + S_M2] += from[at + S_M2] + (delta * delta * na * nb) / n;
  if (from[at + S_FIRST_TIME] < into[at + S_FIRST_TIME]) {
    into[at + S_FIRST] = from[at + S_FIRST];
    into[at + S_FIRST_TIME] = from[at + S_FIRST_TIME];
  }
  if (from[at + S_LAST_TIME] > into[at + S_LAST_TIME]) {
    into[at + S_LAST] = from[at + S_LAST];
    into[at + S_LAST_TIME] = from[at + S_LAST_TIME];
  }
}

/** Energy into a power field's slot; the first booking replaces "none". */
export function addEnergy(state: Slots, at: number, wh: number): void {
  const had = state[at];
  state[at] = Number.isNaN(had) ? wh : had + wh;
}
