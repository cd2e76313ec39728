import { ConfigParseError, type ConfigSource } from './source.js';

export interface IniValue {
  value: string;
  source: ConfigSource;
}

/** Sections in file order; keys lower-cased as Python's configparser does (fail2ban reads its files with it). */
export type IniFile = Map<string, Map<string, IniValue>>;

/** One `[section]` of one file. */
export interface IniSection {
  name: string;
  /** Where its header is (the first one, when a non-strict read meets it twice). */
  source: ConfigSource;
  options: Map<string, IniValue>;
}

/** One file as configparser holds it: `[DEFAULT]` apart, the other sections in file order, values raw. */
export interface ParsedIniFile {
  file: string;
  defaults: Map<string, IniValue>;
  sections: Map<string, IniSection>;
  /** Section names (DEFAULT included) in the order their first header appears. */
  order: string[];
}

export interface IniReadOptions {
  /**
   * configparser's `strict`: a section twice, or an option twice in one
   * section, within one file is an error (fail2ban reads its files so).
   * Default true.
   */
  strict?: boolean;
}

const DEFAULT_SECTION = 'DEFAULT';
const SECTION_HEADER = /^\[(.+)\]/;
const OPTION_LINE = /^(.*?)\s*[=:]\s*(.*)$/;

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** Where an inline `;` comment starts: a `;` at the start of the line or after whitespace. */
function inlineCommentStart(line: string): number | null {
  let index = -1;
  for (;;) {
    index = line.indexOf(';', index + 1);
    if (index === -1) return null;
    if (index === 0 || isSpace(line[index - 1])) return index;
  }
}

/**
 * Reads one INI file as Python's configparser does with fail2ban's settings
 * (`inline_comment_prefixes = ";"`, comment lines `#` or `;`, empty lines kept
 * inside values):
 * - a line indented deeper than its option's line continues the value, even
 *   after blank or comment lines; blank lines inside a value stay in it,
 *   trailing ones are dropped;
 * - `key = value` or `key: value`, split at the first `=` or `:`; keys are
 *   lower-cased, section names are not;
 * - an inline comment is a `;` after whitespace; `#` only starts whole-line comments;
 * - `[DEFAULT]` is kept apart, as configparser keeps it.
 * Lines that are neither a header nor an option are errors; like
 * configparser, they are reported once the whole file is read, while a
 * duplicate (strict) or a setting before any header stops the reading at once.
 */
export function readIniFile(text: string, file: string, options: IniReadOptions = {}): ParsedIniFile {
  const strict = options.strict ?? true;
  const out: ParsedIniFile = { file, defaults: new Map(), sections: new Map(), order: [] };
  const added = new Set<string>();
  let current: Map<string, IniValue> | null = null;
  let sectionName: string | null = null;
  let parts: string[] | null = null;
  let indentLevel = 0;
  const pending: { line: number; text: string }[] = [];
  const values: [IniValue, string[]][] = [];
  const lines = text.split(/\r\n|\r|\n/);
  // A final newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    let commentStart = inlineCommentStart(line);
    const stripped = line.trim();
    if (stripped.startsWith('#') || stripped.startsWith(';')) commentStart = 0;
    const value = (commentStart === null ? line : line.slice(0, commentStart)).trim();
    if (value === '') {
      // An empty line (not a comment) belongs to the value being read.
      if (commentStart === null && current !== null && parts !== null) parts.push('');
      continue;
    }
    const indent = line.search(/\S/);
    if (current !== null && parts !== null && indent > indentLevel) {
      parts.push(value);
      continue;
    }
    indentLevel = indent;
    const header = SECTION_HEADER.exec(value);
    if (header) {
      const name = header[1]!;
      sectionName = name;
      parts = null;
      if (!out.order.includes(name)) out.order.push(name);
      if (name === DEFAULT_SECTION) {
        current = out.defaults;
        continue;
      }
      const existing = out.sections.get(name);
      if (existing) {
        if (strict && added.has(name))
          throw new ConfigParseError(file, lineNo, `section [${name}] already exists in this file`);
        current = existing.options;
      } else {
        const section: IniSection = { name, source: { file, line: lineNo }, options: new Map() };
        out.sections.set(name, section);
        current = section.options;
      }
      added.add(name);
      continue;
    }
    if (current === null) throw new ConfigParseError(file, lineNo, 'a setting before any [section]');
    const m = OPTION_LINE.exec(value);
    if (!m || m[1] === '') {
      pending.push({ line: lineNo, text: value });
      // An option without a name takes no continuation lines; any other bad line leaves the value open.
      if (m) parts = null;
      continue;
    }
    const key = m[1]!.trimEnd().toLowerCase();
    const id = `${sectionName}\u0000${key}`;
    if (strict && added.has(id))
      throw new ConfigParseError(
        file,
        lineNo,
        `option "${key}" in section [${sectionName}] already exists in this file`,
      );
    added.add(id);
    const entry: IniValue = { value: '', source: { file, line: lineNo } };
    parts = [m[2]!.trim()];
    values.push([entry, parts]);
    current.set(key, entry);
  }
  for (const [entry, p] of values) entry.value = p.join('\n').trimEnd();
  const bad = pending[0];
  if (bad) {
    const more = pending.length > 1 ? ` (and ${pending.length - 1} more such line(s))` : '';
    throw new ConfigParseError(
      file,
      bad.line,
      `expected "key = value" or "[section]": "${bad.text.slice(0, 60)}"${more}`,
    );
  }
  return out;
}

/**
 * fail2ban's INI files as Python's configparser reads them (see readIniFile),
 * merged into `into` (a later file's value wins), `[DEFAULT]` kept as a section
 * named DEFAULT. Not strict: a repeated option or section in one file is merged.
 */
export function parseIni(text: string, file: string, into: IniFile = new Map()): IniFile {
  const parsed = readIniFile(text, file, { strict: false });
  const merge = (name: string, options: Map<string, IniValue>) => {
    const section = into.get(name) ?? new Map<string, IniValue>();
    into.set(name, section);
    for (const [k, v] of options) section.set(k, v);
  };
  for (const name of parsed.order)
    merge(name, name === DEFAULT_SECTION ? parsed.defaults : parsed.sections.get(name)!.options);
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
