import { isUtf8 } from 'node:buffer';
import { classifyParsed } from '../classify/classifier.js';
import type { SecurityEvent } from '../classify/event.js';
import { type ClassifyState, type Match, newClassifyState } from '../classify/match.js';
import { EVENT_CLASSES, type EventClass, type Tier } from '../classify/taxonomy.js';
import { normalizeIp } from '../parse/address.js';
import { type HeaderContext, type ParsedLine, parseHeader } from '../parse/header.js';
import { ByteClock, NameCache, newByteHeader, splitHeaderAt } from '../parse/header-bytes.js';
import { isoTime } from '../parse/iso-time.js';
import type { FileAccount } from './accounting.js';
import { Interner } from './interner.js';
import { benignClassOf } from './quick-benign.js';

export type LineOutcome =
  | { kind: 'counted'; cls: EventClass; tier: Tier }
  | { kind: 'event'; event: SecurityEvent; raw: string; tsMs: number }
  | { kind: 'benign'; event: SecurityEvent; raw: string; tsMs: number }
  | { kind: 'unrecognised'; program: string; message: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'blank' };

const BLANK: LineOutcome = { kind: 'blank' };
const COUNTED_BENIGN = new Map<EventClass, LineOutcome>();

/** The outcome of a benign line only counted: one object per class, not one per line. */
function countedBenign(cls: EventClass): LineOutcome {
  let outcome = COUNTED_BENIGN.get(cls);
  if (!outcome) {
    outcome = Object.freeze({ kind: 'counted', cls, tier: 'benign' }) as LineOutcome;
    COUNTED_BENIGN.set(cls, outcome);
  }
  return outcome;
}

/**
 * Binary data, not a log line: a NUL byte, or (in text that is not even valid
 * UTF-8) mostly control characters. The cheap test runs first: this is per line.
 */
function looksBinary(bytes: Buffer, utf8: boolean): boolean {
  if (bytes.indexOf(0) >= 0) return true;
  if (utf8) return false;
  let control = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 32 && b !== 9) control++;
  }
  return control > 4 && control * 8 > bytes.length;
}

/**
 * An event made for the analysis, which reads `ts` and `source` only for the few
 * events that end up as evidence: both are built on demand, and every event has
 * the same fields, so the detectors see one object shape.
 */
class AnalysisEvent implements SecurityEvent {
  readonly class: EventClass;
  ip?: string = undefined;
  port?: number = undefined;
  user?: string = undefined;
  detail?: string = undefined;

  constructor(
    readonly tsMs: number,
    readonly host: string | null,
    readonly service: string,
    readonly pid: number | null,
    cls: EventClass,
    readonly tier: Tier,
    readonly sourceFile: string,
    readonly sourceLine: number,
  ) {
    this.class = cls;
  }

  get ts(): string {
    return isoTime(this.tsMs);
  }

  get source(): string {
    return `${this.sourceFile}:${this.sourceLine}`;
  }
}

/** The optional fields an event takes from what its class's rule matched; `keep` gives the strings the analysis may hold. */
function fillFromMatch(event: SecurityEvent, match: Match, keep?: Interner): void {
  if (match.ip !== undefined) {
    const ip = normalizeIp(match.ip);
    if (ip !== null) event.ip = keep ? keep.get(ip) : ip;
  }
  if (match.port !== undefined) event.port = match.port;
  if (match.user !== undefined && match.user !== '') event.user = keep ? keep.get(match.user) : match.user;
  if (match.detail !== undefined && match.detail !== '') event.detail = match.detail;
}

/**
 * Classifies one line: header, program, message. Keeps only the small per-stream
 * state that Postfix's multi-line TLS reports need, so that chunks of a file can be
 * classified independently.
 */
export class LineClassifier {
  readonly state: ClassifyState = newClassifyState();
  private readonly header = newByteHeader();
  private readonly clock: ByteClock;
  private readonly hosts = new NameCache();
  private readonly programs = new NameCache();
  private readonly kept = new Interner();

