// Readings of many keys -> one record per key and closed window. Memory is a few numbers per key, window and
// field, whatever the sample rate. A window's statistics close on the clock at its end plus a grace for late
// samples; samples later than that are counted and reported with the key's next record of that window kind.
// Its energy is complete only once the interval across its end is known: the record waits for the first power
// reading after the end, or until Max gap (plus grace) has passed without one.
//
// The hot path: a reading's statistics go into the finest window of its moment and into lifetime only. A window
// whose boundaries are boundaries of a finer window kind ("nests": 10m in 1m, day in 30m in Europe/Berlin, month
// in day) takes the statistics of each finer window as that one closes, merged (Layout.mergeStats). This
// is decided per window, not per kind, as nesting can change from one window to the next: a fixed 3h window nests
// in the days of UTC but not in Berlin's (they begin at 22:00 or 23:00 UTC), a 1h window nests in Berlin's days
// but not in Asia/Kolkata's (18:30 UTC) nor Asia/Kathmandu's (18:15 UTC). A window that nests in nothing finer
// takes each reading itself, as does one whose finer window of that moment has closed already (a late reading) or
// was restored from the context store (which holds whole windows). Energy is booked into every window kind
// directly: each interval between two power readings is split by time over the windows it spans, as before, and
// that costs one addition per window kind and power field.
import { shareWh, trapezoidWh } from './energy';
import { addEnergy, FieldRegistry, type Layout, type Slots } from './field-slots';
import type { Sample } from './reading-fields';
import { WindowClock, type Span, type WindowSpec } from './window-spec';
import { WindowState, type SavedWindowState } from './window-state';

export interface AggregatorOptions {
  readonly windows: readonly WindowSpec[];
  /** IANA zone of the day, month and year windows. */
  readonly zone: string;
  /** How long after its end a window still takes samples. */
  readonly graceMs: number;
  /** Two power samples further apart than this get no energy between them. */
  readonly maxGapMs: number;
  readonly isPowerField: (field: string) => boolean;
  /** Samples stamped further ahead of the clock are refused: each would hold a window open until then. */
  readonly maxAheadMs: number;
}

/** A closed (or, on flush, still open) window of one key. */
export interface WindowRecord {
  readonly key: string;
  /** The record kind the key's readings came with (their msg.measurement), if any. */
  readonly kind: string | undefined;
  readonly window: string;
  readonly start: number;
  readonly end: number;
  readonly partial: boolean;
  /** Samples of this key that came after an earlier window of this kind had closed, since its last record. */
  readonly lateSamples: number;
  readonly state: WindowState;
}

export interface AddOutcome {
  /** How many of the windows this sample belongs to had already closed, or were sent before its energy came. */
  readonly late: number;
  readonly outOfOrder: boolean;
}

export interface AggregatorCounters {
  samples: number;
  late: number;
  outOfOrder: number;
}

interface Bucket {
  readonly span: Span;
  readonly closesAt: number;
  /** Its statistics have closed; the keys still in it wait for their energy. */
  closed: boolean;
  /** Its statistics have gone into the window that takes them (or there is none). */
  merged: boolean;
  /** False for a window restored from the store: the coarser windows were restored with its statistics in them. */
  readonly feeds: boolean;
  /** The timeline whose windows this one is merged from, -1 when it takes every reading itself. */
  readonly source: number;
  readonly states: Map<string, Slots>;
}

/** A window of a key whose statistics have closed and whose energy is not complete yet. */
interface Waiting {
  readonly line: Timeline;
  readonly bucket: Bucket;
}

/** The open windows of one fixed or calendar window kind, by start; all keys share the boundaries. */
interface Timeline {
  readonly index: number;
  readonly name: string;
  readonly clock: WindowClock;
  readonly buckets: Map<number, Bucket>;
  /** Finer timelines a window of this one may be merged from, coarsest first. */
  readonly finer: number[];
  /** Coarser timelines that may be merged from this one. */
  readonly coarser: number[];
}

interface Lifetime {
  start: number;
  state: Slots;
}

