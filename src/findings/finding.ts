/**
 * A finding: what the analyst would write about one problem (or one thing that
 * works) in the report. Every text field that quotes a log is attacker-controlled
 * and is escaped by the renderers, never here.
 */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Higher is worse. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

/**
 * open: the problem stands. mitigated: the configuration (or the daemons' own
 * behaviour, such as postscreen rejecting) already holds a defence that covers it.
 * fixed: mitigated, and no covered source was seen after the mitigation took effect.
 */
export type FindingStatus = 'open' | 'mitigated' | 'fixed';

/** An address or an aggregated subnet that took part, with how much and when. */
export interface FindingSource {
  /** An address (`192.0.2.7`) or a subnet in CIDR form (`198.51.100.0/24`). */
  source: string;
  kind: 'address' | 'subnet';
  /** Attempts (one per connection or login attempt, not per log line). */
  count: number;
  /** For subnets: how many of its addresses took part. */
  addresses?: number;
  first: string;
  last: string;
  /** User names tried, when the finding is about logins. */
  users?: string[];
  /** What the source did, by event class. */
  classes?: Record<string, number>;
  /** Banned by fail2ban in the logs read (when fail2ban.log was given). */
  banned?: boolean;
}

export interface Evidence {
  /** The log line as read (attacker-controlled). */
  line: string;
  /** `file:line`. */
  source: string;
}

export interface Recommendation {
  summary: string;
  /** Commands for docker-mailserver (`docker exec mailserver ...`, `setup fail2ban ...`). */
  dockerMailserver: string[];
  /** Commands for a plain Postfix/Dovecot host. */
  plainHost: string[];
}

export interface Finding {
  /** Stable kebab-case id; tools and users depend on it. */
  id: string;
  /** `issue` for problems, `positive` for what works. */
  kind: 'issue' | 'positive';
  title: string;
  severity: Severity;
  /** The written rule that set the severity, with the numbers it used. */
  severityRule: string;
  status: FindingStatus;
  description: string;
  sources: FindingSource[];
  evidence: Evidence[];
  /** What the evidence quotes: log lines (the default), configuration lines, or what a live probe saw. */
  evidenceFrom?: 'logs' | 'configuration' | 'probe';
  rootCause: string;
  recommendation: Recommendation;
  /** Finding-specific figures (rates, rhythm, totals), for the report and the JSON. */
  metrics: Record<string, number | string>;
}
