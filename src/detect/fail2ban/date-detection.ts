/**
 * fail2ban's date handling for a filter (server/datedetector.py,
 * datetemplate.py, and the date part of filter.py `processLine`), as fail2ban
 * 1.0 defines it:
 *
 * - `datepattern` is split on newlines; each entry is `{^LN-BEG}` (the default
 *   templates anchored at the line start), `{DEFAULT}` (all default
 *   templates), `{NONE}` (no date), a pattern with `{DATE}` (the default
 *   templates put in its place), `EPOCH`, `LEPOCH`, `TAI64N` (optionally with
 *   `{^LN-BEG}` or `^`), or a pattern with strptime directives (`%b %d
 *   %H:%M:%S`, fail2ban's `%Ex…`, `%k` …) whose leading `{^LN-BEG}` anchors it
 *   at the line start (after up to two non-word characters) and `{UNB}` removes
 *   the word boundaries fail2ban otherwise adds around it. No datepattern: all
 *   default templates.
 * - Which template wins follows fail2ban's search, including its preference for
 *   the template that matched the previous line and its reordering of
 *   templates by hits: date detection is stateful per filter, like fail2ban's.
 * - The date (group 1 of the winning template's match) is cut out of the line:
 *   failregex sees the text before it joined with the text after it.
 * - Time stamps as strptime.ts describes. A line without a date gets the
 *   previous line's date when that is less than 60 seconds before "now"
 *   (fail2ban's rule for multi-line logs), otherwise no time (null).
 *
 * The template regexes are fail2ban's, with two rewritten without their
 * conditional groups (Python-only syntax) into equivalent forms: the default
 * `EPOCH` template's `(?(selinux)…)|(?(square)…)` always succeeds and is
 * dropped; the line-start `EPOCH` template's `(?(square)(?=\]))` cannot change
 * the matched date and is dropped.
 */
import { Alphabet, type EncodedText } from './alphabet.js';
import type { CodeSet } from './charset.js';
import { CompiledRegex } from './compiled-regex.js';
import { parsePythonRegex } from './python-regex.js';
import { collectSets, type ParsedRegex } from './regex-ast.js';
import { expandDirectives, type TimeContext, timeFromFields, zoneOffsetMinutes } from './strptime.js';
import { FilterTranslationError, RegexUnsupportedError } from './translation-error.js';

const LINE_BEGIN = 8;
const LINE_END = 4;
const WORD_BEGIN = 2;
const WORD_END = 1;

