// The controller's clock (0x9013-0x9015): each word packs two fields, low byte first (V2.5 rows D1-D3).
// Year is stored as years since 2000. The controller keeps bare wall time with no zone: the node writes and reads
// it as wall time in the IANA zone of its "time zone" setting (the Node-RED host's zone unless set).
import { DateTime } from 'luxon';

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function encodeClock(t: WallClock): number[] {
  return [(t.minute << 8) | t.second, (t.day << 8) | t.hour, ((t.year - 2000) << 8) | t.month];
}

export function decodeClock(words: ArrayLike<number>): WallClock {
  return {
    second: words[0] & 0xff,
    minute: words[0] >> 8,
    hour: words[1] & 0xff,
    day: words[1] >> 8,
    month: words[2] & 0xff,
    year: 2000 + (words[2] >> 8),
  };
}

/** The wall time of an instant in an IANA zone. */
export function wallClockIn(date: Date, zone: string): WallClock {
  const t = DateTime.fromJSDate(date, { zone });
  return { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
}

export function wallClockUtc(date: Date): WallClock {
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

export function clockToIso(t: WallClock): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(t.year, 4)}-${p(t.month)}-${p(t.day)}T${p(t.hour)}:${p(t.minute)}:${p(t.second)}`;
}

/**
 * The controller's wall time as ISO 8601 with the zone's offset, e.g. 2026-11-24T07:30:15+01:00. A wall time the
 * zone skips (the hour a DST change jumps over) or one that is no date at all is given without an offset.
 */
export function clockInZone(t: WallClock, zone: string): string {
  const wall = clockToIso(t);
  const placed = DateTime.fromObject(t, { zone });
  if (!placed.isValid || clockToIso(wallClockIn(placed.toJSDate(), zone)) !== wall) return wall;
  return placed.toISO({ suppressMilliseconds: true }) ?? wall;
}
