import type { EventClass } from './taxonomy.js';

/** What a program classifier says about one message. */
export interface Match {
  cls: EventClass;
  /** The address as logged; normalised later. */
  ip?: string;
  port?: number;
  user?: string;
  detail?: string;
}

/** Per-stream memory that some lines need: Postfix logs a TLS failure's OpenSSL detail without the address. */
export interface ClassifyState {
  lastTlsFailure: Map<string, { ip: string; port?: number }>;
}

export function newClassifyState(): ClassifyState {
  return { lastTlsFailure: new Map() };
}

/**
 * Postfix's `name[address]` or `name[address]:port`, starting the search at `from`.
 * Scans for the brackets instead of using a regular expression: hostnames are attacker-chosen.
 */
export function bracketAddress(text: string, from = 0): { ip: string; port?: number; end: number } | null {
  const open = text.indexOf('[', from);
  if (open < 0) return null;
  const close = text.indexOf(']', open + 1);
  if (close < 0) return null;
  const ip = text.slice(open + 1, close);
  let end = close + 1;
  let port: number | undefined;
  if (text.charCodeAt(end) === 58 /* : */) {
    let j = end + 1;
    while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    if (j > end + 1) {
      port = Number(text.slice(end + 1, j));
      end = j;
    }
  }
  return port !== undefined ? { ip, port, end } : { ip, end };
}

/** The value of `key=<value>` (angle-bracketed) in Postfix and Dovecot key lists. */
export function angleValue(text: string, key: string): string | undefined {
  const at = text.indexOf(`${key}=<`);
  if (at < 0) return undefined;
  const start = at + key.length + 2;
  const end = text.indexOf('>', start);
  return end < 0 ? undefined : text.slice(start, end);
}

/** The value of `key=value` up to the next comma or space. */
export function plainValue(text: string, key: string): string | undefined {
  let at = text.indexOf(`${key}=`);
  while (at > 0) {
    const before = text.charCodeAt(at - 1);
    if (before === 32 || before === 44) break;
    at = text.indexOf(`${key}=`, at + 1);
  }
  if (at < 0) return undefined;
  const start = at + key.length + 1;
  let end = start;
  while (end < text.length) {
    const ch = text.charCodeAt(end);
    if (ch === 44 || ch === 32) break;
    end++;
  }
  return text.slice(start, end);
}

/** The word (up to a space) following `marker` in `text`. */
export function wordAfter(text: string, marker: string): string | undefined {
  const at = text.indexOf(marker);
  return at < 0 ? undefined : wordAt(text, at + marker.length);
}

/** The text from `start` up to the first `stop` (or the end): `text.slice(start).split(stop, 1)[0]` without copying the rest. */
export function textUntil(text: string, start: number, stop: string): string {
  const end = text.indexOf(stop, start);
  return end < 0 ? text.slice(start) : text.slice(start, end);
}

/** The word at `start`: the text up to the next space. */
export function wordAt(text: string, start: number): string {
  return textUntil(text, start, ' ');
}

const SPACE_OR_COMMA = /[,\s]/;

/** The text from `start` up to the first comma or white space (as `\s` means it), or the end. */
export function valueAt(text: string, start: number): string {
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 32 || (c >= 9 && c <= 13) || (c > 127 && SPACE_OR_COMMA.test(text[i]!)))
      return text.slice(start, i);
  }
  return text.slice(start);
}
