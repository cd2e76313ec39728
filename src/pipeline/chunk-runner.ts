import { Analysis } from '../audit/analysis.js';
import type { SecurityEvent } from '../classify/event.js';
import type { EventClass } from '../classify/taxonomy.js';
import { readFileRegion } from '../ingest/file-regions.js';
import { LineSplitter } from '../ingest/line-splitter.js';
import { YearResolver } from '../parse/time.js';
import { FileAccount } from './accounting.js';
import type { ChunkJob, ChunkResult, PendingTls } from './chunk-job.js';
import { LineClassifier } from './line-classifier.js';
import { lineHandler } from './line-handler.js';
import type { ReadWarning } from './read-events.js';

const PROGRESS_BYTES = 16 << 20;

/**
 * Classifies one piece of a file and returns its analysis state (audit) or its
 * NDJSON lines (events): the work of a scan worker, and of the main thread when it
 * takes a piece itself. `onProgress` is told of the bytes read as they are read.
 */
export function runJob(job: ChunkJob, onProgress: (bytes: number) => void = () => {}): ChunkResult {
  const wanted = job.wanted ? new Set(job.wanted as EventClass[]) : undefined;
  const classifier = new LineClassifier(
    { years: new YearResolver(job.reference, job.tz, job.year), zone: job.tz },
    job.file,
    wanted,
    job.mode === 'audit',
  );
  const account = new FileAccount(job.file);
  const warnings: ReadWarning[] = [];
  const counters = { invalidUtf8: 0 };
  const pendingTls: PendingTls[] = [];
  const analysis = job.mode === 'audit' ? new Analysis() : null;
  const lines: string[] = [];
  const sink = (event: SecurityEvent, raw: string, tsMs: number) => {
    const unresolved = event.class === 'tls-library-problem' && event.ip === undefined && event.pid !== null;
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
  const handling = { all: job.all, sinceMs: job.sinceMs, untilMs: job.untilMs, maxWarnings: job.maxWarnings };
  const splitter = new LineSplitter(
    lineHandler(job.file, classifier, account, handling, sink, (w) => warnings.push(w), counters),
    job.firstLine,
  );
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
  const result: ChunkResult = {
    id: job.id,
    account: account.toData(),
    warnings,
    invalidUtf8: counters.invalidUtf8,
    tlsTail: [...classifier.state.lastTlsFailure.entries()],
    pendingTls,
  };
  if (analysis) result.state = analysis.state;
  else result.lines = lines;
  return result;
}
