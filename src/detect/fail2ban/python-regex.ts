/**
 * Python `re` patterns (str patterns, Python 3.11 rules) read into a syntax tree
 * with Python's semantics, then emitted as JavaScript (see regex-emit.ts).
 *
 * What Python does and this reader follows:
 * - `(?P<name>…)`, `(?P=name)`, numbered backreferences, octal and `\x`, `\u`,
 *   `\U` escapes, `\A`, `\Z`, `\b` outside and inside classes (backspace), `{,n}`
 *   (0 to n), a `{` that does not start a valid quantifier is a literal;
 * - inline flags: `(?aimsux)` only at the very start of the pattern (Python 3.11
 *   rejects them elsewhere; 3.6 to 3.10 applied them to the whole pattern from
 *   anywhere, which `globalFlagsAnywhere` reproduces), scoped `(?i:…)`,
 *   `(?-i:…)`; verbose mode; dot-all; multi-line;
 * - Unicode classes and ignore-case as Python computes them (charset.ts);
 * - every error Python raises for the pattern is raised here too.
 *
 * What is valid Python but has no faithful translation is refused:
 * conditional groups `(?(id)…)`, atomic groups `(?>…)`, possessive quantifiers,
 * `\N{name}` escapes and the LOCALE flag.
 */

import { Alphabet } from './alphabet.js';
import {
  ASCII_LETTERS,
  asciiLowerImage,
  asciiLowerPreimage,
  CodeSet,
  categorySet,
  ignoreCaseLiteral,
  isCased,
  lowerImage,
  lowerPreimage,
  MAX_CODE_POINT,
  type PyCategory,
} from './charset.js';
import { AMBIGUOUS, CompiledRegex } from './compiled-regex.js';
import { collectSets, NEWLINE, type ParsedRegex, type RegexNode, width } from './regex-ast.js';
import { FilterTranslationError, RegexUnsupportedError } from './translation-error.js';

export { FilterTranslationError } from './translation-error.js';

const MAXREPEAT = 4294967295;

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  a: boolean;
  u: boolean;
}

const FLAG_LETTERS = 'aiLmsux';
const TYPE_FLAGS = 'aLu';

export interface ParseOptions {
  /** Python 3.6-3.10 behaviour: a global flag group anywhere applies to the whole pattern. */
  globalFlagsAnywhere?: boolean;
  /** Flags passed to re.compile (fail2ban passes re.MULTILINE for multi-line filters). */
  multiline?: boolean;
}

class Parser {
  private pos = 0;
  private groupCount = 0;
  private readonly names = new Map<string, number>();
  private readonly closed = new Set<number>();
  private readonly groupBodies = new Map<number, RegexNode>();
  private lookbehindFrom: number | null = null;
  private lastWasGlobal = false;
  readonly global: Flags;
  readonly collectedGlobal = new Set<string>();

  constructor(
    private readonly src: string,
    initial: Flags,
    private readonly anywhere: boolean,
  ) {
    this.global = { ...initial };
  }

  private fail(message: string, at = this.pos): never {
    throw new RegexUnsupportedError(`${message} at position ${at}`, true, at);
  }

  private refuse(message: string, at = this.pos): never {
    throw new RegexUnsupportedError(`${message} at position ${at}`, false, at);
  }

