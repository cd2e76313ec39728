import type { Finding, Recommendation, Severity } from '../../findings/finding.js';
import { severityRank } from '../../findings/finding.js';

// DNS records are written by whoever controls the zone (or spoofs an answer):
// they are quoted, never interpreted, and cut to a length a report can hold.
const QUOTE_LIMIT = 300;
const METRIC_LIMIT = 2_048;

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length} characters)`;
}

/** A record quoted for a description: one line (control characters escaped), bounded. */
export function quoteRecord(text: string): string {
  return JSON.stringify(cut(text, QUOTE_LIMIT));
}

/** A record as a metric value, bounded. */
export function recordMetric(text: string): string {
  return cut(text, METRIC_LIMIT);
}

/** Records found at one name as metrics, numbered when there are several. */
export function recordMetrics(label: string, records: readonly string[]): Record<string, string> {
  if (records.length === 0) return { [label]: '(none)' };
  if (records.length === 1) return { [label]: recordMetric(records[0]!) };
  return Object.fromEntries(
    records.map((r, i) => [`${label} (${i + 1} of ${records.length})`, recordMetric(r)] as const),
  );
}

import { shellQuote } from '../../findings/shell-quote.js';

export function dig(type: string, name: string): string {
  return `dig +short ${type} ${shellQuote(name)}`;
}

/** A record to publish, as a zone-file line whose TXT strings are at most 255 characters each. */
export function zoneTxt(name: string, value: string): string {
  const strings: string[] = [];
  for (let i = 0; i < value.length; i += 255) strings.push(`"${value.slice(i, i + 255)}"`);
  if (strings.length === 0) strings.push('""');
  return `${name}. IN TXT ${strings.length === 1 ? strings[0] : `( ${strings.join(' ')} )`}`;
}

/** An intro sentence, then one list item per domain (the renderers show `- ` lines as a list). */
export function perDomain(intro: string, items: readonly string[]): string {
  return [intro, '', ...items.map((item) => `- ${item}`)].join('\n');
}

export function worstSeverity(severities: readonly Severity[]): Severity {
  return severities.reduce((worst, s) => (severityRank(s) > severityRank(worst) ? s : worst), 'info');
}

export interface DnsIssue {
  id: string;
  title: string;
  severity: Severity;
  severityRule: string;
  description: string;
  rootCause: string;
  recommendation: Recommendation;
  metrics: Record<string, number | string>;
}

export function dnsIssue(issue: DnsIssue): Finding {
  return { ...issue, kind: 'issue', status: 'open', sources: [], evidence: [] };
}

export type DnsPositive = Omit<DnsIssue, 'severity' | 'severityRule'>;

export function dnsPositive(positive: DnsPositive): Finding {
  return {
    ...positive,
    kind: 'positive',
    severity: 'info',
    severityRule: 'positive finding',
    status: 'mitigated',
    sources: [],
    evidence: [],
  };
}
