import type { SecurityEvent } from '../classify/event.js';
import type { EventClass } from '../classify/taxonomy.js';
import type { Finding } from '../findings/finding.js';

export interface DetectContext {
  /** A subnet is named when at least this many of its addresses take part. */
  subnetMin: number;
  /** Addresses fail2ban banned in the logs read. */
  banned: Set<string>;
  /** Whether any fail2ban.log line was read at all. */
  fail2banSeen: boolean;
  periodFrom: number | null;
  periodTo: number | null;
  /** When postscreen's access list first refused each address (DENYLISTED): a block in place. */
  denylisted?: ReadonlyMap<string, number>;
  /** When it last refused each. */
  denylistedLast?: ReadonlyMap<string, number>;
}

/**
 * A detector is a small declared unit: the classes it reads, a state it builds
 * from them, a way to merge the state of a later chunk of the log into an earlier
 * one (so chunks analysed apart give the same findings as one pass), and the
 * findings it reports from the merged state.
 */
export interface Detector<S> {
  id: string;
  classes: readonly EventClass[];
  create(): S;
  add(state: S, event: SecurityEvent, tsMs: number, raw: string): void;
  merge(into: S, later: S): void;
  findings(state: S, ctx: DetectContext): Finding[];
}

// biome-ignore lint/suspicious/noExplicitAny: a registry of detectors of different state types
export type AnyDetector = Detector<any>;
