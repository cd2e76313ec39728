import { byteWithin, isDigit } from './bytes.js';
import type { HeaderContext } from './header.js';

/**
 * The header of a line in one of the two shapes nearly every mail.log line has,
 * found on its bytes: `2025-10-10T01:33:12.123456+02:00 host name[pid]: message`
 * (RFC 3339, rsyslog's current default) or `Oct 10 01:33:12 host name[pid]: message`
 * (RFC 3164). Offsets are into the buffer. Everything before the message is ASCII,
 * so the same offsets, less the line's start, index the decoded line too.
 *
 * Only shapes whose split is certain are taken: a header with anything unusual (no
 * host, a second space, a tag with arguments, a host that could be read as a tag)
 * is left to `parseHeader`. A test checks on real daemon output that wherever this
 * split is taken, `parseHeader` splits the same way.
 */
export interface ByteHeader {
  rfc3339: boolean;
  hostStart: number;
  hostEnd: number;
  nameStart: number;
  nameEnd: number;
  /** The pid, or -1 when the tag has none. */
  pid: number;
  messageStart: number;
}

export function newByteHeader(): ByteHeader {
  return { rfc3339: true, hostStart: 0, hostEnd: 0, nameStart: 0, nameEnd: 0, pid: -1, messageStart: 0 };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_CODES = MONTHS.map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2));

/** 1-12 for `Jan`-`Dec` at `at`, else 0. */
function monthAt(b: Buffer, at: number): number {
  const code = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
  const i = MONTH_CODES.indexOf(code);
  return i + 1;
}

/** What each byte may be in a header: a digit, a host name's byte, a tag name's byte (host bytes and `/`). */
const IS_DIGIT = 1;
const IN_HOST = 2;
const IN_TAG = 4;
const BYTE_KIND = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const alnum = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
  // Letters, digits, `.`, `_`, `-`: a name that no parser could read another way.
  const host = alnum || c === 46 || c === 95 || c === 45;
  BYTE_KIND[c] =
    (c >= 48 && c <= 57 ? IS_DIGIT : 0) | (host ? IN_HOST | IN_TAG : 0) | (c === 47 ? IN_TAG : 0);
}

const FAIL2BAN_PREFIX = Buffer.from('fail2ban.', 'latin1');

const DIGIT = -1;
const DIGIT_OR_SPACE = -2;

/** A stamp's fixed part as byte codes: `d` a digit, `_` a digit or a space, anything else itself. */
function shape(pattern: string): number[] {
  return [...pattern].map((ch) => (ch === 'd' ? DIGIT : ch === '_' ? DIGIT_OR_SPACE : ch.charCodeAt(0)));
}

const RFC3339_SHAPE = shape('dddd-dd-ddTdd:dd:dd');
const RFC3164_SHAPE = shape(' _d dd:dd:dd');
const OFFSET_SHAPE = shape('dd:dd');

function fits(b: Buffer, at: number, codes: readonly number[]): boolean {
  for (let k = 0; k < codes.length; k++) {
    const want = codes[k]!;
    const c = b[at + k]!;
    if (want === DIGIT) {
      if ((BYTE_KIND[c]! & IS_DIGIT) === 0) return false;
    } else if (want === DIGIT_OR_SPACE) {
      if (c !== 32 && (BYTE_KIND[c]! & IS_DIGIT) === 0) return false;
    } else if (c !== want) return false;
  }
  return true;
}

/** The end of a valid RFC 3339 stamp with a fraction or none and `Z` or `±HH:MM`, or -1. */
function rfc3339End(b: Buffer, s: number, e: number): number {
  if (e - s < 21 || !fits(b, s, RFC3339_SHAPE)) return -1;
  let i = s + 19;
  if (b[i] === 46) {
    i++;
    const digits = i;
    while (i < e && isDigit(b[i])) i++;
    if (i === digits || i - digits > 9) return -1;
  }
  if (b[i] === 90) return i + 1;
  if ((b[i] === 43 || b[i] === 45) && i + 6 <= e && fits(b, i + 1, OFFSET_SHAPE)) return i + 6;
  return -1;
}

/** The end of `Mmm dd HH:MM:SS` (day space-padded), or -1. */
function rfc3164End(b: Buffer, s: number, e: number): number {
  if (e - s < 16 || monthAt(b, s) === 0 || !fits(b, s + 3, RFC3164_SHAPE)) return -1;
  return s + 15;
}

