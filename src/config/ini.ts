import { ConfigParseError, type ConfigSource } from './source.js';

export interface IniValue {
  value: string;
  source: ConfigSource;
}

/** Sections in file order; keys lower-cased as Python's configparser does (fail2ban reads its files with it). */
export type IniFile = Map<string, Map<string, IniValue>>;

/**
 * fail2ban's INI files as Python's configparser reads them: `[section]`,
 * `key = value` or `key: value`, indented lines continue the value (kept on
 * separate lines, as multi-line failregex needs), `#` and `;` lines are comments.
 */
export function parseIni(text: string, file: string, into: IniFile = new Map()): IniFile {
  let section: Map<string, IniValue> | null = null;
  let last: IniValue | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '') {
      last = null;
      continue;
    }
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const indented = line[0] === ' ' || line[0] === '\t';
    if (indented && last) {
      last.value += `\n${trimmed}`;
      continue;
    }
    const header = /^\[([^\]]+)\]$/.exec(trimmed);
    if (header) {
      const name = header[1]!.trim();
      section = into.get(name) ?? new Map();
      into.set(name, section);
      last = null;
      continue;
    }
    if (!section) throw new ConfigParseError(file, i + 1, 'a setting before any [section]');
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!m) throw new ConfigParseError(file, i + 1, `expected "key = value": "${trimmed.slice(0, 60)}"`);
    last = { value: m[2]!, source: { file, line: i + 1 } };
    section.set(m[1]!.toLowerCase(), last);
  }
  return into;
}

/** configparser's boolean words. */
export function iniBoolean(value: string | undefined): boolean | null {
  if (value === undefined) return null;
  const v = value.trim().toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(v)) return true;
  if (['0', 'no', 'false', 'off'].includes(v)) return false;
  return null;
}