// fail2ban's meta-regexes over regex text (server/datetemplate.py).
const RE_GROUPED = /(?<!\(\?)(?<!\\)\((?!\?)/;
const RE_GROUP = /^((?:\(\?\w+\))?\^?(?:\(\?\w+\))?)(.*?)(\$?)$/;
const RE_GLOBALFLAGS = /((?:^|(?<!\\))\(\?[a-z]+\))/;
const RE_EXLINE_NO_BOUNDS = /^\{UNB\}/;
const RE_EXLINE_BOUND_BEG = /^\{\^LN-BEG\}/;
const RE_EXSANC_BOUND_BEG = /^\((?:\?:)?\^\|\\b\|\\W\)/;
const RE_EXEANC_BOUND_BEG = /\(\?=\\b\|\\W\|\$\)$/;
const RE_NO_WRD_BOUND_BEG = /^\(*(?:\(\?\w+\))?(?:\^|\(*\*\*|\((?:\?:)?\^)/;
const RE_NO_WRD_BOUND_END = /(?<!\\)(?:\$\)?|\\b|\\s|\*\*\)*)$/;
const RE_DEL_WRD_BOUNDS = /^\(*(?:\(\?\w+\))?\(*\*\*|(?<!\\)\*\*\)*$/g;
const RE_LINE_BOUND_BEG = /^(?:\(\?\w+\))?(?:\^|\((?:\?:)?\^(?!\|))/;
const RE_LINE_BOUND_END = /(?<![\\|])(?:\$\)?)$/;
const RE_ALPHA_PATTERN = /(?<!%)%[aAbBpc]/;
const RE_EPOCH_PATTERN = /(?<!\\)\{L?EPOCH\}/i;
const RE_DATE_PREMATCH = /(?<!\\)\{DATE\}/gi;

const EPOCH_RE = String.raw`\d{10,11}\b(?:\.\d{3,6})?`;
const LONG_EPOCH_RE = String.raw`\d{10,11}(?:\d{3}(?:\.\d{1,6}|\d{3})?)?`;

/** fail2ban's default templates, in its order. */
const DEFAULT_TEMPLATES = [
  String.raw`%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\s*%z)?`,
  String.raw`(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?`,
  String.raw`(?:%a )?%b %d %ExY %k:%M:%S(?:\.%f)?`,
  String.raw`%d(?P<_sep>[-/])%m(?P=_sep)(?:%ExY|%Exy) %k:%M:%S`,
  String.raw`%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\.%f)?(?: %z)?`,
  String.raw`%m/%d/%ExY:%H:%M:%S`,
  String.raw`%m-%d-%ExY %k:%M:%S(?:\.%f)?`,
  'EPOCH',
  String.raw`{^LN-BEG}%H:%M:%S`,
  String.raw`^<%m/%d/%Exy@%H:%M:%S>`,
  String.raw`%Exy%Exm%Exd  ?%H:%M:%S`,
  String.raw`%b %d, %ExY %I:%M:%S %p`,
  String.raw`^%b-%d-%Exy %k:%M:%S`,
  String.raw`%ExY%Exm%Exd(?:T|  ?)%ExH%ExM%ExS(?:[.,]%f)?(?:\s*%z)?`,
  String.raw`(?:%Z )?(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?`,
  String.raw`(?:%z )?(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?`,
  'TAI64N',
];

/** The 1.1 form of the compact ISO template (accepts `20050123-21:59:59`). */
const DEFAULT_COMPACT_11 = String.raw`%ExY%Exm%Exd(?:-|T|  ?)%ExH:?%ExM:?%ExS(?:[.,]%f)?(?:\s*%z)?`;

export type Fail2banVersion = '1.0' | '1.1';

class DateTemplate {
  name = '';
  weight = 1;
  flags = 0;
  /** Successful searches (fail2ban's `template.hits`). */
  hits = 0;
  regex = '';
  pattern: string | null = null;
  kind: 'pattern' | 'epoch' | 'tai64n' = 'pattern';
  valueGroup = 1;
  longEpoch = false;
  parsed: ParsedRegex | null = null;
  compiled: CompiledRegex | null = null;

  /** fail2ban's DateTemplate.setRegex. */
  setRegex(input: string, wordBegin: boolean | 'start' = true, wordEnd = true): void {
    let regex = input.trim();
    const gf = RE_GLOBALFLAGS.exec(regex);
    if (gf) regex = regex.replace(RE_GLOBALFLAGS, '');
    const boundBegin = wordBegin !== false && !RE_NO_WRD_BOUND_BEG.test(regex);
    const boundEnd = wordEnd && !RE_NO_WRD_BOUND_END.test(regex);
    if (!RE_GROUPED.test(regex)) regex = regex.replace(RE_GROUP, '$1($2)$3');
    this.flags = 0;
    if (boundBegin) {
      this.flags |= wordBegin !== 'start' ? WORD_BEGIN : LINE_BEGIN;
      if (wordBegin !== 'start') regex = String.raw`(?=^|\b|\W)` + regex;
      else {
        regex = String.raw`^(?:\W{0,2})?` + regex;
        if (!this.name.startsWith('{^LN-BEG}')) this.name = `{^LN-BEG}${this.name}`;
      }
    }
    if (boundEnd) {
      this.flags |= WORD_END;
      regex += String.raw`(?=\b|\W|$)`;
    }
    if (!(this.flags & LINE_BEGIN) && RE_LINE_BOUND_BEG.test(regex)) this.flags |= LINE_BEGIN;
    if (!(this.flags & LINE_END) && RE_LINE_BOUND_END.test(regex)) this.flags |= LINE_END;
    regex = regex.replace(RE_DEL_WRD_BOUNDS, (m) => m.replaceAll('**', ''));
    if (gf) regex = gf[1] + regex;
    this.regex = regex;
  }
}

function unboundPattern(pattern: string): string {
  return pattern
    .replace(RE_EXLINE_NO_BOUNDS, '')
    .replace(RE_EXLINE_BOUND_BEG, '')
    .replace(RE_EXSANC_BOUND_BEG, '')
    .replace(RE_EXEANC_BOUND_BEG, '');
}

function patternTemplate(pattern: string, wordBegin: boolean | 'start' = true, wordEnd = true): DateTemplate {
  const t = new DateTemplate();
  t.pattern = pattern;
  let p = pattern;
  if (RE_EXLINE_NO_BOUNDS.test(p)) {
    p = p.replace(RE_EXLINE_NO_BOUNDS, '');
    wordBegin = false;
    wordEnd = false;
  }
  if (wordBegin && RE_EXLINE_BOUND_BEG.test(p)) {
    p = p.replace(RE_EXLINE_BOUND_BEG, '');
    wordBegin = 'start';
  }
  const expanded = expandDirectives(p);
  if (!expanded)
    throw new DateTemplateError(
      `Failed to set datepattern '${pattern}' (may be an invalid format or unescaped percent char)`,
    );
  t.name = expanded.name;
  let regex = expanded.regex;
  if (RE_ALPHA_PATTERN.test(p)) regex = `(?iu)${regex}`;
  t.setRegex(regex, wordBegin, wordEnd);
  return t;
}

function epochTemplate(lineBeginOnly: boolean, pattern: string | null, longFrm: boolean): DateTemplate {
  const t = new DateTemplate();
  t.kind = 'epoch';
  t.longEpoch = longFrm;
  t.name = pattern ?? (longFrm ? 'LongEpoch' : 'Epoch');
  const re = longFrm ? LONG_EPOCH_RE : EPOCH_RE;
  if (pattern) {
    t.pattern = pattern;
    t.valueGroup = 2;
    t.setRegex(`(${pattern.replace(RE_EPOCH_PATTERN, () => `(${re})`)})`);
  } else if (!lineBeginOnly) {
    t.setRegex(String.raw`((?:^|(?<=^\[)|(?<=\baudit\())${re})`, false);
  } else {
    t.setRegex(`(${re})`, 'start', true);
  }
  return t;
}

function tai64nTemplate(wordBegin: boolean | 'start'): DateTemplate {
  const t = new DateTemplate();
  t.kind = 'tai64n';
  t.name = 'TAI64N';
  t.setRegex('@[0-9a-f]{24}', wordBegin);
  return t;
}

export class DateTemplateError extends Error {
  override name = 'DateTemplateError';
}

/** fail2ban's per-detector copy of a template: hits, last use and distance of this detector. */
interface DetectorTemplate {
  template: DateTemplate;
  hits: number;
  lastUsed: number;
  distance: number;
}

function weightOf(t: DetectorTemplate): number {
  return (t.hits * t.template.weight) / Math.max(1, t.distance);
}

/** The named groups fail2ban's strptime reads. */
const STRPTIME_FIELDS = new Set([
  'y',
  'Y',
  'm',
  'B',
  'b',
  'd',
  'H',
  'I',
  'p',
  'M',
  'S',
  'f',
  'A',
  'a',
  'w',
  'j',
  'U',
  'W',
  'z',
  'Z',
]);

const FAR = 0x7fffffff;
const UNUSED_TIME = 300;
const ALNUM = /^[\p{L}\p{N}]$/u;

export interface DateMatch {
  /** The date's position in the encoded line (fail2ban cuts it out). */
  start: number;
  end: number;
  /** Epoch milliseconds, or null when the fields do not make a valid date. */
  timeMs: number | null;
  template: string;
}

export interface DateDetectorOptions {
  /** "Now" (epoch ms) for dates without a year; default Date.now. */
  now?: () => number;
  /** See CompiledRegex: 'linear' (default) or 'fallback'. */
  regexEngine?: 'linear' | 'fallback';
  /** IANA zone of local times in the log; default this process's zone. */
  timeZone?: string;
  /** fail2ban's `logtimezone` (`UTC+0200`, `CEST`): local times are in this fixed offset. */
  logTimeZone?: string;
  /** Engine version whose default templates to use (default 1.0). */
  version?: Fail2banVersion;
  /** For error messages. */
  filter?: string;
}

/**
 * A filter's date detector. Build it, give `regexSets()` to the filter's
 * Alphabet, `bind` it to that alphabet, then `match` encoded lines in log order.
 */
export class DateDetector {
  private readonly cache = new Map<string, DateTemplate>();
  private defaultsCache: { all: DateTemplate[]; defaults: DateTemplate[] } | null = null;
  private readonly templates: DetectorTemplate[] = [];
  private readonly names = new Set<string>();
  private alphabet: Alphabet | null = null;
  private lastPos: [number, string | null, string | null] = [1, null, null];
  private lastEndPos: [number, string | null, string | null] = [FAR, null, null];
  private lastTemplIdx = FAR;
  private firstUnused = 0;
  private readonly ctx: () => TimeContext;
  readonly filter: string;
  private readonly version: Fail2banVersion;
  private readonly regexEngine: 'linear' | 'fallback';

  constructor(datepattern: string | null, options: DateDetectorOptions = {}) {
    this.filter = options.filter ?? '(filter)';
    this.regexEngine = options.regexEngine ?? 'linear';
    this.version = options.version ?? '1.0';
    const now = options.now ?? Date.now;
    const offset = options.logTimeZone ? zoneOffsetMinutes(options.logTimeZone) : null;
    this.ctx = () => ({ nowMs: now(), timeZone: options.timeZone, defaultOffsetMinutes: offset });
    try {
      if (datepattern === null) this.addDefaults(null, null, true);
      else
        for (const entry of datepattern
          .split(/\n+/)
          .map((s) => s.trim())
          .filter(Boolean))
          this.append(entry);
    } catch (e) {
      if (e instanceof DateTemplateError)
        throw new FilterTranslationError(this.filter, 'datepattern', datepattern ?? '', e.message);
      throw e;
    }
  }

  /** Template names in search order (for reports). */
  get templateNames(): string[] {
    return this.templates.map((t) => t.template.name);
  }

  private patternTemplate(
    pattern: string,
    key = pattern.includes('%') ? pattern : pattern.toUpperCase(),
  ): DateTemplate {
    const cached = this.cache.get(key);
    if (cached) return cached;
    let template: DateTemplate | null = null;
    if (key.includes('EPOCH')) {
      if (RE_EPOCH_PATTERN.test(pattern)) template = epochTemplate(false, pattern, key.includes('LEPOCH'));
      else if (['EPOCH', '{^LN-BEG}EPOCH', '^EPOCH'].includes(key))
        template = epochTemplate(key !== 'EPOCH', null, false);
      else if (['LEPOCH', '{^LN-BEG}LEPOCH', '^LEPOCH'].includes(key))
        template = epochTemplate(key !== 'LEPOCH', null, true);
    }
    if (!template) {
      if (['TAI64N', '{^LN-BEG}TAI64N', '^TAI64N'].includes(key))
        template = tai64nTemplate(key !== 'TAI64N' ? 'start' : false);
      else template = patternTemplate(pattern);
    }
    this.cache.set(key, template);
    return template;
  }

  private anchored(
    template: DateTemplate,
    wrap: (s: string) => string = (s) => `{^LN-BEG}${s}`,
  ): DateTemplate {
    const name = wrap(template.name);
    let t2 = this.cache.get(name);
    if (!t2) {
      const regex = wrap(template.pattern ?? template.regex);
      if (template.pattern !== null) t2 = this.cache.get(regex);
      if (!t2) t2 = template.pattern === null ? this.patternTemplate(name) : this.patternTemplate(regex);
    }
    return t2;
  }

  private defaults(): { all: DateTemplate[]; defaults: DateTemplate[] } {
    if (this.defaultsCache) return this.defaultsCache;
    const list = DEFAULT_TEMPLATES.map((p) =>
      this.version === '1.1' && p.startsWith('%ExY%Exm%Exd(?:T') ? DEFAULT_COMPACT_11 : p,
    );
    const defaults = list.map((p) => this.patternTemplate(p));
    const anchoredList: DateTemplate[] = [];
    const plain: DateTemplate[] = [];
    for (const t of defaults) {
      if (!t.name.startsWith('{^LN-BEG}') && !t.name.startsWith('^')) {
        const t2 = this.anchored(t);
        if (t2.name !== t.name) {
          t2.weight = 100;
          anchoredList.push(t2);
        }
      }
      plain.push(t);
    }
    this.defaultsCache = { all: [...anchoredList, ...plain], defaults };
    return this.defaultsCache;
  }

  private push(template: DateTemplate, ignoreDup: boolean): void {
    if (this.names.has(template.name)) {
      if (ignoreDup) return;
      throw new DateTemplateError(`There is already a template with name ${template.name}`);
    }
    this.names.add(template.name);
    this.templates.push({ template, hits: 0, lastUsed: 0, distance: FAR });
  }

  private addDefaults(filterFlags: number | null, preMatch: string | null, allDefaults: boolean): void {
    const ignoreDup = this.templates.length > 0;
    const { all, defaults } = this.defaults();
    for (let template of allDefaults ? all : defaults) {
      if (filterFlags !== null && !(template.flags & filterFlags)) continue;
      if (preMatch !== null)
        template = this.anchored(template, (s) =>
          preMatch.replace(RE_DATE_PREMATCH, () => unboundPattern(s)),
        );
      this.push(template, ignoreDup);
    }
  }

  private append(pattern: string): void {
    const key = pattern.includes('%') ? pattern : pattern.toUpperCase();
    let template = this.cache.get(key);
    if (!template) {
      if (key === '{^LN-BEG}' || key === '{DEFAULT}') {
        this.addDefaults(key === '{^LN-BEG}' ? LINE_BEGIN : null, null, true);
        return;
      }
      if (key.includes('{DATE}')) {
        this.addDefaults(null, pattern, false);
        return;
      }
      template = key === '{NONE}' ? this.patternTemplate('{UNB}^', key) : this.patternTemplate(pattern, key);
    }
    this.cache.set(key, template);
    this.push(template, false);
  }

  /** Parses every template's regex; the sets they use go into the filter's alphabet. */
  regexSets(): CodeSet[] {
    const sets: CodeSet[] = [];
    for (const { template } of this.templates) {
      if (!template.parsed) {
        try {
          template.parsed = parsePythonRegex(template.regex);
        } catch (e) {
          if (e instanceof RegexUnsupportedError)
            throw new FilterTranslationError(
              this.filter,
              `date template ${template.name}`,
              template.regex,
              e.message,
            );
          throw e;
        }
      }
      collectSets(template.parsed.root, sets);
    }
    return sets;
  }

  bind(alphabet: Alphabet): void {
    this.alphabet = alphabet;
    for (const { template } of this.templates) template.compiled = null;
  }

  private compiled(template: DateTemplate): CompiledRegex {
    if (template.compiled) return template.compiled;
    if (!this.alphabet) throw new Error('DateDetector.bind() was not called');
    if (!template.parsed) this.regexSets();
    const parsed = template.parsed!;
    try {
      template.compiled = new CompiledRegex(
        {
          parsed,
          needed: new Set([
            ...[...parsed.names].filter(([n]) => STRPTIME_FIELDS.has(n)).map(([, i]) => i),
            1,
            template.valueGroup,
          ]),
          edges: 'consume',
          positionOf: 1,
          engine: this.regexEngine,
        },
        this.alphabet,
      );
    } catch (e) {
      if (e instanceof RegexUnsupportedError)
        throw new FilterTranslationError(
          this.filter,
          `date template ${template.name}`,
          template.regex,
          e.message,
        );
      throw e;
    }
    return template.compiled;
  }

  /** Each template's engine (compiles them all). */
  engines(): { template: string; engine: CompiledRegex['engine']; reasons: string[]; risks: string[] }[] {
    return this.templates.map(({ template }) => {
      const c = this.compiled(template);
      return { template: template.name, engine: c.engine, reasons: c.nonLinearReasons, risks: c.risks };
    });
  }

  private matchDate(template: DateTemplate, line: EncodedText, from?: number, to?: number) {
    const subject = to === undefined ? line.text : line.text.slice(0, to);
    const m = this.compiled(template).exec(subject, from ?? 0);
    if (m) template.hits++;
    return m;
  }

  /** fail2ban's DateDetector.matchTime followed by getTime, on an encoded line. */
  match(line: EncodedText): DateMatch | null {
    const templates = this.templates;
    const ch = (i: number): string => (i >= 0 && i < line.text.length ? line.decode(line.text[i]!) : '');
    type Found = {
      m: NonNullable<ReturnType<DateDetector['matchDate']>>;
      distance: number;
      endpos: number;
      i: number;
    };
    let found: Found | null = null;
    let match: ReturnType<DateDetector['matchDate']> = null;
    let ignoreBySearch = FAR;
    let i = this.lastTemplIdx;
    let dd: DetectorTemplate | undefined;
    let distance = 0;
    let endpos = 0;
    if (i < templates.length) {
      dd = templates[i]!;
      const template = dd.template;
      if (template.flags & (LINE_BEGIN | LINE_END)) {
        match = this.matchDate(template, line);
        ignoreBySearch = i;
      } else {
        const [d, before, atStart] = this.lastPos;
        const [e, atEnd, after] = this.lastEndPos;
        if (
          (ch(d - 1) === (before ?? '') || (ch(d) === atStart && !ALNUM.test(atStart ?? ''))) &&
          (ch(e) === (after ?? '') || (ch(e - 1) === atEnd && !ALNUM.test(atEnd ?? '')))
        ) {
          match = this.matchDate(template, line, d, e);
        } else {
          match = this.matchDate(template, line);
          ignoreBySearch = i;
        }
      }
      if (match) {
        distance = match.index;
        endpos = match.end;
        if (
          !(
            templates.length === 1 ||
            template.flags & (LINE_BEGIN | LINE_END) ||
            (distance === this.lastPos[0] && endpos === this.lastEndPos[0])
          )
        ) {
          found = { m: match, distance, endpos, i };
          match = null;
        }
      }
    }
    if (!match) {
      i = 0;
      for (const cand of templates) {
        if (i === ignoreBySearch) {
          i++;
          continue;
        }
        const template = cand.template;
        match = this.matchDate(template, line);
        if (match) {
          dd = cand;
          distance = match.index;
          endpos = match.end;
          if (i + 1 >= templates.length) break;
          if (template.flags & (LINE_BEGIN | LINE_END)) break;
          if (distance === 0 && cand.hits && !templates[i + 1]!.template.hits) break;
          if (distance > cand.distance || distance > this.lastPos[0]) {
            if (!found || distance < found.distance) found = { m: match, distance, endpos, i };
            match = null;
            i++;
            continue;
          }
          break;
        }
        i++;
      }
      if (!match && found) {
        match = found.m;
        distance = found.distance;
        endpos = found.endpos;
        i = found.i;
        dd = templates[i]!;
      }
    }
    if (!match || !dd) return null;
    dd.hits++;
    dd.lastUsed = Date.now() / 1000;
    dd.distance = distance;
    if (this.firstUnused === i) this.firstUnused++;
    this.lastPos = [distance, ch(distance - 1), ch(distance)];
    this.lastEndPos = [endpos, ch(endpos - 1), ch(endpos)];
    const template = dd.template;
    if (i && i !== this.lastTemplIdx) i = this.reorder(i);
    this.lastTemplIdx = i;
    const span = match.span();
    if (!span) return null;
    return {
      start: span[0],
      end: span[1],
      timeMs: this.timeOf(template, match, line),
      template: template.name,
    };
  }

  private timeOf(
    template: DateTemplate,
    match: NonNullable<ReturnType<DateDetector['matchDate']>>,
    line: EncodedText,
  ) {
    const parsed = template.parsed!;
    const read = (g: number): string | undefined => {
      const v = match.group(g);
      return typeof v === 'string' ? line.decode(v) : undefined;
    };
    if (template.kind === 'tai64n') {
      const value = read(1) ?? '';
      return Number.parseInt(value.slice(2, 17), 16) * 1000;
    }
    if (template.kind === 'epoch') {
      const v = read(template.valueGroup) ?? '';
      let seconds = Number(v);
      if (template.longEpoch && v.length >= 13) {
        if (v.length >= 16 && !v.includes('.')) seconds = Number(v) / 1_000_000;
        else seconds = Number(v) / 1000;
      }
      return seconds * 1000;
    }
    const fields = new Map<string, string | undefined>();
    for (const [name, index] of parsed.names) if (STRPTIME_FIELDS.has(name)) fields.set(name, read(index));
    return timeFromFields(fields, this.ctx());
  }

  private reorder(num: number): number {
    const templates = this.templates;
    const dd = templates[num]!;
    const untime = dd.lastUsed - UNUSED_TIME;
    const weight = weightOf(dd);
    let pos = this.firstUnused < num ? this.firstUnused : Math.floor(num / 2);
    const moveable = () => {
      const other = templates[pos]!;
      return weight > weightOf(other) || untime > other.lastUsed;
    };
    if (!moveable()) {
      if (pos === num - 1) return num;
      pos = num - 1;
      if (!moveable()) return num;
    }
    templates.splice(num, 1);
    templates.splice(pos, 0, dd);
    while (this.firstUnused < templates.length && templates[this.firstUnused]!.hits) this.firstUnused++;
    return pos;
  }

  /** A standalone alphabet for this detector alone (when used without a filter). */
  ownAlphabet(): Alphabet {
    return Alphabet.of(this.regexSets());
  }
}

/** A line with its date cut out, as fail2ban's processLine hands it to findFailure. */
export interface DatedLine {
  /** Text before the date, the date, text after it (encoded). */
  before: string;
  date: string;
  after: string;
  /** Epoch ms, or null (no date found, or not a valid date). */
  timeMs: number | null;
  /** No date was found for this line (fail2ban warns when such a line matches). */
  noDate: boolean;
}

/** The date part of fail2ban's processLine, with its memory of the previous line's date. */
export class LineDater {
  private lastTimeText = '';
  private lastDate: number | null = null;

  constructor(
    private readonly detector: DateDetector | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** A line whose date came from elsewhere (the journal): it becomes the last known date. */
  remember(timeMs: number | null): void {
    if (timeMs !== null) {
      this.lastDate = timeMs;
      this.lastTimeText = '';
    }
  }

  date(line: EncodedText): DatedLine {
    let before = '';
    let dateText = '';
    let after = line.text;
    let date: number | null = null;
    let noDate = false;
    const m = this.detector?.match(line) ?? null;
    if (m) {
      before = line.text.slice(0, m.start);
      dateText = line.text.slice(m.start, m.end);
      after = line.text.slice(m.end);
      if (dateText) {
        date = m.timeMs;
        if (date !== null) {
          this.lastTimeText = dateText;
          this.lastDate = date;
        }
      } else if (this.lastDate !== null && this.lastDate > this.now() - 60_000) {
        before = '';
        dateText = this.lastTimeText;
        after = line.text;
        date = this.lastDate;
      } else date = this.now();
    }
    if (date === null) {
      noDate = true;
      if (this.lastDate !== null && this.lastDate > this.now() - 60_000) {
        before = '';
        dateText = this.lastTimeText;
        after = line.text;
        date = this.lastDate;
      }
    }
    return { before, date: dateText, after, timeMs: date, noDate };
  }
}

/** What fail2ban's processLine makes of a line's date: the time stamp and the text around the date. */
export interface LineDate {
  /** Epoch ms, or null (no date found, or not a valid date). */
  timeMs: number | null;
  /** Text before the date, the date, text after it (failregex sees before + after). */
  before: string;
  date: string;
  after: string;
  /** No date was found in the line (fail2ban warns when such a line matches). */
  noDate: boolean;
}

/**
 * fail2ban's date handling for one log, line after line (the template memory
 * and the previous line's date carry over, as in fail2ban).
 */
export class LogDater {
  private readonly alphabet: Alphabet;
  private readonly dater: LineDater;

  constructor(datepattern: string | null, options: DateDetectorOptions = {}) {
    const detector = new DateDetector(datepattern, options);
    this.alphabet = detector.ownAlphabet();
    detector.bind(this.alphabet);
    this.dater = new LineDater(detector, options.now);
  }

  /** Null when the line has too many distinct non-ASCII characters to evaluate (see alphabet.ts). */
  date(line: string): LineDate | null {
    const encoded = this.alphabet.encode(line);
    if (!encoded) return null;
    const d = this.dater.date(encoded);
    return {
      timeMs: d.timeMs,
      before: encoded.decode(d.before),
      date: encoded.decode(d.date),
      after: encoded.decode(d.after),
      noDate: d.noDate,
    };
  }
}

/** Cuts the date out of a single line (a fresh LogDater: no memory of earlier lines). */
export function cutDate(
  line: string,
  datepattern: string | null,
  options: DateDetectorOptions = {},
): LineDate | null {
  return new LogDater(datepattern, options).date(line);
}
