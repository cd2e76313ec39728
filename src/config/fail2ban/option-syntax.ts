/**
 * The small syntaxes inside fail2ban option values: `name[opt=value, ...]`
 * (filters and actions with parameters), action lists, word lists
 * (ignoreip), booleans and integers as fail2ban converts them.
 */

const OPTION = /^([^[]+)(?:\[(.*)\])?\s*$/s;
const OPTION_EXTRACT =
  /\s*([\w\-_.]+)=(?:"([^"]*)"|'([^']*)'|([^,\]]*))(?:,|\]\s*\[|$|(?<wrngA>.+))|,?\s*$|(?<wrngB>.+)/gs;
const OPTION_SPLIT =
  /(?:[^[\s]+(?:\s*\[\s*(?:[\w\-_.]+=(?:"[^"]*"|'[^']*'|[^,\]]*)\s*(?:,|\]\s*\[)?\s*)*\])?\s*|\S+)(?=\n\s*|\s+|$)/gs;

/**
 * fail2ban's extractOptions: `postfix[mode=extra]` → ['postfix', {mode: 'extra'}].
 * The name is kept as written (fail2ban does not trim it). Throws an Error
 * with fail2ban's reason when the syntax is wrong.
 */
export function extractOptions(option: string): [string, Map<string, string>] {
  const match = OPTION.exec(option);
  if (!match) throw new Error('unexpected option syntax');
  const name = match[1]!;
  const optstr = match[2];
  const options = new Map<string, string>();
  if (optstr) {
    for (const m of optstr.matchAll(OPTION_EXTRACT)) {
      const g = m.groups ?? {};
      if (g['wrngA'] !== undefined)
        throw new Error(`unexpected syntax after option "${m[1]}": ${g['wrngA'].slice(0, 25)}`);
      if (g['wrngB'] !== undefined)
        throw new Error(`expected option, wrong syntax: ${g['wrngB'].slice(0, 25)}`);
      const opt = m[1];
      if (!opt) continue;
      const value = m[2] ?? m[3] ?? m[4] ?? '';
      options.set(opt.trim(), value.trim());
    }
  }
  return [name, options];
}

/** fail2ban's splitWithOptions: an action value split into its actions, brackets kept together. */
export function splitWithOptions(option: string): string[] {
  return [...option.matchAll(OPTION_SPLIT)].map((m) => m[0]);
}

/** fail2ban's splitwords: words separated by spaces, commas or new lines (tabs are not separators). */
export function splitWords(s: string | null): string[] {
  if (!s) return [];
  return s
    .split(/[ ,\n]+/)
    .map((v) => v.trim())
    .filter(Boolean);
}

/** fail2ban's _as_bool: only 1/on/true/yes (any case) are true, everything else false. */
export function asBool(value: string | boolean): boolean {
  if (typeof value === 'boolean') return value;
  return ['1', 'on', 'true', 'yes'].includes(value.toLowerCase());
}

/** Python's int() of a string: surrounding blanks, a sign, digits with single underscores between; null when it raises. */
export function pyInt(value: string): number | null {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(value);
  if (!m) return null;
  const n = Number(m[2]!.replace(/_/g, ''));
  return m[1] === '-' ? -n : n;
}
