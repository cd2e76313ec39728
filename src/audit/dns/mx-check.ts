import type { Finding } from '../../findings/finding.js';
import { type DnsContext, noteFailedLookup } from './dns-context.js';
import { dig, dnsIssue, dnsPositive, perDomain, quoteRecord, recordMetric } from './dns-finding.js';
import type { MxHost } from './lookup.js';

/** More MX hosts than anyone publishes; the rest are not resolved. */
const MAX_HOSTS = 10;

interface ResolvedHost extends MxHost {
  addresses: string[];
}

type MxOutcome =
  | { domain: string; state: 'none'; implicit: string[] | null }
  | { domain: string; state: 'null-mx'; hosts: MxHost[] }
  | { domain: string; state: 'unresolvable'; hosts: ResolvedHost[] }
  | { domain: string; state: 'published'; hosts: ResolvedHost[]; pointsHere: boolean | null };

async function implicitMx(ctx: DnsContext, domain: string): Promise<string[] | null> {
  const answer = await ctx.lookup.addresses(domain);
  if (answer.kind === 'failed')
    noteFailedLookup(ctx, `The implicit MX of ${domain}`, 'A/AAAA', domain, answer.code);
  return answer.kind === 'found' ? answer.records : answer.kind === 'absent' ? [] : null;
}

async function resolveHosts(
  ctx: DnsContext,
  domain: string,
  hosts: MxHost[],
): Promise<ResolvedHost[] | null> {
  const resolved: ResolvedHost[] = [];
  let undecided = false;
  for (const host of hosts.slice(0, MAX_HOSTS)) {
    const answer = await ctx.lookup.addresses(host.exchange);
    if (answer.kind === 'failed') {
      noteFailedLookup(ctx, `MX of ${domain}`, 'A/AAAA', host.exchange, answer.code);
      undecided = true;
    }
    resolved.push({ ...host, addresses: answer.kind === 'found' ? answer.records : [] });
  }
  // A host that did not resolve because the lookup failed says nothing about the domain.
  if (undecided && !resolved.some((h) => h.addresses.length > 0)) return null;
  return resolved;
}

async function checkDomain(ctx: DnsContext, domain: string): Promise<MxOutcome | null> {
  const answer = await ctx.lookup.mx(domain);
  if (answer.kind === 'failed') {
    noteFailedLookup(ctx, `MX of ${domain}`, 'MX', domain, answer.code);
    return null;
  }
  if (answer.kind === 'absent') return { domain, state: 'none', implicit: await implicitMx(ctx, domain) };
  const hosts = answer.records.filter((h) => h.exchange !== '').sort((a, b) => a.priority - b.priority);
  if (hosts.length === 0) return { domain, state: 'null-mx', hosts: answer.records };
  const resolved = await resolveHosts(ctx, domain, hosts);
  if (resolved === null) return null;
  if (resolved.every((h) => h.addresses.length === 0))
    return { domain, state: 'unresolvable', hosts: resolved };
  const here = new Set(ctx.serverAddresses);
  const pointsHere = here.size === 0 ? null : resolved.some((h) => h.addresses.some((a) => here.has(a)));
  return { domain, state: 'published', hosts: resolved, pointsHere };
}

const hostList = (hosts: readonly MxHost[]) =>
  hosts.map((h) => `${h.priority} ${h.exchange === '' ? '.' : h.exchange}`).join(', ');

function metrics(outcomes: readonly MxOutcome[]): Record<string, number | string> {
  const out: Record<string, number | string> = { domains: outcomes.length };
  for (const o of outcomes) {
    out[`MX ${o.domain}`] = o.state === 'none' ? '(none)' : recordMetric(hostList(o.hosts));
    if (o.state === 'none' && o.implicit !== null && o.implicit.length > 0)
      out[`A/AAAA ${o.domain}`] = recordMetric(o.implicit.join(', '));
    if (o.state === 'published' || o.state === 'unresolvable')
      for (const h of o.hosts) out[`A/AAAA ${h.exchange}`] = recordMetric(h.addresses.join(', ') || '(none)');
  }
  return out;
}

const checks = (outcomes: readonly MxOutcome[]) => outcomes.map((o) => dig('MX', o.domain));

function implicitTarget(implicit: readonly string[], serverAddresses: readonly string[]): string {
  if (serverAddresses.length === 0) return 'which only works if that host runs this mail server';
  return implicit.some((a) => serverAddresses.includes(a))
    ? 'which is this server: mail arrives, but only from senders that still apply the fallback'
    : 'which is not one of this server’s addresses: mail for the domain does not arrive here';
}

