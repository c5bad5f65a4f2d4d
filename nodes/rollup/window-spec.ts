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
/** Calendar steps: a day after local midnight is the next local midnight, however many hours lie between. */
const ONE: Record<CalendarUnit, { days: number } | { months: number } | { years: number }> = {
  day: { days: 1 },
  month: { months: 1 },
  year: { years: 1 },
};

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
  const tokens = text.toLowerCase().split(/[\s,]+/).filter((t) => t !== '');
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

/**
 * Finds the window of a moment for one fixed or calendar spec. Samples arrive in time order almost always, so
 * the last two windows found are kept: the calendar maths runs once per window, not once per sample.
 */
export class WindowClock {
  private recent: Span = { start: 0, end: 0 };
  private previous: Span = { start: 0, end: 0 };

  constructor(
    readonly spec: Exclude<WindowSpec, { kind: 'lifetime' }>,
    readonly zone: string,
  ) {}

  spanOf(time: number): Span {
    if (time >= this.recent.start && time < this.recent.end) return this.recent;
    if (time >= this.previous.start && time < this.previous.end) return this.previous;
    const span = this.compute(time);
    this.previous = this.recent;
    this.recent = span;
    return span;
  }

  private compute(time: number): Span {
    if (this.spec.kind === 'fixed') {
      const start = Math.floor(time / this.spec.ms) * this.spec.ms;
      return { start, end: start + this.spec.ms };
    }
    const start = DateTime.fromMillis(time, { zone: this.zone }).startOf(this.spec.unit);
    return { start: start.toMillis(), end: start.plus(ONE[this.spec.unit]).toMillis() };
  }
}
