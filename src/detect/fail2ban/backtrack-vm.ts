/**
 * A backtracking matcher with Python's semantics and a visited-state memory
 * (the technique of RE2's "BitState"), for the regexes V8's linear engine
 * cannot run because of lookarounds.
 *
 * The regex is compiled to a small program; the search explores threads
 * (program counter, position) depth first in Python's priority order, and a
 * thread already explored is never explored again: whether it can reach a
 * match does not depend on how it was reached (there are no backreferences
 * here). So the whole search, over every start position, visits each
 * (instruction, position) at most once: time proportional to program size
 * times line length. A lookaround runs its body as a sub-search at one
 * position (memoised per position when the body captures nothing), which
 * bounds it by body size times line length per position.
 *
 * Captures follow Python: a group keeps the value of the last iteration it took
 * part in, and groups set inside a positive lookaround keep their values.
 * Repeats whose iteration can match the empty string stop iterating where the
 * same state comes round again, which is where Python stops too.
 *
 * The program runs on text encoded by an Alphabet (one unit per code point).
 */
import type { Alphabet } from './alphabet.js';
import type { CodeSet } from './charset.js';
import { type AssertKind, type RegexNode, width } from './regex-ast.js';

const MATCH = 0;
const SET = 1;
const SPLIT = 2;
const JMP = 3;
const SAVE = 4;
const ASSERT = 5;
const LOOK = 6;
/** Stores the position in a register (start of a repeat's iteration). */
const MARK = 7;
/** Python's empty-iteration rule: to `a` when the iteration was empty, else to `b`. */
const CHECK = 8; // a: target when empty, b: target otherwise, c: register

const ASSERT_KINDS: AssertKind[] = [
  'start',
  'end',
  'endString',
  'lineStart',
  'lineEnd',
  'boundary',
  'nonBoundary',
];

/** Program size above which a regex is not compiled for the matcher. */
export const MAX_PROGRAM = 50_000;
/** Nesting of repeats with possibly empty bodies the matcher handles. */
const MAX_GUARD_DEPTH = 3;

interface Look {
  start: number;
  /** First instruction after the body. */
  end: number;
  behind: boolean;
  negate: boolean;
  width: number;
  captures: boolean;
}

class TooLarge extends Error {}

export class BacktrackProgram {
  private op: number[] = [];
  private a: number[] = [];
  private b: number[] = [];
  private c: number[] = [];
  private readonly sets: ((unit: number) => boolean)[] = [];
  private readonly setIndex = new Map<CodeSet, number>();
  private readonly looks: Look[] = [];
  readonly slots: number;

  /** Null when the regex has a backreference or the program would be too large. */
  static compile(root: RegexNode, groupCount: number, alphabet: Alphabet): BacktrackProgram | null {
    try {
      return new BacktrackProgram(root, groupCount, alphabet);
    } catch (e) {
      if (e instanceof TooLarge) return null;
      throw e;
    }
  }

  private constructor(
    root: RegexNode,
    groupCount: number,
    private readonly alphabet: Alphabet,
  ) {
    this.slots = 2 * (groupCount + 1);
    this.emit(SAVE, 0);
    this.node(root);
    this.emit(SAVE, 1);
    this.emit(MATCH);
    // Lookaround bodies follow the main program.
    for (let i = 0; i < this.pendingLooks.length; i++) {
      const { look, body } = this.pendingLooks[i]!;
      look.start = this.op.length;
      this.node(body);
      this.emit(MATCH);
      look.end = this.op.length;
    }
  }

  private pendingLooks: { look: Look; body: RegexNode }[] = [];
  registers = 0;
  /** Registers of the repeats (with a possibly empty body) around each instruction. */
  private readonly guards: (number[] | undefined)[] = [];
  private readonly activeGuards: number[] = [];
  private guardDepth = 0;

  private emit(op: number, a = 0, b = 0, c = 0): number {
    if (this.op.length >= MAX_PROGRAM) throw new TooLarge();
    if (this.activeGuards.length > 0) this.guards[this.op.length] = [...this.activeGuards];
    this.op.push(op);
    this.a.push(a);
    this.b.push(b);
    this.c.push(c);
    return this.op.length - 1;
  }