  private peekIs(re: RegExp): boolean {
    const c = this.src[this.pos];
    return c !== undefined && re.test(c);
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private get atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  /** The next code point as a string (astral characters whole). */
  private take(): string {
    const cp = this.src.codePointAt(this.pos)!;
    const s = String.fromCodePoint(cp);
    this.pos += s.length;
    return s;
  }

  private match(s: string): boolean {
    if (this.src.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }

  parse(): ParsedRegex {
    const root = this.parseAlternation(this.global, this.global.x, 0);
    if (!this.atEnd) this.fail('unbalanced parenthesis');
    const flags = Object.entries(this.global)
      .filter(([, on]) => on)
      .map(([f]) => f)
      .join('');
    return { root, groupCount: this.groupCount, names: new Map(this.names), flags };
  }

  private parseAlternation(flags: Flags, verbose: boolean, nested: number): RegexNode {
    const alts: RegexNode[] = [];
    for (;;) {
      alts.push(this.parseSequence(flags, verbose, nested, nested === 0 && alts.length === 0));
      if (!this.match('|')) break;
      if (nested === 0) verbose = this.global.x;
    }
    return alts.length === 1 ? alts[0]! : { type: 'alt', alts };
  }

  private parseSequence(flags: Flags, verbose: boolean, nested: number, first: boolean): RegexNode {
    const items: RegexNode[] = [];
    const starts: number[] = [];
    for (;;) {
      const c = this.peek();
      starts[items.length] = this.pos;
      if (c === undefined || c === '|' || c === ')') break;
      const start = this.pos;
      if (verbose) {
        if (' \t\n\r\v\f'.includes(c)) {
          this.pos++;
          continue;
        }
        if (c === '#') {
          while (!this.atEnd && this.src[this.pos] !== '\n') this.pos++;
          continue;
        }
      }
      if (c === '\\') {
        items.push(this.parseEscape(flags));
      } else if (c === '[') {
        this.pos++;
        items.push(this.parseClass(flags, start));
      } else if (c === '*' || c === '+' || c === '?' || c === '{') {
        this.pos++;
        let min: number;
        let max: number;
        if (c === '?') [min, max] = [0, 1];
        else if (c === '*') [min, max] = [0, Infinity];
        else if (c === '+') [min, max] = [1, Infinity];
        else {
          if (this.peek() === '}') {
            items.push(this.literal(0x7b, flags));
            continue;
          }
          const here = this.pos;
          let lo = '';
          let hi = '';
          while (this.peekIs(/[0-9]/)) lo += this.take();
          if (this.match(',')) {
            while (this.peekIs(/[0-9]/)) hi += this.take();
          } else hi = lo;
          if (!this.match('}')) {
            this.pos = here;
            items.push(this.literal(0x7b, flags));
            continue;
          }
          min = lo ? Number(lo) : 0;
          max = hi ? Number(hi) : Infinity;
          if (min >= MAXREPEAT || (max !== Infinity && max >= MAXREPEAT))
            this.fail('the repetition number is too large');
          if (max < min) this.fail('min repeat greater than max repeat');
        }
        const last = items[items.length - 1];
        if (!last || last.type === 'assert') this.fail('nothing to repeat', start);
        if (last.type === 'repeat') this.fail('multiple repeat', start);
        let lazy = false;
        if (this.match('?')) lazy = true;
        else if (this.peek() === '+')
          this.refuse('possessive quantifier (Python 3.11 only) has no JavaScript equivalent');
        const src = this.src.slice(starts[items.length - 1]!, this.pos);
        items[items.length - 1] = { type: 'repeat', min, max, lazy, body: last, src };
      } else if (c === '.') {
        this.pos++;
        items.push({
          type: 'set',
          set: flags.s ? CodeSet.ALL : CodeSet.char(NEWLINE).complement(),
        });
      } else if (c === '(') {
        this.pos++;
        const group = this.parseGroup(flags, verbose, nested, first && items.length === 0);
        if (group) items.push(group);
        else if (this.lastWasGlobal) verbose = this.global.x;
      } else if (c === '^') {
        this.pos++;
        items.push({ type: 'assert', kind: flags.m ? 'lineStart' : 'start' });
      } else if (c === '$') {
        this.pos++;
        items.push({ type: 'assert', kind: flags.m ? 'lineEnd' : 'end' });
      } else {
        const ch = this.take();
        items.push(this.literal(ch.codePointAt(0)!, flags));
      }
    }
    return items.length === 1 ? items[0]! : items.length === 0 ? { type: 'empty' } : { type: 'seq', items };
  }

  /** Parses after `(`; returns null for comments and global flag groups. */
  private parseGroup(flags: Flags, verbose: boolean, nested: number, first: boolean): RegexNode | null {
    const start = this.pos - 1;
    this.lastWasGlobal = false;
    let capture = true;
    let name: string | null = null;
    let scoped: Flags | null = null;
    if (this.match('?')) {
      const ch = this.peek();
      if (ch === undefined) this.fail('unexpected end of pattern');
      this.pos++;
      if (ch === 'P') {
        if (this.match('<')) {
          name = this.until('>', 'group name');
          this.checkName(name);
        } else if (this.match('=')) {
          const ref = this.until(')', 'group name');
          this.checkName(ref);
          const gid = this.names.get(ref);
          if (gid === undefined) this.fail(`unknown group name '${ref}'`);
          return this.backref(gid, flags);
        } else {
          const c2 = this.peek();
          if (c2 === undefined) this.fail('unexpected end of pattern');
          this.fail(`unknown extension ?P${c2}`);
        }
      } else if (ch === ':') {
        capture = false;
      } else if (ch === '#') {
        for (;;) {
          if (this.atEnd) this.fail('missing ), unterminated comment', start);
          if (this.src[this.pos++] === ')') break;
        }
        return null;
      } else if (ch === '=' || ch === '!' || ch === '<') {
        let behind = false;
        let kind = ch;
        if (ch === '<') {
          const c2 = this.peek();
          if (c2 === undefined) this.fail('unexpected end of pattern');
          this.pos++;
          if (c2 !== '=' && c2 !== '!') this.fail(`unknown extension ?<${c2}`);
          behind = true;
          kind = c2;
        }
        const outer = this.lookbehindFrom;
        if (behind && outer === null) this.lookbehindFrom = this.groupCount + 1;
        const body = this.parseAlternation(flags, verbose, nested + 1);
        if (behind) this.lookbehindFrom = outer;
        if (!this.match(')')) this.fail('missing ), unterminated subpattern', start);
        if (behind) {
          const [lo, hi] = width(body, this.groupBodies);
          if (lo !== hi) this.fail('look-behind requires fixed-width pattern', start);
        }
        return { type: 'look', behind, negate: kind === '!', body };
      } else if (ch === '(') {
        this.refuse('conditional group (?(…)…|…) has no faithful JavaScript equivalent', start);
      } else if (ch === '>') {
        this.refuse('atomic group (?>…) (Python 3.11 only) has no faithful JavaScript equivalent', start);
      } else if (FLAG_LETTERS.includes(ch) || ch === '-') {
        const parsed = this.parseFlags(ch, start);
        if (parsed === 'global') {
          if (!first && !this.anywhere) this.fail('global flags not at the start of the expression', start);
          this.lastWasGlobal = true;
          return null;
        }
        capture = false;
        scoped = { ...flags };
        for (const f of parsed.add) this.setFlag(scoped, f);
        for (const f of parsed.del) this.clearFlag(scoped, f);
        if (parsed.add.some((f) => TYPE_FLAGS.includes(f))) {
          scoped.a = parsed.add.includes('a');
          scoped.u = parsed.add.includes('u');
        }
      } else {
        this.fail(`unknown extension ?${ch}`);
      }
    }
    let index: number | null = null;
    if (capture) {
      index = ++this.groupCount;
      if (name !== null) {
        const was = this.names.get(name);
        if (was !== undefined)
          this.fail(`redefinition of group name '${name}' as group ${index}; was group ${was}`);
        this.names.set(name, index);
      }
    }
    const inner = scoped ?? flags;
    const subVerbose = scoped ? scoped.x : verbose;
    const body = this.parseAlternation(inner, subVerbose, nested + 1);
    if (!this.match(')')) this.fail('missing ), unterminated subpattern', start);
    if (index !== null) {
      this.closed.add(index);
      this.groupBodies.set(index, body);
    }
    return { type: 'group', index, name, body };
  }

  private setFlag(flags: Flags, f: string): void {
    if (f === 'i' || f === 'm' || f === 's' || f === 'x' || f === 'a' || f === 'u') flags[f] = true;
  }

  private clearFlag(flags: Flags, f: string): void {
    if (f === 'i' || f === 'm' || f === 's' || f === 'x') flags[f] = false;
  }

  /** Reads flag letters after `(?`; 'global' for `(?flags)`, else the scoped additions/removals. */
  private parseFlags(firstChar: string, start: number): 'global' | { add: string[]; del: string[] } {
    const add: string[] = [];
    const del: string[] = [];
    let ch: string | undefined = firstChar;
    if (ch !== '-') {
      for (;;) {
        if (ch === 'L') this.fail("bad inline flags: cannot use 'L' flag with a str pattern");
        add.push(ch);
        const types = add.filter((f) => TYPE_FLAGS.includes(f));
        if (new Set(types).size > 1) this.fail("bad inline flags: flags 'a', 'u' and 'L' are incompatible");
        ch = this.peek();
        if (ch === undefined) this.fail('missing -, : or )');
        this.pos++;
        if (ch === ')' || ch === '-' || ch === ':') break;
        if (!FLAG_LETTERS.includes(ch)) this.fail(/\p{L}/u.test(ch) ? 'unknown flag' : 'missing -, : or )');
      }
    }
    if (ch === ')') {
      for (const f of add) {
        this.setFlag(this.global, f);
        this.collectedGlobal.add(f);
      }
      if (add.includes('a')) this.global.u = false;
      return 'global';
    }
    if (ch === '-') {
      ch = this.peek();
      if (ch === undefined) this.fail('missing flag');
      this.pos++;
      if (!FLAG_LETTERS.includes(ch)) this.fail(/\p{L}/u.test(ch) ? 'unknown flag' : 'missing flag');
      for (;;) {
        if (TYPE_FLAGS.includes(ch)) this.fail("bad inline flags: cannot turn off flags 'a', 'u' and 'L'");
        del.push(ch);
        ch = this.peek();
        if (ch === undefined) this.fail('missing :');
        this.pos++;
        if (ch === ':') break;
        if (!FLAG_LETTERS.includes(ch)) this.fail(/\p{L}/u.test(ch) ? 'unknown flag' : 'missing :');
      }
    }
    if (add.some((f) => del.includes(f))) this.fail('bad inline flags: flag turned on and off', start);
    return { add, del };
  }

  private until(terminator: string, what: string): string {
    const end = this.src.indexOf(terminator, this.pos);
    if (end < 0) this.fail(`missing ${terminator}, unterminated name`);
    const s = this.src.slice(this.pos, end);
    if (s === '') this.fail(`missing ${what}`);
    this.pos = end + 1;
    return s;
  }

  private checkName(name: string): void {
    if (!/^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(name))
      this.fail(`bad character in group name '${name}'`);
  }

  private backref(gid: number, flags: Flags): RegexNode {
    if (!this.closed.has(gid)) this.fail('cannot refer to an open group');
    if (this.lookbehindFrom !== null && gid >= this.lookbehindFrom)
      this.fail('cannot refer to group defined in the same lookbehind subpattern');
    return flags.i
      ? { type: 'backref', index: gid, ignoreCase: true, ascii: flags.a }
      : { type: 'backref', index: gid };
  }

  private literal(cp: number, flags: Flags): RegexNode {
    return { type: 'set', set: literalSet(cp, flags) };
  }

  private hex(n: number, letter: string): number {
    const digits = this.src.slice(this.pos, this.pos + n);
    if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) {
      const got = /^[0-9a-fA-F]*/.exec(digits)![0];
      this.fail(`incomplete escape \\${letter}${got}`);
    }
    this.pos += n;
    const value = Number.parseInt(digits, 16);
    if (value > MAX_CODE_POINT) this.fail(`bad escape \\${letter}${digits}`);
    return value;
  }

  /** An escape outside a class. */
  private parseEscape(flags: Flags): RegexNode {
    const start = this.pos;
    this.pos++;
    if (this.atEnd) this.fail('bad escape (end of pattern)');
    const c = this.take();
    switch (c) {
      case 'A':
        return { type: 'assert', kind: 'start' };
      case 'Z':
        return { type: 'assert', kind: 'endString' };
      case 'b':
        return { type: 'assert', kind: 'boundary', word: categorySet('word', flags.a) };
      case 'B':
        return { type: 'assert', kind: 'nonBoundary', word: categorySet('word', flags.a) };
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        return { type: 'set', set: categoryEscape(c, flags) };
    }
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return this.literal(simple, flags);
    if (c === 'x') return this.literal(this.hex(2, 'x'), flags);
    if (c === 'u') return this.literal(this.hex(4, 'u'), flags);
    if (c === 'U') return this.literal(this.hex(8, 'U'), flags);
    if (c === 'N') this.refuse('named character escape \\N{…} is not supported', start);
    if (c === '0') {
      let digits = '0';
      while (digits.length < 3 && this.peekIs(/[0-7]/)) digits += this.take();
      return this.literal(Number.parseInt(digits, 8), flags);
    }
    if (c >= '1' && c <= '9') {
      let digits = c;
      if (this.peekIs(/[0-9]/)) {
        digits += this.take();
        if (/^[0-7]{2}$/.test(digits) && this.peekIs(/[0-7]/)) {
          digits += this.take();
          const value = Number.parseInt(digits, 8);
          if (value > 0o377) this.fail(`octal escape value \\${digits} outside of range 0-0o377`);
          return this.literal(value, flags);
        }
      }
      const gid = Number(digits);
      if (gid > this.groupCount) this.fail(`invalid group reference ${gid}`);
      return this.backref(gid, flags);
    }
    if (/^[A-Za-z]$/.test(c)) this.fail(`bad escape \\${c}`, start);
    return this.literal(c.codePointAt(0)!, flags);
  }

  /** An escape inside a class: a code point, or a category set. */
  private classEscape(flags: Flags): number | CodeSet {
    const start = this.pos;
    this.pos++;
    if (this.atEnd) this.fail('bad escape (end of pattern)');
    const c = this.take();
    if (c === 'b') return 0x08;
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return simple;
    if ('dDsSwW'.includes(c)) return categoryEscape(c, flags);
    if (c === 'x') return this.hex(2, 'x');
    if (c === 'u') return this.hex(4, 'u');
    if (c === 'U') return this.hex(8, 'U');
    if (c === 'N') this.refuse('named character escape \\N{…} is not supported', start);
    if (/[0-7]/.test(c)) {
      let digits = c;
      while (digits.length < 3 && this.peekIs(/[0-7]/)) digits += this.take();
      const value = Number.parseInt(digits, 8);
      if (value > 0o377) this.fail(`octal escape value \\${digits} outside of range 0-0o377`);
      return value;
    }
    if (/^[0-9A-Za-z]$/.test(c)) this.fail(`bad escape \\${c}`, start);
    return c.codePointAt(0)!;
  }

  private parseClass(flags: Flags, start: number): RegexNode {
    const negate = this.match('^');
    const literals: [number, number][] = [];
    const categories: CodeSet[] = [];
    let count = 0;
    for (;;) {
      if (this.atEnd) this.fail('unterminated character set', start);
      if (this.peek() === ']' && count > 0) {
        this.pos++;
        break;
      }
      const itemStart = this.pos;
      let first: number | CodeSet;
      if (this.peek() === '\\') first = this.classEscape(flags);
      else first = this.take().codePointAt(0)!;
      count++;
      if (this.peek() === '-') {
        this.pos++;
        if (this.atEnd) this.fail('unterminated character set', start);
        if (this.peek() === ']') {
          this.pos++;
          if (typeof first === 'number') literals.push([first, first]);
          else categories.push(first);
          literals.push([0x2d, 0x2d]);
          break;
        }
        let second: number | CodeSet;
        if (this.peek() === '\\') second = this.classEscape(flags);
        else second = this.take().codePointAt(0)!;
        if (typeof first !== 'number' || typeof second !== 'number' || second < first)
          this.fail(`bad character range ${this.src.slice(itemStart, this.pos)}`, itemStart);
        literals.push([first, second]);
      } else if (typeof first === 'number') literals.push([first, first]);
      else categories.push(first);
    }
    const members = CodeSet.of(literals);
    let set: CodeSet;
    if (!flags.i) {
      set = categories.reduce((acc, c) => acc.union(c), members);
    } else {
      const hascased = flags.a ? members.overlaps(ASCII_LETTERS) : [...casedIn(members)].length > 0;
      if (!hascased) set = categories.reduce((acc, c) => acc.union(c), members);
      else {
        const lowered = flags.a ? asciiLowerImage(members) : lowerImage(members);
        const all = categories.reduce((acc, c) => acc.union(c), lowered);
        set = flags.a ? asciiLowerPreimage(all) : lowerPreimage(all);
      }
    }
    return { type: 'set', set: negate ? set.complement() : set };
  }
}

/** Whether any member of the set is cased (stops at the first). */
function* casedIn(set: CodeSet): Generator<number> {
  for (const [lo, hi] of set.ranges) {
    for (let c = lo; c <= hi; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      if (isCased(c)) {
        yield c;
        return;
      }
      // Large uncased ranges: skip ahead where nothing is cased (above the last cased code point).
      if (c > 0x1e943) break;
    }
  }
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 0x07,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
};

function categoryEscape(c: string, flags: Flags): CodeSet {
  const category: PyCategory = c === 'd' || c === 'D' ? 'digit' : c === 's' || c === 'S' ? 'space' : 'word';
  const set = categorySet(category, flags.a);
  return c === c.toUpperCase() ? set.complement() : set;
}

/** The set a literal stands for under the flags (IGNORECASE as Python's compiler applies it). */
function literalSet(cp: number, flags: Flags): CodeSet {
  return flags.i ? ignoreCaseLiteral(cp, flags.a) : CodeSet.char(cp);
}

/** Parses a Python pattern; throws RegexUnsupportedError. */
export function parsePythonRegex(pattern: string, options: ParseOptions = {}): ParsedRegex {
  const initial: Flags = { i: false, m: options.multiline ?? false, s: false, x: false, a: false, u: true };
  if (options.globalFlagsAnywhere) {
    // First pass: collect every global flag group, then parse with them from the start.
    const scout = new Parser(pattern, initial, true);
    scout.parse();
    const flags = { ...initial };
    for (const f of scout.collectedGlobal)
      if (f in flags) (flags as unknown as Record<string, boolean>)[f] = true;
    if (scout.collectedGlobal.has('a')) flags.u = false;
    return new Parser(pattern, flags, true).parse();
  }
  return new Parser(pattern, initial, false).parse();
}

export interface TranslateOptions extends ParseOptions {
  /** For error messages: the filter and which of its regexes this is. */
  filter?: string;
  label?: string;
  /**
   * Whether the span of the whole match must be Python's (default true). When
   * false, anchors and lookarounds at the ends of the pattern may consume the
   * adjacent character, which lets more patterns run on the linear engine;
   * the decision and the groups stay Python's.
   */
  exactSpan?: boolean;
}

/**
 * A Python pattern translated for JavaScript: `source` (with `flags`) is the
 * JavaScript regex, which runs on text encoded by `alphabet` (see alphabet.ts);
 * on the 'memo+linear-precheck' engine the same translation is executed by
 * backtrack-vm.ts instead. `search` does the encoding and decoding and returns
 * the named groups as Python's `groupdict()` would.
 */
export class PythonRegex {
  readonly source: string;
  readonly flags: string;
  readonly engine: CompiledRegex['engine'];
  readonly risks: readonly string[];
  readonly nonLinearReasons: readonly string[];

