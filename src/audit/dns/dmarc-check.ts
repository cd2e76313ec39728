import type { Finding, Severity } from '../../findings/finding.js';
import { type DnsContext, noteFailedLookup } from './dns-context.js';
import {
  dig,
  dnsIssue,
  dnsPositive,
  perDomain,
  quoteRecord,
  recordMetrics,
  worstSeverity,
  zoneTxt,
} from './dns-finding.js';
import { parseTagList } from './tag-list.js';

/** How many parent names are tried for a domain without its own record (DMARCbis's tree walk stops at 8 labels). */
const MAX_PARENTS = 5;

type DmarcOutcome =
  | { domain: string; name: string; state: 'missing'; records: string[] }
  | { domain: string; name: string; state: 'multiple' | 'invalid'; records: string[]; why: string }
  | {
      domain: string;
      /** Where the record was found: `_dmarc.<domain>`, or a parent's when inherited. */
      name: string;
      state: 'policy';
      records: string[];
      /** The policy that applies to the domain (`sp=` of a parent's record, else `p=`), lower-cased. */
      policy: string;
      inherited: boolean;
      reports: boolean;
      pct: string | undefined;
    };

/** Records whose first tag is `v=DMARC1`: the others are not DMARC records (RFC 7489 6.6.3). */
function dmarcRecords(records: readonly string[]): string[] {
  return records.filter((r) => {
    const eq = r.indexOf('=');
    const semi = r.indexOf(';');
    if (eq < 0) return false;
    const version = r.slice(eq + 1, semi < 0 ? undefined : semi).trim();
    return r.slice(0, eq).trim() === 'v' && version.toUpperCase() === 'DMARC1';
  });
}

async function recordsAt(ctx: DnsContext, domain: string, name: string): Promise<string[] | null> {
  const answer = await ctx.lookup.txt(name);
  if (answer.kind === 'failed') {
    noteFailedLookup(ctx, `DMARC of ${domain}`, 'TXT', name, answer.code);
    return null;
  }
  return answer.kind === 'found' ? dmarcRecords(answer.records) : [];
}

/**
 * The record for a domain: its own, or the nearest parent's (RFC 7489 looks up the
 * organisational domain, which needs the public suffix list; walking up the tree,
 * as DMARCbis does, finds the same record without it). Never queries a top-level name.
 */
async function findRecords(
  ctx: DnsContext,
  domain: string,
): Promise<{ name: string; records: string[] } | null> {
  const labels = domain.split('.');
  for (let drop = 0; drop <= MAX_PARENTS && labels.length - drop >= 2; drop++) {
    const name = `_dmarc.${labels.slice(drop).join('.')}`;
    const records = await recordsAt(ctx, domain, name);
    if (records === null) return null;
    if (records.length > 0 || labels.length - drop === 2) return { name, records };
  }
  return { name: `_dmarc.${domain}`, records: [] };
}

async function checkDomain(ctx: DnsContext, domain: string): Promise<DmarcOutcome | null> {
  const found = await findRecords(ctx, domain);
  if (found === null) return null;
  const { name, records } = found;
  if (records.length === 0) return { domain, name: `_dmarc.${domain}`, state: 'missing', records };
  if (records.length > 1)
    return { domain, name, state: 'multiple', records, why: 'more than one DMARC record, so none applies' };
  const parsed = parseTagList(records[0]!);
  if (!parsed.ok)
    return { domain, name, state: 'invalid', records, why: `not a valid tag list (${parsed.reason})` };
  const inherited = name !== `_dmarc.${domain}`;
  const policy = (
    (inherited ? parsed.tags.get('sp') : undefined) ??
    parsed.tags.get('p') ??
    ''
  ).toLowerCase();
  return {
    domain,
    name,
    state: 'policy',
    records,
    policy,
    inherited,
    reports: (parsed.tags.get('rua') ?? '') !== '',
    pct: parsed.tags.get('pct'),
  };
}

type PolicyOutcome = DmarcOutcome & { state: 'policy' };
type UnusableOutcome = Exclude<DmarcOutcome, { state: 'policy' }>;

const enforced = (o: PolicyOutcome) => o.policy === 'quarantine' || o.policy === 'reject';

function where(o: PolicyOutcome): string {
  return o.inherited ? ` (inherited from ${o.name})` : '';
}

function metrics(outcomes: readonly DmarcOutcome[]): Record<string, number | string> {
  const out: Record<string, number | string> = { domains: outcomes.length };
  for (const o of outcomes) Object.assign(out, recordMetrics(`TXT ${o.name}`, o.records));
  return out;
}

const checks = (outcomes: readonly DmarcOutcome[]) => outcomes.map((o) => dig('TXT', o.name));

