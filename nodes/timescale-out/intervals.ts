// Time spans a user types in the editor ("5m", "1 hour", "1 day"), parsed into what SQL and view names need.

export interface Span {
  readonly ms: number;
  /** As PostgreSQL's interval input reads it: "5 minutes". */
  readonly sql: string;
  /** Short form for names: "5m". */
  readonly suffix: string;
}

/** The units a span may be written in; the editor's check is built from the same list (timescale-out-schema.ts). */
export const UNITS: readonly { names: readonly string[]; ms: number; sql: string; short: string }[] = [
  { names: ['s', 'sec', 'secs', 'second', 'seconds'], ms: 1000, sql: 'seconds', short: 's' },
  { names: ['m', 'min', 'mins', 'minute', 'minutes'], ms: 60_000, sql: 'minutes', short: 'm' },
  { names: ['h', 'hr', 'hrs', 'hour', 'hours'], ms: 3_600_000, sql: 'hours', short: 'h' },
  { names: ['d', 'day', 'days'], ms: 86_400_000, sql: 'days', short: 'd' },
  { names: ['w', 'week', 'weeks'], ms: 604_800_000, sql: 'days', short: 'w' },
];

/** Parses "5m", "5 minutes", "1h", "1 day", "2w"; throws a RangeError naming `what`. */
export function parseSpan(text: string, what: string): Span {
  const match = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(text);
  const unit = match && UNITS.find((u) => u.names.includes(match[2].toLowerCase()));
  const amount = match ? Number(match[1]) : 0;
  if (!match || !unit || amount < 1 || amount > 100_000) {
    throw new RangeError(`${what}: "${text}" is not a time span like 5m, 1h, 1d`);
  }
  const days = unit.short === 'w' ? amount * 7 : amount;
  return {
    ms: amount * unit.ms,
    sql: `${unit.short === 'w' ? days : amount} ${unit.sql}`,
    suffix: `${amount}${unit.short}`,
  };
}

export function daysSpan(days: number): Span {
  return { ms: days * 86_400_000, sql: `${days} days`, suffix: `${days}d` };
}

/** An aggregate's bucket width and, when the user named it, the view's name pattern. */
export interface Bucket extends Span {
  /** `{table}` (the table's name) or `{base}` (it without a trailing `_1s`, `_10m`, ...) with fixed text around. */
  readonly view?: string;
}

const VIEW_PATTERN = /^[a-z0-9_]*\{(table|base)\}[a-z0-9_]*$/;

/**
 * Aggregate bucket widths, smallest first, each a whole multiple of the one before: a continuous aggregate
 * can only be built on another whose bucket divides its own. Each may name its view: `5m as {base}_5min`.
 */
export function parseBuckets(text: string): Bucket[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const spans: Bucket[] = parts.map((p) => {
    const [width, view, extra] = p.split(/\s+as\s+/i);
    const span = parseSpan(width, 'aggregate buckets');
    if (view === undefined) return span;
    if (extra !== undefined || !VIEW_PATTERN.test(view.trim())) {
      throw new RangeError(
        `aggregate buckets: "${p}" names its view with {table} or {base} and lower-case letters, digits and _, e.g. 5m as {base}_5min`,
      );
    }
    return { ...span, view: view.trim() };
  });
  spans.forEach((span, i) => {
    const previous = spans[i - 1];
    if (previous && (span.ms <= previous.ms || span.ms % previous.ms !== 0)) {
      throw new RangeError(`aggregate buckets: ${span.suffix} must be a whole multiple of ${previous.suffix}, and larger`);
    }
  });
  if (new Set(spans.map((s) => s.suffix)).size !== spans.length) throw new RangeError('aggregate buckets: a bucket is listed twice');
  const views = spans.map((s) => s.view ?? `{table}_${s.suffix}`);
  if (new Set(views).size !== views.length) throw new RangeError('aggregate buckets: two aggregates would have the same name');
  return spans;
}

/** A view's name from its pattern: `{base}_5min` of `ps100_readings_1s` is `ps100_readings_5min`. */
export function viewName(table: string, bucket: Bucket): string {
  if (bucket.view === undefined) return `${table}_${bucket.suffix}`;
  return bucket.view.replace('{table}', table).replace('{base}', table.replace(/_\d+[a-z]{1,3}$/, ''));
}
