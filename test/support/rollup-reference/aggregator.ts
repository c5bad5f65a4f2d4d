// FROZEN REFERENCE, NOT SHIPPED: the rollup engine as it was before the hot path was rewritten (every reading
// updated every window through Maps of objects). It exists only so test/unit/rollup-engine-equivalence.test.ts can
// check that the rewritten engine (nodes/rollup/aggregator.ts) gives the same records for random streams. Do not
// change it to follow the new engine; change it only when the records' meaning changes on purpose.
// Readings of many keys -> one record per key and closed window. Memory is a few numbers per key, window and
// field, whatever the sample rate. A window's statistics close on the clock at its end plus a grace for late
// samples; samples later than that are counted and reported with the key's next record of that window kind.
// Its energy is complete only once the interval across its end is known: the record waits for the first power
// reading after the end, or until Max gap (plus grace) has passed without one.
import { shareWh, trapezoidWh, type PowerPoint } from '../../../nodes/rollup/energy';
import type { Sample } from '../../../nodes/rollup/reading-fields';
import { WindowClock, type Span, type WindowSpec } from '../../../nodes/rollup/window-spec';
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

/** A closed (or, on flush, still open) window of one key. Read `state` at once: an open window keeps changing. */
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
  readonly states: Map<string, WindowState>;
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
}

interface Lifetime {
  start: number;
  readonly state: WindowState;
}

interface KeyState {
  kind: string | undefined;
  /** Time of the newest sample; an older one is out of order. */
  newest: number;
  /** Open windows holding this key. */
  open: number;
  /** The last in-order sample of each power field, the start of the next energy interval. */
  readonly power: Map<string, PowerPoint>;
  /** Late samples per timeline, not reported yet. */
  readonly late: number[];
  /** Per timeline, the end of the last window sent: energy for a window up to there comes too late. */
  readonly sentUntil: number[];
  /** Windows that wait for their energy, in no order. */
  waiting: Waiting[];
  lifetime: Lifetime | undefined;
}

const SNAPSHOT_VERSION = 1;

export class Aggregator {
  readonly counters: AggregatorCounters = { samples: 0, late: 0, outOfOrder: 0 };
  private readonly timelines: Timeline[] = [];
  private readonly hasLifetime: boolean;
  private readonly keys = new Map<string, KeyState>();
  private readonly powerFields = new Map<string, boolean>();
  /** Keys with windows waiting for energy, and those of them that got a power reading since the last close. */
  private readonly waitingKeys = new Set<string>();
  private readonly recheck = new Set<string>();
  /** When a reading came for a waiting key: its windows may be complete now. */
  private recheckAt = Infinity;
  /** No waiting window times out (Max gap passed with no power reading) before this. */
  private waitDeadline = Infinity;

  constructor(private readonly options: AggregatorOptions) {
    for (const spec of options.windows) {
      if (spec.kind === 'lifetime') continue;
      this.timelines.push({ index: this.timelines.length, name: spec.name, clock: new WindowClock(spec, options.zone), buckets: new Map() });
    }
    this.hasLifetime = options.windows.some((w) => w.kind === 'lifetime');
  }

  get keyCount(): number {
    return this.keys.size;
  }

