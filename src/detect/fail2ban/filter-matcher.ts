/**
 * A fail2ban filter compiled for mailwarden: for each log line, in log order,
 * the decision fail2ban's `Filter.processLine`/`findFailure` makes (server
 * mode: the first matching failregex wins), from the regexes fail2ban's
 * configuration yields (`fail2ban-client -d`: tags not yet substituted).
 *
 * For a line: the date is cut out (date-detection.ts); the rest is matched by
 * prefregex, whose `<F-CONTENT>` (when not empty) is what the failregexes see;
 * the first failregex that matches is taken, and an ignoreregex that matches
 * the same text cancels the line (fail2ban stops there). The failure id is the
 * `fid`, else the address (`ip4`, `ip6`, else the host name in `dns`),
 * normalised as fail2ban prints it (ip-address.ts).
 *
 * Multi-line filters: `<F-MLFID>` (sendmail) is followed per id across lines
 * (mlfid.ts); `maxlines` > 1 buffers lines and matches the failregexes with
 * MULTILINE over the buffer, as fail2ban does.
 *
 * Bounds: a line longer than MAX_LINE_LENGTH UTF-16 units is not evaluated
 * (`stats.oversized`); rsyslog's default message limit (8 KiB) keeps real
 * syslog lines well below it. A line with more distinct non-ASCII characters
 * of one class than the encoding holds (alphabet.ts) is not evaluated either
 * (`stats.unencodable`). Neither ever happens silently: both are counted.
 *
 * Time: "now" for dates without a year comes from `options.now` (default the
 * clock). Unlike the fail2ban server following a live log, dates far from
 * "now" are kept as written (fail2ban-regex behaves the same way).
 */
import { Alphabet, type EncodedText } from './alphabet.js';
import type { CodeSet } from './charset.js';
import { AMBIGUOUS, CompiledRegex, type GroupValue } from './compiled-regex.js';
import { DateDetector, type DatedLine, type Fail2banVersion, LineDater } from './date-detection.js';
import { CIDR_UNSPEC, FAM_IPV4, FAM_IPV6, type FailAddress, failAddress, numericHost } from './ip-address.js';
import { type FailData, MlfidCache, mergeFailure } from './mlfid.js';
import { parsePythonRegex } from './python-regex.js';
import { collectSets, type ParsedRegex } from './regex-ast.js';
import { regExpEngineSupport } from './regex-engine.js';
import { riskyShapes } from './regex-risk.js';
import { DateFieldError } from './strptime.js';
import { ALT_NAME, FAILURE_ID_GROUPS, substituteTags, TUPLE_NAME, type UseDns } from './tags.js';
import { FilterTranslationError, RegexUnsupportedError } from './translation-error.js';

export { FilterTranslationError } from './translation-error.js';

/** Longest line evaluated (UTF-16 code units). */
export const MAX_LINE_LENGTH = 16_384;

/** A filter as fail2ban's configuration yields it. */
export interface Fail2banFilterDefinition {
  prefregex: string | null;
  failregex: string[];
  ignoreregex: string[];
  datepattern: string | null;
  maxlines: number;
}

export interface Fail2banMatch {
  /** Epoch ms of the line's date (null: no date found, or not a valid date). */
  timeMs: number | null;
  /** Index of the failregex that matched. */
  failregexIndex: number;
  /** The address fail2ban would ban, as fail2ban prints it; null when the failure is not an address. */
  address: string | null;
  user: string | null;
  /** The failure id fail2ban counts (the address, a `<F-ID>`, or a raw host); null while pending. */
  fid: string | null;
  /** `<F-NOFAIL>` matched: fail2ban-regex does not count the line; a 1.0 server without `<F-MLFID>` does. */
  nofail: boolean;
  /** A host name fail2ban would resolve with DNS (usedns yes/warn); mailwarden does not resolve. */
  dns: string | null;
}

