// The one rule every node applies to a reading's `payload.timestamp`, so a message means the same moment to a
// rollup and to a sink. Accepted: an ISO-8601 string with a zone (`Z` or `+hh:mm`), a Date, or milliseconds
// since 1970. Missing (undefined, null or ''): the moment the message arrived. Refused: a string without a
// zone (whose local time would be a guess), a date that does not exist on the calendar (2026-02-30 is not
// 2 March), and anything outside the years 1000-9999.

/** Why a message's reading cannot be taken; nodes answer it with `done(err)` and a "bad input" status. */
export class ReadingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadingError';
  }
}

// Date and time parts are checked one by one below; Date.parse alone would roll impossible dates forward.
const ISO_WITH_ZONE = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?(Z|([+-])(\d\d):?(\d\d))$/i;
const MIN_MS = Date.UTC(1000, 0, 1);
const MAX_MS = Date.UTC(10000, 0, 1) - 1;
/** Real zones lie within UTC-12 and UTC+14; a wider offset is a typo. */
const MAX_OFFSET_MINUTES = 18 * 60;

/** The measured time in ms since 1970 under the rule above; `now` stands in for a missing timestamp. */
export function readingTime(raw: unknown, now: number): number {
  if (raw === undefined || raw === null || raw === '') return now;
  let ms: number;
  if (typeof raw === 'string') ms = parseIsoWithZone(raw.trim());
  else if (typeof raw === 'number') ms = raw;
  else if (raw instanceof Date) ms = raw.getTime();
  else throw new ReadingError(`payload.timestamp must be an ISO-8601 string with a zone, a Date or ms since 1970, got ${typeof raw}`);
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw new ReadingError(`payload.timestamp ${JSON.stringify(raw)} is not a time between the years 1000 and 9999`);
  }
  return ms;
}

/** The same as an ISO-8601 UTC string with milliseconds, the form sinks store and spool. */
export function readingTimeIso(raw: unknown, now: number): string {
  return new Date(readingTime(raw, now)).toISOString();
}

function parseIsoWithZone(text: string): number {
  const m = ISO_WITH_ZONE.exec(text);
  if (!m) throw new ReadingError(`payload.timestamp ${JSON.stringify(text)} is not ISO-8601 with a zone (e.g. 2026-06-21T12:00:00Z)`);
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? 0].map(Number);
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  const offsetMinutes = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : 0;
  const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  if (
    day < 1 ||
    day > daysInMonth ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    Number(m[11] ?? 0) > 59 ||
    Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES
  ) {
    throw new ReadingError(`payload.timestamp ${JSON.stringify(text)} is not a date and time that exists`);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  return utc.getTime() + Math.floor(fraction) - offsetMinutes * 60_000;
}
