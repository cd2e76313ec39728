/**
 * Emits a parsed Python regex as JavaScript source (no `u` flag) over an
 * Alphabet's encoded units, keeping Python's semantics, and preferring forms
 * V8's linear-time engine accepts (no lookaround, no backreference).
 *
 * Exact rewrites (each one decides the same as Python; only the span of the
 * whole match may grow where the caller allows it, never a group the caller
 * reads):
 * - `$` (Python: end, or before a final newline) at the end of the pattern
 *   becomes `(?:$|\n$)`; elsewhere `(?=\n?$)`. `\Z` is JavaScript's `$`.
 * - `\b`/`\B` are Python's Unicode boundaries; where the characters on one side
 *   are known (all word or all non-word) they reduce to a one-sided test, and at
 *   the end (or start) of the pattern that test consumes the character instead
 *   of looking at it.
 * - A lookaround whose body is one character set is decided from what the
 *   pattern consumes before or after it, when that is known; a positive
 *   lookahead at the end of the pattern consumes its body; a negative lookahead
 *   at the end with literal alternatives becomes the regular expression of
 *   "does not start with any of them"; a one-character lookbehind at the start
 *   consumes that character.
 * - A backreference to a group that matches one character out of a few is
 *   expanded into alternatives.
 * - Repeats of groups the caller reads are unrolled, since Python keeps a
 *   group's value from the last iteration it took part in and JavaScript clears
 *   it at every iteration. Past 8 iterations of an unbounded repeat the value
 *   can be undetermined (reported by CompiledRegex as ambiguous).
 * - Bounded repeats are expanded when V8's linear engine refuses the
 *   replication.
 *
 * `approximate` emits an over-approximation for a linear pre-check: every
 * lookaround becomes empty and every backreference matches any text.
 */
import type { Alphabet } from './alphabet.js';
import { CodeSet, ignoreCaseLiteral } from './charset.js';
import { firstChars, groupsByIndex, lastChars, NEWLINE, type RegexNode, walk, width } from './regex-ast.js';
import { RegexUnsupportedError } from './translation-error.js';

export interface EmitOptions {
  alphabet: Alphabet;
  /** Python group numbers whose values (or positions) the caller reads. */
  needed: ReadonlySet<number>;
  /**
   * What may happen at the edges of the match: 'consume' (single-line matching,
   * the match span is not used), 'multiline' (only `^`/`$` may take the
   * adjacent newline, which keeps fail2ban's matched-lines computation), 'none'.
   */
  edges: 'consume' | 'multiline' | 'none';
  approximate?: boolean;
  expandBounded?: boolean;
  /** A group whose start position the caller needs (a date template's group 1). */
  positionOf?: number;
}

export interface GroupCopy {
  js: string;
  /** When this copy is the tail loop of an unrolled repeat: the group capturing the whole tail. */
  tail?: string;
}

export interface Emitted {
  source: string;
  /** Python group number -> its JavaScript groups, in matching order (the value is the last one set). */
  copies: Map<number, GroupCopy[]>;
  /**
   * For `positionOf`: the JavaScript groups capturing what the zero-width items
   * at the start consumed (`lead`), the items between them and the located group
   * (`pre`), and what the zero-width items at the end consumed (`trail`); or
   * 'indices' when the group is not at the top level (then the `d` flag is needed
   * and the source keeps Python's spans).
   */
  positions: { lead: string; pre: string; trail: string } | 'indices' | null;
  /** Why the source needs the backtracking engine (empty: linear-capable). */
  nonLinear: string[];
}

interface Side {
  chars: CodeSet;
  /** The adjacent subject character is unknown (match start/end, or nothing consumed). */
  open: boolean;
}

interface Ctx {
  prev: Side;
  next: Side;
  initial: boolean;
  terminal: boolean;
  /** Groups certainly set when this node is reached. */
  definite: ReadonlySet<number>;
}