  private setOf(set: CodeSet): number {
    let index = this.setIndex.get(set);
    if (index === undefined) {
      index = this.sets.length;
      this.sets.push(this.alphabet.unitTest(set));
      this.setIndex.set(set, index);
    }
    return index;
  }

  private node(node: RegexNode): void {
    switch (node.type) {
      case 'empty':
        return;
      case 'set':
        this.emit(SET, this.setOf(node.set));
        return;
      case 'seq':
        for (const item of node.items) this.node(item);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let i = 0; i < node.alts.length; i++) {
          if (i < node.alts.length - 1) {
            const split = this.emit(SPLIT);
            this.a[split] = this.op.length;
            this.node(node.alts[i]!);
            jumps.push(this.emit(JMP));
            this.b[split] = this.op.length;
          } else this.node(node.alts[i]!);
        }
        for (const j of jumps) this.a[j] = this.op.length;
        return;
      }
      case 'group':
        if (node.index === null) this.node(node.body);
        else {
          this.emit(SAVE, 2 * node.index);
          this.node(node.body);
          this.emit(SAVE, 2 * node.index + 1);
        }
        return;
      case 'repeat': {
        for (let i = 0; i < node.min; i++) this.node(node.body);
        // Python stops repeating after an optional iteration that matched the empty string
        // (and goes on with what follows); only bodies that can be empty need the check.
        const guard = node.max > 1 && width(node.body)[0] === 0;
        const reg = guard ? this.registers++ : -1;
        if (guard) {
          this.activeGuards.push(reg);
          this.guardDepth = Math.max(this.guardDepth, this.activeGuards.length);
          if (this.guardDepth > MAX_GUARD_DEPTH) throw new TooLarge();
        }
        if (node.max === Infinity) {
          const split = this.emit(SPLIT);
          if (guard) this.emit(MARK, reg);
          this.node(node.body);
          if (guard) {
            const check = this.emit(CHECK, 0, split, reg);
            this.branch(split, split + 1, this.op.length, node.lazy);
            this.a[check] = this.op.length;
          } else {
            this.emit(JMP, split);
            this.branch(split, split + 1, this.op.length, node.lazy);
          }
        } else {
          const splits: number[] = [];
          const checks: number[] = [];
          for (let i = node.min; i < node.max; i++) {
            splits.push(this.emit(SPLIT));
            if (guard) this.emit(MARK, reg);
            this.node(node.body);
            if (guard && i < node.max - 1) checks.push(this.emit(CHECK, 0, this.op.length + 1, reg));
          }
          for (const s of splits) this.branch(s, s + 1, this.op.length, node.lazy);
          for (const c of checks) this.a[c] = this.op.length;
        }
        if (guard) this.activeGuards.pop();
        return;
      }
      case 'assert': {
        const word = node.word ? this.setOf(node.word) : -1;
        this.emit(ASSERT, ASSERT_KINDS.indexOf(node.kind), word);
        return;
      }
      case 'look': {
        let captures = false;
        const visit = (n: RegexNode) => {
          if (n.type === 'group' && n.index !== null) captures = true;
          if ('body' in n) visit(n.body);
          if (n.type === 'seq') n.items.forEach(visit);
          if (n.type === 'alt') n.alts.forEach(visit);
        };
        visit(node.body);
        const look: Look = {
          start: -1,
          end: -1,
          behind: node.behind,
          negate: node.negate,
          width: 0,
          captures,
        };
        if (node.behind) look.width = fixedWidth(node.body);
        this.looks.push(look);
        this.pendingLooks.push({ look, body: node.body });
        this.emit(LOOK, this.looks.length - 1);
        return;
      }
      case 'backref':
        throw new TooLarge();
    }
  }

  private branch(split: number, body: number, out: number, lazy: boolean): void {
    this.a[split] = lazy ? out : body;
    this.b[split] = lazy ? body : out;
  }

  /**
   * Python's `search(subject, from)`: the capture positions (slot 2g, 2g+1 for
   * group g; -1 when unset), or null.
   */
  search(subject: string, from = 0): Int32Array | null {
    const run = new Run(this, subject);
    for (let start = from; start <= subject.length; start++) {
      const caps = run.tryAt(0, start, null, null);
      if (caps) return caps;
    }
    return null;
  }

  /** @internal */ get size(): number {
    return this.op.length;
  }
  /** @internal */ get mainSize(): number {
    return this.looks.length > 0 ? Math.min(...this.looks.map((l) => l.start)) : this.op.length;
  }
  /** @internal */ opAt(pc: number): number {
    return this.op[pc]!;
  }
  /** @internal */ aAt(pc: number): number {
    return this.a[pc]!;
  }
  /** @internal */ bAt(pc: number): number {
    return this.b[pc]!;
  }
  /** @internal */ cAt(pc: number): number {
    return this.c[pc]!;
  }
  /** @internal */ test(set: number, unit: number): boolean {
    return this.sets[set]!(unit);
  }
  /** @internal */ get registerCount(): number {
    return this.registers;
  }
  /** @internal */ get planes(): number {
    return 1 << this.guardDepth;
  }
  /** @internal */ guardsAt(pc: number): number[] | undefined {
    return this.guards[pc];
  }
  /** @internal */ look(i: number): Look {
    return this.looks[i]!;
  }
  /** @internal */ get lookCount(): number {
    return this.looks.length;
  }
}

