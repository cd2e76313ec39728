import { ConfigParseError, type ConfigSource, postfixLogicalLines } from '../source.js';

export interface PostfixParameter {
  value: string;
  source: ConfigSource;
}

/** `name = value` settings in file order; a later setting of a name replaces an earlier one, as in Postfix. */
export type PostfixParameters = Map<string, PostfixParameter>;

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses main.cf text (also `postconf -n` output and docker-mailserver's
 * postfix-main.cf, which share the format). Lines without `=` are errors naming
 * the file and line, as `postconf` reports them.
 */
export function parseMainCf(
  text: string,
  file: string,
  into: PostfixParameters = new Map(),
): PostfixParameters {
  for (const { text: logical, line } of postfixLogicalLines(text)) {
    const eq = logical.indexOf('=');
    if (eq < 0)
      throw new ConfigParseError(file, line, `missing '=' after parameter name: "${logical.slice(0, 60)}"`);
    const name = logical.slice(0, eq).trim();
    if (!NAME.test(name))
      throw new ConfigParseError(file, line, `"${name.slice(0, 60)}" is not a parameter name`);
    into.set(name, { value: logical.slice(eq + 1).trim(), source: { file, line } });
  }
  return into;
}

/** Values of parameters that are not set, for expansion (from `postconf -d`, or a built-in subset). */
export type PostfixDefaults = ReadonlyMap<string, string>;

/**
 * Expands `$name`, `${name}`, `$(name)`, `${name?text}`, `${name:text}` (and the
 * `{text}` forms of both) the way Postfix does, recursively, with unknown names
 * expanding to nothing. Recursion is bounded, as a loop of references would
 * otherwise never end.
 */
export function expandPostfix(
  value: string,
  lookup: (name: string) => string | undefined,
  depth = 0,
): string {
  if (depth > 20 || !value.includes('$')) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{' || next === '(') {
      const close = matchingClose(value, i + 1);
      if (close < 0) {
        out += value.slice(i);
        break;
      }
      out += expandReference(value.slice(i + 2, close), lookup, depth);
      i = close + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_]+/.exec(value.slice(i + 1, i + 200));
    if (!m) {
      out += c;
      i++;
      continue;
    }
    out += expandPostfix(lookup(m[0]) ?? '', lookup, depth + 1);
    i += 1 + m[0].length;
  }
  return out;
}

function matchingClose(value: string, open: number): number {
  const opener = value[open];
  const closer = opener === '{' ? '}' : ')';
  let level = 0;
  for (let j = open; j < value.length; j++) {
    if (value[j] === opener) level++;
    else if (value[j] === closer && --level === 0) return j;
  }
  return -1;
}

function expandReference(inner: string, lookup: (name: string) => string | undefined, depth: number): string {
  const m = /^([A-Za-z0-9_]+)(?:([?:])(.*))?$/s.exec(inner);
  if (!m) return '';
  const current = expandPostfix(lookup(m[1]!) ?? '', lookup, depth + 1);
  if (m[2] === undefined) return current;
  let text = m[3]!;
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  const chosen = m[2] === '?' ? current !== '' : current === '';
  return chosen ? expandPostfix(text, lookup, depth + 1) : '';
}

/** Splits a list parameter on commas and whitespace, as Postfix does (keeping `{...}` groups whole). */
export function postfixList(value: string): string[] {
  const items: string[] = [];
  let cur = '';
  let level = 0;
  for (const ch of value) {
    if (ch === '{') level++;
    else if (ch === '}') level = Math.max(0, level - 1);
    if (level === 0 && (ch === ',' || ch === ' ' || ch === '\t')) {
      if (cur) items.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) items.push(cur);
  return items;
}
