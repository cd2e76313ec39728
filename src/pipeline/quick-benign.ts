import type { EventClass } from '../classify/taxonomy.js';

/**
 * Recognises, on the raw bytes and without decoding, the commonest lines that
 * only count as benign (queue bookkeeping, postscreen passes, unauthenticated
 * queue ids, TLS set-ups): about half of a busy server's log. Returns null for
 * anything it is not sure of; the full classifier then decides. A test checks on
 * real daemon output that it never disagrees with the full classifier.
 */
export function quickBenign(line: Buffer): EventClass | null {
  return quickBenignAt(line, 0, line.length);
}

/** `quickBenign` of the line `b[start..end)`, read in place. */
export function quickBenignAt(b: Buffer, start: number, end: number): EventClass | null {
  const tagStart = tagOffset(b, start, end);
  if (tagStart < 0) return null;
  if (startsWithAt(b, end, tagStart, DOVECOT_TAG))
    return dovecotSessionEnd(b, end, tagStart + DOVECOT_TAG.length);
  if (!startsWithAt(b, end, tagStart, POSTFIX)) return null;
  const open = byteWithin(b, 91 /* [ */, tagStart, Math.min(end, tagStart + 65));
  if (open < 0) return null;
  const close = byteWithin(b, 93 /* ] */, open, end);
  if (close < 0 || close + 2 >= end || b[close + 1] !== 58 || b[close + 2] !== 32) return null;
  for (let i = open + 1; i < close; i++) if (b[i]! < 48 || b[i]! > 57) return null;
  const msg = close + 3;
  if (endsWithAt(b, end, open, QMGR)) {
    if (msg >= end) return 'queue-activity';
    return b[msg] === 119 || b[msg] === 102 || b[msg] === 112 ? null : 'queue-activity';
  }
  if (endsWithAt(b, end, open, POSTSCREEN)) {
    if (startsWithAt(b, end, msg, PASS_NEW) || startsWithAt(b, end, msg, PASS_OLD)) return 'postscreen-pass';
    if (startsWithAt(b, end, msg, DISCONNECT)) return 'postscreen-disconnect';
    if (startsWithAt(b, end, msg, POSTSCREEN_CONNECT)) return 'postscreen-connect';
    return null;
  }
  const qidEnd = queueIdEnd(b, end, msg);
  if (endsWithAt(b, end, open, CLEANUP)) {
    return qidEnd > 0 && startsWithAt(b, end, qidEnd, MESSAGE_ID) ? 'queue-activity' : null;
  }
  if (endsWithAt(b, end, open, SMTPD)) {
    if (qidEnd > 0 && startsWithAt(b, end, qidEnd, CLIENT) && !containsWithin(b, SASL, qidEnd, end))
      return 'smtp-client';
    if (startsWithAt(b, end, msg, ANONYMOUS_TLS) || startsWithAt(b, end, msg, UNTRUSTED_TLS))
      return 'tls-established';
    // Without an `auth=` counter the disconnect cannot be a failed-AUTH one.
    if (startsWithAt(b, end, msg, SMTPD_DISCONNECT) && !containsWithin(b, AUTH_COUNTER, msg, end))
      return 'smtp-disconnect';
  }
  return null;
}

/** The first index of `byte` in `b[from..to)`, or -1. A loop: these searches are short, and a native call costs more. */
function byteWithin(b: Buffer, byte: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === byte) return i;
  return -1;
}

/**
 * The first index of `p` wholly inside `b[from..to)`, or -1. The line lies inside a
 * larger block, so a native search could run on into the lines after it.
 */
function indexWithin(b: Buffer, p: Buffer, from: number, to: number): number {
  const first = p[0];
  const last = to - p.length;
  outer: for (let i = from; i <= last; i++) {
    if (b[i] !== first) continue;
    for (let j = 1; j < p.length; j++) if (b[i + j] !== p[j]) continue outer;
    return i;
  }
  return -1;
}

function containsWithin(b: Buffer, p: Buffer, from: number, to: number): boolean {
  return indexWithin(b, p, from, to) >= 0;
}

/**
 * `dovecot: imap(user)<pid><session>: Disconnected: ...`: the end of a logged-in
 * session. The user part must hold no `:` or `)`, so that the line splits the
 * same way in the full parser.
 */
function dovecotSessionEnd(b: Buffer, lineEnd: number, at: number): EventClass | null {
  if (!startsWithAt(b, lineEnd, at, IMAP_OPEN) && !startsWithAt(b, lineEnd, at, POP3_OPEN)) return null;
  const close = indexWithin(b, CLOSE_ANGLE, at + 5, Math.min(lineEnd, at + 302));
  if (close < 0) return null;
  for (let i = at + 5; i < close; i++) if (b[i] === 58 || b[i] === 41) return null;
  const end = indexWithin(b, SESSION_END, close, lineEnd);
  if (end < 0) return null;
  for (let i = close + 2; i < end; i++) if (b[i] === 58 || b[i] === 32) return null;
  return 'mail-session';
}

