/**
 * fail2ban's date fields (server/strptime.py): the regex each `%` directive of a
 * `datepattern` stands for, and the conversion of the matched fields into a
 * time stamp (`reGroupDictStrptime`), in the C locale (English names).
 *
 * Time stamps follow fail2ban, including its choices for missing fields:
 * - no year: the year of "now"; if that puts the date more than one day after
 *   "now" (local wall clock), the previous year (a log read in January with
 *   December lines);
 * - no date at all (time only): today, or yesterday if that is in the future;
 * - no zone: local time of `timeZone` (fail2ban: the server's zone, or
 *   `logtimezone` when set); a zone in the line (`%z`, `%Z`) wins;
 * - fractions of seconds are dropped (fail2ban does not pass them on);
 * - an impossible date (31 April, second 60, 29 February moved to a year
 *   without it) gives no time stamp.
 */
import { formatterFor, localToUtc } from '../../parse/time.js';

/** Python's TimeRE in the C locale, plus fail2ban's overrides and extensions. */
function buildTimeRE(currentYear: number): Record<string, string> {
  return {
    '%': '%',
    A: '(?P<A>wednesday|thursday|saturday|tuesday|monday|friday|sunday)',
    B: '(?P<B>september|february|november|december|january|october|august|march|april|june|july|may)',
    ExH: String.raw`(?P<H>[0-1]\d|2[0-3])`,
    ExM: String.raw`(?P<M>[0-5]\d)`,
    ExS: String.raw`(?P<S>[0-5]\d|6[0-1])`,
    ExY: String.raw`(?P<Y>${yearCenturyRE(currentYear)}\d)`,
    ExZ: '(?P<Z>[A-Z](?:[A-Z]{2,4})?)',
    Exd: String.raw`(?P<d>[1-2]\d|0[1-9]|3[0-1])`,
    Exk: String.raw` ?(?P<H>[0-1]?\d|2[0-3])`,
    Exl: String.raw` ?(?P<I>1[0-2]|\d)`,
    Exm: '(?P<m>0[1-9]|1[0-2])',
    Exy: String.raw`(?P<y>\d{2})`,
    Exz: String.raw`(?P<z>(?:[A-Z](?:[A-Z]{2,4})?)?[+-][01]\d(?::?\d{2})?|[A-Z](?:[A-Z]{2,4})?)`,
    G: String.raw`(?P<G>\d\d\d\d)`,
    H: String.raw`(?P<H>[0-1]?\d|2[0-3])`,
    I: '(?P<I>1[0-2]|0[1-9]|[1-9])',
    M: String.raw`(?P<M>[0-5]?\d)`,
    S: String.raw`(?P<S>[0-5]?\d|6[0-1])`,
    U: String.raw`(?P<U>5[0-3]|[0-4]\d|\d)`,
    V: String.raw`(?P<V>5[0-3]|0[1-9]|[1-4]\d|\d)`,
    W: String.raw`(?P<W>5[0-3]|[0-4]\d|\d)`,
    X: String.raw`(?P<H>2[0-3]|[0-1]\d|\d):(?P<M>[0-5]\d|\d):(?P<S>6[0-1]|[0-5]\d|\d)`,
    Y: String.raw`(?P<Y>\d{4})`,
    Z: '(?P<Z>Z|[A-Z]{3,5})',
    a: '(?P<a>mon|tue|wed|thu|fri|sat|sun)',
    b: '(?P<b>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)',
    c: String.raw`(?P<a>mon|tue|wed|thu|fri|sat|sun)\s+(?P<b>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\s+(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])\s+(?P<H>2[0-3]|[0-1]\d|\d):(?P<M>[0-5]\d|\d):(?P<S>6[0-1]|[0-5]\d|\d)\s+(?P<Y>\d\d\d\d)`,
    d: String.raw`(?P<d>[1-2]\d|[0 ]?[1-9]|3[0-1])`,
    f: '(?P<f>[0-9]{1,6})',
    j: String.raw`(?P<j>36[0-6]|3[0-5]\d|[1-2]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])`,
    k: String.raw` ?(?P<H>[0-2]?\d)`,
    l: String.raw` ?(?P<I>1?\d)`,
    m: '(?P<m>0?[1-9]|1[0-2])',
    p: '(?P<p>am|pm)',
    u: '(?P<u>[1-7])',
    w: '(?P<w>[0-6])',
    x: String.raw`(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])/(?P<y>\d\d)`,
    y: String.raw`(?P<y>\d\d)`,
    z: String.raw`(?P<z>Z|UTC|GMT|[+-][01]\d(?::?\d{2})?)`,
  };
}

