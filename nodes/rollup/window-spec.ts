// The windows a user lists ("1m,10m,3h,day,month,lifetime") and where each of their windows starts and ends.
// Fixed durations are aligned to the Unix epoch (UTC); day, month and year follow the calendar of an IANA zone,
// so a day is 23 or 25 hours long on DST changes.
import { DateTime, IANAZone } from 'luxon';

export type CalendarUnit = 'day' | 'month' | 'year';

export type WindowSpec =
  | { readonly kind: 'fixed'; readonly name: string; readonly ms: number }
  | { readonly kind: 'calendar'; readonly name: CalendarUnit; readonly unit: CalendarUnit }
  | { readonly kind: 'lifetime'; readonly name: 'lifetime' };

/** One window: from `start` (included) to `end` (excluded), in ms since the epoch. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };
const CALENDAR_UNITS: readonly CalendarUnit[] = ['day', 'month', 'year'];

export class WindowSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowSpecError';
  }
}

function parseOne(token: string): WindowSpec {
  if (token === 'lifetime') return { kind: 'lifetime', name: 'lifetime' };
  if ((CALENDAR_UNITS as readonly string[]).includes(token)) {
    const unit = token as CalendarUnit;
    return { kind: 'calendar', name: unit, unit };
  }
  const fixed = /^(\d+)(s|m|h)$/.exec(token);
  if (!fixed) {
    throw new WindowSpecError(`window "${token}" is not a duration like 1s, 5m, 3h, nor day, month, year or lifetime`);
  }
  const ms = Number(fixed[1]) * UNIT_MS[fixed[2]];
  if (ms <= 0) throw new WindowSpecError(`window "${token}" has no length`);
  return { kind: 'fixed', name: token, ms };
}

/** "1m, 10m,day lifetime" -> typed windows, in the order given; separators are commas and spaces. */
export function parseWindows(text: string): WindowSpec[] {
  const tokens = text
    .toLowerCase()
    .split(/[\s,]+/)
    .filter((t) => t !== '');
  if (tokens.length === 0) throw new WindowSpecError('no windows given; list some, e.g. 1m,1h,day,lifetime');
  const specs: WindowSpec[] = [];
  for (const token of tokens) {
    const spec = parseOne(token);
    const twin = specs.find((s) => s.name === spec.name || (s.kind === 'fixed' && spec.kind === 'fixed' && s.ms === spec.ms));
    if (twin) throw new WindowSpecError(`window "${token}" is listed twice (as "${twin.name}")`);
    specs.push(spec);
  }
  return specs;
}

/** The zone the calendar windows follow: an IANA name, or the machine's own zone when empty. */
export function parseZone(text: string): string {
  const zone = text.trim() || DateTime.local().zoneName;
  if (!IANAZone.isValidZone(zone)) throw new WindowSpecError(`time zone "${text}" is not an IANA zone like Europe/Berlin or UTC`);
  return zone;
}

/** Offsets of real zones lie within -12 h and +14 h: a wall time W is reached between W - 15 h and W + 15 h. */
const BRACKET_MS = 15 * 3_600_000;
/** The end of Intl's `longOffset` zone name: `GMT+05:30`, `GMT-04:27:40` (local mean time), or `GMT` at zero. */
const LONG_OFFSET = /GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/;
/** One offset formatter per zone: making one takes far longer than using it. */
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function offsetFormat(zone: string): Intl.DateTimeFormat {
  let format = offsetFormats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, format);
  }
  return format;
}

/**
 * Where the days, months or years of one IANA zone begin, as instants. A window begins at the first instant
 * whose local (wall) time reaches the local start of its day, month or year, and ends where the next one
 * begins, so consecutive windows tile time whatever the zone does:
 * - local midnight that does not exist (DST starting at 00:00, America/Santiago, Africa/Cairo): the day begins
 *   at the jump, 01:00, and the day before ends there;
 * - local midnight that happens twice (DST ending at 01:00, America/Havana): the day begins at the first one;
 * - clocks turned back across midnight (America/Goose_Bay until 2011): the repeated hour belongs to the new day.
 */
class ZoneCalendar {
  private readonly tz: IANAZone;
  /** Formats the zone's offset; a few times faster than luxon's offset, which reads every date part. */
  private readonly offsetFormat: Intl.DateTimeFormat;
  /** The last two boundaries found, by wall time: the end of one window is the start of the next. */
  private readonly found: [number, number][] = [
    [Number.NaN, Number.NaN],
    [Number.NaN, Number.NaN],
  ];

