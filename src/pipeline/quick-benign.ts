import type { EventClass } from '../classify/taxonomy.js';
import { ascii, containsWithin, endsWithAt, indexWithin, startsWithAt } from '../parse/bytes.js';
import { type ByteHeader, newByteHeader, splitHeaderAt } from '../parse/header-bytes.js';

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

const scratch = newByteHeader();

/** `quickBenign` of the line `b[start..end)`, read in place. */
export function quickBenignAt(b: Buffer, start: number, end: number): EventClass | null {
  return splitHeaderAt(b, start, end, scratch) ? benignClassOf(b, end, scratch) : null;
}

/** `quickBenign` of a line whose header `h` is already split; `end` is the line's end. */
export function benignClassOf(b: Buffer, end: number, h: ByteHeader): EventClass | null {
  const msg = h.messageStart;
  if (msg >= end) return null;
  const name = h.nameStart;
  if (h.pid < 0) {
    return h.nameEnd - name === 7 && startsWithAt(b, end, name, DOVECOT)
      ? dovecotSessionEnd(b, end, msg)
      : null;
  }
  if (!startsWithAt(b, end, name, POSTFIX)) return null;
  const nameEnd = h.nameEnd;
  if (endsWithAt(b, name, nameEnd, QMGR)) {
    return b[msg] === 119 || b[msg] === 102 || b[msg] === 112 ? null : 'queue-activity';
  }
  if (endsWithAt(b, name, nameEnd, POSTSCREEN)) {
    if (startsWithAt(b, end, msg, PASS_NEW) || startsWithAt(b, end, msg, PASS_OLD)) return 'postscreen-pass';
    if (startsWithAt(b, end, msg, DISCONNECT)) return 'postscreen-disconnect';
    if (startsWithAt(b, end, msg, POSTSCREEN_CONNECT)) return 'postscreen-connect';
    return null;
  }
  if (endsWithAt(b, name, nameEnd, CLEANUP)) {
    const qidEnd = queueIdEnd(b, end, msg);
    return qidEnd > 0 && startsWithAt(b, end, qidEnd, MESSAGE_ID) ? 'queue-activity' : null;
  }
  if (endsWithAt(b, name, nameEnd, SMTPD)) {
    const qidEnd = queueIdEnd(b, end, msg);
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

/**
 * `imap(user)<pid><session>: Disconnected: ...` after `dovecot: `: the end of a
 * logged-in session. The user part must hold no `:` or `)`, so that the line
 * splits the same way in the full parser.
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

/** `4ABC123DEF: ` (upper-case hex, 5+) or a long id (12+ alphanumerics with a digit): the index after it, or -1. */
export function queueIdEnd(b: Buffer, lineEnd: number, at: number): number {
  let i = at;
  let digits = 0;
  let hexOnly = true;
  while (i < lineEnd && i - at < 20) {
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

const POSTFIX = ascii('postfix');
const DOVECOT = ascii('dovecot');
const QMGR = ascii('/qmgr');
const POSTSCREEN = ascii('/postscreen');
const CLEANUP = ascii('/cleanup');
const SMTPD = ascii('/smtpd');
const IMAP_OPEN = ascii('imap(');
const POP3_OPEN = ascii('pop3(');
const CLOSE_ANGLE = ascii(')<');
const SESSION_END = ascii('>: Disconnected: ');
const POSTSCREEN_CONNECT = ascii('CONNECT from [');
const SMTPD_DISCONNECT = ascii('disconnect from ');
const AUTH_COUNTER = ascii('auth=');
const PASS_NEW = ascii('PASS NEW [');
const PASS_OLD = ascii('PASS OLD [');
const DISCONNECT = ascii('DISCONNECT [');
const MESSAGE_ID = ascii('message-id=');
const CLIENT = ascii('client=');
const SASL = ascii('sasl_');
const ANONYMOUS_TLS = ascii('Anonymous TLS connection established from ');
const UNTRUSTED_TLS = ascii('Untrusted TLS connection established from ');
