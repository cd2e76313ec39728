import type { EventClass } from '../classify/taxonomy.js';

/**
 * Recognises, on the raw bytes and without decoding, the commonest lines that
 * only count as benign (queue bookkeeping, postscreen passes, unauthenticated
 * queue ids, TLS set-ups): about half of a busy server's log. Returns null for
 * anything it is not sure of; the full classifier then decides. A test checks on
 * real daemon output that it never disagrees with the full classifier.
 */
export function quickBenign(b: Buffer): EventClass | null {
  const tagStart = tagOffset(b);
  if (tagStart < 0) return null;
  if (startsWithAt(b, tagStart, DOVECOT_TAG)) return dovecotSessionEnd(b, tagStart + DOVECOT_TAG.length);
  if (!startsWithAt(b, tagStart, POSTFIX)) return null;
  const open = b.indexOf(91 /* [ */, tagStart);
  if (open < 0 || open - tagStart > 64) return null;
  const close = b.indexOf(93 /* ] */, open);
  if (close < 0 || b[close + 1] !== 58 || b[close + 2] !== 32) return null;
  for (let i = open + 1; i < close; i++) if (b[i]! < 48 || b[i]! > 57) return null;
  const msg = close + 3;
  if (endsWithAt(b, open, QMGR)) {
    return b[msg] === 119 || b[msg] === 102 || b[msg] === 112 ? null : 'queue-activity';
  }
  if (endsWithAt(b, open, POSTSCREEN)) {
    if (startsWithAt(b, msg, PASS_NEW) || startsWithAt(b, msg, PASS_OLD)) return 'postscreen-pass';
    if (startsWithAt(b, msg, DISCONNECT)) return 'postscreen-disconnect';
    if (startsWithAt(b, msg, POSTSCREEN_CONNECT)) return 'postscreen-connect';
    return null;
  }
  const qidEnd = queueIdEnd(b, msg);
  if (endsWithAt(b, open, CLEANUP)) {
    return qidEnd > 0 && startsWithAt(b, qidEnd, MESSAGE_ID) ? 'queue-activity' : null;
  }
  if (endsWithAt(b, open, SMTPD)) {
    if (qidEnd > 0 && startsWithAt(b, qidEnd, CLIENT) && b.indexOf(SASL, qidEnd) < 0) return 'smtp-client';
    if (startsWithAt(b, msg, ANONYMOUS_TLS) || startsWithAt(b, msg, UNTRUSTED_TLS)) return 'tls-established';
    // Without an `auth=` counter the disconnect cannot be a failed-AUTH one.
    if (startsWithAt(b, msg, SMTPD_DISCONNECT) && b.indexOf(AUTH_COUNTER, msg) < 0) return 'smtp-disconnect';
  }
  return null;
}

/**
 * `dovecot: imap(user)<pid><session>: Disconnected: ...`: the end of a logged-in
 * session. The user part must hold no `:` or `)`, so that the line splits the
 * same way in the full parser.
 */
function dovecotSessionEnd(b: Buffer, at: number): EventClass | null {
  if (!startsWithAt(b, at, IMAP_OPEN) && !startsWithAt(b, at, POP3_OPEN)) return null;
  const close = b.indexOf(CLOSE_ANGLE, at + 5);
  if (close < 0 || close - at > 300) return null;
  for (let i = at + 5; i < close; i++) if (b[i] === 58 || b[i] === 41) return null;
  const end = b.indexOf(SESSION_END, close);
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
const MONTHS = new Set(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);

function startsWithAt(b: Buffer, at: number, p: Buffer): boolean {
  if (at + p.length > b.length) return false;
  for (let i = 0; i < p.length; i++) if (b[at + i] !== p[i]) return false;
  return true;
}

function endsWithAt(b: Buffer, end: number, p: Buffer): boolean {
  return end - p.length >= 0 && startsWithAt(b, end - p.length, p);
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

/** `4ABC123DEF: ` (upper-case hex, 5+) or a long id (12+ alphanumerics with a digit): the index after it, or -1. */
function queueIdEnd(b: Buffer, at: number): number {
  let i = at;
  let digits = 0;
  let hexOnly = true;
  while (i < b.length && i - at <= 20) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 70) {
      // upper-case hex letter
    } else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) hexOnly = false;
    else break;
    i++;
  }
  const n = i - at;
  if (b[i] !== 58 || b[i + 1] !== 32) return -1;
  if (hexOnly ? n < 5 : n < 12 || digits === 0) return -1;
  return i + 2;
}

/**
 * Where the syslog tag starts, for the two common headers only: RFC 3339
 * (`2025-10-10T01:33:12.123456+02:00 host `) and RFC 3164 (`Oct 10 01:33:12 host `),
 * with their digits checked so that a malformed stamp is left to the full parser.
 */
function tagOffset(b: Buffer): number {
  let stampEnd: number;
  if (isDigit(b[0])) {
    for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (!isDigit(b[i])) return -1;
    if (b[4] !== 45 || b[7] !== 45 || b[10] !== 84 || b[13] !== 58 || b[16] !== 58) return -1;
    stampEnd = b.indexOf(32, 19);
    if (stampEnd < 0 || stampEnd > 40) return -1;
    // After the seconds: an optional fraction, then Z or an offset, nothing else.
    let i = 19;
    if (b[i] === 46) {
      i++;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 90) i++;
    else if (b[i] === 43 || b[i] === 45) {
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
    if (b.length < 20 || !MONTHS.has(b.toString('latin1', 0, 3))) return -1;
    if (b[3] !== 32 || !(b[4] === 32 || isDigit(b[4])) || !isDigit(b[5]) || b[6] !== 32) return -1;
    if (!isDigit(b[7]) || !isDigit(b[8]) || b[9] !== 58 || !isDigit(b[10]) || !isDigit(b[11]) || b[12] !== 58)
      return -1;
    if (!isDigit(b[13]) || !isDigit(b[14]) || b[15] !== 32) return -1;
    stampEnd = 15;
  }
  const hostEnd = b.indexOf(32, stampEnd + 1);
  if (hostEnd <= stampEnd + 1) return -1;
  // A host made of tag characters would be a tag itself (no-host lines): leave those to the parser.
  if (b[hostEnd - 1] === 58) return -1;
  return hostEnd + 1;
}