function fixedWidth(node: RegexNode): number {
  switch (node.type) {
    case 'set':
      return 1;
    case 'seq':
      return node.items.reduce((n, i) => n + fixedWidth(i), 0);
    case 'alt':
      return node.alts.length ? fixedWidth(node.alts[0]!) : 0;
    case 'group':
      return fixedWidth(node.body);
    case 'repeat':
      return node.min * fixedWidth(node.body);
    default:
      return 0;
  }
}

class Run {
  private readonly n: number;
  private readonly visited: Uint32Array;
  /** Per lookaround and position: 0 unknown, 1 true, 2 false (bodies without captures only). */
  private readonly lookMemo: Uint8Array;

  constructor(
    private readonly prog: BacktrackProgram,
    private readonly s: string,
  ) {
    this.n = s.length;
    this.visited = new Uint32Array(Math.ceil((prog.mainSize * prog.planes * (this.n + 1)) / 32));
    this.lookMemo = new Uint8Array(prog.lookCount * (this.n + 1));
  }

  private isWord(set: number, pos: number): boolean {
    return pos >= 0 && pos < this.n && this.prog.test(set, this.s.charCodeAt(pos));
  }

  private assert(kind: number, word: number, pos: number): boolean {
    const s = this.s;
    const n = this.n;
    switch (ASSERT_KINDS[kind]) {
      case 'start':
        return pos === 0;
      case 'end':
        return pos === n || (pos === n - 1 && s.charCodeAt(pos) === 10);
      case 'endString':
        return pos === n;
      case 'lineStart':
        return pos === 0 || s.charCodeAt(pos - 1) === 10;
      case 'lineEnd':
        return pos === n || s.charCodeAt(pos) === 10;
      case 'boundary':
        return this.isWord(word, pos - 1) !== this.isWord(word, pos);
      case 'nonBoundary':
        // Python: \B never matches in an empty string.
        return n > 0 && this.isWord(word, pos - 1) === this.isWord(word, pos);
      default:
        return false;
    }
  }

