/**
 * The alphabet a compiled filter runs on. V8's linear-time engine accepts
 * neither the `u` nor the `i` flag and is slow on classes of hundreds of
 * ranges, while Python's `\w`, `\d`, `\s` and ignore-case span all of Unicode
 * and count astral characters as one. So the code points a filter's regexes can
 * tell apart are grouped into classes (every ASCII character is its own class;
 * the rest of Unicode falls into a handful), each class owns a block of UTF-16
 * code units above 0x7F, and a line is encoded before matching: ASCII stays as
 * it is, every other code point becomes one unit of its class's block, distinct
 * code points of a line getting distinct units. Matching the encoded line with
 * the encoded regex decides exactly what Python decides on the original line
 * (one unit per code point, so lengths and counted repeats agree too), and
 * captured text is decoded back.
 *
 * A line with more distinct non-ASCII characters of one class than the class's
 * block holds cannot be encoded; `encode` returns null for it.
 */
import { CodeSet, MAX_CODE_POINT } from './charset.js';

const FIRST_UNIT = 0x80;
const UNIT_SPACE = 0x10000 - FIRST_UNIT;
/** A code unit above 0x7F. */
const NON_ASCII = /[\u0080-\uffff]/;

export interface EncodedText {
  text: string;
  /** Original text of an encoded substring. */
  decode(encoded: string): string;
}

const identity: (s: string) => string = (s) => s;

function hex4(n: number): string {
  return `\\u${n.toString(16).padStart(4, '0')}`;
}

export class Alphabet {
  /** Start of each non-ASCII segment; segment i is [cuts[i], cuts[i+1]). */
  private readonly cuts: number[];
  private readonly segmentClass: number[];
  /** A member of each class. */
  private readonly representative: number[];
  readonly classCount: number;
  readonly blockSize: number;

  private constructor(all: readonly CodeSet[]) {
    // Only the non-ASCII part of each set matters here; most sets have none.
    const nonAscii = CodeSet.range(FIRST_UNIT, MAX_CODE_POINT);
    const unique = new Map<string, CodeSet>();
    const seen = new Set<CodeSet>();
    for (const set of all) {
      if (seen.has(set)) continue;
      seen.add(set);
      const last = set.ranges[set.ranges.length - 1];
      if (!last || last[1] < FIRST_UNIT) continue;
      const part = set.intersect(nonAscii);
      unique.set(part.ranges.map(([lo, hi]) => `${lo}-${hi}`).join(','), part);
    }
    const sets = [...unique.values()];
    const cutSet = new Set<number>([FIRST_UNIT]);
    for (const set of sets)
      for (const [lo, hi] of set.ranges) {
        if (lo > FIRST_UNIT) cutSet.add(lo);
        if (hi + 1 > FIRST_UNIT && hi < MAX_CODE_POINT) cutSet.add(hi + 1);
      }
    this.cuts = [...cutSet].sort((a, b) => a - b);
    const bySignature = new Map<string, number>();
    this.segmentClass = [];
    this.representative = [];
    for (const start of this.cuts) {
      let signature = '';
      for (const set of sets) signature += set.has(start) ? '1' : '0';
      let id = bySignature.get(signature);
      if (id === undefined) {
        id = bySignature.size;
        bySignature.set(signature, id);
        this.representative.push(start);
      }
      this.segmentClass.push(id);
    }
    this.classCount = bySignature.size;
    this.blockSize = Math.floor(UNIT_SPACE / this.classCount);
  }

  /** The alphabet that distinguishes everything the given sets distinguish. */
  static of(sets: readonly CodeSet[]): Alphabet {
    return new Alphabet(sets);
  }

  private classOf(cp: number): number {
    let lo = 0;
    let hi = this.cuts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.cuts[mid]! <= cp) lo = mid;
      else hi = mid - 1;
    }
    return this.segmentClass[lo]!;
  }

  private blockStart(id: number): number {
    return FIRST_UNIT + id * this.blockSize;
  }

  /**
   * The JavaScript class (non-`u` syntax) matching the encoded units of the
   * set's code points. The set must be a union of this alphabet's classes.
   */
  classSource(set: CodeSet): string {
    if (set.isEmpty) return '[]';
    const units: [number, number][] = [];
    for (const [lo, hi] of set.intersect(CodeSet.range(0, 0x7f)).ranges) units.push([lo, hi]);
    for (let id = 0; id < this.classCount; id++) {
      if (!set.has(this.representative[id]!)) continue;
      const start = this.blockStart(id);
      units.push([start, start + this.blockSize - 1]);
    }
    const merged = CodeSet.of(units);
    if (merged.ranges.length === 1 && merged.ranges[0]![0] === 0 && merged.ranges[0]![1] >= 0xffff)
      return '[^]';
    let out = '';
    for (const [lo, hi] of merged.ranges) {
      out += hex4(lo);
      if (hi > lo) out += (hi > lo + 1 ? '-' : '') + hex4(hi);
    }
    return `[${out}]`;
  }

  /** A membership test on encoded units for a set (a union of this alphabet's classes). */
  unitTest(set: CodeSet): (unit: number) => boolean {
    const ascii = new Uint8Array(FIRST_UNIT);
    for (let u = 0; u < FIRST_UNIT; u++) ascii[u] = set.has(u) ? 1 : 0;
    const classes = new Uint8Array(this.classCount);
    for (let id = 0; id < this.classCount; id++) classes[id] = set.has(this.representative[id]!) ? 1 : 0;
    const size = this.blockSize;
    return (unit) =>
      unit < FIRST_UNIT ? ascii[unit] === 1 : classes[((unit - FIRST_UNIT) / size) | 0] === 1;
  }

  /** Encodes a text (see the module comment); null when it has too many distinct characters of one class. */
  encode(text: string): EncodedText | null {
    if (!NON_ASCII.test(text)) return { text, decode: identity };
    const unitOf = new Map<number, number>();
    const codeOf = new Map<number, number>();
    const used = new Array<number>(this.classCount).fill(0);
    let out = '';
    let plainFrom = 0;
    let i = 0;
    while (i < text.length) {
      const cp = text.codePointAt(i)!;
      const len = cp > 0xffff ? 2 : 1;
      if (cp < FIRST_UNIT) {
        i += len;
        continue;
      }
      out += text.slice(plainFrom, i);
      let unit = unitOf.get(cp);
      if (unit === undefined) {
        const id = this.classOf(cp);
        const n = used[id]!;
        if (n >= this.blockSize) return null;
        used[id] = n + 1;
        unit = this.blockStart(id) + n;
        unitOf.set(cp, unit);
        codeOf.set(unit, cp);
      }
      out += String.fromCharCode(unit);
      i += len;
      plainFrom = i;
    }
    out += text.slice(plainFrom);
    const decode = (encoded: string): string => {
      if (!NON_ASCII.test(encoded)) return encoded;
      let s = '';
      for (let k = 0; k < encoded.length; k++) {
        const u = encoded.charCodeAt(k);
        s += u < FIRST_UNIT ? encoded[k] : String.fromCodePoint(codeOf.get(u) ?? 0xfffd);
      }
      return s;
    };
    return { text: out, decode };
  }
}
