/**
 * Shapes that make a backtracking engine slow on a crafted line, looked for in
 * the regexes that must run on V8's backtracking engine (backreferences):
 *
 * - a repeat whose iterations can be split in several ways (its body contains
 *   an unbounded repeat and can end with a character it can also start with, or
 *   can be empty): exponential when the line does not match;
 * - a repeat whose body has an alternation with branches that can start with
 *   the same character: each iteration may take either branch, exponential;
 * - two unbounded repeats in a row (possibly with fixed characters between
 *   them that the first can also take) where the first can take what the
 *   second starts with: polynomial.
 *
 * These are heuristics for a warning, not a proof either way.
 */
import { CodeSet } from './charset.js';
import { children, firstChars, lastChars, type RegexNode, walk, width } from './regex-ast.js';

const LARGE = 16;

type Repeat = Extract<RegexNode, { type: 'repeat' }>;

function unbounded(node: RegexNode): node is Repeat {
  return node.type === 'repeat' && (node.max === Infinity || node.max > LARGE);
}

/** Every character a node can consume. */
function consumable(node: RegexNode): CodeSet {
  let set = CodeSet.EMPTY;
  walk(node, (n) => {
    if (n.type === 'set') set = set.union(n.set);
    if (n.type === 'backref') set = CodeSet.ALL;
  });
  return set;
}

function describe(node: RegexNode): string {
  return node.type === 'repeat' && node.src ? `\`${node.src}\`` : 'a repeat';
}

/** Nodes below `node`, not descending into lookarounds or (with `stopAtRepeats`) nested repeats. */
function inside(node: RegexNode, stopAtRepeats: boolean): RegexNode[] {
  const out: RegexNode[] = [];
  const go = (n: RegexNode) => {
    for (const c of children(n)) {
      if (c.type === 'look') continue;
      out.push(c);
      if (!(stopAtRepeats && c.type === 'repeat')) go(c);
    }
  };
  go(node);
  return out;
}

export function riskyShapes(root: RegexNode): string[] {
  const found: string[] = [];
  walk(root, (node) => {
    if (node.type === 'repeat' && (node.max === Infinity || node.max > 2)) {
      const body = node.body;
      // An inner repeat makes iterations ambiguous when it can also take the text the next
      // iteration starts with (its fixed first characters, when the body has some).
      const prefix = fixedPrefix(body);
      const inner = inside(body, false).find(
        (n) => unbounded(n) && prefix.every((set) => set.isSubsetOf(consumable(n.body))),
      );
      const ambiguous = width(body)[0] === 0 || firstChars(body).chars.overlaps(lastChars(body).chars);
      if (inner && ambiguous)
        found.push(
          `nested repetition: ${describe(inner)} inside ${describe(node)}, whose iterations can be split in several ways (exponential backtracking on a line that does not match)`,
        );
      for (const n of inside(body, true)) {
        if (n.type !== 'alt') continue;
        const firsts = n.alts.map((a) => firstChars(a).chars);
        if (firsts.some((a, i) => firsts.some((b, j) => j > i && a.overlaps(b)))) {
          found.push(
            `repeated alternation in ${describe(node)}: branches can start with the same character, so each iteration may take either (exponential backtracking on a line that does not match)`,
          );
          break;
        }
      }
    }
    if (node.type === 'seq') {
      const items = node.items;
      for (let i = 0; i < items.length; i++) {
        const a = items[i]!;
        if (!unbounded(a)) continue;
        const chars = consumable(a.body);
        for (let k = i + 1; k < items.length; k++) {
          const c = items[k]!;
          if (unbounded(c)) {
            if (chars.overlaps(firstChars(c).chars))
              found.push(
                `adjacent repetitions ${describe(a)} and ${describe(c)} can take the same characters (polynomial backtracking)`,
              );
            break;
          }
          const [lo, hi] = width(c);
          if (lo !== hi || !consumable(c).isSubsetOf(chars)) break;
        }
      }
    }
  });
  return [...new Set(found)];
}

/** The sets of the first few one-character items a node always starts with (empty when it starts otherwise). */
function fixedPrefix(node: RegexNode, limit = 3): CodeSet[] {
  const out: CodeSet[] = [];
  const go = (n: RegexNode): boolean => {
    if (out.length >= limit) return false;
    switch (n.type) {
      case 'set':
        out.push(n.set);
        return true;
      case 'seq':
        for (const item of n.items) if (!go(item)) return false;
        return true;
      case 'group':
        return go(n.body);
      case 'assert':
      case 'look':
      case 'empty':
        return true;
      default:
        return false;
    }
  };
  go(node);
  return out;
}