  constructor(
    private readonly ctx: HeaderContext,
    private readonly file: string,
    /** When set, lines of other classes are counted but build no event (the audit needs only some). */
    private readonly wanted?: ReadonlySet<EventClass>,
    /** Events for the analysis (lazy time and source, never serialised), not for output. */
    private readonly forAnalysis = false,
  ) {
    this.clock = new ByteClock(ctx);
  }

  classifyText(text: string, lineNo: number): LineOutcome {
    const parsed = parseHeader(text, this.ctx);
    if ('error' in parsed) return { kind: 'malformed', reason: parsed.error };
    return this.classifyParsedLine(parsed, text, lineNo);
  }

  private classifyParsedLine(parsed: ParsedLine, text: string, lineNo: number): LineOutcome {
    const { service, match } = classifyParsed(parsed, this.state);
    if (!match) return { kind: 'unrecognised', program: parsed.program, message: parsed.message };
    const spec = EVENT_CLASSES[match.cls];
    if (this.wanted && !this.wanted.has(match.cls))
      return { kind: 'counted', cls: match.cls, tier: spec.tier };
    if (this.forAnalysis) {
      const event = new AnalysisEvent(
        parsed.ts,
        parsed.host,
        service,
        parsed.pid,
        match.cls,
        spec.tier,
        this.file,
        lineNo,
      );
      fillFromMatch(event, match, this.kept);
      return { kind: spec.tier === 'benign' ? 'benign' : 'event', event, raw: text, tsMs: parsed.ts };
    }
    const event: SecurityEvent = {
      ts: isoTime(parsed.ts),
      host: parsed.host,
      service,
      pid: parsed.pid,
      class: match.cls,
      tier: spec.tier,
    } as SecurityEvent;
    fillFromMatch(event, match);
    event.source = `${this.file}:${lineNo}`;
    return { kind: spec.tier === 'benign' ? 'benign' : 'event', event, raw: text, tsMs: parsed.ts };
  }

  /**
   * Classifies the line `data[start..end)`, counting the outcome. `clean`: the
   * caller knows the bytes are valid UTF-8 without NUL (else they are checked here).
   * `onInvalidUtf8` is told of lines that needed replacement characters.
   */
  classifyBytes(
    data: Buffer,
    start: number,
    end: number,
    lineNo: number,
    account: FileAccount,
    clean: boolean,
    onInvalidUtf8: (lineNo: number) => void,
  ): LineOutcome {
    account.lines++;
    if (end === start) {
      account.benign++;
      return BLANK;
    }
    const h = this.header;
    const split = splitHeaderAt(data, start, end, h);
    if (split && this.wanted) {
      const quick = benignClassOf(data, end, h);
      if (quick !== null && !this.wanted.has(quick)) {
        account.benign++;
        account.countClass(quick);
        return countedBenign(quick);
      }
    }
    if (!clean) {
      const bytes = data.subarray(start, end);
      const utf8 = isUtf8(bytes);
      if (looksBinary(bytes, utf8)) {
        account.malformed++;
        return { kind: 'malformed', reason: 'binary data' };
      }
      if (!utf8) onInvalidUtf8(lineNo);
    }
    const text = data.toString('utf8', start, end);
    const outcome = split
      ? this.classifyParsedLine(
          {
            ts: this.clock.time(data, start, h),
            host: this.hosts.text(data, h.hostStart, h.hostEnd),
            program: this.programs.text(data, h.nameStart, h.nameEnd),
            pid: h.pid < 0 ? null : h.pid,
            tagArgs: null,
            message: text.slice(h.messageStart - start),
          },
          text,
          lineNo,
        )
      : this.classifyText(text, lineNo);
    switch (outcome.kind) {
      case 'event':
        account.classified++;
        account.countClass(outcome.event.class);
        break;
      case 'benign':
        account.benign++;
        account.countClass(outcome.event.class);
        break;
      case 'counted':
        if (outcome.tier === 'benign') account.benign++;
        else account.classified++;
        account.countClass(outcome.cls);
        break;
      case 'unrecognised':
        account.countUnrecognised(outcome.program, outcome.message, `${this.file}:${lineNo}`);
        break;
      case 'malformed':
        account.malformed++;
        break;
    }
    return outcome;
  }
}
