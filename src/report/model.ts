import type { BanHistory } from '../audit/ban-history.js';
import type { Fail2banCoverageMatrix } from '../detect/fail2ban/coverage-matrix.js';
import type { Finding } from '../findings/finding.js';

/** Counts per time bucket, for the timeline charts. */
export interface TimeSeries {
  /** Bucket width in seconds (3600 for hourly, 86400 for daily). */
  bucketSeconds: number;
  /** ISO 8601 start of each bucket, in order. */
  buckets: string[];
  /** One row per series (an event class, or `deliveries`), aligned with `buckets`. */
  series: Record<string, number[]>;
}

export interface RankedSource {
  source: string;
  count: number;
  addresses?: number;
  classes: Record<string, number>;
}

/** The whole audit, as the JSON format writes it (schema/audit-report.v1.json). */
export interface AuditReport {
  schemaVersion: 1;
  generator: { name: 'mailwarden'; version: string };
  generatedAt: string;
  /** What was read. */
  inputs: {
    files: string[];
    lines: number;
    classified: number;
    benign: number;
    unrecognised: number;
    malformed: number;
  };
  period: { from: string | null; to: string | null };
  /** Two sentences: what matters most. */
  executiveSummary: string;
  findings: Finding[];
  nextSteps: { immediate: string[]; thisWeek: string[]; thisMonth: string[] };
  monitoringCommands: { title: string; dockerMailserver: string; plainHost: string }[];
  statistics: {
    /** Attack and signal events per class (one per line). */
    eventsByClass: Record<string, number>;
    /** Attempts per attack family (one per connection or login attempt). */
    attemptsByFamily: Record<string, number>;
    topAddresses: RankedSource[];
    topSubnets: RankedSource[];
    bansByJail: Record<string, number>;
    timeline: TimeSeries;
    traffic: {
      delivered: number;
      deferred: number;
      bounced: number;
      rejectsByReason: Record<string, number>;
      connections: { smtpd: number; postscreen: number; loginsSucceeded: number; loginsFailed: number };
      perDay: TimeSeries;
      perHour: TimeSeries;
    };
  };
  /** Set with --redact: user names and address tails are masked throughout. */
  redacted: boolean;
  /** With --config: the configuration read, and what could not be checked. */
  configuration?: {
    kind: 'docker-mailserver' | 'mailcow' | 'plain';
    directory: string;
    hostname: string | null;
    domains: string[];
    files: string[];
    notes: string[];
  };
  /** With --config and a fail2ban configuration: what each enabled jail would ban in these logs. */
  fail2banCoverage?: Fail2banCoverageMatrix;
  /** With --state: the bans `mailwarden watch` decided, newest first, and what its actions did. */
  banHistory?: BanHistory;
}
