/**
 * One Python regex compiled for an Alphabet, on the fastest engine that keeps
 * the time linear (or bounded) in the line:
 *
 * - 'linear': V8's linear-time engine (`l` flag), when the translation has no
 *   lookaround and no backreference;
 * - 'linear-fallback': the same translation on V8's ordinary engine, which the
 *   process-wide fallback flags switch to the linear engine after a bounded
 *   number of backtracks (faster; chosen with `engine: 'fallback'`);
 * - 'memo+linear-precheck': lookarounds; the backtracking matcher with a
 *   visited-state memory (backtrack-vm.ts), behind a linear pre-check;
 * - 'backtracking+linear-precheck': backreferences; V8's backtracking engine
 *   behind a linear pre-check. The pre-check is an over-approximation
 *   (lookarounds dropped, backreferences matching any text): a line it rejects
 *   never reaches the backtracking engine. Only this engine can be slow on a
 *   crafted line; `risks` names the shapes that make it so.
 *
 * Results are read by Python group number with Python's values.
 */
import type { Alphabet } from './alphabet.js';
import { BacktrackProgram } from './backtrack-vm.js';
import type { ParsedRegex, RegexNode } from './regex-ast.js';
import { walk } from './regex-ast.js';
import {
  type EmitOptions,
  type Emitted,
  expandCharBackrefs,
  type GroupCopy,
  RegexEmitter,
} from './regex-emit.js';
import { tryLinear } from './regex-engine.js';
import { riskyShapes } from './regex-risk.js';
import { RegexUnsupportedError } from './translation-error.js';

/** A group value Python has but this match cannot tell (see regex-emit.ts on unrolled repeats). */
export const AMBIGUOUS = Symbol('ambiguous capture');

export type GroupValue = string | undefined | typeof AMBIGUOUS;

export interface RegexMatch {
  /**
   * Start and end of the match in the encoded subject: Python's on the
   * 'memo' engine and for regexes compiled with `positionOf`; otherwise the match
   * may be grown by the edges the plan allowed to consume.
   */
  index: number;
  end: number;
  group(index: number): GroupValue;
  /** Start and end of the `positionOf` group in the encoded subject. */
  span(): [number, number] | null;
}

export interface RegexPlan {
  parsed: ParsedRegex;
  /** Python groups the caller reads. */
  needed: ReadonlySet<number>;
  edges: EmitOptions['edges'];
  positionOf?: number;
  /** 'linear' (default): the `l` flag; 'fallback': V8's engine with the fallback flags. */
  engine?: 'linear' | 'fallback';
}

export type RegexEngine =
  | 'linear'
  | 'linear-fallback'
  | 'memo+linear-precheck'
  | 'backtracking+linear-precheck'
  | 'backtracking';

function hasBackref(root: RegexNode): boolean {
  let found = false;
  walk(root, (n) => {
    if (n.type === 'backref') found = true;
  });
  return found;
}

export class CompiledRegex {
  readonly engine: RegexEngine;
  /** Why the regex cannot run on the linear engine. */
  readonly nonLinearReasons: string[];
  /** Shapes that may backtrack heavily (only for the 'backtracking' engines). */
  readonly risks: string[];
  readonly source: string;
  private readonly exact: RegExp | null;
  private readonly program: BacktrackProgram | null;
  private readonly gate: RegExp | null;
  private readonly emitted: Emitted;
  private readonly useIndices: boolean;
  private readonly positionTarget: number | undefined;
  private exactFrom: RegExp | null = null;

