import { redactAddress } from '../detect/subnets.js';
import type { AuditReport } from '../report/model.js';

const IPV4 = /\b(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}\b/g;
const IPV6 = /\b(?:[0-9a-fA-F]{1,4}:){2,7}(?::|[0-9a-fA-F]{1,4})(?::[0-9a-fA-F]{1,4})*\b/g;

/**
 * Masks user names (`***@example.com`) and the last part of every address
 * (`198.51.100.x`), in every string of the report, for sharing it publicly.
 */
export function redactReport(report: AuditReport): AuditReport {
  const users = new Set<string>();
  for (const f of report.findings) for (const s of f.sources) for (const u of s.users ?? []) users.add(u);
  const sortedUsers = [...users].filter((u) => u.length > 0).sort((a, b) => b.length - a.length);
  const maskUser = (u: string) => {
    const at = u.lastIndexOf('@');
    return at > 0 ? `***${u.slice(at)}` : '***';
  };
  const redactText = (text: string): string => {
    let out = text;
    for (const u of sortedUsers) out = out.split(u).join(maskUser(u));
    out = out.replace(IPV4, (_m, head: string) => `${head}.x`);
    out = out.replace(IPV6, (m) => (m.includes('::') || m.split(':').length >= 4 ? redactAddress(m) : m));
    out = out.replace(/user=<[^>@]*(@[^>]*)?>/g, (_m, domain?: string) => `user=<***${domain ?? ''}>`);
    out = out.replace(
      /sasl_username=[^,\s@]*(@[^,\s]*)?/g,
      (_m, domain?: string) => `sasl_username=***${domain ?? ''}`,
    );
    out = out.replace(
      /\(([^,()\s@]*)(@[^,()\s]*)?,(?=[0-9a-fA-F.:x]+[,)])/g,
      (_m, _u: string, domain?: string) => `(***${domain ?? ''},`,
    );
    return out;
  };
  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string') return key === 'generatedAt' ? value : redactText(value);
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactText(k), walk(v, k)]));
    }
    return value;
  };
  const copy = walk(report) as AuditReport;
  copy.redacted = true;
  return copy;
}
