/**
 * fail2ban's SafeConfigParserWithIncludes: several files merged into one
 * configparser, `[INCLUDES] before/after` followed, the previous value of a
 * redefined option kept in a `KNOWN/<section>` section, conditional sections
 * (`[Init?family=inet6]`) folded into their base section as `option?cond`.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { type ParsedIniFile, readIniFile } from '../ini.js';
import type { ConfigSource } from '../source.js';
import type { Fail2banFileSet } from './files.js';
import { type Fail2banValue, type InterpolationScope, interpolate } from './interpolation.js';

export class NoSectionError extends Error {
  constructor(readonly section: string) {
    super(`no section [${section}]`);
  }
}

export class NoOptionError extends Error {
  constructor(
    readonly section: string,
    readonly option: string,
  ) {
    super(`no option "${option}" in [${section}]`);
  }
}

/** Parsed files, shared by every reader of one configuration (fail2ban's share_config). */
export class ParsedFileCache {
  private readonly parsed = new Map<string, ParsedIniFile | null>();
  constructor(readonly files: Fail2banFileSet) {}

  /** The file parsed on its own, null when it cannot be read (fail2ban skips it). */
  get(path: string): ParsedIniFile | null {
    if (this.parsed.has(path)) return this.parsed.get(path)!;
    const f = this.files.read(path);
    const parsed = f === null ? null : readIniFile(f.text, f.display);
    this.parsed.set(path, parsed);
    return parsed;
  }

  display(path: string): string {
    return this.files.read(path)?.display ?? path;
  }
}

const INCLUDES = 'INCLUDES';
const CONDITIONAL = /^(\w+)(\?.+)$/;
const SECTION_OPTION_NAME = /^([\w-]+)\/([^\s>]+)$/;

/** fail2ban's _expandConfFilesWithLocal: each file followed by its `.local` sibling, if there is one. */
function withLocals(cache: ParsedFileCache, filenames: string[]): string[] {
  const out: string[] = [];
  for (const f of filenames) {
    out.push(f);
    const dot = f.lastIndexOf('.');
    const stem = dot > f.lastIndexOf('/') + 1 ? f.slice(0, dot) : f;
    const local = `${stem}.local`;
    if (!filenames.includes(local) && cache.files.isFile(local)) out.push(local);
  }
  return out;
}

export interface GetOptions {
  raw?: boolean;
  vars?: Map<string, Fail2banValue>;
  /** Where to report an error when the value has no file of its own. */
  context?: ConfigSource;
}

export class Fail2banConfigParser implements InterpolationScope {
  private readonly defaultValues = new Map<string, Fail2banValue>();
  private readonly sectionValues = new Map<string, Map<string, Fail2banValue>>();
  /** Each section's headers, in reading order. */
  readonly headers = new Map<string, ConfigSource[]>();

  constructor(private readonly cache: ParsedFileCache) {}

  /** A parser over one file alone (how fail2ban reads a file's [INCLUDES]). */
  static single(cache: ParsedFileCache, parsed: ParsedIniFile): Fail2banConfigParser {
    const p = new Fail2banConfigParser(cache);
    for (const [k, v] of parsed.defaults) p.defaultValues.set(k, v);
    for (const [name, s] of parsed.sections) {
      p.sectionValues.set(name, new Map(s.options));
      p.headers.set(name, [s.source]);
    }
    return p;
  }

  defaults(): Map<string, Fail2banValue> {
    return this.defaultValues;
  }

  section(name: string): Map<string, Fail2banValue> | undefined {
    return this.sectionValues.get(name);
  }

  /** configparser's sections(), fail2ban's KNOWN/ sections left out. */
  sections(): string[] {
    return [...this.sectionValues.keys()].filter((n) => !n.startsWith('KNOWN/'));
  }

  hasSection(name: string): boolean {
    return this.sectionValues.has(name);
  }

  /** Own option names (withDefault false) or with [DEFAULT]'s. */
  options(section: string, withDefault = false): string[] {
    const s = this.sectionValues.get(section);
    if (!s) throw new NoSectionError(section);
    if (!withDefault) return [...s.keys()];
    return [...new Set([...s.keys(), ...this.defaultValues.keys()])];
  }

  hasOption(section: string, option: string, withDefault = true): boolean {
    const key = option.toLowerCase();
    if (!withDefault) return this.sectionValues.get(section)?.has(option) ?? false;
    if (section === 'DEFAULT') return this.defaultValues.has(key);
    const s = this.sectionValues.get(section);
    return s !== undefined && (s.has(key) || this.defaultValues.has(key));
  }

  mergeDefaults(values: Map<string, Fail2banValue>): void {
    for (const [k, v] of values) this.defaultValues.set(k, v);
  }

