import type { Readable } from 'node:stream';
import type { SecurityEvent } from '../classify/event.js';
import type { EventClass } from '../classify/taxonomy.js';
import { isTruncatedGzip, openChunks } from '../ingest/chunks.js';
import { LineSplitter } from '../ingest/line-splitter.js';
import { describeFsError, expandInputs, type InputFile } from '../ingest/paths.js';
import { assertValidZone, YearResolver } from '../parse/time.js';
import { FileAccount, type RunStats, summarise } from './accounting.js';
import { LineClassifier } from './line-classifier.js';
import { lineHandler } from './line-handler.js';

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

/** Called once per event, synchronously, with the line it came from and its time in epoch ms. */
export type EventSink = (event: SecurityEvent, raw: string, tsMs: number) => void;

export interface ScanOptions extends ReadOptions {
  /** Told how many input bytes (compressed size for gzip) have been read so far, and the total. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Only these classes become events; lines of the others are still counted (the audit passes what it reads). */
  wanted?: ReadonlySet<EventClass>;
  /** The events go to an analysis, not to output: their time text and source are built only when read. */
  forAnalysis?: boolean;
  /** Awaited after each chunk of input, so that a slow consumer can hold the reader back. */
  betweenChunks?: () => Promise<void> | undefined;
}

export interface EventStream extends AsyncIterable<SecurityEvent> {
  /** Line accounting; complete once iteration has finished. */
  readonly stats: RunStats;
}

function displayName(path: string): string {
  return path === '-' ? '(stdin)' : path;
}

/**
 * Expands the inputs into files; an input that cannot be read gets its account
 * (marked unreadable) and a fatal warning, and the others are still read.
 */
export async function expandAccounted(
  inputs: string[],
  accounts: FileAccount[],
  warn: (w: ReadWarning) => void,
): Promise<{ files: InputFile[]; totalBytes: number }> {
  const { files, problems } = await expandInputs(inputs);
  for (const p of problems) {
    const account = new FileAccount(p.path);
    account.error = p.message;
    accounts.push(account);
    warn({ file: p.path, message: p.message, fatal: true });
  }
  return { files, totalBytes: files.reduce((sum, f) => sum + (f.size ?? 0), 0) };
}

/**
 * Reads every input (files, directories of rotated logs, gzip, `-` for stdin) and
 * hands each event to `sink` as soon as its line is classified, oldest file first.
 * Returns the line accounting. This is the engine under `readEvents` and the audit.
 */
export async function scanInputs(inputs: string[], options: ScanOptions, sink: EventSink): Promise<RunStats> {
  if (options.tz !== undefined) assertValidZone(options.tz);
  const accounts: FileAccount[] = [];
  const warn = options.onWarning ?? (() => {});
  const maxWarnings = options.maxWarningsPerFile ?? 10;
  const sinceMs = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const untilMs = options.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const { files, totalBytes } = await expandAccounted(inputs, accounts, warn);
  let bytesBefore = 0;
  for (const input of files) {
    const name = displayName(input.path);
    const account = new FileAccount(name);
    accounts.push(account);
    const reference = options.now?.getTime() ?? input.mtimeMs ?? Date.now();
    const classifier = new LineClassifier(
      { years: new YearResolver(reference, options.tz, options.year), zone: options.tz },
      name,
      options.wanted,
      options.forAnalysis === true,
    );
    const counters = { invalidUtf8: 0 };
    const handling = { all: options.all === true, sinceMs, untilMs, maxWarnings };
    const splitter = new LineSplitter(lineHandler(name, classifier, account, handling, sink, warn, counters));
    try {
      const chunks = await openChunks(input.path, options.stdin, (read) =>
        options.onProgress?.(bytesBefore + read, totalBytes),
      );
      for await (const chunk of chunks) {
        splitter.push(chunk);
        const wait = options.betweenChunks?.();
        if (wait) await wait;
      }
      splitter.end();
    } catch (err) {
      const truncated = isTruncatedGzip(err);
      const readAnything = splitter.linesSeen > 0;
      const message = truncated
        ? `compressed data ends early (truncated gzip) after line ${splitter.linesSeen}; lines before it were read`
        : `read error after line ${splitter.linesSeen}: ${describeFsError(err)}`;
      if (!readAnything && !truncated) account.error = describeFsError(err);
      warn({ file: name, line: splitter.linesSeen, message, fatal: !readAnything && !truncated });
      splitter.end();
    }
    bytesBefore += input.size ?? 0;
    if (counters.invalidUtf8 > maxWarnings)
      warn({ file: name, message: `${counters.invalidUtf8 - maxWarnings} more lines with invalid UTF-8` });
    if (account.malformed > maxWarnings)
      warn({ file: name, message: `${account.malformed - maxWarnings} more malformed lines` });
  }
  return summarise(accounts.map((a) => a.snapshot()));
}

/**
 * Reads every input and yields one typed event per security-relevant line,
 * oldest file first. `stats` holds the line accounting once iteration ends.
 */
export function readEvents(inputs: string[], options: ReadOptions = {}): EventStream {
  if (options.tz !== undefined) assertValidZone(options.tz);
  let stats: RunStats = summarise([]);
  const HIGH_WATER = 8192;
  async function* generate(): AsyncGenerator<SecurityEvent> {
    let pending: SecurityEvent[] = [];
    let wakeConsumer: (() => void) | null = null;
    let wakeProducer: (() => void) | null = null;
    let done = false;
    let failure: unknown = null;
    const notify = () => {
      const w = wakeConsumer;
      wakeConsumer = null;
      w?.();
    };
    const scan = scanInputs(
      inputs,
      {
        ...options,
        // Back-pressure: the reader waits between chunks while the consumer is behind.
        betweenChunks: () =>
          pending.length < HIGH_WATER
            ? undefined
            : new Promise<void>((resolve) => {
                wakeProducer = resolve;
                notify();
              }),
      },
      (event) => {
        pending.push(event);
      },
    )
      .then((s) => {
        stats = s;
      })
      .catch((err: unknown) => {
        failure = err;
      })
      .finally(() => {
        done = true;
        notify();
      });
    for (;;) {
      if (pending.length > 0) {
        const batch = pending;
        pending = [];
        const p = wakeProducer as (() => void) | null;
        wakeProducer = null;
        p?.();
        yield* batch;
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
        // The producer may have queued events in the meantime without anyone to wake.
        if (pending.length > 0 || done) notify();
        else setImmediate(notify);
      });
    }
    await scan;
    if (failure) throw failure;
  }
  return {
    [Symbol.asyncIterator]: () => generate(),
    get stats() {
      return stats;
    },
  };
}
