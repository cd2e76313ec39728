/**
 * The syntax tree of a Python regular expression once its flags are applied:
 * every character-consuming atom is a set of code points (ignore-case, dot-all
 * and the ASCII flag already folded in), every anchor says exactly what it
 * tests. Emission to JavaScript works from this tree.
 */
import { CodeSet } from './charset.js';

export type RegexNode =
  | { type: 'empty' }
  /** Consumes one code point from the set. */
  | { type: 'set'; set: CodeSet }
  | { type: 'seq'; items: RegexNode[] }
  | { type: 'alt'; alts: RegexNode[] }
  /** A group; `index` is Python's group number when it captures. */
  | { type: 'group'; index: number | null; name: string | null; body: RegexNode }
  /** `src`: the pattern text of the repeat (for messages). */
  | { type: 'repeat'; min: number; max: number; lazy: boolean; body: RegexNode; src?: string }
  | { type: 'assert'; kind: AssertKind; word?: CodeSet }
  | { type: 'look'; behind: boolean; negate: boolean; body: RegexNode }
  /** `ignoreCase`: Python compares lowered characters (`ascii`: ASCII lowering only). */
  | { type: 'backref'; index: number; ignoreCase?: boolean; ascii?: boolean };

/**
 * start: `^` or `\A` (start of the subject); end: `$` without MULTILINE (end of
 * the subject or before a final newline); endString: `\Z`; lineStart/lineEnd:
 * `^`/`$` with MULTILINE; boundary/nonBoundary: `\b`/`\B` over the `word` set.
 */
export type AssertKind = 'start' | 'end' | 'endString' | 'lineStart' | 'lineEnd' | 'boundary' | 'nonBoundary';

export interface ParsedRegex {
  root: RegexNode;
  /** Number of capturing groups (Python's `groups`). */
  groupCount: number;
  /** Group name -> group number. */
  names: Map<string, number>;
  /** The pattern's global flags after parsing (letters as Python spells them). */
  flags: string;
}

export const NEWLINE = 0x0a;

/** Minimum and maximum length (in code points) a node can match; max may be Infinity. */
export function width(node: RegexNode, groups?: Map<number, RegexNode>): [number, number] {
  switch (node.type) {
    case 'empty':
    case 'assert':
    case 'look':
      return [0, 0];
    case 'set':
      return [1, 1];
    case 'seq': {
      let lo = 0;
      let hi = 0;
      for (const item of node.items) {
        const [a, b] = width(item, groups);
        lo += a;
        hi += b;
      }
      return [lo, hi];
    }
    case 'alt': {
      let lo = Infinity;
      let hi = 0;
      for (const alt of node.alts) {
        const [a, b] = width(alt, groups);
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
      }
      return [lo === Infinity ? 0 : lo, hi];
    }
    case 'group':
      return width(node.body, groups);
    case 'repeat': {
      const [a, b] = width(node.body, groups);
      return [a * node.min, b === 0 ? 0 : node.max === Infinity ? Infinity : b * node.max];
    }
    case 'backref': {
      const target = groups?.get(node.index);
      if (!target) return [0, Infinity];
      return width(target, groups);
    }
  }
}

/** Calls `visit` on the node and every node below it. */
export function walk(node: RegexNode, visit: (n: RegexNode, parents: readonly RegexNode[]) => void): void {
  const stack: RegexNode[] = [];
  const go = (n: RegexNode) => {
    visit(n, stack);
    stack.push(n);
    for (const child of children(n)) go(child);
    stack.pop();
  };
  go(node);
}

export function children(node: RegexNode): RegexNode[] {
  switch (node.type) {
    case 'seq':
      return node.items;
    case 'alt':
      return node.alts;
    case 'group':
    case 'repeat':
    case 'look':
      return [node.body];
    default:
      return [];
  }
}

/** The capturing groups by number. */
export function groupsByIndex(root: RegexNode): Map<number, RegexNode> {
  const map = new Map<number, RegexNode>();
  walk(root, (n) => {
    if (n.type === 'group' && n.index !== null) map.set(n.index, n.body);
  });
  return map;
}

/**
 * The characters a node can consume first, whether it can match without
 * consuming anything. Zero-width nodes consume nothing.
 */
export function firstChars(node: RegexNode): { chars: CodeSet; nullable: boolean } {
  switch (node.type) {
    case 'empty':
    case 'assert':
    case 'look':
      return { chars: CodeSet.EMPTY, nullable: true };
    case 'backref':
      return { chars: CodeSet.ALL, nullable: true };
    case 'set':
      return { chars: node.set, nullable: false };
    case 'seq': {
      let chars = CodeSet.EMPTY;
      for (const item of node.items) {
        const f = firstChars(item);
        chars = chars.union(f.chars);
        if (!f.nullable) return { chars, nullable: false };
      }
      return { chars, nullable: true };
    }
    case 'alt': {
      let chars = CodeSet.EMPTY;
      let isNullable = false;
      for (const alt of node.alts) {
        const f = firstChars(alt);
        chars = chars.union(f.chars);
        isNullable ||= f.nullable;
      }
      return { chars, nullable: isNullable };
    }
    case 'group':
      return firstChars(node.body);
    case 'repeat': {
      const f = firstChars(node.body);
      return { chars: f.chars, nullable: node.min === 0 || f.nullable };
    }
  }
}

/** The characters a node can consume last (mirror of firstChars). */
export function lastChars(node: RegexNode): { chars: CodeSet; nullable: boolean } {
  switch (node.type) {
    case 'seq': {
      let chars = CodeSet.EMPTY;
      for (let i = node.items.length - 1; i >= 0; i--) {
        const f = lastChars(node.items[i]!);
        chars = chars.union(f.chars);
        if (!f.nullable) return { chars, nullable: false };
      }
      return { chars, nullable: true };
    }
    case 'alt': {
      let chars = CodeSet.EMPTY;
      let isNullable = false;
      for (const alt of node.alts) {
        const f = lastChars(alt);
        chars = chars.union(f.chars);
        isNullable ||= f.nullable;
      }
      return { chars, nullable: isNullable };
    }
    case 'group':
      return lastChars(node.body);
    case 'repeat': {
      const f = lastChars(node.body);
      return { chars: f.chars, nullable: node.min === 0 || f.nullable };
    }
    default:
      return firstChars(node);
  }
}

/** Every set a node uses (what the alphabet must distinguish). */
export function collectSets(node: RegexNode, into: CodeSet[]): void {
  walk(node, (n) => {
    if (n.type === 'set') into.push(n.set);
    if (n.type === 'assert' && n.word) into.push(n.word);
  });
}