  /**
   * Depth-first search from (pc, pos). `end`: the position a lookbehind body must
   * end at. `shared`: whether the visited memory is the run's own (the main
   * program) or a fresh one (a lookaround body, whose states depend on where it
   * must end).
   */
  tryAt(
    pc0: number,
    pos0: number,
    end: number | null,
    region: { base: number; size: number } | null,
    seed?: Int32Array,
  ): Int32Array | null {
    const prog = this.prog;
    const width = this.n + 1;
    const base = region ? region.base : 0;
    const planes = prog.planes;
    const visited = region ? new Uint32Array(Math.ceil((region.size * planes * width) / 32)) : this.visited;
    const caps = seed ? Int32Array.from(seed) : new Int32Array(prog.slots).fill(-1);
    const regs = new Int32Array(prog.registerCount).fill(-1);
    // Stack entries: kind 0 = thread (pc, pos); 1 = restore capture (slot, value); 2 = restore register.
    const stack: number[] = [0, pc0, pos0];
    while (stack.length > 0) {
      const value = stack.pop()!;
      const first = stack.pop()!;
      const kind = stack.pop()!;
      if (kind === 1) {
        caps[first] = value;
        continue;
      }
      if (kind === 2) {
        regs[first] = value;
        continue;
      }
      let pc = first;
      let pos = value;
      for (;;) {
        if (prog.opAt(pc) === CHECK) {
          // Not memoised: which way it goes depends on where the iteration began.
          pc = regs[prog.cAt(pc)] === pos ? prog.aAt(pc) : prog.bAt(pc);
          continue;
        }
        // Inside repeats whose iteration may be empty, whether each such iteration is still
        // empty is part of the state (it decides where the iteration's end goes).
        let plane = 0;
        const guards = prog.guardsAt(pc);
        if (guards) for (let g = 0; g < guards.length; g++) if (regs[guards[g]!] === pos) plane |= 1 << g;
        const bit = ((pc - base) * planes + plane) * width + pos;
        const word = bit >>> 5;
        const mask = 1 << (bit & 31);
        if (visited[word]! & mask) break;
        visited[word] = visited[word]! | mask;
        const op = prog.opAt(pc);
        if (op === MATCH) {
          if (end !== null && pos !== end) break;
          return caps;
        }
        if (op === SET) {
          if (pos < this.n && prog.test(prog.aAt(pc), this.s.charCodeAt(pos))) {
            pc++;
            pos++;
            continue;
          }
          break;
        }
        if (op === SPLIT) {
          stack.push(0, prog.bAt(pc), pos);
          pc = prog.aAt(pc);
          continue;
        }
        if (op === JMP) {
          pc = prog.aAt(pc);
          continue;
        }
        if (op === SAVE) {
          const slot = prog.aAt(pc);
          stack.push(1, slot, caps[slot]!);
          caps[slot] = pos;
          pc++;
          continue;
        }
        if (op === MARK) {
          const r = prog.aAt(pc);
          stack.push(2, r, regs[r]!);
          regs[r] = pos;
          pc++;
          continue;
        }
        if (op === ASSERT) {
          if (!this.assert(prog.aAt(pc), prog.bAt(pc), pos)) break;
          pc++;
          continue;
        }
        if (op === LOOK) {
          const look = prog.look(prog.aAt(pc));
          const ok = this.lookAt(prog.aAt(pc), look, pos, caps, stack);
          if (!ok) break;
          pc++;
          continue;
        }
        break;
      }
    }
    return null;
  }

  private lookAt(index: number, look: Look, pos: number, caps: Int32Array, stack: number[]): boolean {
    const memoAt = index * (this.n + 1) + pos;
    if (!look.captures) {
      const known = this.lookMemo[memoAt]!;
      if (known) return known === 1;
    }
    let found: Int32Array | null;
    const region = { base: look.start, size: look.end - look.start };
    if (look.behind) {
      const from = pos - look.width;
      found = from < 0 ? null : this.tryAt(look.start, from, pos, region, caps);
    } else found = this.tryAt(look.start, pos, null, region, caps);
    const result = look.negate ? found === null : found !== null;
    if (!look.captures) this.lookMemo[memoAt] = result ? 1 : 2;
    else if (found && !look.negate) {
      // Captures set inside a positive lookaround stay set; undone when this thread backtracks.
      for (let slot = 2; slot < caps.length; slot++) {
        if (found[slot] !== caps[slot]) {
          stack.push(1, slot, caps[slot]!);
          caps[slot] = found[slot]!;
        }
      }
    }
    return result;
  }
}