/** fail2ban's `_getYearCentRE`: the first three digits of the years from 2000 to three years ahead, as a regex. */
function yearCenturyRE(currentYear: number): string {
  const reference = 2001;
  const cent = (y: number) => String(y).slice(0, 3);
  const set = new Set([cent(currentYear - 1), cent(currentYear + 3)]);
  for (let i = -1; i < currentYear - reference + 1; i += 3) set.add(cent(reference + i));
  const grp = (items: string[]): string => {
    if (items.length > 1) {
      let c: string | null = null;
      for (const i of items) {
        if (c === null || i.slice(0, -1) === c) c = i.slice(0, -1);
        else {
          c = null;
          break;
        }
      }
      if (!c) {
        c = null;
        for (const i of items) {
          if (c === null || i[0] === c) c = i[0]!;
          else {
            c = null;
            break;
          }
        }
      }
      if (c) return c + grp(items.map((i) => i.slice(c!.length)));
      return items[0]!.length > 1 ? `(?:${items.join('|')})` : `[${items.join('')}]`;
    }
    return items.join('');
  };
  return grp([...set].sort());
}

const NAMES: Record<string, string> = {
  a: 'DAY',
  A: 'DAYNAME',
  b: 'MON',
  B: 'MONTH',
  d: 'Day',
  H: '24hour',
  I: '12hour',
  j: 'Yearday',
  m: 'Month',
  M: 'Minute',
  p: 'AMPM',
  S: 'Second',
  U: 'Yearweek',
  w: 'Weekday',
  W: 'Yearweek',
  y: 'Year2',
  Y: 'Year',
  '%': '%',
  z: 'Zone offset',
  f: 'Microseconds',
  Z: 'Zone name',
};

const DIRECTIVE = /%(%|ExZ|Exz|Exd|Exm|ExH|Exk|Exl|ExM|ExS|ExY|Exy|[dfHIGjmMSUwuVyYzAaBbpZWcxXkl])/g;

let timeRE: Record<string, string> | null = null;

function table(): Record<string, string> {
  if (!timeRE) timeRE = buildTimeRE(new Date().getFullYear());
  return timeRE;
}

function directiveName(key: string): string {
  const direct = NAMES[key];
  if (direct) return direct;
  if (key.startsWith('Ex')) {
    const base = NAMES[key.slice(2)];
    if (base) return `Ex${base}`;
  }
  return `%${key}`;
}

/**
 * A datepattern with its `%` directives replaced: the regex and the template
 * name fail2ban shows. Null when a `%` is left that fail2ban's formatting
 * rejects (an unknown directive or a lone `%`).
 */
export function expandDirectives(pattern: string): { regex: string; name: string } | null {
  const re = table();
  let regex = '';
  let name = '';
  let last = 0;
  for (const m of pattern.matchAll(DIRECTIVE)) {
    const literal = pattern.slice(last, m.index);
    if (literal.includes('%')) return null;
    regex += literal + re[m[1]!]!;
    name += literal + directiveName(m[1]!);
    last = m.index! + m[0].length;
  }
  const tail = pattern.slice(last);
  if (tail.includes('%')) return null;
  return { regex: regex + tail, name: name + tail };
}