function explainMissing(o: MxOutcome, serverAddresses: readonly string[]): string {
  if (o.state === 'null-mx')
    return `${o.domain}: a null MX (RFC 7505, "0 ."): the domain declares that it accepts no mail at all.`;
  if (o.state === 'unresolvable')
    return `${o.domain}: MX ${quoteRecord(hostList(o.hosts))}, but no MX host has an A or AAAA record, so no mail can be delivered.`;
  if (o.state !== 'none') return `${o.domain}: ${o.state}.`;
  const implicit =
    o.implicit === null
      ? 'whether the implicit MX (the domain’s own A/AAAA) exists could not be looked up'
      : o.implicit.length > 0
        ? `senders fall back to the implicit MX, the domain’s own A/AAAA (${quoteRecord(o.implicit.join(', '))}, RFC 5321 5.1), ${implicitTarget(o.implicit, serverAddresses)}`
        : 'the domain has no A/AAAA either, so no implicit MX: mail to it cannot be delivered';
  return `${o.domain}: no MX record; ${implicit}.`;
}

function missingFinding(bad: readonly MxOutcome[], ctx: DnsContext): Finding {
  const hostname = ctx.hostname;
  return dnsIssue({
    id: 'mx-missing',
    title: 'A mail domain has no usable MX record',
    severity: 'high',
    severityRule:
      'high: mail to the domain is then refused, or depends on the implicit-MX fallback to the domain’s own address, which many setups do not serve and some senders do not attempt',
    description: perDomain(
      'These domains hosted on the server have no usable MX record:',
      bad.map((o) => explainMissing(o, ctx.serverAddresses)),
    ),
    rootCause:
      'The MX record was never published (the web host’s zone template has none), was removed in a DNS move, or points to a host name without an address.',
    recommendation: {
      summary: `Publish an MX record naming the mail host for each domain, e.g. "${bad[0]?.domain ?? 'example.org'}. IN MX 10 ${hostname}.", and give ${hostname} an A/AAAA record.`,
      dockerMailserver: [...checks(bad), dig('A', hostname)],
      plainHost: [...checks(bad), dig('A', hostname)],
    },
    metrics: metrics(bad),
  });
}

function elsewhereFinding(other: readonly MxOutcome[], ctx: DnsContext): Finding {
  return dnsIssue({
    id: 'mx-not-this-server',
    title: 'No MX host resolves to this server',
    severity: 'info',
    severityRule:
      'info: right when a filtering gateway or another relay receives the mail and passes it on; otherwise mail for the domain never reaches this server',
    description: perDomain(
      `No MX host of these domains has one of the server's addresses (${ctx.serverAddresses.join(', ')}):`,
      other.map((o) => `${o.domain}: MX ${quoteRecord(o.state === 'none' ? '' : hostList(o.hosts))}.`),
    ),
    rootCause: 'The MX points to a gateway or an old server, or the server has moved to another address.',
    recommendation: {
      summary: `If no gateway relays for this server, point the MX at ${ctx.hostname}.`,
      dockerMailserver: checks(other),
      plainHost: checks(other),
    },
    metrics: metrics(other),
  });
}

function publishedFinding(good: readonly MxOutcome[]): Finding {
  return dnsPositive({
    id: 'mx-published',
    title: 'Every mail domain has an MX that reaches the server',
    description: perDomain(
      'Each domain has an MX record whose host resolves (to one of the server’s addresses, where they are known):',
      good.map((o) => `${o.domain}: MX ${quoteRecord(o.state === 'none' ? '' : hostList(o.hosts))}`),
    ),
    rootCause: 'The MX records are published.',
    recommendation: {
      summary: 'Keep the MX and the host name’s A/AAAA in step when the server moves.',
      dockerMailserver: checks(good),
      plainHost: checks(good),
    },
    metrics: metrics(good),
  });
}

/** `mx-missing`, the informational `mx-not-this-server`, or `mx-published` when every domain's MX reaches the server. */
export async function checkMx(ctx: DnsContext, domains: readonly string[]): Promise<Finding[]> {
  const answers = await Promise.all(domains.map((d) => checkDomain(ctx, d)));
  const outcomes = answers.filter((o): o is MxOutcome => o !== null);
  const missing = outcomes.filter((o) => o.state !== 'published');
  const elsewhere = outcomes.filter((o) => o.state === 'published' && o.pointsHere === false);
  const findings: Finding[] = [];
  if (missing.length > 0) findings.push(missingFinding(missing, ctx));
  if (elsewhere.length > 0) findings.push(elsewhereFinding(elsewhere, ctx));
  if (findings.length === 0 && outcomes.length > 0 && outcomes.length === domains.length)
    findings.push(publishedFinding(outcomes));
  return findings;
}