  constructor(
    zone: string,
    private readonly unit: CalendarUnit,
  ) {
    this.tz = IANAZone.create(zone);
    this.offsetFormat = offsetFormat(zone);
  }

  /** The window holding `time`: the last boundary at or before it and the first one after it. */
  spanOf(time: number): Span {
    // At a boundary already found (the end of the previous window) its wall time is known: no zone lookup.
    let wallStart = this.found.find(([, instant]) => instant === time)?.[0] ?? this.unitStart(time + this.offsetMs(time), 0);
    let start = this.boundary(wallStart);
    let wallEnd = this.unitStart(wallStart, 1);
    let end = this.boundary(wallEnd);
    // Clocks turned back across the boundary: the moment's wall date is the old one, its window the new one.
    while (end <= time) {
      wallStart = wallEnd;
      start = end;
      wallEnd = this.unitStart(wallStart, 1);
      end = this.boundary(wallEnd);
    }
    return { start, end };
  }

  private offsetMs(time: number): number {
    const offset = LONG_OFFSET.exec(this.offsetFormat.format(time));
    if (offset === null) return this.tz.offset(time) * 60_000;
    if (offset[1] === undefined) return 0;
    const ms = Number(offset[2]) * 3_600_000 + Number(offset[3]) * 60_000 + Number(offset[4] ?? 0) * 1000;
    return offset[1] === '-' ? -ms : ms;
  }

  /** Wall time (local date and time written as UTC) of the start of the unit holding `wall`, `step` units on. */
  private unitStart(wall: number, step: number): number {
    const d = new Date(wall);
    if (this.unit === 'day') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + step);
    if (this.unit === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + step, 1);
    return Date.UTC(d.getUTCFullYear() + step, 0, 1);
  }

  /** The first instant whose wall time is at or after `wall`; one offset change near it at most. */
  private boundary(wall: number): number {
    for (const [known, instant] of this.found) if (known === wall) return instant;
    const instant = this.findBoundary(wall);
    this.found[1] = this.found[0];
    this.found[0] = [wall, instant];
    return instant;
  }

  private findBoundary(wall: number): number {
    const before = this.offsetMs(wall - BRACKET_MS);
    const after = this.offsetMs(wall + BRACKET_MS);
    // No change of offset near it: the one instant showing that wall time.
    if (before === after) return wall - before;
    // Still on the old offset there (the wall time also exists, maybe twice): the first of them.
    const onOld = wall - before;
    if (this.offsetMs(onOld) === before) return onOld;
    // Past the change: on the new offset, unless the wall time was skipped, then at the change itself.
    const onNew = wall - after;
    if (this.offsetMs(onNew) === after) return onNew;
    return this.changeBetween(onNew, onOld, after);
  }

  /** The first instant in (low, high] that has offset `to`; the change lies there. */
  private changeBetween(low: number, high: number, to: number): number {
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (this.offsetMs(middle) === to) high = middle;
      else low = middle;
    }
    return high;
  }
}

/**
 * Finds the window of a moment for one fixed or calendar spec. Samples arrive in time order almost always, so
 * the last two windows found are kept: the calendar maths runs once per window, not once per sample. Windows
 * tile time, so a kept window answers exactly for the moments inside it.
 */
export class WindowClock {
  private recent: Span = { start: 0, end: 0 };
  private previous: Span = { start: 0, end: 0 };
  private readonly calendar: ZoneCalendar | undefined;
  private readonly fixedMs: number;

  constructor(
    readonly spec: Exclude<WindowSpec, { kind: 'lifetime' }>,
    readonly zone: string,
  ) {
    this.calendar = spec.kind === 'calendar' ? new ZoneCalendar(zone, spec.unit) : undefined;
    this.fixedMs = spec.kind === 'fixed' ? spec.ms : 0;
  }

  spanOf(time: number): Span {
    if (time >= this.recent.start && time < this.recent.end) return this.recent;
    if (time >= this.previous.start && time < this.previous.end) return this.previous;
    const span = this.compute(time);
    this.previous = this.recent;
    this.recent = span;
    return span;
  }

  private compute(time: number): Span {
    if (this.calendar !== undefined) return this.calendar.spanOf(time);
    const start = Math.floor(time / this.fixedMs) * this.fixedMs;
    return { start, end: start + this.fixedMs };
  }
}