  constructor(plan: RegexPlan, alphabet: Alphabet) {
    this.positionTarget = plan.positionOf;
    const root: RegexNode = expandCharBackrefs(plan.parsed.root, plan.needed);
    const base: EmitOptions = {
      alphabet,
      needed: plan.needed,
      edges: plan.edges,
      ...(plan.positionOf !== undefined ? { positionOf: plan.positionOf } : {}),
    };
    const mode = plan.engine ?? 'linear';
    const compileLinear = (source: string): RegExp | null => {
      const linear = tryLinear(source);
      if (!linear || mode === 'linear') return linear;
      return new RegExp(source, '');
    };
    let emitted = new RegexEmitter(root, base).emit();
    this.useIndices = emitted.positions === 'indices';
    let linear: RegExp | null = null;
    if (emitted.nonLinear.length === 0 && !this.useIndices) {
      linear = compileLinear(emitted.source);
      if (!linear) {
        const expanded = new RegexEmitter(root, { ...base, expandBounded: true }).emit();
        linear = compileLinear(expanded.source);
        if (linear) emitted = expanded;
      }
    }
    this.emitted = emitted;
    this.source = emitted.source;
    if (linear) {
      this.exact = linear;
      this.program = null;
      this.gate = null;
      this.engine = mode === 'linear' ? 'linear' : 'linear-fallback';
      this.nonLinearReasons = [];
      this.risks = [];
      return;
    }
    this.nonLinearReasons =
      emitted.nonLinear.length > 0
        ? [...emitted.nonLinear]
        : this.useIndices
          ? ['the located group is not at the top level of the pattern']
          : ['bounded repetition beyond what the linear engine replicates'];
    const approx = new RegexEmitter(root, { ...base, approximate: true, expandBounded: true }).emit();
    this.gate = approx.nonLinear.length === 0 ? compileLinear(approx.source) : null;
    this.program = hasBackref(root) ? null : BacktrackProgram.compile(root, plan.parsed.groupCount, alphabet);
    if (!this.program && this.nonLinearReasons.includes('a repeat whose body can match the empty string'))
      throw new RegexUnsupportedError(
        'a repeat whose body can match the empty string, together with a backreference: JavaScript repeats it differently from Python',
        false,
        0,
      );
    if (this.program) {
      this.exact = null;
      this.engine = 'memo+linear-precheck';
      this.risks = [];
      return;
    }
    try {
      this.exact = new RegExp(emitted.source, this.useIndices ? 'd' : '');
    } catch (e) {
      throw new RegexUnsupportedError(`internal translation error: ${(e as Error).message}`, false, 0);
    }
    this.engine = this.gate ? 'backtracking+linear-precheck' : 'backtracking';
    this.risks = riskyShapes(root);
  }

  /**
   * Python's `search` on an encoded subject; with `from`, `search(subject, pos)`
   * (the match starts at or after `from`, anchors and lookbehinds still see the
   * whole subject).
   */
  exec(subject: string, from = 0): RegexMatch | null {
    if (this.gate && !this.gate.test(subject)) return null;
    if (this.program) return this.execProgram(this.program, subject, from);
    const exact = this.exact!;
    const positions = this.emitted.positions;
    const lead = positions && positions !== 'indices' ? positions.lead : null;
    let m: RegExpExecArray | null;
    let index: number;
    if (from > 0) {
      // A consumed lead may start one unit before Python's match start.
      this.exactFrom ??= new RegExp(exact.source, `${exact.flags}g`);
      let at = lead ? from - 1 : from;
      for (;;) {
        this.exactFrom.lastIndex = at;
        m = this.exactFrom.exec(subject);
        if (!m) return null;
        index = m.index + (lead ? (m.groups?.[lead] ?? '').length : 0);
        if (index >= from) break;
        at = m.index + 1;
      }
    } else {
      m = exact.exec(subject);
      if (!m) return null;
      index = m.index + (lead ? (m.groups?.[lead] ?? '').length : 0);
    }
    const groups = m.groups ?? {};
    const copies = this.emitted.copies;
    const target = this.positionTarget;
    let end = m.index + m[0].length;
    if (positions && positions !== 'indices') end -= (groups[positions.trail] ?? '').length;
    const indices = (
      m as RegExpExecArray & { indices?: { groups?: Record<string, [number, number] | undefined> } }
    ).indices;
    return {
      index,
      end,
      group: (i: number) => groupValue(copies.get(i), groups),
      span: () => {
        if (!positions || target === undefined) return null;
        const copy = copies.get(target)?.[0];
        if (!copy) return null;
        if (positions === 'indices') return indices?.groups?.[copy.js] ?? null;
        const value = groups[copy.js];
        if (value === undefined) return null;
        const start = index + (groups[positions.pre] ?? '').length;
        return [start, start + value.length];
      },
    };
  }

  private execProgram(program: BacktrackProgram, subject: string, from: number): RegexMatch | null {
    const caps = program.search(subject, from);
    if (!caps) return null;
    const target = this.positionTarget;
    return {
      index: caps[0]!,
      end: caps[1]!,
      group: (i: number) => {
        const s = caps[2 * i];
        const e = caps[2 * i + 1];
        return s === undefined || e === undefined || s < 0 || e < 0 ? undefined : subject.slice(s, e);
      },
      span: () => {
        if (target === undefined) return null;
        const s = caps[2 * target]!;
        const e = caps[2 * target + 1]!;
        return s < 0 || e < 0 ? null : [s, e];
      },
    };
  }
}

function groupValue(list: GroupCopy[] | undefined, groups: Record<string, string | undefined>): GroupValue {
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const copy = list[i]!;
    const value = groups[copy.js];
    if (copy.tail !== undefined) {
      const ran = (groups[copy.tail] ?? '') !== '';
      if (!ran) continue;
      if (value === undefined) return AMBIGUOUS;
      return value;
    }
    if (value !== undefined) return value;
  }
  return undefined;
}
