/**
 * Turning the wall-clock times that logs write into UTC instants.
 * Lines without an offset are local time in a zone: the one given (`--tz`),
 * or the machine's own.
 */

const MONTHS: Record<string, number> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};

export function monthNumber(abbrev: string): number | undefined {
  return MONTHS[abbrev];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

export function assertValidZone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new Error(`unknown time zone "${zone}" (use an IANA name such as Europe/Berlin or UTC)`);
  }
}

/** A cached formatter giving a zone's wall-clock parts (24-hour). */
export function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at the instant `utcMs`, in milliseconds. */
function zoneOffsetMs(utcMs: number, zone: string): number {
  const parts = formatterFor(zone).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

const offsetCache = new Map<string, number>();

/**
 * The UTC instant of a local wall-clock time. Offsets are cached per local hour,
 * since Intl is far too slow to call once per line.
 */
export function localToUtc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  zone: string | undefined,
): number {
  if (zone === undefined) return new Date(year, month - 1, day, hour, minute, second, ms).getTime();
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const key = `${zone}|${year}-${month}-${day}T${hour}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    const first = zoneOffsetMs(wall, zone);
    offset = zoneOffsetMs(wall - first, zone);
    if (offsetCache.size > 100_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return wall - offset;
}

/** Year, month and day of an instant as seen in `zone` (or the machine's zone). */
export function calendarOf(
  utcMs: number,
  zone: string | undefined,
): { year: number; month: number; day: number } {
  if (zone === undefined) {
    const d = new Date(utcMs);
    return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate() };
  }
  const parts = formatterFor(zone).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

const DAY_MS = 86_400_000;

/**
 * Resolves a syslog (RFC 3164) time, which has no year, against a reference
 * instant: the year of the reference, unless that puts the line more than a day
 * after the reference, in which case the line is from the previous year (a file
 * written in January holding December lines). This is fail2ban's rule too.
 */
export class YearResolver {
  private readonly referenceYear: number;

  constructor(
    private readonly referenceMs: number,
    private readonly zone: string | undefined,
    private readonly fixedYear?: number,
  ) {
    this.referenceYear = calendarOf(referenceMs, zone).year;
  }

  private lastHourKey = -1;
  private lastHourBase = 0;

  resolve(month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
    // Lines come in time order: resolve each local hour once, then add minutes and seconds.
    const key = (month * 32 + day) * 24 + hour;
    if (key !== this.lastHourKey) {
      this.lastHourBase = this.resolveSlow(month, day, hour, 0, 0, 0);
      this.lastHourKey = key;
    }
    return this.lastHourBase + minute * 60_000 + second * 1000 + ms;
  }

  private resolveSlow(
    month: number,
    day: number,
    hour: number,
    minute: number,
    second: number,
    ms: number,
  ): number {
    if (this.fixedYear !== undefined) {
      return localToUtc(this.fixedYear, month, day, hour, minute, second, ms, this.zone);
    }
    const t = localToUtc(this.referenceYear, month, day, hour, minute, second, ms, this.zone);
    if (t > this.referenceMs + DAY_MS) {
      return localToUtc(this.referenceYear - 1, month, day, hour, minute, second, ms, this.zone);
    }
    return t;
  }

  get timeZone(): string | undefined {
    return this.zone;
  }
}