const UNROLL_LIMIT = 16;
const UNBOUNDED_UNROLL = 8;
const BACKREF_EXPAND_LIMIT = 16;
const MAX_SEQUENCES = 256;
const NL = CodeSet.char(NEWLINE);

function isNothing(node: RegexNode): boolean {
  if (node.type === 'empty') return true;
  if (node.type === 'seq') return node.items.every(isNothing);
  if (node.type === 'group') return node.index === null && isNothing(node.body);
  return false;
}

function zeroWidth(node: RegexNode): boolean {
  return width(node)[1] === 0;
}

function unionSide(a: Side, b: Side): Side {
  return { chars: a.chars.union(b.chars), open: a.open || b.open };
}

type Kind = 'word' | 'nonword' | 'unknown';

function kindOf(side: Side, word: CodeSet): Kind {
  if (side.open || side.chars.isEmpty) return 'unknown';
  if (side.chars.isSubsetOf(word)) return 'word';
  if (!side.chars.overlaps(word)) return 'nonword';
  return 'unknown';
}

function definitelySet(node: RegexNode): Set<number> {
  switch (node.type) {
    case 'group': {
      const s = definitelySet(node.body);
      if (node.index !== null) s.add(node.index);
      return s;
    }
    case 'seq': {
      const s = new Set<number>();
      for (const item of node.items) for (const g of definitelySet(item)) s.add(g);
      return s;
    }
    case 'alt': {
      const sets = node.alts.map(definitelySet);
      const first = sets[0] ?? new Set<number>();
      return new Set([...first].filter((g) => sets.every((s) => s.has(g))));
    }
    case 'repeat':
      return node.min >= 1 ? definitelySet(node.body) : new Set();
    case 'look':
      return node.negate ? new Set() : definitelySet(node.body);
    default:
      return new Set();
  }
}

function containsGroup(node: RegexNode, groups: ReadonlySet<number>): boolean {
  let found = false;
  walk(node, (n) => {
    if (n.type === 'group' && n.index !== null && groups.has(n.index)) found = true;
  });
  return found;
}

/** A single-set body (possibly inside non-capturing groups), or null. */
function singleSet(node: RegexNode): CodeSet | null {
  if (node.type === 'set') return node.set;
  if (node.type === 'group' && node.index === null) return singleSet(node.body);
  if (node.type === 'seq' && node.items.length === 1) return singleSet(node.items[0]!);
  return null;
}

/** A body as a finite list of fixed sequences of sets, or null. */
function sequencesOf(node: RegexNode): CodeSet[][] | null {
  switch (node.type) {
    case 'empty':
      return [[]];
    case 'set':
      return [[node.set]];
    case 'group':
      return sequencesOf(node.body);
    case 'seq': {
      let acc: CodeSet[][] = [[]];
      for (const item of node.items) {
        const part = sequencesOf(item);
        if (!part) return null;
        const next: CodeSet[][] = [];
        for (const a of acc) for (const b of part) next.push([...a, ...b]);
        if (next.length > MAX_SEQUENCES) return null;
        acc = next;
      }
      return acc;
    }
    case 'alt': {
      const out: CodeSet[][] = [];
      for (const alt of node.alts) {
        const part = sequencesOf(alt);
        if (!part) return null;
        out.push(...part);
      }
      return out.length > MAX_SEQUENCES ? null : out;
    }
    case 'repeat': {
      if (node.min !== node.max || node.min > 8) return null;
      let acc: RegexNode = { type: 'empty' };
      const items: RegexNode[] = [];
      for (let i = 0; i < node.min; i++) items.push(node.body);
      acc = { type: 'seq', items };
      return sequencesOf(acc);
    }
    default:
      return null;
  }
}

function atom(src: string): string {
  if (/^\[(?:[^\]\\]|\\.)*\]$/.test(src) || src.length === 1) return src;
  if (src.startsWith('(') && matchingParen(src, 0) === src.length - 1) return src;
  return `(?:${src})`;
}