  /** fail2ban's merge_section: options added to a section, their names prefixed with `pref` unless they already are. */
  mergeSection(section: string, options: Map<string, Fail2banValue>, pref = ''): void {
    let s = this.sectionValues.get(section);
    if (!s) {
      s = new Map();
      this.sectionValues.set(section, s);
    }
    for (const [k, v] of options) {
      if (!pref) s.set(k, v);
      else if (!k.startsWith(pref) && k !== '__name__') s.set(pref + k, v);
    }
  }

  /** configparser's _unify_values: vars over the section over [DEFAULT]. */
  private unify(section: string, vars?: Map<string, Fail2banValue>): Map<string, Fail2banValue> {
    const s = this.sectionValues.get(section);
    if (!s && section !== 'DEFAULT') throw new NoSectionError(section);
    const d = new Map(this.defaultValues);
    if (s) for (const [k, v] of s) d.set(k, v);
    if (vars) for (const [k, v] of vars) d.set(k.toLowerCase(), v);
    return d;
  }

  /** The value fail2ban reads (interpolated unless raw), with where it is written; throws NoSectionError / NoOptionError. */
  getValue(section: string, option: string, opts: GetOptions = {}): Fail2banValue {
    const d = this.unify(section, opts.vars);
    const key = option.toLowerCase();
    const v = d.get(key);
    if (v === undefined) throw new NoOptionError(section, option);
    if (opts.raw || v.value === null) return v;
    const source = v.source ?? opts.context ?? { file: section, line: 0 };
    return {
      value: interpolate({ scope: this, section, option: key, source }, v.value, d),
      source: v.source,
    };
  }

  get(section: string, option: string, opts: GetOptions = {}): string | null {
    return this.getValue(section, option, opts).value;
  }

  /** fail2ban's get_ex: `section/option`, `known/option` and `default/option` names, else get(). */
  getEx(section: string, option: string, opts: GetOptions = {}): Fail2banValue {
    const m = option.includes('/') ? SECTION_OPTION_NAME.exec(option) : null;
    if (m) {
      const lower = m[1]!.toLowerCase();
      const candidates =
        lower === 'known' ? [`KNOWN/${section}`, section] : [lower === 'default' ? 'DEFAULT' : m[1]!];
      for (const sec of candidates) {
        try {
          return this.getValue(sec, m[2]!, { raw: opts.raw, context: opts.context });
        } catch (e) {
          if (!(e instanceof NoSectionError || e instanceof NoOptionError)) throw e;
        }
      }
    }
    return this.getValue(section, option, opts);
  }

  /** fail2ban's _getIncludes: the files with their `.local` siblings and includes, in reading order. */
  private includes(filenames: string[], seen: string[] = []): string[] {
    const out: string[] = [];
    for (const f of withLocals(this.cache, filenames)) out.push(...this.includesOf(f, seen));
    return out;
  }

  private includesOf(resource: string, seen: string[]): string[] {
    const parsed = this.cache.get(resource);
    if (!parsed) return [];
    const before: string[] = [];
    const after: string[] = [];
    const own = Fail2banConfigParser.single(this.cache, parsed);
    if (own.hasSection(INCLUDES)) {
      const names = own.options(INCLUDES, true);
      for (const [option, list] of [
        ['before', before],
        ['after', after],
      ] as const) {
        if (!names.includes(option)) continue;
        const value = own.get(INCLUDES, option) ?? '';
        for (const name of value.split('\n')) {
          const r = isAbsolute(name) ? name : join(dirname(resource), name);
          if (seen.includes(r)) continue;
          list.push(...this.includes([r], [...seen, resource]));
        }
      }
    }
    return [...before, resource, ...after];
  }

  /**
   * SafeConfigParserWithIncludes.read: the files (and their includes) merged
   * in order; returns the files read. A later file's option wins, and the
   * value it replaces is kept as `KNOWN/<section>`.
   */
  read(filenames: string[]): string[] {
    const read: string[] = [];
    for (const file of this.includes(filenames)) {
      const parsed = this.cache.get(file);
      if (!parsed) continue;
      read.push(file);
      for (const [k, v] of parsed.defaults) this.defaultValues.set(k, v);
      for (const [sectionName, section] of parsed.sections) {
        let name = sectionName;
        let options: Map<string, Fail2banValue> = section.options;
        const cond = CONDITIONAL.exec(sectionName);
        if (cond) {
          name = cond[1]!;
          options = new Map([...section.options].map(([k, v]) => [k + cond[2]!, v]));
        }
        const headers = this.headers.get(name) ?? [];
        headers.push(section.source);
        this.headers.set(name, headers);
        const existing = this.sectionValues.get(name);
        if (existing) {
          const known = new Map([...existing].filter(([k]) => options.has(k)));
          this.mergeSection(`KNOWN/${name}`, known);
          for (const [k, v] of options) existing.set(k, v);
        } else {
          this.sectionValues.set(name, new Map(options));
        }
      }
    }
    return read;
  }
}
