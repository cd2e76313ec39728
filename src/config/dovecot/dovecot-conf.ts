import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { ConfigParseError, type ConfigSource } from '../source.js';

export interface DovecotSetting {
  value: string;
  source: ConfigSource;
}

/** A `type [name] { ... }` block: `service imap-login`, `inet_listener imaps`, `protocol imap`, `plugin`. */
export interface DovecotSection {
  type: string;
  name: string | null;
  settings: Map<string, DovecotSetting>;
  sections: DovecotSection[];
  source: ConfigSource;
}

export interface DovecotConfig {
  root: DovecotSection;
  /** Every file read, the main one first (includes in order). */
  files: string[];
}

interface Frame {
  section: DovecotSection;
  parent: Frame | null;
}

/** A `#` starts a comment at the start of a line, or after whitespace outside quotes. */
function stripComment(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (c === '#' && !quoted && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t'))
      return text.slice(0, i);
  }
  return text;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
    return value.slice(1, -1).replace(/\\(["\\])/g, '$1');
  return value;
}

/** The value `$name` refers to: the setting as set so far in this section or an enclosing one. */
function lookup(frame: Frame | null, name: string): string {
  for (let f = frame; f; f = f.parent) {
    const s = f.section.settings.get(name);
    if (s) return s.value;
  }
  return '';
}

function expandVariables(value: string, frame: Frame): string {
  if (!value.includes('$')) return value;
  return value.replace(/\$([A-Za-z0-9_]+)/g, (_, name: string) => lookup(frame, name));
}

function expandInclude(pattern: string, from: string): string[] {
  const full = isAbsolute(pattern) ? pattern : join(dirname(from), pattern);
  if (!/[*?]/.test(basename(full))) return [full];
  const dir = dirname(full);
  const re = new RegExp(
    `^${basename(full)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

/**
 * Reads a Dovecot configuration as Dovecot does: `key = value` (quotes removed,
 * `\` continues a line, `#` after whitespace comments the rest), sections
 * `type [name] { ... }`, `!include` / `!include_try` with globs relative to the
 * including file, and `$name` expanded to the value set so far. Values `<file`
 * are kept as written (the file is the certificate or key).
 */
export function readDovecotConfig(
  path: string,
  /** Maps paths the file names (absolute ones inside a container or another host) to where they are here. */
  mapPath: (p: string) => string = (p) => p,
): DovecotConfig {
  const readText = (p: string) => readFileSync(p, 'utf8');
  const root: DovecotSection = {
    type: '',
    name: null,
    settings: new Map(),
    sections: [],
    source: { file: path, line: 1 },
  };
  const files: string[] = [];
  let frame: Frame = { section: root, parent: null };

  const parseFile = (file: string, depth: number): void => {
    if (depth > 20) throw new ConfigParseError(file, 1, '!include nested too deep (a loop?)');
    files.push(file);
    const lines = readText(file).split('\n');
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      let text = lines[i]!.replace(/\r$/, '');
      while (text.endsWith('\\') && i + 1 < lines.length) {
        i++;
        text = `${text.slice(0, -1).trimEnd()} ${lines[i]!.replace(/\r$/, '').trim()}`;
      }
      text = stripComment(text).trim();
      if (text === '') continue;
      const source = { file, line: lineNo };
      if (text === '}') {
        if (!frame.parent) throw new ConfigParseError(file, lineNo, 'unexpected "}"');
        frame = frame.parent;
        continue;
      }
      const include = /^!(include|include_try)\s+(.+)$/.exec(text);
      if (include) {
        const targets = expandInclude(mapPath(unquote(include[2]!.trim())), file);
        if (targets.length === 0 && include[1] === 'include' && !/[*?]/.test(include[2]!))
          throw new ConfigParseError(file, lineNo, `included file not found: ${include[2]}`);
        for (const target of targets) {
          try {
            parseFile(target, depth + 1);
          } catch (err) {
            if (include[1] === 'include_try' && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
            throw err;
          }
        }
        continue;
      }
      const eq = text.indexOf('=');
      const brace = text.endsWith('{') ? text.length - 1 : -1;
      if (brace >= 0 && (eq < 0 || eq > brace)) {
        const head = text.slice(0, brace).trim().split(/\s+/).filter(Boolean);
        if (head.length === 0 || head.length > 2)
          throw new ConfigParseError(file, lineNo, `cannot read section "${text.slice(0, 60)}"`);
        const section: DovecotSection = {
          type: head[0]!,
          name: head[1] !== undefined ? unquote(head[1]) : null,
          settings: new Map(),
          sections: [],
          source,
        };
        frame.section.sections.push(section);
        frame = { section, parent: frame };
        continue;
      }
      if (eq <= 0) throw new ConfigParseError(file, lineNo, `expected "key = value": "${text.slice(0, 60)}"`);
      const key = text.slice(0, eq).trim();
      if (!/^[A-Za-z0-9_./-]+$/.test(key))
        throw new ConfigParseError(file, lineNo, `"${key.slice(0, 60)}" is not a setting name`);
      const value = expandVariables(unquote(text.slice(eq + 1).trim()), frame);
      frame.section.settings.set(key, { value, source });
    }
  };

  parseFile(path, 0);
  if (frame.parent) {
    const open = frame.section.source;
    throw new ConfigParseError(open.file, open.line, `section "${frame.section.type}" is never closed`);
  }
  return { root, files };
}

/** A top-level setting, or one inside a section path such as `plugin/quota_rule`. */
export function dovecotSetting(config: DovecotConfig, path: string): DovecotSetting | undefined {
  const parts = path.split('/');
  let section: DovecotSection | undefined = config.root;
  for (const part of parts.slice(0, -1)) {
    section = section?.sections.find((s) => s.type === part || `${s.type} ${s.name}` === part);
    if (!section) return undefined;
  }
  return section.settings.get(parts[parts.length - 1]!);
}

/** Every section of a type, at any depth (e.g. all `inet_listener`s). */
export function dovecotSections(section: DovecotSection, type: string): DovecotSection[] {
  const out: DovecotSection[] = [];
  for (const s of section.sections) {
    if (s.type === type) out.push(s);
    out.push(...dovecotSections(s, type));
  }
  return out;
}
