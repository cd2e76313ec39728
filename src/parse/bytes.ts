/**
 * Comparisons on a line read in place: the line is `b[start..end)` inside a larger
 * block, so every search is bounded by the line's end and never runs on into the
 * lines after it. Loops rather than native calls: these searches are short, and a
 * native call costs more than it saves.
 */

export const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

/** The first index of `byte` in `b[from..to)`, or -1. */
export function byteWithin(b: Buffer, byte: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === byte) return i;
  return -1;
}

/** The first index of `p` wholly inside `b[from..to)`, or -1. */
export function indexWithin(b: Buffer, p: Buffer, from: number, to: number): number {
  const first = p[0];
  const last = to - p.length;
  outer: for (let i = from; i <= last; i++) {
    if (b[i] !== first) continue;
    for (let j = 1; j < p.length; j++) if (b[i + j] !== p[j]) continue outer;
    return i;
  }
  return -1;
}

export function containsWithin(b: Buffer, p: Buffer, from: number, to: number): boolean {
  return indexWithin(b, p, from, to) >= 0;
}

/** Whether the line ending at `lineEnd` holds `p` at `at`. */
export function startsWithAt(b: Buffer, lineEnd: number, at: number, p: Buffer): boolean {
  if (at + p.length > lineEnd) return false;
  for (let i = 0; i < p.length; i++) if (b[at + i] !== p[i]) return false;
  return true;
}

/** Whether `p` ends just before `before`, at or after `from` (the line's own bytes). */
export function endsWithAt(b: Buffer, from: number, before: number, p: Buffer): boolean {
  const at = before - p.length;
  if (at < from) return false;
  for (let i = 0; i < p.length; i++) if (b[at + i] !== p[i]) return false;
  return true;
}

/** Whether `b[from..to)` holds exactly the bytes of `p`. */
export function equalsAt(b: Buffer, from: number, to: number, p: Buffer): boolean {
  return to - from === p.length && startsWithAt(b, to, from, p);
}

export function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}