function matchingParen(src: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function quantifier(min: number, max: number, lazy: boolean): string {
  let q: string;
  if (min === 0 && max === Infinity) q = '*';
  else if (min === 1 && max === Infinity) q = '+';
  else if (min === 0 && max === 1) q = '?';
  else if (max === Infinity) q = `{${min},}`;
  else if (min === max) q = `{${min}}`;
  else q = `{${min},${max}}`;
  return lazy && min !== max ? `${q}?` : q;
}

export class RegexEmitter {
  private readonly copies = new Map<number, GroupCopy[]>();
  private readonly nonLinear: string[] = [];
  private counter = 0;
  private readonly backrefTargets = new Set<number>();

  constructor(
    private readonly root: RegexNode,
    private readonly opts: EmitOptions,
  ) {
    walk(root, (n) => {
      if (n.type === 'backref') this.backrefTargets.add(n.index);
    });
  }

  private get alphabet(): Alphabet {
    return this.opts.alphabet;
  }

  private cls(set: CodeSet): string {
    return this.alphabet.classSource(set);
  }

  private never(): string {
    return '[]';
  }

  private mark(reason: string): void {
    if (!this.nonLinear.includes(reason)) this.nonLinear.push(reason);
  }

  private keeps(index: number): boolean {
    return this.opts.needed.has(index) || this.backrefTargets.has(index);
  }

  emit(): Emitted {
    const rootCtx: Ctx = {
      prev: { chars: CodeSet.EMPTY, open: true },
      next: { chars: CodeSet.EMPTY, open: true },
      initial: this.opts.edges !== 'none',
      terminal: this.opts.edges !== 'none',
      definite: new Set(),
    };
    const target = this.opts.positionOf;
    if (target === undefined) {
      return {
        source: this.node(this.root, rootCtx),
        copies: this.copies,
        positions: null,
        nonLinear: this.nonLinear,
      };
    }
    // Located group: the zero-width items at both ends (which may consume in JavaScript) and
    // the items before the group are captured, so that Python's spans can be computed.
    const items = this.root.type === 'seq' ? this.root.items : [this.root];
    let leadEnd = 0;
    while (leadEnd < items.length && zeroWidth(items[leadEnd]!)) leadEnd++;
    let trailStart = items.length;
    while (trailStart > leadEnd && zeroWidth(items[trailStart - 1]!)) trailStart--;
    const at = items.findIndex((n) => n.type === 'group' && n.index === target);
    if (at < leadEnd || at >= trailStart) {
      const exact = new RegexEmitter(this.root, {
        ...this.opts,
        edges: 'none',
        positionOf: undefined,
      }).emit();
      return { ...exact, positions: 'indices' };
    }
    const range = (from: number, to: number, initial: boolean, terminal: boolean) =>
      this.seqItems(
        items.slice(from, to),
        { ...rootCtx, initial, terminal },
        items.slice(to),
        items.slice(0, from),
      );
    const lead = this.fresh();
    const pre = this.fresh();
    const trail = this.fresh();
    const source =
      `(?<${lead}>${range(0, leadEnd, true, false)})` +
      `(?<${pre}>${range(leadEnd, at, false, false)})` +
      range(at, trailStart, false, false) +
      `(?<${trail}>${range(trailStart, items.length, false, true)})`;
    return { source, copies: this.copies, positions: { lead, pre, trail }, nonLinear: this.nonLinear };
  }

  private fresh(): string {
    return `n${this.counter++}`;
  }

  /**
   * Emits a run of sequence items; `after` are the items that follow the run
   * (for the context of its last items), `before` those that precede it.
   */
  private seqItems(items: RegexNode[], ctx: Ctx, after: RegexNode[] = [], before: RegexNode[] = []): string {
    const all = [...before, ...items, ...after];
    const offset = before.length;
    let out = '';
    const definite = new Set(ctx.definite);
    for (let k = 0; k < before.length; k++) for (const g of definitelySet(before[k]!)) definite.add(g);
    for (let i = 0; i < items.length; i++) {
      const idx = offset + i;
      const item = items[i]!;
      let prev: Side = { chars: CodeSet.EMPTY, open: false };
      let reached = false;
      for (let k = idx - 1; k >= 0; k--) {
        const l = lastChars(all[k]!);
        prev = { chars: prev.chars.union(l.chars), open: false };
        if (!l.nullable) {
          reached = true;
          break;
        }
      }
      if (!reached) prev = unionSide(prev, ctx.prev);
      let next: Side = { chars: CodeSet.EMPTY, open: false };
      reached = false;
      for (let k = idx + 1; k < all.length; k++) {
        const f = firstChars(all[k]!);
        next = { chars: next.chars.union(f.chars), open: false };
        if (!f.nullable) {
          reached = true;
          break;
        }
      }
      if (!reached) next = unionSide(next, ctx.next);
      const initial = ctx.initial && all.slice(0, idx).every(isNothing);
      const terminal = ctx.terminal && all.slice(idx + 1).every(isNothing);
      out += this.node(item, { prev, next, initial, terminal, definite: new Set(definite) });
      for (const g of definitelySet(item)) definite.add(g);
    }
    return out;
  }

  private node(node: RegexNode, ctx: Ctx): string {
    switch (node.type) {
      case 'empty':
        return '';
      case 'set':
        return this.cls(node.set);
      case 'seq':
        return this.seqItems(node.items, ctx);
      case 'alt':
        return `(?:${node.alts.map((a) => this.node(a, ctx)).join('|')})`;
      case 'group':
        return this.group(node, ctx);
      case 'repeat':
        return this.repeat(node, ctx);
      case 'assert':
        return this.assertion(node, ctx);
      case 'look':
        return this.look(node, ctx);
      case 'backref':
        return this.backref(node, ctx);
    }
  }

  private group(node: Extract<RegexNode, { type: 'group' }>, ctx: Ctx): string {
    if (node.index !== null && this.keeps(node.index)) {
      const inner: Ctx = { ...ctx, initial: false, terminal: false };
      const body = this.node(node.body, inner);
      const name = this.fresh();
      const list = this.copies.get(node.index) ?? [];
      list.push({ js: name });
      this.copies.set(node.index, list);
      return `(?<${name}>${body})`;
    }
    // A backreference target with one-character alternatives is expanded at the reference.
    return atom(this.node(node.body, ctx));
  }

  private assertion(node: Extract<RegexNode, { type: 'assert' }>, ctx: Ctx): string {
    const consume = this.opts.edges === 'consume';
    const lines = this.opts.edges !== 'none';
    switch (node.kind) {
      case 'start':
        return '^';
      case 'endString':
        return '$';
      case 'end':
        if (ctx.terminal && lines) return '(?:$|\\n$)';
        if (!ctx.next.open && !ctx.next.chars.isEmpty && !ctx.next.chars.has(NEWLINE)) return this.never();
        return this.look0('(?=\\n?$)', 'end-of-line anchor `$` inside the pattern');
      case 'lineStart':
        if (ctx.initial && lines) return '(?:^|\\n)';
        if (!ctx.prev.open && ctx.prev.chars.isSubsetOf(NL)) return '';
        if (!ctx.prev.open && !ctx.prev.chars.has(NEWLINE)) return this.never();
        return this.look0('(?:^|(?<=\\n))', 'multi-line `^` inside the pattern');
      case 'lineEnd':
        if (ctx.terminal && lines) return '(?:$|\\n)';
        if (!ctx.next.open && ctx.next.chars.isSubsetOf(NL)) return '';
        if (!ctx.next.open && !ctx.next.chars.has(NEWLINE)) return this.never();
        return this.look0('(?:$|(?=\\n))', 'multi-line `$` inside the pattern');
      case 'boundary':
      case 'nonBoundary': {
        const word = node.word!;
        const w = this.cls(word);
        const nw = this.cls(word.complement());
        const p = kindOf(ctx.prev, word);
        const n = kindOf(ctx.next, word);
        const isB = node.kind === 'boundary';
        if (p !== 'unknown' && n !== 'unknown') return (p !== n) === isB ? '' : this.never();
        if (p !== 'unknown') {
          // The next character must be a word character (or must not be).
          const wantWord = (p === 'nonword') === isB;
          if (wantWord) return ctx.terminal && consume ? w : this.look0(`(?=${w})`, 'word boundary `\\b`');
          return ctx.terminal && consume ? `(?:$|${nw})` : this.look0(`(?!${w})`, 'word boundary `\\b`');
        }
        if (n !== 'unknown') {
          const wantWord = (n === 'nonword') === isB;
          if (wantWord) return ctx.initial && consume ? w : this.look0(`(?<=${w})`, 'word boundary `\\b`');
          return ctx.initial && consume ? `(?:^|${nw})` : this.look0(`(?<!${w})`, 'word boundary `\\b`');
        }
        return isB
          ? this.look0(`(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`, 'word boundary `\\b`')
          : this.look0(`(?:(?<=${w})(?=${w})|(?<!${w})(?!${w})(?:(?<=[^])|(?=[^])))`, 'word boundary `\\B`');
      }
    }
  }

  /** A zero-width test that needs lookaround: empty in approximate mode, else kept. */
  private look0(src: string, reason: string): string {
    if (this.opts.approximate) return '';
    this.mark(reason);
    return src;
  }

  private look(node: Extract<RegexNode, { type: 'look' }>, ctx: Ctx): string {
    const consume = this.opts.edges === 'consume';
    const single = singleSet(node.body);
    if (single) {
      const side = node.behind ? ctx.prev : ctx.next;
      if (!side.open && !side.chars.isEmpty) {
        if (side.chars.isSubsetOf(single)) return node.negate ? this.never() : '';
        if (!side.chars.overlaps(single)) return node.negate ? '' : this.never();
      }
      if (node.behind && ctx.initial && consume)
        return node.negate ? `(?:^|${this.cls(single.complement())})` : this.cls(single);
    }
    if (!node.behind && !node.negate) {
      // A positive lookahead of alternatives is the alternatives of positive lookaheads;
      // a lookahead of a pure assertion is the assertion.
      const alts = node.body.type === 'alt' ? node.body.alts : [node.body];
      if (alts.length > 1 || (alts[0] && zeroWidth(alts[0]) && alts[0].type === 'assert')) {
        const parts = alts.map((a) =>
          a.type === 'assert' ? this.assertion(a, ctx) : this.look({ ...node, body: a }, ctx),
        );
        return `(?:${parts.join('|')})`;
      }
      if (ctx.terminal && consume && !containsGroup(node.body, this.opts.needed))
        return atom(
          this.node(node.body, { ...ctx, initial: false, next: { chars: CodeSet.EMPTY, open: true } }),
        );
    }
    if (!node.behind && node.negate && ctx.terminal && consume) {
      const seqs = sequencesOf(node.body);
      if (seqs) return this.notStartingWith(seqs);
    }
    if (this.opts.approximate) return '';
    this.mark(node.behind ? 'lookbehind' : 'lookahead');
    const bodyCtx: Ctx = node.behind
      ? {
          prev: { chars: CodeSet.EMPTY, open: true },
          next: ctx.next,
          initial: false,
          terminal: false,
          definite: ctx.definite,
        }
      : {
          prev: ctx.prev,
          next: { chars: CodeSet.EMPTY, open: true },
          initial: false,
          terminal: true,
          definite: ctx.definite,
        };
    const body = this.node(node.body, bodyCtx);
    return `(?${node.behind ? '<' : ''}${node.negate ? '!' : '='}${body})`;
  }

  /** The regex of "the rest of the subject starts with none of these sequences" (consuming). */
  private notStartingWith(seqs: CodeSet[][]): string {
    if (seqs.some((s) => s.length === 0)) return this.never();
    let union = CodeSet.EMPTY;
    for (const s of seqs) union = union.union(s[0]!);
    let blocks: CodeSet[] = [union];
    for (const s of seqs) {
      const f = s[0]!;
      const refined: CodeSet[] = [];
      for (const b of blocks) {
        const inside = b.intersect(f);
        const outside = b.subtract(f);
        if (!inside.isEmpty) refined.push(inside);
        if (!outside.isEmpty) refined.push(outside);
      }
      blocks = refined;
    }
    const alts = ['$'];
    const rest = union.complement();
    if (!rest.isEmpty) alts.push(this.cls(rest));
    for (const b of blocks) {
      const tails = seqs.filter((s) => b.isSubsetOf(s[0]!)).map((s) => s.slice(1));
      alts.push(this.cls(b) + atom(this.notStartingWith(tails)));
    }
    return `(?:${alts.join('|')})`;
  }

  private backref(node: Extract<RegexNode, { type: 'backref' }>, ctx: Ctx): string {
    const index = node.index;
    if (this.opts.approximate) return '[^]*';
    if (node.ignoreCase)
      throw new RegexUnsupportedError(
        `backreference to group ${index} under IGNORECASE (a group of more than one character) has no faithful JavaScript equivalent`,
        false,
        0,
      );
    const list = this.copies.get(index) ?? [];
    if (list.length !== 1 || !ctx.definite.has(index))
      throw new RegexUnsupportedError(
        `backreference to group ${index}, which may not have taken part in the match (JavaScript would match it as empty)`,
        false,
        0,
      );
    this.mark('backreference');
    return `\\k<${list[0]!.js}>`;
  }

  private repeat(node: Extract<RegexNode, { type: 'repeat' }>, ctx: Ctx): string {
    const { min, max, lazy, body } = node;
    const loops = max > 1;
    const f = firstChars(body);
    const l = lastChars(body);
    const bodyCtx: Ctx = {
      prev: loops ? unionSide(ctx.prev, { chars: l.chars, open: false }) : ctx.prev,
      next: loops ? unionSide(ctx.next, { chars: f.chars, open: false }) : ctx.next,
      initial: false,
      terminal: !loops && ctx.terminal,
      definite: ctx.definite,
    };
    const opt = lazy ? '??' : '?';
    // JavaScript rejects an optional iteration that matches the empty string; Python accepts it
    // and stops repeating. Only the matcher of backtrack-vm.ts follows Python there.
    if (
      width(body)[0] === 0 &&
      max >= 1 &&
      (loops || containsGroup(body, this.opts.needed)) &&
      !this.opts.approximate
    )
      this.mark('a repeat whose body can match the empty string');
    if (loops && containsGroup(body, this.opts.needed)) {
      // Copies are emitted in iteration order, so that a group's copies are registered in that order.
      if (max !== Infinity && max <= UNROLL_LIMIT) {
        const copies: string[] = [];
        for (let i = 0; i < max; i++) copies.push(atom(this.node(body, bodyCtx)));
        let tail = '';
        for (let i = max - 1; i >= min; i--) tail = `(?:${copies[i]}${tail})${opt}`;
        return copies.slice(0, min).join('') + tail;
      }
      if (min > UNROLL_LIMIT)
        throw new RegexUnsupportedError(
          `a group read by fail2ban inside a repeat of at least ${min} iterations`,
          false,
          0,
        );
      const unrolled = Math.max(UNBOUNDED_UNROLL, min);
      const copies: string[] = [];
      for (let i = 0; i < unrolled; i++) copies.push(atom(this.node(body, bodyCtx)));
      const before = new Map([...this.copies].map(([k, v]) => [k, v.length]));
      const tailName = this.fresh();
      const loopBody = this.node(body, bodyCtx);
      for (const [k, v] of this.copies) {
        const from = before.get(k) ?? 0;
        for (let i = from; i < v.length; i++) v[i]!.tail = tailName;
      }
      let tail = `(?<${tailName}>${atom(loopBody)}${lazy ? '*?' : '*'})`;
      for (let i = unrolled - 1; i >= min; i--) tail = `(?:${copies[i]}${tail})${opt}`;
      return copies.slice(0, min).join('') + tail;
    }
    const inner = this.node(body, bodyCtx);
    if (inner === '') return '';
    if (this.opts.expandBounded && max !== Infinity && max >= 2 && max <= 1000) {
      const a = atom(inner);
      let tail = '';
      for (let i = max; i > min; i--) tail = `(?:${a}${tail})${opt}`;
      return a.repeat(min) + tail;
    }
    if (this.opts.expandBounded && max === Infinity && min >= 2 && min <= 1000) {
      const a = atom(inner);
      return a.repeat(min) + a + (lazy ? '*?' : '*');
    }
    return atom(inner) + quantifier(min, max, lazy);
  }
}

/** Expands `(?P<g>[abc])…(?P=g)` into one alternative per character, when g is not read by the caller. */
export function expandCharBackrefs(root: RegexNode, needed: ReadonlySet<number>): RegexNode {
  const bodies = groupsByIndex(root);
  const candidates = new Map<number, CodeSet>();
  for (const [index, body] of bodies) {
    const set = singleSet(body);
    if (set && set.size <= BACKREF_EXPAND_LIMIT && !needed.has(index)) candidates.set(index, set);
  }
  if (candidates.size === 0) return root;
  const rewrite = (node: RegexNode): RegexNode => {
    switch (node.type) {
      case 'seq': {
        const items = node.items.map(rewrite);
        for (let i = 0; i < items.length; i++) {
          const item = items[i]!;
          if (item.type !== 'group' || item.index === null || !candidates.has(item.index)) continue;
          const index = item.index;
          // The references must all be later in this sequence (at any depth), outside repeats that contain the group.
          let last = -1;
          for (let k = i + 1; k < items.length; k++) {
            let refers = false;
            walk(items[k]!, (n) => {
              if (n.type === 'backref' && n.index === index) refers = true;
            });
            if (refers) last = k;
          }
          if (last < 0) continue;
          const slice = items.slice(i + 1, last + 1);
          const alts: RegexNode[] = [];
          for (const cp of candidates.get(index)!.members()) {
            const ch: RegexNode = { type: 'set', set: CodeSet.char(cp) };
            const replaced = slice.map((n) => substituteBackref(n, index, cp));
            alts.push({ type: 'seq', items: [ch, ...replaced] });
          }
          items.splice(i, last - i + 1, { type: 'alt', alts });
        }
        return { type: 'seq', items };
      }
      case 'alt':
        return { type: 'alt', alts: node.alts.map(rewrite) };
      case 'group':
        return { ...node, body: rewrite(node.body) };
      case 'repeat':
        return { ...node, body: rewrite(node.body) };
      case 'look':
        return { ...node, body: rewrite(node.body) };
      default:
        return node;
    }
  };
  return rewrite(root);
}

/** Replaces references to a group by the one character it matched (under IGNORECASE, its case variants). */
function substituteBackref(node: RegexNode, index: number, cp: number): RegexNode {
  const by = (n: Extract<RegexNode, { type: 'backref' }>): RegexNode => ({
    type: 'set',
    set: n.ignoreCase ? ignoreCaseLiteral(cp, n.ascii ?? false) : CodeSet.char(cp),
  });
  switch (node.type) {
    case 'backref':
      return node.index === index ? by(node) : node;
    case 'seq':
      return { type: 'seq', items: node.items.map((n) => substituteBackref(n, index, cp)) };
    case 'alt':
      return { type: 'alt', alts: node.alts.map((n) => substituteBackref(n, index, cp)) };
    case 'group':
    case 'repeat':
    case 'look':
      return { ...node, body: substituteBackref(node.body, index, cp) };
    default:
      return node;
  }
}