const suggested = (domain: string) =>
  zoneTxt(`_dmarc.${domain}`, `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain}`);

function missingFinding(bad: readonly UnusableOutcome[]): Finding {
  const explain = (o: UnusableOutcome) =>
    o.state === 'missing'
      ? `${o.domain}: no TXT record starting with v=DMARC1 at ${o.name}${o.domain.split('.').length > 2 ? ' or at a parent domain' : ''}.`
      : `${o.domain}: ${o.name} has ${o.why}: ${o.records.map(quoteRecord).join(', ')}.`;
  return dnsIssue({
    id: 'dmarc-missing',
    title: 'No DMARC policy',
    severity: 'medium',
    severityRule:
      'medium: without a DMARC record receivers decide alone what to do with mail that forges the domain, and the domain owner gets no reports of it; SPF and DKIM still count',
    description: perDomain('These domains publish no usable DMARC record:', bad.map(explain)),
    rootCause: 'The record was never published, or a second one was added instead of editing the first.',
    recommendation: {
      summary: `Publish one DMARC record per domain, starting with reports to see who sends in its name, for example:\n\n${bad.map((o) => `- ${suggested(o.domain)}`).join('\n')}`,
      dockerMailserver: checks(bad),
      plainHost: checks(bad),
    },
    metrics: metrics(bad),
  });
}

function noneSeverity(o: PolicyOutcome): Severity {
  return o.reports ? 'low' : 'medium';
}

function noneFinding(bad: readonly PolicyOutcome[]): Finding {
  const explain = (o: PolicyOutcome) =>
    `${o.domain}: ${o.policy === 'none' ? 'p=none' : 'no valid p= (receivers act as for p=none at best)'}${where(o)}, ${o.reports ? 'with' : 'without'} aggregate reports (rua=): ${quoteRecord(o.records[0]!)}.`;
  return dnsIssue({
    id: 'dmarc-policy-none',
    title: 'The DMARC policy does not ask receivers to act',
    severity: worstSeverity(bad.map(noneSeverity)),
    severityRule:
      'medium when p=none comes without rua= reports: it protects nothing and tells nobody anything; low when reports are collected, the usual first step before quarantine (the worst domain decides)',
    description: perDomain(
      'Mail that fails DMARC for these domains is delivered as if it passed:',
      bad.map(explain),
    ),
    rootCause:
      'DMARC was set up in monitoring mode (p=none) and never moved on to quarantine or reject once the reports showed every legitimate sender passing.',
    recommendation: {
      summary:
        'Read the aggregate reports until every legitimate sender passes SPF or DKIM in alignment, then change the policy to p=quarantine and later p=reject.',
      dockerMailserver: checks(bad),
      plainHost: checks(bad),
    },
    metrics: metrics(bad),
  });
}

/** `pct=` below 100 applies the policy to a sample of failing mail only; shown only when it is a number. */
function partial(pct: string | undefined): string {
  if (pct === undefined || !/^\d{1,3}$/.test(pct) || Number(pct) >= 100) return '';
  return `, applied to only ${Number(pct)}% of failing mail (pct=)`;
}

function enforcedFinding(good: readonly PolicyOutcome[]): Finding {
  return dnsPositive({
    id: 'dmarc-enforced',
    title: 'DMARC asks receivers to quarantine or reject forged mail',
    description: perDomain(
      'Every domain has a DMARC policy that acts on mail failing it:',
      good.map((o) => `${o.domain}: p=${o.policy}${where(o)}${partial(o.pct)}`),
    ),
    rootCause: 'The DMARC records are published with an enforcing policy.',
    recommendation: {
      summary: 'Keep reading the aggregate reports: a new sending service fails DMARC until it is aligned.',
      dockerMailserver: checks(good),
      plainHost: checks(good),
    },
    metrics: metrics(good),
  });
}

/** `dmarc-missing`, `dmarc-policy-none`, or `dmarc-enforced` when every domain has quarantine or reject. */
export async function checkDmarc(ctx: DnsContext, domains: readonly string[]): Promise<Finding[]> {
  const answers = await Promise.all(domains.map((d) => checkDomain(ctx, d)));
  const outcomes = answers.filter((o): o is DmarcOutcome => o !== null);
  const policies = outcomes.filter((o): o is PolicyOutcome => o.state === 'policy');
  const missing = outcomes.filter((o): o is UnusableOutcome => o.state !== 'policy');
  const weak = policies.filter((o) => !enforced(o));
  const findings: Finding[] = [];
  if (missing.length > 0) findings.push(missingFinding(missing));
  if (weak.length > 0) findings.push(noneFinding(weak));
  if (findings.length === 0 && outcomes.length > 0 && outcomes.length === domains.length)
    findings.push(enforcedFinding(policies));
  return findings;
}