interface KeyState {
  kind: string | undefined;
  /** Time of the newest sample; an older one is out of order. */
  newest: number;
  /** Open windows holding this key. */
  open: number;
  /** Its fields; every state of the key is laid out by it. */
  layout: Layout;
  /** The last in-order sample of each power field, by power index (NaN time: none yet). */
  powerTime: number[];
  powerWatts: number[];
  /** Late samples per timeline, not reported yet. */
  readonly late: number[];
  /** Per timeline, the end of the last window sent: energy for a window up to there comes too late. */
  readonly sentUntil: number[];
  /** Windows that wait for their energy, in no order. */
  waiting: Waiting[];
  lifetime: Lifetime | undefined;
  /** Per timeline, the window of the key's last reading and its state there: most readings land in it again. */
  readonly cursorBucket: (Bucket | undefined)[];
  readonly cursorState: (Slots | undefined)[];
}

const SNAPSHOT_VERSION = 1;

/** Nominal lengths, to order window kinds from fine to coarse; nesting itself is checked window by window. */
const NOMINAL_MS = { day: 86_400_000, month: 31 * 86_400_000, year: 366 * 86_400_000 } as const;

export class Aggregator {
  readonly counters: AggregatorCounters = { samples: 0, late: 0, outOfOrder: 0 };
  private readonly timelines: Timeline[] = [];
  /** Timeline indexes from fine to coarse: merges run in this order. */
  private readonly byFineness: number[];
  private readonly hasLifetime: boolean;
  private readonly keys = new Map<string, KeyState>();
  readonly fields: FieldRegistry;
  /** Keys with windows waiting for energy, and those of them that got a power reading since the last close. */
  private readonly waitingKeys = new Set<string>();
  private readonly recheck = new Set<string>();
  /** When a reading came for a waiting key: its windows may be complete now. */
  private recheckAt = Infinity;
  /** No waiting window times out (Max gap passed with no power reading) before this. */
  private waitDeadline = Infinity;
  /** No window's statistics close before this; merges wait until then. */
  private nextMergeAt = Infinity;
  /** Per add, by timeline: the bucket of the sample's moment if it is open, and whether it took the sample. */
  private readonly openBucket: (Bucket | undefined)[];
  private readonly lateOn: Uint8Array;
  private readonly scratchIds: number[] = [];
  private readonly scratchValues: number[] = [];

  constructor(private readonly options: AggregatorOptions) {
    this.fields = new FieldRegistry(options.isPowerField);
    const nominal: number[] = [];
    for (const spec of options.windows) {
      if (spec.kind === 'lifetime') continue;
      const index = this.timelines.length;
      this.timelines.push({ index, name: spec.name, clock: new WindowClock(spec, options.zone), buckets: new Map(), finer: [], coarser: [] });
      nominal.push(spec.kind === 'fixed' ? spec.ms : NOMINAL_MS[spec.unit]);
    }
    this.byFineness = this.timelines.map((l) => l.index).sort((a, b) => nominal[a] - nominal[b] || a - b);
    this.byFineness.forEach((index, rank) => {
      for (let finer = rank - 1; finer >= 0; finer--) {
        this.timelines[index].finer.push(this.byFineness[finer]);
        this.timelines[this.byFineness[finer]].coarser.push(index);
      }
    });
    this.openBucket = this.timelines.map(() => undefined);
    this.lateOn = new Uint8Array(this.timelines.length);
    this.hasLifetime = options.windows.some((w) => w.kind === 'lifetime');
  }

  get keyCount(): number {
    return this.keys.size;
  }

  /** A sample whose fields are a Map by name (tests, the bench); the node uses addFields. */
  add(key: string, sample: Sample, now: number, kind?: string): AddOutcome {
    const ids = this.scratchIds;
    const values = this.scratchValues;
    ids.length = 0;
    values.length = 0;
    for (const [name, value] of sample.fields) {
      ids.push(this.fields.id(name));
      values.push(value);
    }
    return this.addFields(key, sample.time, ids, values, ids.length, now, kind);
  }