export interface CompileFilterOptions {
  /** The jail's `usedns` (default warn, fail2ban's default). */
  useDns?: UseDns;
  now?: () => number;
  /** IANA zone of the log's local times (default: this process's zone). */
  timeZone?: string;
  /** The jail's `logtimezone`. */
  logTimeZone?: string;
  /** Engine semantics: 1.0 (default) or 1.1 (prefregex captures survive an unset failregex group). */
  version?: Fail2banVersion;
  /** Python 3.6-3.10: a global flag group anywhere applies to the whole regex (3.11+ rejects it). */
  globalFlagsAnywhere?: boolean;
  /**
   * 'linear' (default): regexes that allow it run with V8's `l` flag.
   * 'fallback': they run on V8's ordinary engine, which the process-wide
   * fallback flags switch to the linear engine after a bounded number of
   * backtracks; same decisions, about five times faster on ordinary lines.
   */
  regexEngine?: 'linear' | 'fallback';
}

export interface FilterStats {
  lines: number;
  matched: number;
  oversized: number;
  unencodable: number;
  /** Lines fail2ban fails on (a date with an unknown zone, an unparsable `/mask`). */
  errors: number;
  /** Matches where a group inside a long repeat could not be determined (its value is reported as null). */
  ambiguous: number;
}

export interface RegexReport {
  label: string;
  engine: CompiledRegex['engine'];
  reasons: string[];
}

export interface CompiledFail2banFilter {
  readonly name: string;
  /** The decision for the next line of the log (lines must come in log order). */
  match(line: string): Fail2banMatch | null;
  /**
   * The decision for a systemd journal entry: fail2ban's journal backend hands
   * the filter the message (`host ident[pid]: text`) with the entry's time and
   * detects no date in it.
   */
  matchJournal(message: string, timeMs: number | null): Fail2banMatch | null;
  /** What may make mailwarden's matching of this filter slow on crafted lines, naming the filter and the regex. */
  readonly warnings: string[];
  /**
   * Shapes in the filter's regexes that make fail2ban's own (backtracking)
   * Python engine slow on crafted lines: a jail an attacker can stall. Each
   * names the filter and the regex.
   */
  readonly fail2banRisks: string[];
  readonly regexes: RegexReport[];
  readonly stats: FilterStats;
  /** Forgets the state carried from line to line (date template memory, multi-line buffers). */
  reset(): void;
  /**
   * What fail2ban made of the last line: a failure (returned by `match`), a
   * failure still waiting for its address (`<F-MLFID>` without address yet),
   * a line an `<F-NOFAIL>` of a multi-line id cleared, a line an ignoreregex
   * cancelled, or nothing; 'skipped' when the line was not evaluated (see stats).
   */
  readonly lastOutcome: MatchOutcome;
}

export type MatchOutcome = 'failure' | 'pending' | 'nofail' | 'ignored' | 'none' | 'skipped';

const READ_GROUPS = new Set([
  'content',
  'user',
  'ip4',
  'ip6',
  'dns',
  'cidr',
  'fid',
  'mlfid',
  'nofail',
  'mlfforget',
  'mlfgained',
]);

interface PreparedRegex {
  label: string;
  pattern: string;
  parsed: ParsedRegex;
  compiled: CompiledRegex | null;
  multiline: boolean;
  altGroups: [string, string][];
}

/** A tuple line: text before the date, the date, text after it (original text). */
type TupleLine = [string, string, string];

class FilterMatcher implements CompiledFail2banFilter {
  readonly warnings: string[] = [];
  readonly fail2banRisks: string[] = [];
  readonly regexes: RegexReport[] = [];
  readonly stats: FilterStats = {
    lines: 0,
    matched: 0,
    oversized: 0,
    unencodable: 0,
    errors: 0,
    ambiguous: 0,
  };
  private readonly alphabet: Alphabet;
  private readonly pref: PreparedRegex | null;
  private readonly fails: PreparedRegex[];
  private readonly ignores: PreparedRegex[];
  private readonly detector: DateDetector | null;
  private dater: LineDater;
  private mlfids = new MlfidCache();
  private buffer: TupleLine[] = [];
  private readonly maxlines: number;
  private readonly useDns: UseDns;
  private readonly version: Fail2banVersion;
  private readonly now: () => number;
  private regexEngine: 'linear' | 'fallback' = 'linear';
  lastOutcome: MatchOutcome = 'none';

