import type { Finding } from '../../findings/finding.js';
import { type DnsContext, noteFailedLookup } from './dns-context.js';
import { dig, dnsIssue, dnsPositive, perDomain, quoteRecord, recordMetrics, zoneTxt } from './dns-finding.js';
import { canonicalName } from './lookup.js';
import { type AllQualifier, describeAll, spfPolicy, spfRecords } from './spf-record.js';

/** RFC 7208 4.6.4 allows 10 DNS-querying terms in all; redirects are a few of them at most. */
const MAX_REDIRECTS = 5;

type SpfOutcome =
  | { domain: string; state: 'missing'; records: string[] }
  | { domain: string; state: 'multiple'; records: string[] }
  | { domain: string; state: 'broken-redirect'; records: string[]; chain: string[]; why: string }
  | { domain: string; state: 'policy'; records: string[]; chain: string[]; all: AllQualifier | null };

/** The SPF records at a name, or null (noted) when the lookup failed. */
async function spfAt(ctx: DnsContext, domain: string, name: string): Promise<string[] | null> {
  const answer = await ctx.lookup.txt(name);
  if (answer.kind === 'failed') {
    noteFailedLookup(ctx, `SPF of ${domain}`, 'TXT', name, answer.code);
    return null;
  }
  return answer.kind === 'found' ? spfRecords(answer.records) : [];
}

async function checkDomain(ctx: DnsContext, domain: string): Promise<SpfOutcome | null> {
  const own = await spfAt(ctx, domain, domain);
  if (own === null) return null;
  if (own.length === 0) return { domain, state: 'missing', records: [] };
  if (own.length > 1) return { domain, state: 'multiple', records: own };
  const chain = [domain];
  let policy = spfPolicy(own[0]!);
  while (policy.redirect !== null) {
    const target = canonicalName(policy.redirect);
    const broken = (why: string): SpfOutcome => ({
      domain,
      state: 'broken-redirect',
      records: own,
      chain,
      why,
    });
    // Macros (%{d} and the like) depend on the message: the target cannot be known here.
    if (target.includes('%')) {
      ctx.notes.push(
        `SPF of ${domain} not checked: its redirect= uses a macro, which depends on each message.`,
      );
      return null;
    }
    if (chain.includes(target) || chain.length > MAX_REDIRECTS)
      return broken('the redirects loop or go too deep');
    chain.push(target);
    const next = await spfAt(ctx, domain, target);
    if (next === null) return null;
    if (next.length !== 1)
      return broken(`${target} has ${next.length === 0 ? 'no' : 'more than one'} SPF record`);
    policy = spfPolicy(next[0]!);
  }
  return { domain, state: 'policy', records: own, chain, all: policy.all };
}

const via = (o: { chain: string[] }) =>
  o.chain.length > 1 ? ` (through redirect= to ${o.chain.slice(1).join(', ')})` : '';

function metrics(outcomes: readonly SpfOutcome[]): Record<string, number | string> {
  const out: Record<string, number | string> = { domains: outcomes.length };
  for (const o of outcomes) Object.assign(out, recordMetrics(`TXT ${o.domain}`, o.records));
  return out;
}

const CHECKS = (outcomes: readonly SpfOutcome[]) => outcomes.map((o) => dig('TXT', o.domain));

function missingFinding(bad: readonly SpfOutcome[]): Finding {
  const explain = (o: SpfOutcome): string => {
    if (o.state === 'multiple')
      return `${o.domain}: ${o.records.length} SPF records (${o.records.map(quoteRecord).join(', ')}); more than one is a permanent error (RFC 7208 4.5), which receivers treat like no SPF at all.`;
    if (o.state === 'broken-redirect')
      return `${o.domain}: ${quoteRecord(o.records[0]!)} redirects, but ${o.why}: a permanent error (RFC 7208 6.1), which receivers treat like no SPF at all.`;
    return `${o.domain}: no TXT record starting with v=spf1.`;
  };
  return dnsIssue({
    id: 'spf-missing',
    title: 'No usable SPF record',
    severity: 'medium',
    severityRule:
      'medium: without exactly one valid SPF record receivers cannot tell the hosts allowed to send for the domain from forgers; DKIM can still carry DMARC',
    description: perDomain('These domains have no usable SPF record:', bad.map(explain)),
    rootCause:
      'The record was never published, a second v=spf1 record was added instead of editing the first (SPF allows exactly one), or a redirect= names a domain without SPF.',
    recommendation: {
      summary: `Publish exactly one SPF record per domain listing the hosts that send its mail, ending in -all (or ~all while checking), for example:\n\n${bad.map((o) => `- ${zoneTxt(o.domain, 'v=spf1 mx -all')}`).join('\n')}`,
      dockerMailserver: CHECKS(bad),
      plainHost: CHECKS(bad),
    },
    metrics: metrics(bad),
  });
}

function permissiveFinding(bad: readonly (SpfOutcome & { state: 'policy' })[]): Finding {
  return dnsIssue({
    id: 'spf-too-permissive',
    title: 'The SPF record does not refuse unlisted hosts',
    severity: 'high',
    severityRule:
      'high: with +all any host passes SPF for the domain; with ?all or no all at all unlisted hosts are neutral, so forged mail is judged like real mail',
    description: perDomain(
      'The SPF policy for hosts the record does not list lets them through:',
      bad.map((o) => `${o.domain}: ${describeAll(o.all)}${via(o)}: ${quoteRecord(o.records[0]!)}.`),
    ),
    rootCause:
      'A record written to make delivery work at any cost (+all), left in a testing state (?all), or cut short before its all mechanism.',
    recommendation: {
      summary:
        'End the record with -all (or ~all while checking that every sending host is listed), e.g. "v=spf1 mx -all".',
      dockerMailserver: CHECKS(bad),
      plainHost: CHECKS(bad),
    },
    metrics: metrics(bad),
  });
}

function enforcedFinding(good: readonly (SpfOutcome & { state: 'policy' })[]): Finding {
  return dnsPositive({
    id: 'spf-enforced',
    title: 'SPF refuses hosts it does not list',
    description: perDomain(
      'Every domain has one SPF record that ends in -all or ~all:',
      good.map((o) => `${o.domain}: ${describeAll(o.all)}${via(o)}`),
    ),
    rootCause: 'The SPF records are complete.',
    recommendation: {
      summary: 'Keep the records in step with the hosts that send mail for the domains.',
      dockerMailserver: CHECKS(good),
      plainHost: CHECKS(good),
    },
    metrics: metrics(good),
  });
}

/** `spf-missing`, `spf-too-permissive`, or `spf-enforced` when every domain refuses unlisted hosts. */
export async function checkSpf(ctx: DnsContext, domains: readonly string[]): Promise<Finding[]> {
  const answers = await Promise.all(domains.map((d) => checkDomain(ctx, d)));
  const outcomes = answers.filter((o): o is SpfOutcome => o !== null);
  const policies = outcomes.filter((o): o is SpfOutcome & { state: 'policy' } => o.state === 'policy');
  const missing = outcomes.filter((o) => o.state !== 'policy');
  const permissive = policies.filter((o) => o.all !== '-' && o.all !== '~');
  const findings: Finding[] = [];
  if (missing.length > 0) findings.push(missingFinding(missing));
  if (permissive.length > 0) findings.push(permissiveFinding(permissive));
  if (findings.length === 0 && outcomes.length > 0 && outcomes.length === domains.length)
    findings.push(enforcedFinding(policies));
  return findings;
}