  /**
   * A sample whose fields are registry ids (`fields.id(name)`, each at most once) with their values: the first
   * `count` of `ids` and `values`.
   */
  addFields(key: string, time: number, ids: ArrayLike<number>, values: ArrayLike<number>, count: number, now: number, kind?: string): AddOutcome {
    if (time > now + this.options.maxAheadMs) {
      throw new RangeError(`timestamp ${new Date(time).toISOString()} is ${Math.round((time - now) / 1000)} s ahead of this machine's clock`);
    }
    if (now >= this.nextMergeAt) this.mergeClosed(now);
    const keyState = this.keyState(key);
    if (kind !== undefined) keyState.kind = kind;
    this.ensureFields(key, keyState, ids, count);
    // A reading without one of the key's fields: its windows keep a count and times per field from now on.
    if (keyState.layout.dense && count < keyState.layout.ids.length) this.moveTo(key, keyState, keyState.layout.sparse());
    const layout = keyState.layout;
    const outOfOrder = time < keyState.newest;
    const lateOn = this.lateOn;
    lateOn.fill(0);
    const grace = this.options.graceMs;
    for (const index of this.byFineness) {
      const line = this.timelines[index];
      let bucket: Bucket | undefined;
      let state: Slots | undefined;
      const cursor = keyState.cursorBucket[index];
      if (cursor !== undefined && time >= cursor.span.start && time < cursor.span.end) {
        bucket = cursor;
        if (bucket.span.end + grace <= now || bucket.merged) bucket = undefined;
        else state = keyState.cursorState[index];
      } else {
        const span = line.clock.spanOf(time);
        if (span.end + grace > now) {
          bucket = this.bucketOf(line, span);
          if (bucket.merged) bucket = undefined;
        }
      }
      this.openBucket[index] = bucket;
      if (bucket === undefined) {
        lateOn[index] = 1;
        continue;
      }
      if (state === undefined) {
        state = this.stateIn(line, bucket, key, keyState);
        keyState.cursorBucket[index] = bucket;
        keyState.cursorState[index] = state;
      }
      // The finer window of this moment takes the sample and is merged in when it closes, unless it is gone.
      const source = bucket.source < 0 ? undefined : this.openBucket[bucket.source];
      if (source === undefined || !source.feeds) layout.addSample(state, time, ids, values, count);
    }
    if (this.hasLifetime) {
      keyState.lifetime ??= { start: time, state: layout.newState() };
      keyState.lifetime.start = Math.min(keyState.lifetime.start, time);
      layout.addSample(keyState.lifetime.state, time, ids, values, count);
    }
    // Energy integrates the samples in time order; an out-of-order one only joins the statistics.
    if (!outOfOrder) {
      keyState.newest = time;
      for (let i = 0; i < count; i++) {
        const slot = layout.slot(ids[i]);
        const power = layout.powerIndex[slot];
        if (power >= 0) this.integrate(key, keyState, power, time, values[i]);
      }
      if (keyState.waiting.length > 0) {
        this.recheck.add(key);
        this.recheckAt = Math.min(this.recheckAt, now);
      }
    }
    let late = 0;
    for (let index = 0; index < lateOn.length; index++) {
      if (lateOn[index] === 0) continue;
      late++;
      keyState.late[index]++;
    }
    this.counters.samples++;
    if (late > 0) this.counters.late++;
    if (outOfOrder) this.counters.outOfOrder++;
    return { late, outOfOrder };
  }

