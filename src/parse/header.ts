import { localToUtc, monthNumber, type YearResolver } from './time.js';

/** A log line split into its header fields and the program's message. */
export interface ParsedLine {
  /** UTC epoch milliseconds. */
  ts: number;
  host: string | null;
  /** The syslog tag's name, e.g. `postfix/submission/smtpd`, `dovecot`, `imap-login`, `fail2ban.actions`. */
  program: string;
  pid: number | null;
  /** What stood in parentheses or angle brackets after the tag name (Dovecot: `auth(user,ip,sasl:login)<session>`). */
  tagArgs: string | null;
  message: string;
}

export interface HeaderContext {
  years: YearResolver;
  zone: string | undefined;
}

export type HeaderResult = ParsedLine | { error: string };

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d)? +/;
const RFC3164 = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? +/;
const TAI64N = /^@([0-9a-f]{16})([0-9a-f]{8}) +/;
const DOCKER_TS_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z (?=\S)/;
const COMPOSE_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127} +\| ?/;
const PRI = /^<(\d{1,3})>/;
const RFC5424 = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /;

function fractionMs(frac: string | undefined): number {
  if (!frac) return 0;
  return Number((frac + '00').slice(0, 3));
}

function offsetMs(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.charCodeAt(0) === 45 ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}

/** A timestamp's instant, and where the rest of the line starts. */
interface Stamp {
  ts: number;
  line: string;
  start: number;
}

function digit(line: string, i: number): number {
  const d = line.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1000;
}

