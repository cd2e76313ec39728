/**
 * Sets of Unicode code points as sorted, disjoint, inclusive ranges, and the
 * character classes of Python's `re` module for str patterns (Unicode mode):
 * `\d` is the decimal digits (category Nd), `\w` what `str.isalnum()` accepts
 * plus `_`, `\s` what `str.isspace()` accepts. With IGNORECASE, Python compares
 * the simple lowercase of the subject character (`_sre.unicode_tolower`) with
 * the lowered pattern characters, and adds a few characters that share an
 * uppercase form without lowering to each other (`re._casefix`).
 *
 * The Unicode properties come from the running Node's ICU. Python 3.11 uses
 * Unicode 14; the few hundred code points assigned since then may be classified
 * differently by a Python that predates them.
 */

export const MAX_CODE_POINT = 0x10ffff;

type Range = readonly [number, number];

export class CodeSet {
  private constructor(readonly ranges: readonly Range[]) {}

  static readonly EMPTY = new CodeSet([]);
  static readonly ALL = new CodeSet([[0, MAX_CODE_POINT]]);

  /** Normalises any list of ranges (unsorted, overlapping) into a set. */
  static of(ranges: Iterable<readonly [number, number]>): CodeSet {
    const sorted = [...ranges].filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
    const out: [number, number][] = [];
    for (const [lo, hi] of sorted) {
      const last = out[out.length - 1];
      if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
      else out.push([lo, hi]);
    }
    return new CodeSet(out);
  }

  static char(cp: number): CodeSet {
    return new CodeSet([[cp, cp]]);
  }

  static chars(cps: Iterable<number>): CodeSet {
    return CodeSet.of([...cps].map((c) => [c, c] as const));
  }

  static range(lo: number, hi: number): CodeSet {
    return CodeSet.of([[lo, hi]]);
  }