// ---------------------------------------------------------------------------
// Time stamps

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** Zone abbreviations fail2ban knows, with their offsets in hours. */
const TZ_TABLE = `
-12 Y
-11 X NUT SST
-10 W CKT HAST HST TAHT TKT
-9 V AKST GAMT GIT HADT HNY
-8 U AKDT CIST HAY HNP PST PT
-7 T HAP HNR MST PDT
-6 S CST EAST GALT HAR HNC MDT
-5 R CDT COT EASST ECT EST ET HAC HNE PET
-4 Q AST BOT CLT COST EDT FKT GYT HAE HNA PYT
-3 P ADT ART BRT CLST FKST GFT HAA PMST PYST SRT UYT WGT
-2 O BRST FNT PMDT UYST WGST
-1 N AZOT CVT EGT
0 Z EGST GMT UTC WET WT
1 A CET DFT WAT WEDT WEST
2 B CAT CEDT CEST EET SAST WAST
3 C EAT EEDT EEST IDT MSK
4 D AMT AZT GET GST KUYT MSD MUT RET SAMT SCT
5 E AMST AQTT AZST HMT MAWT MVT PKT TFT TJT TMT UZT YEKT
6 F ALMT BIOT BTT IOT KGT NOVT OMST YEKST
7 G CXT DAVT HOVT ICT KRAT NOVST OMSST THA WIB
8 H ACT AWST BDT BNT CAST HKT IRKT KRAST MYT PHT SGT ULAT WITA WST
9 I AWDT IRKST JST KST PWT TLT WDT WIT YAKT
10 K AEST ChST PGT VLAT YAKST YAPT
11 L AEDT LHDT MAGT NCT PONT SBT VLAST VUT
12 M ANAST ANAT FJT GILT MAGST MHT NZST PETST PETT TVT WFT
13 FJST NZDT
11.5 NFT
10.5 ACDT LHST
9.5 ACST
6.5 CCT MMT
5.75 NPT
5.5 SLT
4.5 AFT IRDT
3.5 IRST
-2.5 HAT NDT
-3.5 HNT NST NT
-4.5 HLV VET
-9.5 MART MIT
`;

const TZ_OFFSETS = (() => {
  const map = new Map<string, number>([['', 0]]);
  for (const line of TZ_TABLE.trim().split('\n')) {
    const [offset, ...zones] = line.trim().split(/\s+/);
    for (const z of zones) map.set(z, Math.trunc(Number(offset) * 60));
  }
  return map;
})();

const FIXED_OFFSET_TZ = /^([A-Z](?:[A-Z]{2,4})?)?([+-][01]\d(?::?\d{2})?)?$/;

/** A fixed-offset zone (`UTC+0200`, `CEST`, `-04:00`) in minutes east of UTC; throws for unknown zones. */
export function zoneOffsetMinutes(tz: string): number {
  const m = FIXED_OFFSET_TZ.exec(tz);
  if (!m) throw new DateFieldError(`unknown or unsupported time zone ${JSON.stringify(tz)}`);
  const base = TZ_OFFSETS.get(m[1] ?? '');
  if (base === undefined) throw new DateFieldError(`unknown time zone abbreviation ${m[1]}`);
  const tzo = m[2];
  if (!tzo) return base;
  if (tzo.length <= 3) return base + Number(tzo) * 60;
  const sign = tzo[0] === '-' ? -1 : 1;
  const mm = tzo[3] === ':' ? tzo.slice(4, 6) : tzo.slice(3, 5);
  return base + sign * (Number(tzo.slice(1, 3)) * 60 + Number(mm));
}

/** A field fail2ban cannot convert (it logs an error and drops the line's time or the line). */
export class DateFieldError extends Error {
  override name = 'DateFieldError';
}

export interface TimeContext {
  /** "Now", epoch milliseconds (fail2ban: MyTime.time()). */
  nowMs: number;
  /** IANA zone of the log's local times; undefined for this process's zone. */
  timeZone: string | undefined;
  /** fail2ban's `logtimezone` (a fixed offset, minutes east of UTC), or null. */
  defaultOffsetMinutes: number | null;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(ms: number, zone: string | undefined): Wall {
  if (zone === undefined) {
    const d = new Date(ms);
    return {
      year: d.getFullYear(),
      month: d.getMonth() + 1,
      day: d.getDate(),
      hour: d.getHours(),
      minute: d.getMinutes(),
      second: d.getSeconds(),
    };
  }
  const f = formatterFor(zone);
  const parts = f.formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** Wall-clock components as a comparable number (milliseconds of a UTC calendar). */
function wallMs(w: Wall): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, 0);
  return d.getTime();
}

function fromWallMs(ms: number): Wall {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Python's datetime.date(year, 1, 1).weekday(): Monday is 0. */
function weekdayOfJan1(year: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, 0, 1);
  return (d.getUTCDay() + 6) % 7;
}

function julianFromWeek(year: number, week: number, weekday: number, weekStartsMonday: boolean): number {
  let first = weekdayOfJan1(year);
  let dow = weekday;
  if (!weekStartsMonday) {
    first = (first + 1) % 7;
    dow = (dow + 1) % 7;
  }
  const week0 = (7 - first) % 7;
  if (week === 0) return 1 + dow - first;
  return 1 + week0 + 7 * (week - 1) + dow;
}

