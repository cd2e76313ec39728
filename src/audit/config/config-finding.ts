import type { ConfigSource } from '../../config/source.js';
import type { Evidence, Finding, Recommendation, Severity } from '../../findings/finding.js';

/** A configuration line quoted as evidence: `name = value` at `file:line`. */
export function settingEvidence(name: string, value: string, source: ConfigSource): Evidence {
  return { line: `${name} = ${value}`, source: `${source.file}:${source.line}` };
}

export interface ConfigFindingSpec {
  id: string;
  title: string;
  severity: Severity;
  severityRule: string;
  description: string;
  rootCause: string;
  recommendation: Recommendation;
  evidence?: Evidence[];
  metrics?: Record<string, number | string>;
}

/** A problem found in the configuration (status open: the configuration is what it is). */
export function configIssue(spec: ConfigFindingSpec): Finding {
  return {
    id: spec.id,
    kind: 'issue',
    title: spec.title,
    severity: spec.severity,
    severityRule: spec.severityRule,
    status: 'open',
    description: spec.description,
    sources: [],
    evidence: spec.evidence ?? [],
    evidenceFrom: 'configuration',
    rootCause: spec.rootCause,
    recommendation: spec.recommendation,
    metrics: spec.metrics ?? {},
  };
}

/** Something the configuration gets right. */
export function configPositive(
  id: string,
  title: string,
  description: string,
  evidence: Evidence[] = [],
  metrics: Record<string, number | string> = {},
): Finding {
  return {
    id,
    kind: 'positive',
    title,
    severity: 'info',
    severityRule: 'positive finding',
    status: 'mitigated',
    description,
    sources: [],
    evidence,
    evidenceFrom: 'configuration',
    rootCause: '',
    recommendation: { summary: 'Keep it so.', dockerMailserver: [], plainHost: [] },
    metrics,
  };
}

/** Evidence that is a whole file (an empty quota file, a filter file): `file:1`, or `file:0` when it is empty. */
export function fileEvidence(path: string, what: string, empty = false): Evidence {
  return { line: what, source: `${path}:${empty ? 0 : 1}` };
}