  constructor(
    readonly name: string,
    def: Fail2banFilterDefinition,
    options: CompileFilterOptions,
  ) {
    regExpEngineSupport();
    this.maxlines = Math.max(1, Math.trunc(def.maxlines || 1));
    this.useDns = options.useDns ?? 'warn';
    this.version = options.version ?? '1.0';
    this.now = options.now ?? Date.now;
    const multiline = this.maxlines > 1;
    this.pref = def.prefregex ? this.prepare('prefregex', def.prefregex, false, options) : null;
    this.fails = def.failregex.map((r, i) => this.prepare(`failregex[${i}]`, r, multiline, options));
    this.ignores = def.ignoreregex.map((r, i) => this.prepare(`ignoreregex[${i}]`, r, false, options));
    const prefNames = new Set(this.pref?.parsed.names.keys() ?? []);
    for (const f of this.fails) {
      const has = (names: Iterable<string>) =>
        [...names].some((n) => (FAILURE_ID_GROUPS as readonly string[]).includes(n));
      if (!has(f.parsed.names.keys()) && !has(prefNames))
        throw new FilterTranslationError(
          name,
          f.label,
          f.pattern,
          'fail2ban rejects it: no failure-id group',
        );
    }
    this.detector = new DateDetector(def.datepattern, {
      filter: name,
      now: this.now,
      ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
      ...(options.logTimeZone !== undefined ? { logTimeZone: options.logTimeZone } : {}),
      version: this.version,
      regexEngine: options.regexEngine ?? 'linear',
    });
    const sets: CodeSet[] = [...this.detector.regexSets()];
    for (const r of this.all()) collectSets(r.parsed.root, sets);
    this.alphabet = Alphabet.of(sets);
    this.detector.bind(this.alphabet);
    this.dater = new LineDater(this.detector, this.now);
    this.regexEngine = options.regexEngine ?? 'linear';
    for (const r of this.all()) this.compile(r, multiline);
    for (const t of this.detector.engines()) {
      this.regexes.push({ label: `date template ${t.template}`, engine: t.engine, reasons: t.reasons });
      if (t.engine.startsWith('backtracking'))
        this.warnings.push(warning(name, `date template ${t.template}`, t.engine, t.reasons, t.risks));
    }
  }

  private *all(): Generator<PreparedRegex> {
    if (this.pref) yield this.pref;
    yield* this.fails;
    yield* this.ignores;
  }

  private prepare(
    label: string,
    raw: string,
    multiline: boolean,
    options: CompileFilterOptions,
  ): PreparedRegex {
    const pattern = substituteTags(raw, this.useDns);
    if (pattern.trim() === '')
      throw new FilterTranslationError(this.name, label, raw, 'fail2ban rejects it: empty regex');
    let parsed: ParsedRegex;
    try {
      parsed = parsePythonRegex(pattern, {
        multiline,
        ...(options.globalFlagsAnywhere ? { globalFlagsAnywhere: true } : {}),
      });
    } catch (e) {
      if (e instanceof RegexUnsupportedError)
        throw new FilterTranslationError(
          this.name,
          label,
          pattern,
          e.pythonRejects ? `Python rejects it: ${e.message}` : `not translatable: ${e.message}`,
        );
      throw e;
    }
    const altGroups: [string, string][] = [];
    for (const groupName of parsed.names.keys()) {
      if (groupName.length <= 4) continue;
      if (TUPLE_NAME.test(groupName))
        throw new FilterTranslationError(
          this.name,
          label,
          pattern,
          `tuple group ${groupName} is not supported`,
        );
      const alt = ALT_NAME.exec(groupName);
      if (alt) {
        const target = alt[1]!.toLowerCase();
        altGroups.push([groupName, target === 'id' ? 'fid' : target === 'port' ? 'fport' : target]);
      }
    }
    altGroups.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
    return { label, pattern, parsed, compiled: null, multiline, altGroups };
  }