  /**
   * Records of every window whose end plus grace has passed and whose energy is complete; lifetime comes with
   * each key's closes. A window of a key with power fields waits for the first power reading after its end
   * (the interval across the end), or until Max gap plus grace has passed since the last one.
   */
  closeDue(now: number): WindowRecord[] {
    if (now >= this.nextMergeAt) this.mergeClosed(now);
    const records: WindowRecord[] = [];
    const closedUntil = new Map<string, number>();
    const send = (line: Timeline, bucket: Bucket, key: string, keyState: KeyState, state: Slots) => {
      bucket.states.delete(key);
      if (bucket.states.size === 0) line.buckets.delete(bucket.span.start);
      keyState.open--;
      keyState.sentUntil[line.index] = Math.max(keyState.sentUntil[line.index], bucket.span.end);
      const lateSamples = keyState.late[line.index];
      keyState.late[line.index] = 0;
      // Every finer window of a closed one has closed and been merged into it: its own state is whole.
      records.push({ key, kind: keyState.kind, window: line.name, ...bucket.span, partial: false, lateSamples, state: keyState.layout.view(state) });
      closedUntil.set(key, Math.max(closedUntil.get(key) ?? -Infinity, bucket.span.end));
    };
    // Statistics close on the clock; a key whose energy is not complete waits.
    for (const line of this.timelines) {
      for (const bucket of line.buckets.values()) {
        if (bucket.closed || bucket.closesAt > now) continue;
        bucket.closed = true;
        for (const [key, state] of bucket.states) {
          const keyState = this.keys.get(key);
          if (keyState === undefined) continue;
          if (this.energyDoneAt(keyState, bucket.span.end) <= now) send(line, bucket, key, keyState, state);
          else this.wait(key, keyState, { line, bucket });
        }
      }
    }
    // Waiting windows: of keys that got a power reading, or of every key once one may have timed out.
    const timedOut = now >= this.waitDeadline;
    for (const key of timedOut ? this.waitingKeys : this.recheck) {
      const keyState = this.keys.get(key);
      if (keyState === undefined) continue;
      keyState.waiting = keyState.waiting.filter(({ line, bucket }) => {
        const state = bucket.states.get(key);
        if (state === undefined) return false;
        if (this.energyDoneAt(keyState, bucket.span.end) > now) return true;
        send(line, bucket, key, keyState, state);
        return false;
      });
      if (keyState.waiting.length === 0) this.waitingKeys.delete(key);
    }
    this.recheck.clear();
    this.recheckAt = Infinity;
    if (timedOut) {
      this.waitDeadline = Infinity;
      for (const key of this.waitingKeys) {
        const keyState = this.keys.get(key);
        for (const { bucket } of keyState?.waiting ?? [])
          this.waitDeadline = Math.min(this.waitDeadline, this.energyDoneAt(keyState!, bucket.span.end));
      }
    }
    records.sort((a, b) => a.end - b.end);
    for (const [key, end] of closedUntil) {
      const keyState = this.keys.get(key);
      if (keyState?.lifetime) records.push(this.lifetimeRecord(key, keyState, keyState.lifetime, end, false));
    }
    if (!this.hasLifetime) this.forgetIdleKeys(now);
    return records;
  }

  /** Records of every open window (of one key, or all), marked partial; the windows keep running. */
  flush(now: number, onlyKey?: string): WindowRecord[] {
    const records: WindowRecord[] = [];
    for (const line of this.timelines) {
      for (const bucket of line.buckets.values()) {
        const add = (key: string, keyState: KeyState) => {
          const state = this.wholeState(line, bucket, key, keyState.layout);
          if (state === undefined) return;
          const view = keyState.layout.view(state);
          records.push({
            key,
            kind: keyState.kind,
            window: line.name,
            ...bucket.span,
            partial: true,
            lateSamples: keyState.late[line.index],
            state: view,
          });
        };
        if (onlyKey !== undefined) {
          const keyState = this.keys.get(onlyKey);
          if (keyState !== undefined) add(onlyKey, keyState);
          continue;
        }
        for (const key of bucket.states.keys()) {
          const keyState = this.keys.get(key);
          if (keyState !== undefined) add(key, keyState);
        }
      }
    }
    for (const [key, keyState] of this.keys) {
      if (keyState.lifetime && (onlyKey === undefined || key === onlyKey))
        records.push(this.lifetimeRecord(key, keyState, keyState.lifetime, now, true));
    }
    return records;
  }

  /** Forgets one key, or every key: its open windows, lifetime and energy track. */
  reset(onlyKey?: string): void {
    for (const line of this.timelines) {
      for (const [start, bucket] of line.buckets) {
        if (onlyKey === undefined) bucket.states.clear();
        else bucket.states.delete(onlyKey);
        if (bucket.states.size === 0) line.buckets.delete(start);
      }
    }
    if (onlyKey === undefined) {
      this.keys.clear();
      this.waitingKeys.clear();
      this.recheck.clear();
    } else {
      this.keys.delete(onlyKey);
      this.waitingKeys.delete(onlyKey);
      this.recheck.delete(onlyKey);
    }
  }

