/**
 * What every reader of one fail2ban configuration shares: the directory, its
 * files, the parsed files, the merged configurations by name, and how
 * fail2ban finds the files of a name (ConfigReaderUnshared.read).
 */
import { join } from 'node:path';
import type { ConfigSource } from '../source.js';
import { Fail2banConfigParser, NoOptionError, NoSectionError, ParsedFileCache } from './config-parser.js';
import type { Fail2banFileSet } from './files.js';
import type { Fail2banValue } from './interpolation.js';
import { asBool, pyInt } from './option-syntax.js';
import { type PyValue, pyStr, type TaggedValue } from './tags.js';

export interface NamedConfig {
  parser: Fail2banConfigParser;
  /** The files read, reported names, in reading order. */
  files: string[];
}

export class ReaderContext {
  readonly cache: ParsedFileCache;
  private readonly shared = new Map<string, NamedConfig | null>();
  /** Every file read, reported names, first reading order. */
  readonly filesRead: string[] = [];
  readonly notes: string[] = [];

  constructor(
    readonly basedir: string,
    readonly files: Fail2banFileSet,
  ) {
    this.cache = new ParsedFileCache(files);
  }

  /**
   * The merged configuration of `name` (`jail`, `fail2ban`, `filter.d/postfix`):
   * NAME.conf, NAME.d/*.conf, NAME.local, NAME.d/*.local, each with its
   * includes. Read once and shared; null when none of them can be read.
   */
  named(name: string): NamedConfig | null {
    if (this.shared.has(name)) return this.shared.get(name)!;
    const base = join(this.basedir, name);
    const candidates = [
      `${base}.conf`,
      ...this.files.glob(`${base}.d`, '.conf'),
      `${base}.local`,
      ...this.files.glob(`${base}.d`, '.local'),
    ].filter((p) => this.files.exists(p));
    let result: NamedConfig | null = null;
    if (candidates.length > 0) {
      const parser = new Fail2banConfigParser(this.cache);
      const read = parser.read(candidates).map((p) => this.cache.display(p));
      for (const f of read) if (!this.filesRead.includes(f)) this.filesRead.push(f);
      if (read.length > 0) result = { parser, files: read };
    }
    this.shared.set(name, result);
    return result;
  }
}

export type OptionType = 'string' | 'int' | 'bool';

/** fail2ban's option templates: name, type, default (null: none). */
export type OptionTemplate = readonly (readonly [string, OptionType, PyValue])[];

/** configparser's vars: values as str(), None kept. */
export function asVars(values: Map<string, TaggedValue> | null): Map<string, Fail2banValue> {
  const out = new Map<string, Fail2banValue>();
  if (values)
    for (const [k, v] of values)
      out.set(k.toLowerCase(), { value: v.value === null ? null : pyStr(v.value), source: v.source });
  return out;
}

export interface GetOptionsSettings {
  /** Options already given (not read, and visible to the interpolation as vars). */
  given?: Map<string, TaggedValue> | null;
  shouldExist?: boolean;
  convert?: boolean;
  /** Where to report a problem with a value that has no file of its own. */
  context: ConfigSource;
  /** fail2ban's warnings (a value it replaces by the default). */
  warn?: (message: string) => void;
}

/** A value of the template's type, as fail2ban converts it (null when it raises). */
export function convertValue(type: OptionType, v: string): PyValue | undefined {
  if (type === 'bool') return asBool(v);
  if (type === 'int') {
    const n = pyInt(v);
    return n === null ? undefined : n;
  }
  return v;
}

/** ConfigReaderUnshared.getOptions: the template's options of a section, read, interpolated and converted. */
export function getOptions(
  parser: Fail2banConfigParser,
  section: string,
  template: OptionTemplate,
  settings: GetOptionsSettings,
): Map<string, TaggedValue> {
  const given = settings.given ?? new Map<string, TaggedValue>();
  const vars = asVars(given);
  const values = new Map<string, TaggedValue>();
  for (const [name, type, def] of template) {
    if (given.has(name)) continue;
    try {
      const v = parser.getValue(section, name, { vars, context: settings.context });
      values.set(name, { value: v.value, source: v.source });
      if (settings.convert !== false && type !== 'string' && v.value !== null) {
        const converted = convertValue(type, v.value);
        if (converted === undefined) {
          settings.warn?.(
            `"${name}" in [${section}] is not a${type === 'int' ? 'n integer' : ' boolean'}: ${JSON.stringify(v.value)}; fail2ban uses ${pyStr(def)}`,
          );
          values.set(name, { value: def, source: v.source });
        } else values.set(name, { value: converted, source: v.source });
      }
    } catch (e) {
      if (e instanceof NoSectionError) {
        if (settings.shouldExist) throw e;
        values.set(name, { value: def, source: null });
      } else if (e instanceof NoOptionError) {
        if (def !== null) values.set(name, { value: def, source: null });
      } else throw e;
    }
  }
  return values;
}

/** Python's {**x, **y}: y's values win, x's order first. */
export function mergeDicts<V>(x: Map<string, V>, y: Map<string, V>): Map<string, V> {
  if (y.size === 0) return x;
  const out = new Map(x);
  for (const [k, v] of y) out.set(k, v);
  return out;
}