  private compile(r: PreparedRegex, multiline: boolean): void {
    const needed = new Set<number>();
    for (const [n, index] of r.parsed.names)
      if (
        READ_GROUPS.has(n) ||
        n.startsWith('alt_') ||
        n.startsWith('skiplines') ||
        r.altGroups.some(([, t]) => t === n)
      )
        needed.add(index);
    try {
      r.compiled = new CompiledRegex(
        {
          parsed: r.parsed,
          needed,
          edges: r.multiline && multiline ? 'multiline' : 'consume',
          engine: this.regexEngine,
        },
        this.alphabet,
      );
    } catch (e) {
      if (e instanceof RegexUnsupportedError)
        throw new FilterTranslationError(this.name, r.label, r.pattern, `not translatable: ${e.message}`);
      throw e;
    }
    this.regexes.push({ label: r.label, engine: r.compiled.engine, reasons: r.compiled.nonLinearReasons });
    for (const risk of riskyShapes(r.parsed.root))
      this.fail2banRisks.push(`filter ${this.name}, ${r.label}: ${risk}`);
    if (r.compiled.engine.startsWith('backtracking'))
      this.warnings.push(
        warning(this.name, r.label, r.compiled.engine, r.compiled.nonLinearReasons, r.compiled.risks),
      );
  }

  reset(): void {
    this.dater = new LineDater(this.detector, this.now);
    this.mlfids = new MlfidCache();
    this.buffer = [];
  }

  match(input: string): Fail2banMatch | null {
    return this.evaluate(input, null, false);
  }

  matchJournal(message: string, timeMs: number | null): Fail2banMatch | null {
    return this.evaluate(message, timeMs, true);
  }

  private evaluate(input: string, journalTime: number | null, journal: boolean): Fail2banMatch | null {
    this.stats.lines++;
    this.lastOutcome = 'skipped';
    const line = input.replace(/[\r\n]+$/, '');
    if (line.length > MAX_LINE_LENGTH) {
      this.stats.oversized++;
      return null;
    }
    const encoded = this.alphabet.encode(line);
    if (!encoded) {
      this.stats.unencodable++;
      return null;
    }
    try {
      const dated: DatedLine = journal
        ? { before: '', date: '', after: encoded.text, timeMs: journalTime, noDate: false }
        : this.dater.date(encoded);
      if (journal) this.dater.remember(journalTime);
      this.lastOutcome = 'none';
      const result = this.findFailure(dated, encoded);
      if (result) {
        this.stats.matched++;
        this.lastOutcome = 'failure';
      }
      return result;
    } catch (e) {
      if (e instanceof DateFieldError || e instanceof MatchError) {
        this.stats.errors++;
        this.lastOutcome = 'skipped';
        return null;
      }
      throw e;
    }
  }

  /** Runs a prepared regex on an encoded buffer; the groupdict with fail2ban's alt merging. */
  private search(r: PreparedRegex, buf: EncodedText): { fail: FailData; index: number; end: number } | null {
    const m = r.compiled!.exec(buf.text);
    if (!m) return null;
    const fail: FailData = new Map();
    for (const [n, index] of r.parsed.names) {
      const v: GroupValue = m.group(index);
      if (v === AMBIGUOUS) {
        this.stats.ambiguous++;
        fail.set(n, null);
      } else fail.set(n, v === undefined ? null : buf.decode(v));
    }
    for (const [k, n] of r.altGroups) {
      const v = fail.get(k);
      if (v && !fail.get(n)) fail.set(n, v);
    }
    return { fail, index: m.index, end: m.end };
  }