  /** When closeDue may next have something to send, for the node's timer; undefined with nothing open. */
  nextDue(): number | undefined {
    let due = Math.min(this.recheckAt, this.waitDeadline);
    for (const line of this.timelines) {
      for (const bucket of line.buckets.values()) {
        if (!bucket.closed && bucket.closesAt < due) due = bucket.closesAt;
      }
    }
    return due === Infinity ? undefined : due;
  }

  /**
   * Everything needed to carry on after a restart, as plain JSON, in the same form as before windows were
   * merged: each window whole (with what its open finer windows hold), so a store written by an older version
   * loads, and an older version loads this.
   */
  snapshot(): SavedAggregator {
    const keys: [string, SavedKey][] = [];
    for (const [key, k] of this.keys) {
      const late: Record<string, number> = {};
      const sent: Record<string, number> = {};
      for (const line of this.timelines) {
        if (k.late[line.index] > 0) late[line.name] = k.late[line.index];
        if (k.sentUntil[line.index] > -Infinity) sent[line.name] = k.sentUntil[line.index];
      }
      const power: [string, number, number][] = [];
      k.layout.powerSlots.forEach((slot, e) => {
        if (!Number.isNaN(k.powerTime[e])) power.push([this.fields.names[k.layout.ids[slot]], k.powerTime[e], k.powerWatts[e]]);
      });
      keys.push([
        key,
        {
          kind: k.kind,
          newest: k.newest,
          power,
          late,
          sent,
          lifetime: k.lifetime ? { start: k.lifetime.start, state: k.layout.view(k.lifetime.state).toJSON() } : undefined,
        },
      ]);
    }
    const windows: SavedBucket[] = [];
    for (const line of this.timelines) {
      for (const bucket of line.buckets.values()) {
        const states: [string, SavedWindowState][] = [];
        for (const key of bucket.states.keys()) {
          const layout = this.keys.get(key)?.layout;
          const state = layout && this.wholeState(line, bucket, key, layout);
          if (state) states.push([key, layout.view(state).toJSON()]);
        }
        windows.push({ window: line.name, ...bucket.span, states });
      }
    }
    return { version: SNAPSHOT_VERSION, keys, windows };
  }

