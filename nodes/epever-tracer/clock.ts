// The controller's clock (0x9013-0x9015): each word packs two fields, low byte first.
// Year is stored as years since 2000; the controller has no time zone, so we write and read local wall time
// of the zone the caller picks (UTC by default).

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function encodeClock(t: WallClock): number[] {
  return [
    (t.minute << 8) | t.second,
    (t.day << 8) | t.hour,
    ((t.year - 2000) << 8) | t.month,
  ];
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

export function localWallClock(date: Date): WallClock {
  return {
    year: date.getFullYear(),
    month: date.getMonth() + 1,
    day: date.getDate(),
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
  };
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