  private findFailure(dated: DatedLine, encoded: EncodedText): Fail2banMatch | null {
    const tuple: TupleLine = [
      encoded.decode(dated.before),
      encoded.decode(dated.date),
      encoded.decode(dated.after),
    ];
    let orgBuffer: TupleLine[];
    if (this.maxlines > 1) {
      this.buffer.push(tuple);
      this.buffer = this.buffer.slice(-this.maxlines);
      orgBuffer = this.buffer;
    } else {
      this.buffer = [tuple];
      orgBuffer = this.buffer;
    }
    // Single line: the line's own encoding serves; several lines are encoded together.
    let buf: EncodedText | null =
      this.maxlines > 1
        ? this.encodeBuffer(orgBuffer)
        : { text: `${dated.before}${dated.after}\n`, decode: encoded.decode };
    if (!buf) {
      this.stats.unencodable++;
      return null;
    }
    if (this.ignores.length > 0 && this.ignores.length < this.fails.length - 2) {
      if (this.ignored(buf, orgBuffer, null)) {
        this.lastOutcome = 'ignored';
        return null;
      }
    }
    let preGroups: FailData | null = null;
    if (this.pref) {
      const p = this.search(this.pref, buf);
      if (!p) return null;
      preGroups = p.fail;
      const content = preGroups.get('content');
      preGroups.delete('content');
      if (typeof content === 'string' && content !== '') {
        this.buffer = [['', '', content]];
        buf = null;
      }
    }
    for (let index = 0; index < this.fails.length; index++) {
      const failRegex = this.fails[index]!;
      if (buf === null) {
        buf = this.encodeBuffer(this.buffer);
        if (!buf) {
          this.stats.unencodable++;
          return null;
        }
      }
      const found = this.search(failRegex, buf);
      if (!found) continue;
      let fail = found.fail;
      const lines = this.maxlines > 1 ? this.matchedLines(buf.text, found, orgBuffer) : null;
      if (this.ignores.length > 0 && this.ignored(buf, orgBuffer, lines)) {
        if (lines) this.buffer = lines.unmatched;
        this.lastOutcome = 'ignored';
        return null;
      }
      if (lines) this.buffer = lines.unmatched;
      buf = null;
      if (preGroups) {
        const merged: FailData = new Map(preGroups);
        for (const [k, v] of fail)
          if (this.version === '1.0' || (v !== null && v !== undefined)) merged.set(k, v);
        fail = merged;
      }
      const mlfid = fail.get('mlfid');
      if (mlfid !== null && mlfid !== undefined) {
        fail = mergeFailure(this.mlfids, String(mlfid), fail, dated.timeMs ?? this.now());
        if (fail.get('nofail')) {
          this.lastOutcome = 'nofail';
          return null;
        }
      }
      const result = this.failure(index, fail, dated.timeMs, mlfid);
      // fail2ban logs "No group found" for a match without any id and tries the next failregex.
      if (result === NO_ID) continue;
      return result;
    }
    return null;
  }

  private failure(
    index: number,
    fail: FailData,
    timeMs: number | null,
    mlfid: unknown,
  ): Fail2banMatch | null | typeof NO_ID {
    const str = (k: string): string | null => {
      const v = fail.get(k);
      return v === null || v === undefined ? null : String(v);
    };
    let fid = str('fid');
    let ip = str('ip4');
    let family = FAM_IPV4;
    let raw = this.useDns === 'raw';
    let dns: string | null = null;
    if (ip !== null) raw = true;
    else {
      ip = str('ip6');
      family = FAM_IPV6;
      if (ip !== null) raw = true;
      else {
        ip = str('dns');
        family = CIDR_UNSPEC;
        if (ip === null) {
          if (fid === null && (mlfid === null || mlfid === undefined)) return NO_ID;
          ip = fid;
          raw = true;
        }
      }
    }
    const cidrText = str('cidr');
    const pending = this.version === '1.0' ? ip === null : fid === null && ip === null;
    if (pending) {
      fail.set('mlfpending', 1);
      this.lastOutcome = 'pending';
      return null;
    }
    const nofail = Boolean(fail.get('nofail'));
    const user = str('user');
    let address: FailAddress;
    if (raw) {
      const cidr = cidrText ? pythonInt(cidrText) : family;
      address = failAddress(ip!, family === CIDR_UNSPEC && !cidrText ? CIDR_UNSPEC : cidr);
      if (fid === null || fid === ip) fid = address.text;
      else fid = failAddress(fid, CIDR_UNSPEC).text;
    } else {
      // fail2ban resolves the name (DNSUtils.textToIp); numeric forms resolve without the network.
      const plain = /^(?:\d{1,3}\.){3}\d{1,3}$/.test(ip!) ? failAddress(ip!, CIDR_UNSPEC) : null;
      if (plain?.valid) address = plain;
      else if (this.useDns === 'no') return null;
      else {
        const numeric = numericHost(ip!);
        if (numeric) address = failAddress(numeric, CIDR_UNSPEC);
        else {
          dns = ip;
          address = { text: ip!, valid: false, family: null };
        }
      }
      fid = dns === null ? address.text : null;
    }
    return {
      timeMs,
      failregexIndex: index,
      address: address.valid ? address.text : null,
      user,
      fid,
      nofail,
      dns,
    };
  }