  /**
   * Replaces the state with a snapshot. Windows no longer configured, or whose boundaries moved (another
   * duration or time zone), are left out and counted; the caller closes what fell due meanwhile with closeDue.
   */
  restore(saved: unknown): RestoreSummary {
    this.reset();
    const summary = { keys: 0, windows: 0, dropped: 0 };
    if (!isObject(saved) || saved.version !== SNAPSHOT_VERSION) return summary;
    for (const entry of Array.isArray(saved.keys) ? saved.keys : []) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !isObject(entry[1])) continue;
      this.keys.delete(entry[0]);
      this.restoreKey(entry[0], entry[1]);
      summary.keys++;
    }
    for (const bucket of Array.isArray(saved.windows) ? saved.windows : []) {
      if (this.restoreBucket(bucket)) summary.windows++;
      else summary.dropped++;
    }
    return summary;
  }

  private restoreKey(key: string, saved: Record<string, unknown>): void {
    const k = this.keyState(key);
    if (typeof saved.kind === 'string') k.kind = saved.kind;
    if (isFiniteNumber(saved.newest)) k.newest = saved.newest;
    for (const p of Array.isArray(saved.power) ? saved.power : []) {
      if (!Array.isArray(p) || typeof p[0] !== 'string' || !isFiniteNumber(p[1]) || !isFiniteNumber(p[2]) || !this.options.isPowerField(p[0]))
        continue;
      const id = this.fields.id(p[0]);
      this.ensureFields(key, k, [id], 1);
      const e = k.layout.powerIndex[k.layout.slot(id)];
      k.powerTime[e] = p[1];
      k.powerWatts[e] = p[2];
    }
    for (const line of this.timelines) {
      const late = isObject(saved.late) ? saved.late[line.name] : undefined;
      if (isFiniteNumber(late)) k.late[line.index] = late;
      const sent = isObject(saved.sent) ? saved.sent[line.name] : undefined;
      if (isFiniteNumber(sent)) k.sentUntil[line.index] = sent;
    }
    if (this.hasLifetime && isObject(saved.lifetime) && isFiniteNumber(saved.lifetime.start)) {
      const state = WindowState.fromJSON(saved.lifetime.state);
      if (state) k.lifetime = { start: saved.lifetime.start, state: this.stateFrom(key, k, state) };
    }
  }

  private restoreBucket(saved: unknown): boolean {
    if (!isObject(saved) || !isFiniteNumber(saved.start) || !isFiniteNumber(saved.end) || !Array.isArray(saved.states)) return false;
    const line = this.timelines.find((l) => l.name === saved.window);
    if (line === undefined) return false;
    const span = line.clock.spanOf(saved.start);
    if (span.start !== saved.start || span.end !== saved.end) return false;
    // Saved windows are whole: one restored does not feed the coarser ones, which hold its statistics already.
    const bucket = this.newBucket(line, span, false);
    for (const entry of saved.states) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const state = WindowState.fromJSON(entry[1]);
      if (state === undefined) continue;
      const keyState = this.keyState(entry[0]);
      keyState.open++;
      bucket.states.set(entry[0], this.stateFrom(entry[0], keyState, state));
    }
    line.buckets.set(span.start, bucket);
    return true;
  }

  /** A saved state in the key's layout, which grows to hold its fields (and turns sparse if they need it). */
  private stateFrom(key: string, keyState: KeyState, saved: WindowState): Slots {
    const ids: number[] = [];
    for (const name of saved.fields.keys()) ids.push(this.fields.id(name));
    for (const name of saved.energyWh.keys()) if (this.options.isPowerField(name)) ids.push(this.fields.id(name));
    this.ensureFields(key, keyState, ids, ids.length);
    if (keyState.layout.dense && !keyState.layout.fitsDense(saved)) this.moveTo(key, keyState, keyState.layout.sparse());
    return keyState.layout.fromSaved(saved);
  }

  private newKeyState(): KeyState {
    return {
      kind: undefined,
      newest: -Infinity,
      open: 0,
      layout: this.fields.empty,
      powerTime: [],
      powerWatts: [],
      late: this.timelines.map(() => 0),
      sentUntil: this.timelines.map(() => -Infinity),
      waiting: [],
      lifetime: undefined,
      cursorBucket: this.timelines.map(() => undefined),
      cursorState: this.timelines.map(() => undefined),
    };
  }

  private keyState(key: string): KeyState {
    let k = this.keys.get(key);
    if (k === undefined) {
      k = this.newKeyState();
      this.keys.set(key, k);
    }
    return k;
  }

  /**
   * Moves the key to a layout with every one of these fields; rare after its first reading. A new field once a
   * window holds samples means those samples lacked it: the layout becomes sparse.
   */
  private ensureFields(key: string, keyState: KeyState, ids: ArrayLike<number>, count: number): void {
    const from = keyState.layout;
    let layout = from;
    for (let i = 0; i < count; i++) if (layout.slot(ids[i]) < 0) layout = layout.with(ids[i]);
    if (layout === from) return;
    this.moveTo(key, keyState, this.hasSamples(key, keyState) ? layout.sparse() : layout);
  }

  private hasSamples(key: string, keyState: KeyState): boolean {
    if (keyState.lifetime !== undefined && keyState.lifetime.state[0] > 0) return true;
    for (const line of this.timelines) {
      for (const bucket of line.buckets.values()) if ((bucket.states.get(key)?.[0] ?? 0) > 0) return true;
    }
    return false;
  }

  /** Copies every state of the key into another layout of its fields (more fields, or sparse from dense). */
  private moveTo(key: string, keyState: KeyState, layout: Layout): void {
    const from = keyState.layout;
    keyState.layout = layout;
    for (const line of this.timelines) {
      for (const bucket of line.buckets.values()) {
        const state = bucket.states.get(key);
        if (state !== undefined) bucket.states.set(key, layout.convert(state, from));
      }
      const cursor = keyState.cursorBucket[line.index];
      keyState.cursorState[line.index] = cursor?.states.get(key);
      if (keyState.cursorState[line.index] === undefined) keyState.cursorBucket[line.index] = undefined;
    }
    if (keyState.lifetime) keyState.lifetime.state = layout.convert(keyState.lifetime.state, from);
    // A layout only ever appends fields, so the power tracks of the older layout keep their indexes.
    for (let e = keyState.powerTime.length; e < layout.powerSlots.length; e++) {
      keyState.powerTime.push(Number.NaN);
      keyState.powerWatts.push(Number.NaN);
    }
  }

  /** The bucket of one window, made if need be. */
  private bucketOf(line: Timeline, span: Span): Bucket {
    let bucket = line.buckets.get(span.start);
    if (bucket === undefined) {
      bucket = this.newBucket(line, span, true);
      line.buckets.set(span.start, bucket);
    }
    return bucket;
  }

  private newBucket(line: Timeline, span: Span, feeds: boolean): Bucket {
    const closesAt = span.end + this.options.graceMs;
    this.nextMergeAt = Math.min(this.nextMergeAt, closesAt);
    return { span, closesAt, closed: false, merged: false, feeds, source: this.sourceOf(line, span), states: new Map() };
  }

  /** The coarsest finer timeline whose windows tile this window exactly, -1 when none does. */
  private sourceOf(line: Timeline, span: Span): number {
    for (const index of line.finer) {
      const clock = this.timelines[index].clock;
      if (clock.spanOf(span.start).start === span.start && clock.spanOf(span.end - 1).end === span.end) return index;
    }
    return -1;
  }

  /** The key's state in one window, made if need be. */
  private stateIn(line: Timeline, bucket: Bucket, key: string, keyState: KeyState): Slots {
    let state = bucket.states.get(key);
    if (state === undefined) {
      state = keyState.layout.newState();
      bucket.states.set(key, state);
      keyState.open++;
      // Made for energy in a window whose statistics closed already: it waits with the others.
      if (bucket.closed) this.wait(key, keyState, { line, bucket });
    }
    return state;
  }

  /**
   * Merges the statistics of every window that has closed on the clock into the coarser window made of it, from
   * fine to coarse, so a coarse window has them before it closes itself or takes a late reading directly.
   */
  private mergeClosed(now: number): void {
    let next = Infinity;
    for (const index of this.byFineness) {
      const line = this.timelines[index];
      for (const bucket of line.buckets.values()) {
        if (bucket.merged) continue;
        if (bucket.closesAt > now) {
          next = Math.min(next, bucket.closesAt);
          continue;
        }
        bucket.merged = true;
        if (!bucket.feeds) continue;
        for (const coarser of line.coarser) {
          const target = this.timelines[coarser];
          const into = target.buckets.get(target.clock.spanOf(bucket.span.start).start);
          if (into === undefined || into.source !== index) continue;
          for (const [key, state] of bucket.states) {
            const keyState = this.keys.get(key);
            if (keyState === undefined || state[0] === 0) continue;
            keyState.layout.mergeStats(this.stateIn(target, into, key, keyState), state);
          }
        }
      }
    }
    this.nextMergeAt = next;
  }

  /** A window's state with what its finer windows that are still open hold; undefined if the key is not in it. */
  private wholeState(line: Timeline, bucket: Bucket, key: string, layout: Layout): Slots | undefined {
    const own = bucket.states.get(key);
    if (own === undefined || bucket.source < 0) return own;
    let whole = own;
    const finer = this.timelines[bucket.source];
    for (const child of finer.buckets.values()) {
      if (child.merged || !child.feeds || child.span.start < bucket.span.start || child.span.end > bucket.span.end) continue;
      const part = this.wholeState(finer, child, key, layout);
      if (part === undefined || part[0] === 0) continue;
      if (whole === own) whole = own.slice();
      layout.mergeStats(whole, part);
    }
    return whole;
  }

  private wait(key: string, keyState: KeyState, waiting: Waiting): void {
    keyState.waiting.push(waiting);
    this.waitingKeys.add(key);
    this.recheck.add(key);
    this.waitDeadline = Math.min(this.waitDeadline, this.energyDoneAt(keyState, waiting.bucket.span.end));
  }

  /**
   * From when the key's energy up to `end` is complete: at once when every power field has a reading at or
   * after `end`; else once Max gap plus grace has passed since the oldest such reading, as no later reading can
   * then continue its interval.
   */
  private energyDoneAt(keyState: KeyState, end: number): number {
    let done = -Infinity;
    for (const time of keyState.powerTime) {
      if (time < end) done = Math.max(done, time + this.options.maxGapMs + this.options.graceMs);
    }
    return done;
  }

  private integrate(key: string, keyState: KeyState, power: number, time: number, watts: number): void {
    const aTime = keyState.powerTime[power];
    const aWatts = keyState.powerWatts[power];
    keyState.powerTime[power] = time;
    keyState.powerWatts[power] = watts;
    if (Number.isNaN(aTime) || time <= aTime || time - aTime > this.options.maxGapMs) return;
    const a = { time: aTime, watts: aWatts };
    const b = { time, watts };
    const wh = trapezoidWh(a, b);
    const at = keyState.layout.energyAt + power;
    for (const line of this.timelines) {
      const index = line.index;
      // Most intervals lie inside the window of the reading that ends them.
      const cursor = keyState.cursorBucket[index]?.span;
      if (cursor !== undefined && aTime >= cursor.start && time <= cursor.end && cursor.end > keyState.sentUntil[index]) {
        addEnergy(keyState.cursorState[index]!, at, shareWh(a, b, wh, cursor.start, cursor.end));
        continue;
      }
      if (!this.spread(line, key, keyState, at, a, b, wh)) this.lateOn[index] = 1;
    }
    if (keyState.lifetime) addEnergy(keyState.lifetime.state, at, wh);
  }

  /**
   * The energy from `a` to `b` into every window of one kind it spans, in proportion to the time it shares
   * with each. False when part of it fell in a window already sent: that part is not booked (a sent record
   * never changes), and the reading counts as late.
   */
  private spread(
    line: Timeline,
    key: string,
    keyState: KeyState,
    at: number,
    a: { time: number; watts: number },
    b: { time: number; watts: number },
    wh: number,
  ): boolean {
    let complete = true;
    for (let span = line.clock.spanOf(a.time); ; span = line.clock.spanOf(span.end)) {
      if (span.end <= keyState.sentUntil[line.index]) complete = false;
      else addEnergy(this.stateIn(line, this.bucketOf(line, span), key, keyState), at, shareWh(a, b, wh, span.start, span.end));
      if (span.end >= b.time) return complete;
    }
  }

  private lifetimeRecord(key: string, keyState: KeyState, lifetime: Lifetime, end: number, partial: boolean): WindowRecord {
    return {
      key,
      kind: keyState.kind,
      window: 'lifetime',
      start: lifetime.start,
      end,
      partial,
      lateSamples: 0,
      state: keyState.layout.view(lifetime.state),
    };
  }

  /** Without a lifetime window, a key with nothing open and too old to continue an energy interval is dropped. */
  private forgetIdleKeys(now: number): void {
    for (const [key, k] of this.keys) {
      if (k.open === 0 && now - k.newest > this.options.maxGapMs + this.options.graceMs) this.keys.delete(key);
    }
  }
}

export interface SavedKey {
  kind: string | undefined;
  newest: number;
  power: [string, number, number][];
  late: Record<string, number>;
  /** End of the last window sent, per window kind. */
  sent: Record<string, number>;
  lifetime: { start: number; state: SavedWindowState } | undefined;
}

export interface SavedBucket {
  window: string;
  start: number;
  end: number;
  states: [string, SavedWindowState][];
}

export interface SavedAggregator {
  version: number;
  keys: [string, SavedKey][];
  windows: SavedBucket[];
}

export interface RestoreSummary {
  keys: number;
  windows: number;
  /** Saved windows left out: no longer configured, or their boundaries moved. */
  dropped: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
