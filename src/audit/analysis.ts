import { deserialize, serialize } from 'node:v8';
import type { SecurityEvent } from '../classify/event.js';
import { ALL_CLASSES, EVENT_CLASSES, type EventClass } from '../classify/taxonomy.js';
import type { AnyDetector, DetectContext } from '../detect/detector.js';
import { bannedAddresses, fail2banCoverage } from '../detect/fail2ban-coverage.js';
import { denylistedSince, denylistedUntil, postscreenViolations } from '../detect/postscreen-violations.js';
import { type Finding, severityRank } from '../findings/finding.js';
import { DETECTORS } from './detectors.js';
import {
  addStatistic,
  mergeStatistics,
  newStatistics,
  STATISTICS_CLASSES,
  type StatisticsState,
} from './statistics.js';

/**
 * The mergeable state of an audit over some lines: every detector's state and the
 * statistics. Chunks of a log analysed apart merge, in order, into the state of
 * one pass over the whole log.
 */
export interface AnalysisState {
  detectors: unknown[];
  statistics: StatisticsState;
}

/**
 * A state as `v8.serialize` bytes, one buffer per detector and one for the
 * statistics: a thread hands its state over without a structured clone, and the
 * serialiser's growing buffer never holds the whole state at once.
 */
export function serializeState(state: AnalysisState): Uint8Array[] {
  return [...state.detectors, state.statistics].map((part) => {
    const bytes = serialize(part);
    // A small result may share a pooled buffer, which must not be transferred.
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes
      : new Uint8Array(bytes);
  });
}

export function deserializeState(parts: Uint8Array[]): AnalysisState {
  const all = parts.map((bytes) => deserialize(bytes) as unknown);
  return { detectors: all.slice(0, -1), statistics: all[all.length - 1] as StatisticsState };
}

export class Analysis {
  readonly state: AnalysisState;
  /** Nothing added or merged yet: a first merged state can be taken over as it is. */
  private untouched = true;
  private readonly byClass = new Map<EventClass, { detector: AnyDetector; index: number }[]>();

  constructor(private readonly detectors: readonly AnyDetector[] = DETECTORS) {
    this.state = { detectors: detectors.map((d) => d.create()), statistics: newStatistics() };
    detectors.forEach((detector, index) => {
      for (const cls of detector.classes) {
        const list = this.byClass.get(cls) ?? [];
        list.push({ detector, index });
        this.byClass.set(cls, list);
      }
    });
  }

  /**
   * The classes this analysis reads: the others need not become events at all.
   * With a time window, postscreen connections must be events too (the line
   * accounting counts every line read, in the window or not).
   */
  wantedClasses(timeWindow = false): Set<EventClass> {
    const wanted = new Set<EventClass>(STATISTICS_CLASSES);
    if (timeWindow) wanted.add('postscreen-connect');
    for (const cls of ALL_CLASSES) if (EVENT_CLASSES[cls].tier !== 'benign') wanted.add(cls);
    for (const cls of this.byClass.keys()) wanted.add(cls);
    return wanted;
  }

  /** The event sink: hand it to scanInputs. */
  readonly add = (event: SecurityEvent, raw: string, tsMs: number): void => {
    this.untouched = false;
    addStatistic(this.state.statistics, event, tsMs);
    const targets = this.byClass.get(event.class);
    if (!targets) return;
    for (const { detector, index } of targets) detector.add(this.state.detectors[index], event, tsMs, raw);
  };

  /** Merges the state of the chunk that follows this one. */
  merge(later: AnalysisState): void {
    if (this.untouched) {
      // Merging into empty states would copy every entry of the later ones: take them over instead.
      this.untouched = false;
      this.state.detectors = later.detectors;
      this.state.statistics = later.statistics;
      return;
    }
    this.detectors.forEach((d, i) => {
      d.merge(this.state.detectors[i], later.detectors[i]);
    });
    mergeStatistics(this.state.statistics, later.statistics);
  }

  findings(subnetMin: number): Finding[] {
    const f2bIndex = this.detectors.indexOf(fail2banCoverage);
    const f2bState =
      f2bIndex >= 0 ? (this.state.detectors[f2bIndex] as Parameters<typeof bannedAddresses>[0]) : null;
    const stats = this.state.statistics;
    const psIndex = this.detectors.indexOf(postscreenViolations);
    const ctx: DetectContext = {
      subnetMin,
      banned: f2bState ? bannedAddresses(f2bState) : new Set(),
      fail2banSeen: f2bState ? f2bState.fail2banLines > 0 : false,
      periodFrom: Number.isFinite(stats.first) ? stats.first : null,
      periodTo: Number.isFinite(stats.last) ? stats.last : null,
      denylisted:
        psIndex >= 0
          ? denylistedSince(this.state.detectors[psIndex] as Parameters<typeof denylistedSince>[0])
          : new Map(),
      denylistedLast:
        psIndex >= 0
          ? denylistedUntil(this.state.detectors[psIndex] as Parameters<typeof denylistedUntil>[0])
          : new Map(),
    };
    return sortFindings(this.detectors.flatMap((d, i) => d.findings(this.state.detectors[i], ctx)));
  }
}

/** Issues before positives, the most severe first; equal ones keep their order. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'issue' ? -1 : 1;
    return severityRank(b.severity) - severityRank(a.severity);
  });
}
