import type { SecurityEvent } from '../classify/event.js';
import type { EventClass } from '../classify/taxonomy.js';
import type { LiveBatch } from '../ingest/live/source.js';
import { YearResolver } from '../parse/time.js';
import { LineClassifier } from '../pipeline/line-classifier.js';
import type { WatchMetrics } from './metrics.js';

const HOUR = 3_600_000;

export interface IntakeCounts {
  lines: number;
  events: number;
  stale: number;
}

/**
 * Turns a batch of live lines into events with the time they count at: the
 * line's own time, so that a backlog read after a restart counts as it
 * happened, but never later than now, and lines older than the longest rule
 * window are counted as read and otherwise ignored (they cannot take part in
 * any window that ends now). Every line is accounted for in the metrics.
 */
export class LineIntake {
  private readonly classifiers = new Map<string, { classifier: LineClassifier; hour: number }>();

  constructor(
    private readonly wanted: ReadonlySet<EventClass>,
    private readonly longestWindow: number,
    private readonly metrics: WatchMetrics,
    private readonly zone: string | undefined,
  ) {}

  /** One classifier per source, made anew each hour so that a year-less syslog time resolves against a fresh "now". */
  private classifierFor(origin: string, now: number): LineClassifier {
    const hour = Math.floor(now / HOUR);
    const known = this.classifiers.get(origin);
    if (known && known.hour === hour) return known.classifier;
    const classifier = new LineClassifier(
      { years: new YearResolver(now, this.zone), zone: this.zone },
      origin,
      this.wanted,
    );
    this.classifiers.set(origin, { classifier, hour });
    return classifier;
  }

  read(batch: LiveBatch, now: number, onEvent: (event: SecurityEvent, ts: number) => void): IntakeCounts {
    const classifier = this.classifierFor(batch.origin, now);
    const counts = { classified: 0, benign: 0, unrecognised: 0, malformed: 0 };
    let stale = 0;
    let events = 0;
    let newest = Number.NEGATIVE_INFINITY;
    batch.lines.forEach((text, i) => {
      if (text === '') {
        counts.benign++;
        return;
      }
      const outcome = classifier.classifyText(text, batch.firstLineNo + i);
      switch (outcome.kind) {
        case 'malformed':
          counts.malformed++;
          return;
        case 'unrecognised':
          counts.unrecognised++;
          return;
        case 'blank':
          counts.benign++;
          return;
        case 'counted':
          if (outcome.tier === 'benign') counts.benign++;
          else counts.classified++;
          this.metrics.events.inc({ class: outcome.cls });
          return;
      }
      const { event, tsMs } = outcome;
      if (outcome.kind === 'benign') counts.benign++;
      else counts.classified++;
      this.metrics.events.inc({ class: event.class });
      if (tsMs > newest) newest = tsMs;
      // A line stamped ahead of now (a sender's clock or zone is off) counts as now.
      const ts = Math.min(tsMs, now);
      if (now - ts > this.longestWindow) {
        stale++;
        return;
      }
      events++;
      onEvent(event, ts);
    });
    for (const [outcome, n] of Object.entries(counts))
      if (n > 0) this.metrics.lines.inc({ source: batch.origin, outcome }, n);
    if (stale > 0) this.metrics.staleEvents.inc({ source: batch.origin }, stale);
    if (newest > Number.NEGATIVE_INFINITY)
      this.metrics.lag.set({ source: batch.origin }, Math.max(0, (now - newest) / 1000));
    return { lines: batch.lines.length, events, stale };
  }
}