/** Splits the header of `b[start..end)` into `h`; false when the line is not of a shape taken here. */
export function splitHeaderAt(b: Buffer, start: number, end: number, h: ByteHeader): boolean {
  const first = b[start]!;
  const rfc3339 = first >= 48 && first <= 57;
  const stampEnd = rfc3339 ? rfc3339End(b, start, end) : rfc3164End(b, start, end);
  if (stampEnd < 0 || b[stampEnd] !== 32) return false;
  const hostStart = stampEnd + 1;
  let i = hostStart;
  while (i < end && (BYTE_KIND[b[i]!]! & IN_HOST) !== 0) i++;
  if (i === hostStart || i >= end || b[i] !== 32) return false;
  const hostEnd = i;
  if (
    hostEnd - hostStart >= FAIL2BAN_PREFIX.length &&
    FAIL2BAN_PREFIX.equals(b.subarray(hostStart, hostStart + 9))
  )
    return false;
  const nameStart = hostEnd + 1;
  i = nameStart;
  while (i < end && (BYTE_KIND[b[i]!]! & IN_TAG) !== 0) i++;
  if (i === nameStart || i >= end) return false;
  const nameEnd = i;
  let pid = -1;
  if (b[i] === 91 /* [ */) {
    const close = byteWithin(b, 93, i + 1, Math.min(end, i + 12));
    if (close < 0 || close === i + 1) return false;
    pid = 0;
    for (let k = i + 1; k < close; k++) {
      const c = b[k]!;
      if (c < 48 || c > 57) return false;
      pid = pid * 10 + (c - 48);
    }
    i = close + 1;
  }
  if (b[i] !== 58 /* : */) return false;
  i++;
  if (i < end) {
    if (b[i] !== 32) return false;
    i++;
  }
  h.rfc3339 = rfc3339;
  h.hostStart = hostStart;
  h.hostEnd = hostEnd;
  h.nameStart = nameStart;
  h.nameEnd = nameEnd;
  h.pid = pid;
  h.messageStart = i;
  return true;
}

function two(b: Buffer, at: number): number {
  return (b[at]! - 48) * 10 + (b[at + 1]! - 48);
}

/**
 * The instant of a header split by `splitHeaderAt` (the same as `parseHeader`'s):
 * RFC 3339 with its own offset; RFC 3164 in the context's zone and inferred year.
 */
export class ByteClock {
  /** Lines come many to a minute: the date and minute are turned into an instant once per minute. */
  private readonly minute = Buffer.alloc(16);
  private minuteBase = Number.NaN;

  constructor(private readonly ctx: HeaderContext) {}

  time(b: Buffer, start: number, h: ByteHeader): number {
    if (!h.rfc3339) {
      const day = (b[start + 4] === 32 ? 0 : b[start + 4]! - 48) * 10 + (b[start + 5]! - 48);
      return this.ctx.years.resolve(
        monthAt(b, start),
        day,
        two(b, start + 7),
        two(b, start + 10),
        two(b, start + 13),
        0,
      );
    }
    let same = !Number.isNaN(this.minuteBase);
    for (let k = 0; same && k < 16; k++) same = this.minute[k] === b[start + k];
    if (!same) {
      this.minuteBase = Date.UTC(
        two(b, start) * 100 + two(b, start + 2),
        two(b, start + 5) - 1,
        two(b, start + 8),
        two(b, start + 11),
        two(b, start + 14),
        0,
        0,
      );
      b.copy(this.minute, 0, start, start + 16);
    }
    let i = start + 19;
    let ms = 0;
    if (b[i] === 46) {
      // Milliseconds: the first three digits, as many as there are (`.5` is 500).
      i++;
      let scale = 100;
      while (isDigit(b[i])) {
        ms += (b[i]! - 48) * scale;
        scale = scale === 1 ? 0 : scale / 10;
        i++;
      }
    }
    const ts = this.minuteBase + two(b, start + 17) * 1000 + ms;
    if (b[i] === 90) return ts;
    const offset = (two(b, i + 1) * 60 + two(b, i + 4)) * 60_000;
    return b[i] === 45 ? ts + offset : ts - offset;
  }
}

/**
 * The strings of the few host and program names a log repeats, kept so that each
 * line's name is compared on its bytes instead of decoded anew. Bounded: past its
 * size, names are decoded each time.
 */
export class NameCache {
  private readonly bytes: Buffer[] = [];
  private readonly texts: string[] = [];

  constructor(private readonly limit = 64) {}

  text(b: Buffer, from: number, to: number): string {
    const n = to - from;
    outer: for (let k = 0; k < this.bytes.length; k++) {
      const known = this.bytes[k]!;
      if (known.length !== n) continue;
      for (let i = 0; i < n; i++) if (known[i] !== b[from + i]) continue outer;
      return this.texts[k]!;
    }
    const text = b.toString('latin1', from, to);
    if (this.bytes.length < this.limit) {
      this.bytes.push(Buffer.from(b.subarray(from, to)));
      this.texts.push(text);
    }
    return text;
  }
}
