import type { LineHandler } from '../ingest/line-splitter.js';
import { MAX_LINE_BYTES } from '../ingest/line-splitter.js';
import type { FileAccount } from './accounting.js';
import type { LineClassifier } from './line-classifier.js';
import type { EventSink, ReadWarning } from './read-events.js';

export interface LineHandling {
  all: boolean;
  sinceMs: number;
  untilMs: number;
  maxWarnings: number;
}

/**
 * What happens to each line, the same in the single-threaded reader and in the
 * workers of the parallel one: classify, count, warn (a bounded number of times),
 * filter by time, and hand the event to the sink.
 */
export function lineHandler(
  file: string,
  classifier: LineClassifier,
  account: FileAccount,
  handling: LineHandling,
  sink: EventSink,
  warn: (w: ReadWarning) => void,
  counters: { invalidUtf8: number },
): LineHandler {
  return {
    line: (data, start, end, lineNo, clean) => {
      const outcome = classifier.classifyBytes(data, start, end, lineNo, account, clean, (n) => {
        counters.invalidUtf8++;
        if (counters.invalidUtf8 <= handling.maxWarnings)
          warn({ file, line: n, message: 'invalid UTF-8 (decoded with replacement characters)' });
      });
      if (outcome.kind === 'malformed') {
        if (account.malformed <= handling.maxWarnings)
          warn({ file, line: lineNo, message: `malformed line: ${outcome.reason}` });
        return;
      }
      if (outcome.kind === 'event' || (outcome.kind === 'benign' && handling.all)) {
        if (outcome.tsMs < handling.sinceMs || outcome.tsMs >= handling.untilMs) return;
        sink(outcome.event, outcome.raw, outcome.tsMs);
      }
    },
    oversized: (lineNo, bytes) => {
      account.lines++;
      account.malformed++;
      if (account.malformed <= handling.maxWarnings) {
        warn({
          file,
          line: lineNo,
          message: `line of ${bytes} bytes exceeds the ${MAX_LINE_BYTES}-byte limit; skipped`,
        });
      }
    },
  };
}