const DAY_MS = 86_400_000;

/**
 * fail2ban's `reGroupDictStrptime`: epoch milliseconds, or null for an
 * impossible date. Throws DateFieldError where fail2ban fails on the line.
 */
export function timeFromFields(
  fields: ReadonlyMap<string, string | undefined>,
  ctx: TimeContext,
): number | null {
  let year: number | null = null;
  let month: number | null = null;
  let day: number | null = null;
  let tzoffset: number | null = null;
  let weekday: number | null = null;
  let julian: number | null = null;
  let weekOfYear: number | null = null;
  let weekStartsMonday = true;
  let hour = 0;
  let minute = 0;
  let second = 0;
  const lookupIndex = (list: string[], val: string): number => {
    const i = list.indexOf(val.toLowerCase());
    if (i < 0) throw new RangeError('not a known name');
    return i;
  };
  try {
    for (const [key, val] of fields) {
      if (val === undefined) continue;
      switch (key) {
        case 'y':
          year = Number(val);
          if (year <= 2000) year += 2000;
          break;
        case 'Y':
          year = Number(val);
          break;
        case 'm':
          month = Number(val);
          break;
        case 'B':
          month = lookupIndex(MONTH_NAMES, val) + 1;
          break;
        case 'b':
          month = lookupIndex(MONTHS, val) + 1;
          break;
        case 'd':
          day = Number(val);
          break;
        case 'H':
          hour = Number(val);
          break;
        case 'I': {
          hour = Number(val);
          const ampm = (fields.get('p') ?? '').toLowerCase();
          if (ampm === '' || ampm === 'am') {
            if (hour === 12) hour = 0;
          } else if (ampm === 'pm' && hour !== 12) hour += 12;
          break;
        }
        case 'M':
          minute = Number(val);
          break;
        case 'S':
          second = Number(val);
          break;
        case 'A':
          weekday = lookupIndex(DAY_NAMES, val);
          break;
        case 'a':
          weekday = lookupIndex(DAYS, val);
          break;
        case 'w':
          weekday = Number(val) - 1;
          if (weekday < 0) weekday = 6;
          break;
        case 'j':
          julian = Number(val);
          break;
        case 'U':
        case 'W':
          weekOfYear = Number(val);
          weekStartsMonday = key === 'W';
          break;
        case 'z':
        case 'Z':
          tzoffset = val === 'Z' || val === 'UTC' || val === 'GMT' ? 0 : zoneOffsetMinutes(val);
          break;
      }
    }
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
  const now = wallClock(ctx.nowMs, ctx.timeZone);
  let assumeYear = false;
  if (year === null) {
    year = now.year;
    assumeYear = true;
  }
  if (month === null || day === null) {
    if (julian === null && weekOfYear !== null && weekday !== null)
      julian = julianFromWeek(year, weekOfYear, weekday, weekStartsMonday);
    if (julian !== null) {
      const d = new Date(0);
      d.setUTCFullYear(year, 0, 1);
      const t = new Date(d.getTime() + (julian - 1) * DAY_MS);
      year = t.getUTCFullYear();
      month = t.getUTCMonth() + 1;
      day = t.getUTCDate();
    }
  }
  let assumeToday = false;
  if (month === null && day === null) {
    month = now.month;
    day = now.day;
    assumeToday = true;
  }
  if (month === null || day === null)
    throw new DateFieldError('a date with a month but no day (or a day but no month)');
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let result = wallMs({ year, month, day, hour, minute, second });
  if (tzoffset === null && ctx.defaultOffsetMinutes !== null) tzoffset = ctx.defaultOffsetMinutes;
  if (tzoffset !== null) result -= tzoffset * 60_000;
  const nowWall = wallMs(now);
  if (assumeToday && result > nowWall) result -= DAY_MS;
  if (assumeYear && result > nowWall + DAY_MS) {
    // Python's date_result.replace(year=year-1, month=month, day=day): the parsed month and day, the shifted time.
    const w = fromWallMs(result);
    const previous = year - 1;
    if (previous < 1 || day > daysInMonth(previous, month)) return null;
    result = wallMs({ ...w, year: previous, month, day });
  }
  if (tzoffset !== null) return result;
  const w = fromWallMs(result);
  return localToUtc(w.year, w.month, w.day, w.hour, w.minute, w.second, 0, ctx.timeZone);
}