  private encodeBuffer(lines: readonly TupleLine[]): EncodedText | null {
    return this.alphabet.encode(`${lines.map((t) => t[0] + t[2]).join('\n')}\n`);
  }

  /** fail2ban's `_ignoreLine`: whether an ignoreregex matches (the matched lines only, for multi-line filters). */
  private ignored(buf: EncodedText, orgBuffer: TupleLine[], lines: MatchedLines | null): boolean {
    let target = buf;
    if (lines) {
      const b = this.encodeBuffer(lines.matched);
      if (!b) return false;
      target = b;
    }
    for (const r of this.ignores) if (r.compiled!.exec(target.text)) return true;
    void orgBuffer;
    return false;
  }

  /** fail2ban's Regex.search bookkeeping for multi-line buffers: which buffered lines the match used. */
  private matchedLines(
    text: string,
    found: { fail: FailData; index: number; end: number },
    org: TupleLine[],
  ): MatchedLines {
    if (org.length <= 1) return { matched: org, unmatched: [] };
    const start = text.lastIndexOf('\n', found.index) + 1;
    const endNl = text.indexOf('\n', Math.max(found.end - 1, 0));
    const end = endNl < 0 ? text.length : endNl + 1;
    const count = (to: number) => {
      let n = 0;
      for (let i = 0; i < to; i++) if (text.charCodeAt(i) === 10) n++;
      return n;
    };
    const c1 = count(start);
    const c2 = count(end);
    const matched = org.slice(c1, c2);
    const unmatched = org.slice(0, c1);
    const skipped: string[] = [];
    for (const [k, v] of found.fail) if (k.startsWith('skiplines') && typeof v === 'string') skipped.push(v);
    const skippedLines = skipped.join('').split(/\r\n|\r|\n/);
    if (skipped.join('').endsWith('\n')) skippedLines.pop();
    let n = 0;
    for (const s of skipped.length ? skippedLines : []) {
      for (let m = 0; m < matched.length - n; m++) {
        const t = matched[n + m]!;
        if (t[0] + t[2] === s) {
          unmatched.push(...matched.splice(n + m, 1));
          n += m;
          break;
        }
      }
    }
    unmatched.push(...org.slice(c2));
    return { matched, unmatched };
  }
}

interface MatchedLines {
  matched: TupleLine[];
  unmatched: TupleLine[];
}

const NO_ID = Symbol('no failure id');

function warning(filter: string, label: string, engine: string, reasons: string[], risks: string[]): string {
  const how =
    engine === 'backtracking+linear-precheck'
      ? 'runs on the backtracking engine behind a linear pre-check'
      : 'runs on the backtracking engine';
  const shapes = risks.length > 0 ? risks.join('; ') : 'no risky shape found';
  return `filter ${filter}, ${label}: ${how} (${reasons.join(', ')}); ${shapes}`;
}

class MatchError extends Error {
  override name = 'MatchError';
}

function pythonInt(s: string): number {
  const n = Number(s.trim());
  if (!Number.isInteger(n)) throw new MatchError(`invalid cidr ${s}`);
  return n;
}

/**
 * Compiles a filter; throws FilterTranslationError (naming the filter and the
 * regex) when fail2ban itself rejects a regex or it cannot be evaluated exactly.
 */
export function compileFail2banFilter(
  def: Fail2banFilterDefinition,
  name: string,
  options: CompileFilterOptions = {},
): CompiledFail2banFilter {
  return new FilterMatcher(name, def, options);
}