  constructor(
    readonly pattern: string,
    private readonly parsed: ParsedRegex,
    private readonly compiled: CompiledRegex,
    readonly alphabet: Alphabet,
  ) {
    this.source = compiled.source;
    this.flags = compiled.engine === 'linear' ? 'l' : '';
    this.engine = compiled.engine;
    this.risks = compiled.risks;
    this.nonLinearReasons = compiled.nonLinearReasons;
  }

  /**
   * Python's `re.search(pattern, text)`: null, or the span (UTF-16 offsets into
   * `text`; Python counts code points) and the named groups.
   */
  search(text: string): { start: number; end: number; groups: Record<string, string | undefined> } | null {
    const encoded = this.alphabet.encode(text);
    if (!encoded)
      throw new Error('the text has more distinct characters of one class than the alphabet can encode');
    const m = this.compiled.exec(encoded.text);
    if (!m) return null;
    const groups: Record<string, string | undefined> = {};
    for (const [name, index] of this.parsed.names) {
      const v = m.group(index);
      if (v === AMBIGUOUS)
        throw new Error(`group ${name}: value not determined (repeat unrolled too little)`);
      groups[name] = v === undefined ? undefined : encoded.decode(v);
    }
    const prefix = encoded.decode(encoded.text.slice(0, m.index));
    const matched = encoded.decode(encoded.text.slice(m.index, m.end));
    return { start: prefix.length, end: prefix.length + matched.length, groups };
  }
}

/** Translates one Python pattern on its own (its own alphabet); throws FilterTranslationError. */
export function translatePythonRegex(pattern: string, options: TranslateOptions = {}): PythonRegex {
  const filter = options.filter ?? '(regex)';
  const label = options.label ?? 'regex';
  try {
    const parsed = parsePythonRegex(pattern, options);
    const sets: CodeSet[] = [];
    collectSets(parsed.root, sets);
    const alphabet = Alphabet.of(sets);
    const compiled = new CompiledRegex(
      {
        parsed,
        needed: new Set(parsed.names.values()),
        edges: options.exactSpan === false ? (options.multiline ? 'multiline' : 'consume') : 'none',
      },
      alphabet,
    );
    return new PythonRegex(pattern, parsed, compiled, alphabet);
  } catch (e) {
    if (e instanceof RegexUnsupportedError) {
      const why = e.pythonRejects ? `Python rejects it: ${e.message}` : `not translatable: ${e.message}`;
      throw new FilterTranslationError(filter, label, pattern, why);
    }
    throw e;
  }
}