const bytes = (s: string) => Buffer.from(s, 'latin1');
const POSTFIX = bytes('postfix');
const QMGR = bytes('/qmgr');
const POSTSCREEN = bytes('/postscreen');
const CLEANUP = bytes('/cleanup');
const SMTPD = bytes('/smtpd');
const DOVECOT_TAG = bytes('dovecot: ');
const IMAP_OPEN = bytes('imap(');
const POP3_OPEN = bytes('pop3(');
const CLOSE_ANGLE = bytes(')<');
const SESSION_END = bytes('>: Disconnected: ');
const POSTSCREEN_CONNECT = bytes('CONNECT from [');
const SMTPD_DISCONNECT = bytes('disconnect from ');
const AUTH_COUNTER = bytes('auth=');
const PASS_NEW = bytes('PASS NEW [');
const PASS_OLD = bytes('PASS OLD [');
const DISCONNECT = bytes('DISCONNECT [');
const MESSAGE_ID = bytes('message-id=');
const CLIENT = bytes('client=');
const SASL = bytes('sasl_');
const ANONYMOUS_TLS = bytes('Anonymous TLS connection established from ');
const UNTRUSTED_TLS = bytes('Untrusted TLS connection established from ');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map(
  bytes,
);

/** Whether the line ending at `lineEnd` holds `p` at `at`. */
function startsWithAt(b: Buffer, lineEnd: number, at: number, p: Buffer): boolean {
  if (at + p.length > lineEnd) return false;
  for (let i = 0; i < p.length; i++) if (b[at + i] !== p[i]) return false;
  return true;
}

/** Whether `p` ends just before `before` (the line's own bytes: `before` is past its start). */
function endsWithAt(b: Buffer, lineEnd: number, before: number, p: Buffer): boolean {
  return before - p.length >= 0 && startsWithAt(b, lineEnd, before - p.length, p);
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

function isMonth(b: Buffer, at: number): boolean {
  for (const m of MONTHS) if (b[at] === m[0] && b[at + 1] === m[1] && b[at + 2] === m[2]) return true;
  return false;
}

/** `4ABC123DEF: ` (upper-case hex, 5+) or a long id (12+ alphanumerics with a digit): the index after it, or -1. */
function queueIdEnd(b: Buffer, lineEnd: number, at: number): number {
  let i = at;
  let digits = 0;
  let hexOnly = true;
  while (i < lineEnd && i - at <= 20) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 70) {
      // upper-case hex letter
    } else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) hexOnly = false;
    else break;
    i++;
  }
  const n = i - at;
  if (i + 1 >= lineEnd || b[i] !== 58 || b[i + 1] !== 32) return -1;
  if (hexOnly ? n < 5 : n < 12 || digits === 0) return -1;
  return i + 2;
}

/**
 * Where the syslog tag starts, for the two common headers only: RFC 3339
 * (`2025-10-10T01:33:12.123456+02:00 host `) and RFC 3164 (`Oct 10 01:33:12 host `),
 * with their digits checked so that a malformed stamp is left to the full parser.
 */
function tagOffset(b: Buffer, s: number, e: number): number {
  if (e - s < 20) return -1;
  let stampEnd: number;
  if (isDigit(b[s])) {
    for (const i of RFC3339_DIGITS) if (!isDigit(b[s + i])) return -1;
    if (b[s + 4] !== 45 || b[s + 7] !== 45 || b[s + 10] !== 84 || b[s + 13] !== 58 || b[s + 16] !== 58)
      return -1;
    stampEnd = byteWithin(b, 32, s + 19, Math.min(e, s + 41));
    if (stampEnd < 0) return -1;
    // After the seconds: an optional fraction, then Z or an offset, nothing else.
    let i = s + 19;
    if (b[i] === 46) {
      i++;
      while (i < stampEnd && isDigit(b[i])) i++;
    }
    if (b[i] === 90) i++;
    else if ((b[i] === 43 || b[i] === 45) && i + 6 <= stampEnd) {
      if (
        !isDigit(b[i + 1]) ||
        !isDigit(b[i + 2]) ||
        b[i + 3] !== 58 ||
        !isDigit(b[i + 4]) ||
        !isDigit(b[i + 5])
      )
        return -1;
      i += 6;
    } else return -1;
    if (i !== stampEnd) return -1;
  } else {
    if (!isMonth(b, s)) return -1;
    if (b[s + 3] !== 32 || !(b[s + 4] === 32 || isDigit(b[s + 4])) || !isDigit(b[s + 5]) || b[s + 6] !== 32)
      return -1;
    if (
      !isDigit(b[s + 7]) ||
      !isDigit(b[s + 8]) ||
      b[s + 9] !== 58 ||
      !isDigit(b[s + 10]) ||
      !isDigit(b[s + 11]) ||
      b[s + 12] !== 58
    )
      return -1;
    if (!isDigit(b[s + 13]) || !isDigit(b[s + 14]) || b[s + 15] !== 32) return -1;
    stampEnd = s + 15;
  }
  const hostEnd = byteWithin(b, 32, stampEnd + 1, e);
  if (hostEnd <= stampEnd + 1) return -1;
  // A host made of tag characters would be a tag itself (no-host lines): leave those to the parser.
  if (b[hostEnd - 1] === 58) return -1;
  return hostEnd + 1;
}

const RFC3339_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
