/**
 * fail2ban's DefinitionInitConfigReader, the reader of filters and actions:
 * options of `[Definition]`, overridden by the parameters the jail gives
 * (`postfix[mode=extra]`) and by `[Init]`, then `<tag>` references resolved.
 */
import type { ConfigSource } from '../source.js';
import { type Fail2banConfigParser, NoOptionError, NoSectionError } from './config-parser.js';
import {
  asVars,
  convertValue,
  getOptions,
  mergeDicts,
  type NamedConfig,
  type OptionTemplate,
  type ReaderContext,
} from './reader-context.js';
import { pyStr, substituteRecursiveTags, type TaggedValue } from './tags.js';

const CONDITIONAL = /^(\w+)(\?.+)$/;

export class DefinitionInitReader {
  private config: NamedConfig | null | undefined;
  /** The jail's parameters, then [Init]'s options (and `known/` copies of them). */
  readonly initOpts: Map<string, TaggedValue>;
  private opts = new Map<string, TaggedValue>();
  private pOpts = new Map<string, TaggedValue>();
  private readonly defCache = new Map<string, string | null>();

  constructor(
    private readonly ctx: ReaderContext,
    /** `filter.d/postfix`, `action.d/iptables-multiport`. */
    readonly file: string,
    readonly jailName: string,
    initOpts: Map<string, TaggedValue>,
    private readonly template: OptionTemplate,
    /** Where the jail names this filter or action. */
    readonly context: ConfigSource,
    private readonly warn: (message: string) => void,
  ) {
    this.initOpts = initOpts;
  }

  /** Reads the files; false when there are none (fail2ban then skips the jail). */
  read(): boolean {
    if (this.config === undefined) this.config = this.ctx.named(this.file);
    return this.config !== null;
  }

  get files(): string[] {
    return this.config?.files ?? [];
  }

  private get parser(): Fail2banConfigParser {
    if (!this.config) throw new Error(`${this.file} was not read`);
    return this.config.parser;
  }

  /** Whether [Definition] itself (not [DEFAULT]) sets the option. */
  definesOwn(option: string): boolean {
    return this.parser.hasOption('Definition', option, false);
  }

  /** DefinitionInitConfigReader.getOptions. */
  getOptions(given: Map<string, TaggedValue> | null, all = false): void {
    let pOpts = given ?? new Map<string, TaggedValue>();
    if (this.initOpts.size > 0) pOpts = mergeDicts(pOpts, this.initOpts);
    this.opts = getOptions(this.parser, 'Definition', this.template, {
      given: pOpts,
      convert: false,
      context: this.context,
      warn: this.warn,
    });
    this.pOpts = pOpts;
    const parser = this.parser;
    if (parser.hasSection('Init')) {
      const getopt = (opt: string): TaggedValue => {
        const v = parser.getValue('Init', opt, { context: this.context });
        return { value: v.value, source: v.source };
      };
      for (const opt of parser.options('Init', false)) {
        if (opt === '__name__') continue;
        let v: TaggedValue | undefined;
        if (!opt.startsWith('known/')) {
          v = getopt(opt);
          this.initOpts.set(`known/${opt}`, v);
        }
        if (!this.initOpts.has(opt)) this.initOpts.set(opt, v ?? getopt(opt));
      }
    }
    if (all && parser.hasSection('Definition')) {
      for (const opt of parser.options('Definition', false)) {
        if (opt === '__name__' || this.opts.has(opt)) continue;
        const v = parser.getValue('Definition', opt, { context: this.context });
        this.opts.set(opt, { value: v.value, source: v.source });
      }
    }
  }

  /** getCombOption: a [Definition] option (or `section/option`, `known/option`) for a tag no option holds. */
  private combOption(name: string): string | null {
    if (this.defCache.has(name)) return this.defCache.get(name)!;
    let v: string | null = null;
    try {
      v = this.parser.getEx('Definition', name, { vars: asVars(this.pOpts), context: this.context }).value;
    } catch (e) {
      if (!(e instanceof NoSectionError || e instanceof NoOptionError)) throw e;
    }
    this.defCache.set(name, v);
    return v;
  }

  /** getCombined: the options with the jail's parameters, tags resolved, converted to their types. */
  getCombined(ignore: ReadonlySet<string> = new Set()): Map<string, TaggedValue> {
    const combined = this.initOpts.size > 0 ? mergeDicts(this.opts, this.initOpts) : this.opts;
    if (combined.size === 0) return new Map();
    const skip = new Set(ignore);
    for (const n of combined.keys()) {
      const cond = CONDITIONAL.exec(n);
      if (cond) skip.add(cond[1]!);
    }
    const opts = substituteRecursiveTags(combined, skip, (tag) => this.combOption(tag), this.context);
    for (const [name, type, def] of this.template) {
      if (type === 'string') continue;
      const v = opts.get(name);
      if (v === undefined || v.value === null) continue;
      const converted = convertValue(type, pyStr(v.value));
      if (converted === undefined) {
        this.warn(
          `${this.file}: ${name} ${JSON.stringify(v.value)} is not an integer; fail2ban uses ${pyStr(def)}`,
        );
        opts.set(name, { value: def, source: v.source });
      } else opts.set(name, { value: converted, source: v.source });
    }
    return opts;
  }
}