function two(line: string, i: number): number {
  return digit(line, i) * 10 + digit(line, i + 1);
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM] ` read at fixed positions: this is the
 * shape of nearly every line of a current mail.log, so it avoids a regular expression.
 */
let cachedMinute = '';
let cY = 0;
let cMo = 0;
let cD = 0;
let cH = 0;
let cMi = 0;
let cBase = 0;

function fastRfc3339(line: string, ctx: HeaderContext): Stamp | null {
  if (
    line.charCodeAt(4) !== 45 ||
    line.charCodeAt(7) !== 45 ||
    line.charCodeAt(13) !== 58 ||
    line.charCodeAt(16) !== 58
  )
    return null;
  const sep = line.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return null;
  // Log lines come many to a minute: the date and minute are read once per minute.
  if (!(cachedMinute.length === 16 && line.startsWith(cachedMinute))) {
    const y = two(line, 0) * 100 + two(line, 2);
    const mo = two(line, 5);
    const d = two(line, 8);
    const h = two(line, 11);
    const mi = two(line, 14);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0) return null;
    cY = y;
    cMo = mo;
    cD = d;
    cH = h;
    cMi = mi;
    cBase = Date.UTC(y, mo - 1, d, h, mi, 0, 0);
    cachedMinute = line.slice(0, 16);
  }
  const year = cY;
  const month = cMo;
  const day = cD;
  const hour = cH;
  const minute = cMi;
  const second = two(line, 17);
  if (second < 0) return null;
  let i = 19;
  let ms = 0;
  const dot = line.charCodeAt(i);
  if (dot === 46 || dot === 44) {
    i++;
    let scale = 100;
    while (i < line.length) {
      const d = digit(line, i);
      if (d < 0) break;
      ms += d * scale;
      scale /= 10;
      i++;
    }
    ms = Math.floor(ms);
  }
  let ts: number;
  const z = line.charCodeAt(i);
  if (z === 90 /* Z */) {
    ts = cBase + second * 1000 + ms;
    i++;
  } else if (z === 43 || z === 45) {
    const oh = two(line, i + 1);
    const hasColon = line.charCodeAt(i + 3) === 58;
    const om = two(line, hasColon ? i + 4 : i + 3);
    if (oh < 0 || om < 0) return null;
    const offset = (z === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
    ts = cBase + second * 1000 + ms - offset;
    i += hasColon ? 6 : 5;
  } else {
    ts = localToUtc(year, month, day, hour, minute, second, ms, ctx.zone);
  }
  if (line.charCodeAt(i) !== 32) return null;
  while (line.charCodeAt(i) === 32) i++;
  return { ts, line, start: i };
}

function parseTimestamp(line: string, ctx: HeaderContext): Stamp | null {
  const c = line.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const fast = fastRfc3339(line, ctx);
    if (fast) return fast;
    const m = RFC3339.exec(line);
    if (!m) return null;
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const wall = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, fractionMs(frac));
    const ts =
      zone !== undefined
        ? wall - offsetMs(zone)
        : localToUtc(+y!, +mo!, +d!, +h!, +mi!, +s!, fractionMs(frac), ctx.zone);
    return { ts, line, start: m[0].length };
  }
  if (c === 64 /* @ */) {
    const m = TAI64N.exec(line);
    if (!m) return null;
    const seconds = Number(BigInt(`0x${m[1]}`) - (1n << 62n));
    const nanos = Number.parseInt(m[2]!, 16);
    return { ts: seconds * 1000 + Math.floor(nanos / 1e6), line, start: m[0].length };
  }
  if (c >= 65 && c <= 90) {
    const m = RFC3164.exec(line);
    if (!m) return null;
    const month = monthNumber(m[1]!);
    if (month === undefined) return null;
    const ts = ctx.years.resolve(month, +m[2]!, +m[3]!, +m[4]!, +m[5]!, fractionMs(m[6]));
    return { ts, line, start: m[0].length };
  }
  return null;
}

export interface Tag {
  program: string;
  pid: number | null;
  tagArgs: string | null;
  message: string;
}

function readPid(text: string, open: number): number {
  let j = open + 1;
  let value = 0;
  while (j < text.length) {
    const d = text.charCodeAt(j) - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
    j++;
  }
  if (j === open + 1 || text.charCodeAt(j) !== 93) return -1;
  tagEnd = j + 1;
  return value;
}

/** Set by readPid: the index after a `[pid]`. */
let tagEnd = 0;

/**
 * `name[pid]:`, `name:`, `name(args)<session>:` (Dovecot) starting at `start`,
 * scanned by hand without intermediate strings: this runs on every line.
 */
function parseTagAt(text: string, start: number, ts: number, host: string | null): ParsedLine | null {
  const n = text.length;
  let i = start;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 91 || c === 40 || c === 60 || c === 58 || c === 9) break;
  }
  if (i === start || i === n) return null;
  const nameEnd = i;
  let pid: number | null = null;
  let argsStart = -1;
  let argsEnd = -1;
  if (text.charCodeAt(i) === 91) {
    const v = readPid(text, i);
    if (v < 0) return null;
    pid = v;
    i = tagEnd;
  }
  if (text.charCodeAt(i) === 40) {
    argsStart = i;
    const close = text.indexOf(')', i + 1);
    if (close < 0) return null;
    for (let k = i + 1; k < close; k++) {
      const c = text.charCodeAt(k);
      if (c === 32 || c === 40) return null;
    }
    i = close + 1;
    argsEnd = i;
  }
  while (text.charCodeAt(i) === 60) {
    if (argsStart < 0) argsStart = i;
    const close = text.indexOf('>', i + 1);
    if (close < 0) return null;
    for (let k = i + 1; k < close; k++) {
      const c = text.charCodeAt(k);
      if (c === 32 || c === 60) return null;
    }
    i = close + 1;
    argsEnd = i;
  }
  if (pid === null && text.charCodeAt(i) === 91) {
    const v = readPid(text, i);
    if (v < 0) return null;
    pid = v;
    i = tagEnd;
  }
  if (text.charCodeAt(i) !== 58) return null;
  i++;
  if (i < n) {
    if (text.charCodeAt(i) !== 32) return null;
    i++;
  }
  return {
    ts,
    host,
    program: text.slice(start, nameEnd),
    pid,
    tagArgs: argsStart >= 0 ? text.slice(argsStart, argsEnd) : null,
    message: text.slice(i),
  };
}

/** A syslog tag at the start of `text` (Dovecot nests them: `dovecot: imap-login: ...`). */
export function parseTag(text: string): Tag | null {
  const p = parseTagAt(text, 0, 0, null);
  return p ? { program: p.program, pid: p.pid, tagArgs: p.tagArgs, message: p.message } : null;
}

/** fail2ban's own log: `2024-02-19 22:15:45,657 fail2ban.actions        [765]: NOTICE  [postfix] Ban 1.2.3.4`. */
const FAIL2BAN_TAG = /^(fail2ban\.[a-z.]+) +\[(\d+)\]: /;

function parseAfterTimestamp(ts: number, line: string, start: number): HeaderResult {
  if (line.charCodeAt(start) === 102 && line.startsWith('fail2ban.', start)) {
    const f2b = FAIL2BAN_TAG.exec(line.slice(start));
    if (f2b) {
      return {
        ts,
        host: null,
        program: f2b[1]!,
        pid: Number(f2b[2]),
        tagArgs: null,
        message: line.slice(start + f2b[0].length),
      };
    }
  }
  // Either `host tag: msg` or, in daemons' own files and some corpora, `tag: msg` with no host.
  const direct = parseTagAt(line, start, ts, null);
  if (direct) return direct;
  const space = line.indexOf(' ', start);
  if (space <= start) return { error: 'no program tag after the timestamp' };
  let after = space + 1;
  while (line.charCodeAt(after) === 32) after++;
  const tagged = parseTagAt(line, after, ts, line.slice(start, space));
  if (tagged) return tagged;
  // Exim and similar write no tag at all; keep the message whole.
  return { ts, host: null, program: '', pid: null, tagArgs: null, message: line.slice(start) };
}

function parseJournalJson(line: string): HeaderResult {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { error: 'invalid JSON (journal export expected)' };
  }
  const micros = record['__REALTIME_TIMESTAMP'];
  let message = record['MESSAGE'];
  if (Array.isArray(message)) message = Buffer.from(message as number[]).toString('utf8');
  if (typeof micros !== 'string' || typeof message !== 'string') {
    return { error: 'journal record without __REALTIME_TIMESTAMP or MESSAGE' };
  }
  const program = String(record['SYSLOG_IDENTIFIER'] ?? record['_COMM'] ?? '');
  const pidText = record['SYSLOG_PID'] ?? record['_PID'];
  const host = record['_HOSTNAME'];
  return {
    ts: Math.floor(Number(micros) / 1000),
    host: typeof host === 'string' ? host : null,
    program,
    pid: pidText !== undefined ? Number(pidText) : null,
    tagArgs: null,
    message: message.replace(/\r?\n$/, ''),
  };
}

function parseRfc5424(line: string, fallbackCtx: HeaderContext): HeaderResult {
  const m = RFC5424.exec(line);
  if (!m) return { error: 'malformed RFC 5424 header' };
  const stamp = parseTimestamp(`${m[1]} `, fallbackCtx);
  if (!stamp) return { error: 'malformed RFC 5424 timestamp' };
  let rest = line.slice(m[0].length);
  // Structured data: `-` or one or more `[id k="v" ...]` elements; skip without backtracking.
  if (rest.startsWith('- ')) rest = rest.slice(2);
  else if (rest === '-') rest = '';
  else if (rest.charCodeAt(0) === 91) {
    let i = 0;
    let inQuote = false;
    let depth = 0;
    for (; i < rest.length; i++) {
      const ch = rest.charCodeAt(i);
      if (inQuote) {
        if (ch === 92) i++;
        else if (ch === 34) inQuote = false;
      } else if (ch === 34) inQuote = true;
      else if (ch === 91) depth++;
      else if (ch === 93) {
        depth--;
        if (depth === 0 && rest.charCodeAt(i + 1) !== 91) break;
      }
    }
    rest = rest.slice(i + 2);
  }
  if (rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  const procid = m[4]!;
  return {
    ts: stamp.ts,
    host: m[2] === '-' ? null : m[2]!,
    program: m[3] === '-' ? '' : m[3]!,
    pid: /^\d+$/.test(procid) ? Number(procid) : null,
    tagArgs: null,
    message: rest,
  };
}

/** `docker logs -t` stamps are UTC with a `Z` then a space, within the first 31 characters. */
function hasDockerStamp(line: string): boolean {
  const z = line.indexOf('Z ', 19);
  return z > 0 && z <= 29 && line.charCodeAt(10) === 84;
}

/**
 * Splits any supported header shape: RFC 3339 (rsyslog's current default), RFC 3164,
 * RFC 5424, `journalctl -o json`, `docker logs -t` and `docker compose logs` prefixes,
 * TAI64N stamps, `YYYY-MM-DD HH:MM:SS` (fail2ban.log and others), and lines with no host.
 */
export function parseHeader(input: string, ctx: HeaderContext): HeaderResult {
  let line = input;
  let c = line.charCodeAt(0);
  if (c === 123 /* { */) return parseJournalJson(line);
  if (c >= 65 && c <= 122 && line.indexOf('|') > 0) {
    const compose = COMPOSE_PREFIX.exec(line);
    if (compose) {
      line = line.slice(compose[0].length);
      c = line.charCodeAt(0);
    }
  }
  let dockerStamp: number | null = null;
  if (c >= 48 && c <= 57 && line.length > 31 && hasDockerStamp(line)) {
    const docker = DOCKER_TS_PREFIX.exec(line);
    if (docker) {
      const inner = line.slice(docker[0].length);
      const innerStamp = parseTimestamp(inner, ctx);
      if (innerStamp || inner.charCodeAt(0) === 60) {
        dockerStamp = Date.parse(docker[0].trim());
        line = inner;
        c = line.charCodeAt(0);
      }
    }
  }
  if (c === 60 /* < */) {
    const pri = PRI.exec(line);
    if (pri) {
      line = line.slice(pri[0].length);
      if (line.startsWith('1 ')) return parseRfc5424(line, ctx);
      c = line.charCodeAt(0);
    }
  }
  const stamp = parseTimestamp(line, ctx);
  if (!stamp) {
    if (dockerStamp !== null) return parseAfterTimestamp(dockerStamp, line, 0);
    return { error: 'no recognised timestamp' };
  }
  return parseAfterTimestamp(stamp.ts, stamp.line, stamp.start);
}
