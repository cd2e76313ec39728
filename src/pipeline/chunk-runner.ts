import { Analysis } from '../audit/analysis.js';
import type { SecurityEvent } from '../classify/event.js';
import type { EventClass } from '../classify/taxonomy.js';
import { isTruncatedGzip } from '../ingest/chunks.js';
import { readFileRegion } from '../ingest/file-regions.js';
import { readGzipPart } from '../ingest/gzip-parts.js';
import { LineSplitter } from '../ingest/line-splitter.js';
import { describeFsError } from '../ingest/paths.js';
import { YearResolver } from '../parse/time.js';
import { FileAccount } from './accounting.js';
import type { ChunkJob, ChunkResult, PendingTls } from './chunk-job.js';
import { LineClassifier } from './line-classifier.js';
import { lineHandler } from './line-handler.js';
import type { ReadWarning } from './read-events.js';

const PROGRESS_BYTES = 16 << 20;

/** A job's classifier, counters and sink: what reading any kind of piece feeds, and the result it gives. */
class JobRun {
  readonly account: FileAccount;
  private readonly classifier: LineClassifier;
  private readonly warnings: ReadWarning[] = [];
  private readonly counters = { invalidUtf8: 0 };
  private readonly pendingTls: PendingTls[] = [];
  private readonly analysis: Analysis | null;
  private readonly lines: string[] = [];

  constructor(private readonly job: ChunkJob) {
    const wanted = job.wanted ? new Set(job.wanted as EventClass[]) : undefined;
    this.classifier = new LineClassifier(
      { years: new YearResolver(job.reference, job.tz, job.year), zone: job.tz },
      job.file,
      wanted,
      job.mode === 'audit',
    );
    this.account = new FileAccount(job.file);
    this.analysis = job.mode === 'audit' ? new Analysis() : null;
  }

  /** The splitter for lines numbered after `firstLine`. */
  splitter(firstLine: number): LineSplitter {
    const { job, analysis, pendingTls, lines } = this;
    const sink = (event: SecurityEvent, raw: string, tsMs: number) => {
      const unresolved =
        event.class === 'tls-library-problem' && event.ip === undefined && event.pid !== null;
      if (analysis) {
        // An unresolved event counts in the statistics by class now; its address is attributed in order later.
        analysis.add(event, raw, tsMs);
        if (unresolved)
          pendingTls.push({ key: `${event.service}[${event.pid}]`, index: -1, class: event.class });
        return;
      }
      if (unresolved) {
        pendingTls.push({
          key: `${event.service}[${event.pid}]`,
          index: lines.length,
          event: { ...event },
          class: event.class,
        });
        lines.push('');
      } else lines.push(JSON.stringify(event));
    };
    const handling = {
      all: job.all,
      sinceMs: job.sinceMs,
      untilMs: job.untilMs,
      maxWarnings: job.maxWarnings,
    };
    return new LineSplitter(
      lineHandler(
        job.file,
        this.classifier,
        this.account,
        handling,
        sink,
        (w) => this.warnings.push(w),
        this.counters,
      ),
      firstLine,
    );
  }

  result(): ChunkResult {
    const result: ChunkResult = {
      id: this.job.id,
      account: this.account.toData(),
      warnings: this.warnings,
      invalidUtf8: this.counters.invalidUtf8,
      tlsTail: [...this.classifier.state.lastTlsFailure.entries()],
      pendingTls: this.pendingTls,
    };
    if (this.analysis) result.state = this.analysis.state;
    else result.lines = this.lines;
    return result;
  }
}

/**
 * Classifies one piece of a file and returns its analysis state (audit) or its
 * NDJSON lines (events): the work of a scan worker, and of the main thread when it
 * takes a piece itself. `onProgress` is told of the bytes read as they are read.
 */
export function runJob(job: ChunkJob, onProgress: (bytes: number) => void = () => {}): ChunkResult {
  const run = new JobRun(job);
  const splitter = run.splitter(job.firstLine);
  if (job.range) {
    let sinceReport = 0;
    readFileRegion(job.range.path, job.range, (block) => {
      splitter.push(block);
      sinceReport += block.length;
      if (sinceReport >= PROGRESS_BYTES) {
        onProgress(sinceReport);
        sinceReport = 0;
      }
    });
    if (sinceReport > 0) onProgress(sinceReport);
  } else if (job.bytes) {
    splitter.push(Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength));
  }
  if (job.final) splitter.end();
  return run.result();
}

/**
 * A job on a part of a gzip file (`job.gzipPart`), which it decompresses from the
 * file's start; any other job as `runJob`. Its result says how many lines came
 * before the part, and whether reading failed inside it.
 */
export async function runAnyJob(
  job: ChunkJob,
  onProgress: (bytes: number) => void = () => {},
): Promise<ChunkResult> {
  const part = job.gzipPart;
  if (!part) return runJob(job, onProgress);
  const run = new JobRun(job);
  const state: { splitter: LineSplitter | null; linesBefore: number } = { splitter: null, linesBefore: 0 };
  const outcome = await readGzipPart(part.path, part, {
    start: (linesBefore) => {
      state.linesBefore = linesBefore;
      state.splitter = run.splitter(linesBefore);
    },
    block: (data) => state.splitter?.push(data),
    progress: onProgress,
  });
  // The file's end (or a truncated end) inside the part ends its last line, newline or not.
  const truncated = outcome.error !== undefined && isTruncatedGzip(outcome.error);
  if (outcome.ended || truncated) state.splitter?.end();
  const result = run.result();
  result.linesBefore = state.linesBefore;
  if (outcome.error !== undefined && outcome.started)
    result.readError = { message: describeFsError(outcome.error), truncated };
  return result;
}
