/**
 * Text edits of Postfix configuration files that change one setting and leave
 * every other byte alone (comments, order, continuation lines), as
 * `postconf -e` and `postconf -P` would, but without needing Postfix here.
 */

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.at(-1) === '') out.pop();
  return out;
}

function join(out: string[]): string {
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

const isBlank = (line: string) => line.trim() === '';
const isIndented = (line: string) => line[0] === ' ' || line[0] === '\t';

/** Physical lines [start, end) of the logical line starting at `start`: continuations start with whitespace. */
function logicalEnd(all: string[], start: number): number {
  let end = start + 1;
  while (end < all.length && !isBlank(all[end]!) && isIndented(all[end]!)) end++;
  return end;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Sets `name = value` in main.cf text (also docker-mailserver's postfix-main.cf):
 * the last definition of `name`, continuation lines included, is replaced (a
 * later definition wins in Postfix), or the setting is appended.
 */
export function setMainParameter(text: string, name: string, value: string): string {
  const all = lines(text);
  const starts = new RegExp(`^${escapeRegExp(name)}\\s*=`);
  let found = -1;
  for (let i = 0; i < all.length; i++) if (starts.test(all[i]!)) found = i;
  const setting = value === '' ? `${name} =` : `${name} = ${value}`;
  if (found < 0) return join([...all, setting]);
  const end = logicalEnd(all, found);
  return join([...all.slice(0, found), setting, ...all.slice(end)]);
}

interface Token {
  start: number;
  end: number;
  text: string;
  brace: boolean;
}

function tokens(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    if (line[i] === '{') {
      const close = line.indexOf('}', i);
      if (close < 0) return out;
      out.push({ start: i, end: close + 1, text: line.slice(i + 1, close).trim(), brace: true });
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
    out.push({ start: i, end: j, text: line.slice(i, j), brace: false });
    i = j;
  }
  return out;
}

/** `-o name=value`, or `-o { name = value }` when the value holds whitespace (Postfix 3.0 and later). */
export function overrideText(name: string, value: string): string {
  return /\s/.test(value) ? `-o { ${name} = ${value} }` : `-o ${name}=${value}`;
}

/**
 * Sets the `-o name=value` override of one master.cf service (`name/type`):
 * the last override of `name` is replaced where it stands, or a new `-o` line is
 * added after the service's last line. Returns null when the service is not
 * in the text.
 */
export function setServiceOverride(
  text: string,
  service: { name: string; type: string },
  name: string,
  value: string,
): string | null {
  const all = lines(text);
  let start = -1;
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    if (isBlank(line) || isIndented(line) || line.trimStart().startsWith('#')) continue;
    const words = line.trim().split(/\s+/);
    if (words[0] === service.name && words[1] === service.type) start = i;
  }
  if (start < 0) return null;
  const end = logicalEnd(all, start);
  let last: { line: number; from: number; to: number } | null = null;
  for (let i = start; i < end; i++) {
    const line = all[i]!;
    if (line.trimStart().startsWith('#')) continue;
    const t = tokens(line);
    for (let k = 0; k < t.length; k++) {
      const tok = t[k]!;
      let setting: string | undefined;
      let to = tok.end;
      if (tok.text === '-o' && !tok.brace && t[k + 1]) {
        setting = t[k + 1]!.text;
        to = t[k + 1]!.end;
      } else if (!tok.brace && tok.text.startsWith('-o') && tok.text.length > 2) setting = tok.text.slice(2);
      if (setting === undefined) continue;
      const eq = setting.indexOf('=');
      if (eq >= 0 && setting.slice(0, eq).trim() === name) last = { line: i, from: tok.start, to };
    }
  }
  const replacement = overrideText(name, value);
  if (last) {
    const line = all[last.line]!;
    all[last.line] = `${line.slice(0, last.from)}${replacement}${line.slice(last.to)}`;
    return join(all);
  }
  const indent = end - 1 > start ? (/^\s+/.exec(all[end - 1]!)?.[0] ?? '  ') : '  ';
  return join([...all.slice(0, end), `${indent}${replacement}`, ...all.slice(end)]);
}

/**
 * Sets `service/type/name=value` in docker-mailserver's postfix-master.cf (one
 * `postconf -P` argument per line): the last line for the same service and
 * parameter is replaced, or the line is appended.
 */
export function setDmsMasterLine(
  text: string,
  service: { name: string; type: string },
  name: string,
  value: string,
): string {
  const all = lines(text);
  const key = `${service.name}/${service.type}/${name}`;
  let found = -1;
  all.forEach((line, i) => {
    const m = /^([^/\s]+\/[^/\s]+\/[^=\s]+)\s*=/.exec(line.trim());
    if (m && m[1] === key) found = i;
  });
  const setting = `${key}=${value}`;
  if (found < 0) return join([...all, setting]);
  all[found] = setting;
  return join(all);
}

/** The words of a restriction list or access list (commas and whitespace separate them). */
export function listWords(value: string): string[] {
  return value.split(/[\s,]+/).filter((w) => w !== '');
}
