import type { Readable } from 'node:stream';
import type { SecurityEvent } from '../classify/event.js';
import { openChunks } from '../ingest/chunks.js';
import { LineSplitter, MAX_LINE_BYTES } from '../ingest/line-splitter.js';
import { describeFsError, expandInputs } from '../ingest/paths.js';
import { assertValidZone, YearResolver } from '../parse/time.js';
import { FileAccount, type RunStats, summarise } from './accounting.js';
import { LineClassifier } from './line-classifier.js';

export interface ReadOptions {
  /** Also yield benign events (logins, deliveries, connects). */
  all?: boolean;
  /** Only events at or after / before this instant. */
  since?: Date;
  until?: Date;
  /** Year for lines whose timestamp has none (default: inferred from the file's modification time or `now`). */
  year?: number;
  /** IANA zone for timestamps without an offset (default: the machine's zone). */
  tz?: string;
  /** The reference "now" for year inference, instead of each file's modification time. */
  now?: Date;
  /** Told about every problem (with file and line where known); reading goes on. */
  onWarning?: (warning: ReadWarning) => void;
  /** Standard input, for the `-` path (default: process.stdin). */
  stdin?: Readable;
  /** At most this many invalid-UTF-8 warnings per file; the rest are counted in one closing warning. */
  maxWarningsPerFile?: number;
}

export interface ReadWarning {
  file: string;
  line?: number;
  message: string;
  /** True when the input could not be read at all. */
  fatal?: boolean;
}

export interface EventStream extends AsyncIterable<SecurityEvent> {
  /** Line accounting; complete once iteration has finished. */
  readonly stats: RunStats;
}

function displayName(path: string): string {
  return path === '-' ? '(stdin)' : path;
}

/**
 * Reads every input (files, directories of rotated logs, gzip, `-` for stdin) and
 * yields one typed event per security-relevant line, oldest file first.
 */
export function readEvents(inputs: string[], options: ReadOptions = {}): EventStream {
  if (options.tz !== undefined) assertValidZone(options.tz);
  const accounts: FileAccount[] = [];
  const warn = options.onWarning ?? (() => {});
  const maxWarnings = options.maxWarningsPerFile ?? 10;
  const sinceMs = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const untilMs = options.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const filterTime = options.since !== undefined || options.until !== undefined;

  async function* generate(): AsyncGenerator<SecurityEvent> {
    const { files, problems } = await expandInputs(inputs);
    for (const p of problems) {
      const account = new FileAccount(p.path);
      account.error = p.message;
      accounts.push(account);
      warn({ file: p.path, message: p.message, fatal: true });
    }
    for (const input of files) {
      const name = displayName(input.path);
      const account = new FileAccount(name);
      accounts.push(account);
      const reference = options.now?.getTime() ?? input.mtimeMs ?? Date.now();
      const classifier = new LineClassifier(
        { years: new YearResolver(reference, options.tz, options.year), zone: options.tz },
        name,
      );
      let pending: SecurityEvent[] = [];
      let invalidUtf8 = 0;
      const splitter = new LineSplitter({
        line: (bytes, lineNo) => {
          const outcome = classifier.classifyBytes(bytes, lineNo, account, (n) => {
            invalidUtf8++;
            if (invalidUtf8 <= maxWarnings)
              warn({ file: name, line: n, message: 'invalid UTF-8 (decoded with replacement characters)' });
          });
          if (outcome.kind === 'malformed') {
            if (account.malformed <= maxWarnings)
              warn({ file: name, line: lineNo, message: `malformed line: ${outcome.reason}` });
            return;
          }
          if (outcome.kind === 'event' || (outcome.kind === 'benign' && options.all)) {
            const event = outcome.event;
            if (filterTime) {
              const t = Date.parse(event.ts);
              if (t < sinceMs || t >= untilMs) return;
            }
            pending.push(event);
          }
        },
        oversized: (lineNo, bytes) => {
          account.lines++;
          account.malformed++;
          warn({
            file: name,
            line: lineNo,
            message: `line of ${bytes} bytes exceeds the ${MAX_LINE_BYTES}-byte limit; skipped`,
          });
        },
      });
      try {
        const chunks = await openChunks(input.path, options.stdin);
        for await (const chunk of chunks) {
          splitter.push(chunk);
          if (pending.length > 0) {
            const batch = pending;
            pending = [];
            yield* batch;
          }
        }
        splitter.end();
      } catch (err) {
        const readAnything = splitter.linesSeen > 0;
        const message = isTruncatedGzip(err)
          ? `compressed data ends early (truncated gzip) after line ${splitter.linesSeen}; lines before it were read`
          : `read error after line ${splitter.linesSeen}: ${describeFsError(err)}`;
        if (!readAnything && !isTruncatedGzip(err)) account.error = describeFsError(err);
        warn({
          file: name,
          line: splitter.linesSeen,
          message,
          fatal: !readAnything && !isTruncatedGzip(err),
        });
        splitter.end();
      }
      if (invalidUtf8 > maxWarnings)
        warn({ file: name, message: `${invalidUtf8 - maxWarnings} more lines with invalid UTF-8` });
      if (account.malformed > maxWarnings)
        warn({ file: name, message: `${account.malformed - maxWarnings} more malformed lines` });
      if (pending.length > 0) yield* pending;
    }
  }

  return {
    [Symbol.asyncIterator]: () => generate(),
    get stats() {
      return summarise(accounts.map((a) => a.snapshot()));
    },
  };
}

function isTruncatedGzip(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e?.message ?? '');
}