  add(key: string, sample: Sample, now: number, kind?: string): AddOutcome {
    const { time, fields } = sample;
    if (time > now + this.options.maxAheadMs) {
      throw new RangeError(`timestamp ${new Date(time).toISOString()} is ${Math.round((time - now) / 1000)} s ahead of this machine's clock`);
    }
    const keyState = this.keyState(key);
    if (kind !== undefined) keyState.kind = kind;
    const outOfOrder = time < keyState.newest;
    const lateOn = new Set<number>();
    for (const line of this.timelines) {
      const state = this.openState(line, key, keyState, time, now);
      if (state) state.addSample(time, fields);
      else lateOn.add(line.index);
    }
    if (this.hasLifetime) {
      keyState.lifetime ??= { start: time, state: new WindowState() };
      keyState.lifetime.start = Math.min(keyState.lifetime.start, time);
      keyState.lifetime.state.addSample(time, fields);
    }
    // Energy integrates the samples in time order; an out-of-order one only joins the statistics.
    if (!outOfOrder) {
      keyState.newest = time;
      for (const [field, watts] of fields) {
        if (this.isPower(field)) this.integrate(key, keyState, field, { time, watts }, now, lateOn);
      }
      if (keyState.waiting.length > 0) {
        this.recheck.add(key);
        this.recheckAt = Math.min(this.recheckAt, now);
      }
    }
    for (const index of lateOn) keyState.late[index]++;
    const late = lateOn.size;
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
    const records: WindowRecord[] = [];
    const closedUntil = new Map<string, number>();
    const send = (line: Timeline, bucket: Bucket, key: string, keyState: KeyState, state: WindowState) => {
      bucket.states.delete(key);
      if (bucket.states.size === 0) line.buckets.delete(bucket.span.start);
      keyState.open--;
      keyState.sentUntil[line.index] = Math.max(keyState.sentUntil[line.index], bucket.span.end);
      const lateSamples = keyState.late[line.index];
      keyState.late[line.index] = 0;
      records.push({ key, kind: keyState.kind, window: line.name, ...bucket.span, partial: false, lateSamples, state });
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
        for (const [key, state] of bucket.states) {
          const keyState = this.keys.get(key);
          if (keyState === undefined || (onlyKey !== undefined && key !== onlyKey)) continue;
          records.push({ key, kind: keyState.kind, window: line.name, ...bucket.span, partial: true, lateSamples: keyState.late[line.index], state });
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

  /** Everything needed to carry on after a restart, as plain JSON. */
  snapshot(): SavedAggregator {
    const keys: [string, SavedKey][] = [];
    for (const [key, k] of this.keys) {
      const late: Record<string, number> = {};
      const sent: Record<string, number> = {};
      for (const line of this.timelines) {
        if (k.late[line.index] > 0) late[line.name] = k.late[line.index];
        if (k.sentUntil[line.index] > -Infinity) sent[line.name] = k.sentUntil[line.index];
      }
      keys.push([
        key,
        {
          kind: k.kind,
          newest: k.newest,
          power: [...k.power].map(([field, p]) => [field, p.time, p.watts]),
          late,
          sent,
          lifetime: k.lifetime ? { start: k.lifetime.start, state: k.lifetime.state.toJSON() } : undefined,
        },
      ]);
    }
    const windows: SavedBucket[] = [];
    for (const line of this.timelines) {
      for (const bucket of line.buckets.values()) {
        windows.push({ window: line.name, ...bucket.span, states: [...bucket.states].map(([key, state]) => [key, state.toJSON()]) });
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
      this.keys.set(entry[0], this.restoreKey(entry[1]));
      summary.keys++;
    }
    for (const bucket of Array.isArray(saved.windows) ? saved.windows : []) {
      if (this.restoreBucket(bucket)) summary.windows++;
      else summary.dropped++;
    }
    return summary;
  }

  private restoreKey(saved: Record<string, unknown>): KeyState {
    const k = this.newKeyState();
    if (typeof saved.kind === 'string') k.kind = saved.kind;
    if (isFiniteNumber(saved.newest)) k.newest = saved.newest;
    for (const p of Array.isArray(saved.power) ? saved.power : []) {
      if (Array.isArray(p) && typeof p[0] === 'string' && isFiniteNumber(p[1]) && isFiniteNumber(p[2]))
        k.power.set(p[0], { time: p[1], watts: p[2] });
    }
    for (const line of this.timelines) {
      const late = isObject(saved.late) ? saved.late[line.name] : undefined;
      if (isFiniteNumber(late)) k.late[line.index] = late;
      const sent = isObject(saved.sent) ? saved.sent[line.name] : undefined;
      if (isFiniteNumber(sent)) k.sentUntil[line.index] = sent;
    }
    if (this.hasLifetime && isObject(saved.lifetime) && isFiniteNumber(saved.lifetime.start)) {
      const state = WindowState.fromJSON(saved.lifetime.state);
      if (state) k.lifetime = { start: saved.lifetime.start, state };
    }
    return k;
  }

  private restoreBucket(saved: unknown): boolean {
    if (!isObject(saved) || !isFiniteNumber(saved.start) || !isFiniteNumber(saved.end) || !Array.isArray(saved.states)) return false;
    const line = this.timelines.find((l) => l.name === saved.window);
    if (line === undefined) return false;
    const span = line.clock.spanOf(saved.start);
    if (span.start !== saved.start || span.end !== saved.end) return false;
    const bucket: Bucket = { span, closesAt: span.end + this.options.graceMs, closed: false, states: new Map() };
    for (const entry of saved.states) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const state = WindowState.fromJSON(entry[1]);
      if (state === undefined) continue;
      const keyState = this.keyState(entry[0]);
      keyState.open++;
      bucket.states.set(entry[0], state);
    }
    line.buckets.set(span.start, bucket);
    return true;
  }

  private newKeyState(): KeyState {
    return {
      kind: undefined,
      newest: -Infinity,
      open: 0,
      power: new Map(),
      late: this.timelines.map(() => 0),
      sentUntil: this.timelines.map(() => -Infinity),
      waiting: [],
      lifetime: undefined,
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

  /** The key's state in the window of `time`, made if need be; undefined when that window has closed. */
  private openState(line: Timeline, key: string, keyState: KeyState, time: number, now: number): WindowState | undefined {
    const span = line.clock.spanOf(time);
    const closesAt = span.end + this.options.graceMs;
    if (closesAt <= now) return undefined;
    return this.stateIn(line, span, key, keyState);
  }

  /** The key's state in one window, made (with the window) if need be. */
  private stateIn(line: Timeline, span: Span, key: string, keyState: KeyState): WindowState {
    let bucket = line.buckets.get(span.start);
    if (bucket === undefined) {
      bucket = { span, closesAt: span.end + this.options.graceMs, closed: false, states: new Map() };
      line.buckets.set(span.start, bucket);
    }
    let state = bucket.states.get(key);
    if (state === undefined) {
      state = new WindowState();
      bucket.states.set(key, state);
      keyState.open++;
      // Made for energy in a window whose statistics closed already: it waits with the others.
      if (bucket.closed) this.wait(key, keyState, { line, bucket });
    }
    return state;
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
    for (const point of keyState.power.values()) {
      if (point.time < end) done = Math.max(done, point.time + this.options.maxGapMs + this.options.graceMs);
    }
    return done;
  }

  private isPower(field: string): boolean {
    let power = this.powerFields.get(field);
    if (power === undefined) {
      power = this.options.isPowerField(field);
      this.powerFields.set(field, power);
    }
    return power;
  }

  private integrate(key: string, keyState: KeyState, field: string, b: PowerPoint, now: number, lateOn: Set<number>): void {
    const a = keyState.power.get(field);
    keyState.power.set(field, b);
    if (a === undefined || b.time <= a.time || b.time - a.time > this.options.maxGapMs) return;
    const wh = trapezoidWh(a, b);
    for (const line of this.timelines) {
      if (!this.spread(line, key, keyState, field, a, b, wh)) lateOn.add(line.index);
    }
    keyState.lifetime?.state.addEnergy(field, wh);
  }

  /**
   * The energy from `a` to `b` into every window of one kind it spans, in proportion to the time it shares
   * with each. False when part of it fell in a window already sent: that part is not booked (a sent record
   * never changes), and the reading counts as late.
   */
  private spread(line: Timeline, key: string, keyState: KeyState, field: string, a: PowerPoint, b: PowerPoint, wh: number): boolean {
    let complete = true;
    for (let span = line.clock.spanOf(a.time); ; span = line.clock.spanOf(span.end)) {
      if (span.end <= keyState.sentUntil[line.index]) complete = false;
      else this.stateIn(line, span, key, keyState).addEnergy(field, shareWh(a, b, wh, span.start, span.end));
      if (span.end >= b.time) return complete;
    }
  }

  private lifetimeRecord(key: string, keyState: KeyState, lifetime: Lifetime, end: number, partial: boolean): WindowRecord {
    return { key, kind: keyState.kind, window: 'lifetime', start: lifetime.start, end, partial, lateSamples: 0, state: lifetime.state };
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