  /** The code points of a string (each one, astral ones whole). */
  static ofString(s: string): CodeSet {
    return CodeSet.chars([...s].map((c) => c.codePointAt(0)!));
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  get size(): number {
    let n = 0;
    for (const [lo, hi] of this.ranges) n += hi - lo + 1;
    return n;
  }

  has(cp: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid]!;
      if (cp < r[0]) hi = mid - 1;
      else if (cp > r[1]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  union(other: CodeSet): CodeSet {
    if (other.isEmpty) return this;
    if (this.isEmpty) return other;
    return CodeSet.of([...this.ranges, ...other.ranges]);
  }

  complement(): CodeSet {
    const out: [number, number][] = [];
    let next = 0;
    for (const [lo, hi] of this.ranges) {
      if (lo > next) out.push([next, lo - 1]);
      next = hi + 1;
    }
    if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
    return new CodeSet(out);
  }

  intersect(other: CodeSet): CodeSet {
    const out: [number, number][] = [];
    let i = 0;
    let j = 0;
    while (i < this.ranges.length && j < other.ranges.length) {
      const a = this.ranges[i]!;
      const b = other.ranges[j]!;
      const lo = Math.max(a[0], b[0]);
      const hi = Math.min(a[1], b[1]);
      if (lo <= hi) out.push([lo, hi]);
      if (a[1] < b[1]) i++;
      else j++;
    }
    return new CodeSet(out);
  }

  subtract(other: CodeSet): CodeSet {
    return this.intersect(other.complement());
  }

  isSubsetOf(other: CodeSet): boolean {
    return this.subtract(other).isEmpty;
  }

  overlaps(other: CodeSet): boolean {
    return !this.intersect(other).isEmpty;
  }

  equals(other: CodeSet): boolean {
    if (this.ranges.length !== other.ranges.length) return false;
    return this.ranges.every((r, i) => r[0] === other.ranges[i]![0] && r[1] === other.ranges[i]![1]);
  }

  /** Every member, for small sets. */
  *members(): Generator<number> {
    for (const [lo, hi] of this.ranges) for (let c = lo; c <= hi; c++) yield c;
  }

  /** The first member, or undefined. */
  first(): number | undefined {
    return this.ranges[0]?.[0];
  }
}

/** Scans every code point once and collects those a predicate accepts. */
function scan(test: (cp: number) => boolean): CodeSet {
  const out: [number, number][] = [];
  let start = -1;
  for (let cp = 0; cp <= MAX_CODE_POINT + 1; cp++) {
    const inside = cp <= MAX_CODE_POINT && test(cp);
    if (inside && start < 0) start = cp;
    else if (!inside && start >= 0) {
      out.push([start, cp - 1]);
      start = -1;
    }
  }
  return CodeSet.of(out);
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    if (value === undefined) value = make();
    return value;
  };
}

const ASCII_DIGIT = CodeSet.range(0x30, 0x39);
const ASCII_WORD = CodeSet.of([
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
]);
const ASCII_SPACE = CodeSet.of([
  [0x09, 0x0d],
  [0x20, 0x20],
]);

/** What `str.isspace()` accepts: bidirectional class WS, B or S, or category Zs. */
const UNICODE_SPACE = CodeSet.of([
  [0x09, 0x0d],
  [0x1c, 0x20],
  [0x85, 0x85],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
]);

const unicodeDigit = lazy(() => {
  const re = /\p{Nd}/u;
  return scan((cp) => cp >= 0x30 && re.test(String.fromCodePoint(cp)));
});

// str.isalnum(): letters (L*), and characters with a numeric value (Nd, Nl, No).
const unicodeWord = lazy(() => {
  const re = /[\p{L}\p{N}_]/u;
  return scan((cp) => cp >= 0x30 && re.test(String.fromCodePoint(cp)));
});

export type PyCategory = 'digit' | 'word' | 'space';

/** The set a category escape stands for; `ascii` is Python's `re.ASCII` flag. */
export function categorySet(category: PyCategory, ascii: boolean): CodeSet {
  switch (category) {
    case 'digit':
      return ascii ? ASCII_DIGIT : unicodeDigit();
    case 'word':
      return ascii ? ASCII_WORD : unicodeWord();
    case 'space':
      return ascii ? ASCII_SPACE : UNICODE_SPACE;
  }
}

/**
 * Simple (one-to-one) lowercase mapping of the code points it changes, as
 * Python's `_sre.unicode_tolower`. JavaScript's toLowerCase applies the full
 * mapping, which differs from the simple one only for U+0130.
 */
const lowerMap = lazy(() => {
  const map = new Map<number, number>();
  for (let cp = 0; cp <= MAX_CODE_POINT; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const s = String.fromCodePoint(cp);
    const lower = s.toLowerCase();
    if (lower === s) continue;
    const l = cp === 0x130 ? 0x69 : lower.codePointAt(0)!;
    if (lower.length === String.fromCodePoint(l).length || cp === 0x130) map.set(cp, l);
  }
  return map;
});

const upperChanging = lazy(() => {
  const set = new Set<number>();
  for (let cp = 0; cp <= MAX_CODE_POINT; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const s = String.fromCodePoint(cp);
    if (s.toUpperCase() !== s) set.add(cp);
  }
  return set;
});

const lowerDomain = lazy(() => CodeSet.chars(lowerMap().keys()));

export function simpleLower(cp: number): number {
  return lowerMap().get(cp) ?? cp;
}

/** Python's `unicode_iscased`: the character has a different lower or upper case form. */
export function isCased(cp: number): boolean {
  return lowerMap().has(cp) || upperChanging().has(cp);
}

/**
 * Lowercase letters that Python's IGNORECASE treats as equal although neither
 * lowers to the other: they share an uppercase form (or a case folding).
 */
const EXTRA_CASE_GROUPS: readonly (readonly number[])[] = [
  [0x69, 0x131], // i, dotless i
  [0x73, 0x17f], // s, long s
  [0xb5, 0x3bc], // micro sign, mu
  [0x345, 0x3b9, 0x1fbe], // ypogegrammeni, iota, prosgegrammeni
  [0x390, 0x1fd3],
  [0x3b0, 0x1fe3],
  [0x3b2, 0x3d0], // beta, beta symbol
  [0x3b5, 0x3f5], // epsilon, lunate epsilon
  [0x3b8, 0x3d1], // theta, theta symbol
  [0x3ba, 0x3f0], // kappa, kappa symbol
  [0x3c0, 0x3d6], // pi, pi symbol
  [0x3c1, 0x3f1], // rho, rho symbol
  [0x3c2, 0x3c3], // final sigma, sigma
  [0x3c6, 0x3d5], // phi, phi symbol
  [0x432, 0x1c80],
  [0x434, 0x1c81],
  [0x43e, 0x1c82],
  [0x441, 0x1c83],
  [0x442, 0x1c84, 0x1c85],
  [0x44a, 0x1c86],
  [0x463, 0x1c87],
  [0x1c88, 0xa64b],
  [0x1e61, 0x1e9b],
  [0xfb05, 0xfb06],
];

const extraCases = lazy(() => {
  const map = new Map<number, number[]>();
  for (const group of EXTRA_CASE_GROUPS)
    for (const c of group)
      map.set(
        c,
        group.filter((o) => o !== c),
      );
  return map;
});

/** The lowered image of a set, with Python's extra case equivalents added. */
export function lowerImage(set: CodeSet): CodeSet {
  const domain = lowerDomain();
  const changed = set.intersect(domain);
  let out = set.subtract(domain);
  const extra: number[] = [];
  for (const cp of changed.members()) extra.push(simpleLower(cp));
  out = out.union(CodeSet.chars(extra));
  const fixes = extraCases();
  const added: number[] = [];
  for (const [lo, list] of fixes) if (out.has(lo)) added.push(...list);
  return out.union(CodeSet.chars(added));
}

/** The characters whose simple lowercase lies in `lowered`. */
export function lowerPreimage(lowered: CodeSet): CodeSet {
  const domain = lowerDomain();
  const extra: number[] = [];
  for (const [cp, l] of lowerMap()) if (lowered.has(l)) extra.push(cp);
  return lowered.subtract(domain).union(CodeSet.chars(extra));
}

/** The extra equivalents of a lowered character (empty when none). */
export function extraCaseEquivalents(lowered: number): readonly number[] {
  return extraCases().get(lowered) ?? [];
}

export const ASCII_LETTERS = CodeSet.of([
  [0x41, 0x5a],
  [0x61, 0x7a],
]);

export function asciiLowerImage(set: CodeSet): CodeSet {
  const upper = set.intersect(CodeSet.range(0x41, 0x5a));
  const shifted = CodeSet.of(upper.ranges.map(([lo, hi]) => [lo + 32, hi + 32] as const));
  return set.subtract(upper).union(shifted);
}

export function asciiLowerPreimage(lowered: CodeSet): CodeSet {
  const lowerLetters = lowered.intersect(CodeSet.range(0x61, 0x7a));
  const upper = CodeSet.of(lowerLetters.ranges.map(([lo, hi]) => [lo - 32, hi - 32] as const));
  return lowered.subtract(CodeSet.range(0x41, 0x5a)).union(upper);
}

const ignoreCaseCache = new Map<number, CodeSet>();

/** The characters a literal matches under IGNORECASE (`ascii`: the ASCII flag). */
export function ignoreCaseLiteral(cp: number, ascii: boolean): CodeSet {
  const key = ascii ? -1 - cp : cp;
  let set = ignoreCaseCache.get(key);
  if (!set) {
    set = computeIgnoreCaseLiteral(cp, ascii);
    ignoreCaseCache.set(key, set);
  }
  return set;
}

function computeIgnoreCaseLiteral(cp: number, ascii: boolean): CodeSet {
  if (ascii) {
    if (!ASCII_LETTERS.has(cp)) return CodeSet.char(cp);
    return asciiLowerPreimage(CodeSet.char(cp | 0x20));
  }
  if (!isCased(cp)) return CodeSet.char(cp);
  const lo = simpleLower(cp);
  return lowerPreimage(CodeSet.chars([lo, ...extraCaseEquivalents(lo)]));
}
