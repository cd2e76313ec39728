import { redactAddress } from '../detect/subnets.js';
import type { AuditReport } from '../report/model.js';

/** Fields written by mailwarden itself, holding no log data. */
const VERBATIM = new Set(['generatedAt', 'severityRule', 'rootCause', 'id', 'kind', 'severity', 'status']);
const IPV4 = /\b(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}\b(?!\/)/g;
const IPV6 =
  /(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,7}(?::|(?::[0-9a-fA-F]{1,4}){1,6}|[0-9a-fA-F]{1,4})(?![\w:/])/g;
/** Characters around user names in log lines and report text: `user=<x>`, `(x,ip)`, `sasl_username=x,`. */
const TOKEN = /([^\s,<>()=[\]"':;]+)/g;

/**
 * Masks user names (`***@example.com`) and the last part of every address
 * (`198.51.100.x`) in every string of the report, for sharing it publicly.
 * User names are the ones the findings name; they are masked where they stand
 * as a whole token, so that a short name ("test") does not eat into paths.
 */
export function redactReport(report: AuditReport): AuditReport {
  const users = new Set<string>();
  for (const f of report.findings)
    for (const s of f.sources) for (const u of s.users ?? []) if (u) users.add(u);
  const maskUser = (u: string) => {
    const at = u.lastIndexOf('@');
    return at > 0 ? `***${u.slice(at)}` : '***';
  };
  const redactText = (text: string): string =>
    text
      .replace(TOKEN, (token) => (users.has(token) ? maskUser(token) : token))
      .replace(IPV4, (_m, head: string) => `${head}.x`)
      .replace(IPV6, (m) => (m.split(':').length >= 3 ? redactAddress(m) : m));
  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string') return key !== undefined && VERBATIM.has(key) ? value : redactText(value);
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  const copy = walk(report) as AuditReport;
  copy.redacted = true;
  return copy;
}
