/**
 * fail2ban's substituteRecursiveTags: `<tag>` references between the options
 * of a filter or action are replaced by the other options' values, over and
 * over (so `<mdre-<mode>>` becomes `<mdre-extra>`, then its value). Tags that
 * name no option (`<HOST>`, `<F-USER>`, `<ip>`) stay as written for the server.
 */
import { ConfigParseError, type ConfigSource } from '../source.js';

/** Python's None is null; numbers and booleans are what fail2ban converted. */
export type PyValue = string | number | boolean | null;

export interface TaggedValue {
  value: PyValue;
  source: ConfigSource | null;
}

/** Python's str(). */
export function pyStr(v: PyValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/** fail2ban's MAX_TAG_REPLACE_COUNT. */
const MAX_TAG_REPLACE_COUNT = 25;
const TAG = /<([^ <>]+)>/g;

function search(value: string, from: number): RegExpExecArray | null {
  TAG.lastIndex = from;
  return TAG.exec(value);
}

/**
 * Substitutes the tags of `input` (a copy is returned). `lookup` finds a tag
 * no option holds (fail2ban's getCombOption); it returns null for none.
 * A tag that refers to itself, or is replaced over and over, is the error
 * fail2ban stops on.
 */
export function substituteRecursiveTags(
  input: Map<string, TaggedValue>,
  ignore: ReadonlySet<string>,
  lookup: ((tag: string) => string | null) | null,
  where: ConfigSource,
): Map<string, TaggedValue> {
  const tags = new Map(input);
  const done = new Set<string>();
  const repCounts = new Map<string, Map<string, number>>();
  const keys = [...input.keys()];
  for (;;) {
    let again = false;
    for (const tag of keys) {
      if (ignore.has(tag) || done.has(tag)) continue;
      const original = pyStr(tags.get(tag)!.value);
      let value = original;
      const counts = repCounts.get(tag) ?? new Map<string, number>();
      let m = search(value, 0);
      while (m) {
        const rtag = m[1]!;
        if (ignore.has(rtag)) {
          m = search(value, m.index + m[0].length);
          continue;
        }
        if (rtag === tag || (counts.get(rtag) ?? 1) > MAX_TAG_REPLACE_COUNT) {
          const at = tags.get(tag)?.source ?? where;
          const why =
            rtag === tag
              ? `<${rtag}> refers to the option itself`
              : `<${rtag}> is replaced more than ${MAX_TAG_REPLACE_COUNT} times (tags that refer to each other in a loop)`;
          throw new ConfigParseError(
            at.file,
            at.line,
            `option "${tag}": ${why}; fail2ban cannot resolve the tags and refuses the configuration`,
          );
        }
        let repl: string | null = null;
        const held = tags.get(rtag);
        if (held !== undefined && held.value !== null) repl = pyStr(held.value);
        else if (lookup) repl = lookup(rtag);
        if (repl === null) {
          // Not an option: a tag for the server (<HOST>) or the shell.
          m = search(value, m.index + m[0].length);
          continue;
        }
        value = value.split(`<${rtag}>`).join(repl);
        counts.set(rtag, (counts.get(rtag) ?? 0) + 1);
        m = search(value, m.index);
      }
      if (value !== original) {
        if (search(value, 0)) {
          repCounts.set(tag, counts);
          again = true;
        }
        tags.set(tag, { value, source: tags.get(tag)!.source });
      }
      if (!value.includes('<')) done.add(tag);
    }
    if (!again) break;
  }
  return tags;
}
