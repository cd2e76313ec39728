import { isIP } from 'node:net';
import type { Finding } from '../../findings/finding.js';
import { shellQuote } from '../../findings/shell-quote.js';
import { type DnsContext, noteFailedLookup } from './dns-context.js';
import { dig, dnsIssue, dnsPositive, perDomain, quoteRecord, recordMetric } from './dns-finding.js';

interface PtrOutcome {
  address: string;
  /** The PTR names, lower-cased, without the root dot. */
  names: string[];
  /** The PTR names whose A/AAAA include the address (forward-confirmed). */
  confirmed: string[];
}

/** Whether `name`'s A (or AAAA) records include `address`; null (noted) when the lookup failed. */
async function forwardConfirms(ctx: DnsContext, name: string, address: string): Promise<boolean | null> {
  const v6 = isIP(address) === 6;
  const answer = v6 ? await ctx.lookup.aaaa(name) : await ctx.lookup.a(name);
  if (answer.kind === 'failed') {
    noteFailedLookup(ctx, `Reverse DNS of ${address}`, v6 ? 'AAAA' : 'A', name, answer.code);
    return null;
  }
  return answer.kind === 'found' && answer.records.includes(address);
}

async function checkAddress(ctx: DnsContext, address: string): Promise<PtrOutcome | null> {
  const answer = await ctx.lookup.ptr(address);
  if (answer.kind === 'failed') {
    noteFailedLookup(ctx, `Reverse DNS of ${address}`, 'PTR', address, answer.code);
    return null;
  }
  const names = answer.kind === 'found' ? answer.records : [];
  const confirmed: string[] = [];
  // A PTR set may be long; the host name and the first few names are enough to explain a mismatch.
  const toConfirm = [...new Set([...names.filter((n) => n === ctx.hostname), ...names.slice(0, 4)])];
  for (const name of toConfirm) {
    const confirms = await forwardConfirms(ctx, name, address);
    if (confirms === null) return null;
    if (confirms) confirmed.push(name);
  }
  return { address, names, confirmed };
}

function explain(o: PtrOutcome, hostname: string): string {
  if (o.names.length === 0) return `${o.address}: no PTR record.`;
  const named = o.names.map(quoteRecord).join(', ');
  if (!o.names.includes(hostname))
    return `${o.address}: the PTR names ${named}, not ${hostname}${o.confirmed.length > 0 ? '' : ', and no PTR name resolves back to the address'}.`;
  return `${o.address}: the PTR names ${hostname}, but ${hostname} does not resolve back to ${o.address} (forward-confirmed reverse DNS fails).`;
}

function metrics(outcomes: readonly PtrOutcome[]): Record<string, number | string> {
  const out: Record<string, number | string> = { addresses: outcomes.length };
  for (const o of outcomes)
    out[`PTR ${o.address}`] = o.names.length > 0 ? recordMetric(o.names.join(', ')) : '(none)';
  return out;
}

function commands(outcomes: readonly PtrOutcome[], hostname: string): string[] {
  return [
    ...outcomes.map((o) => `dig +short -x ${shellQuote(o.address)}`),
    dig('A', hostname),
    dig('AAAA', hostname),
  ];
}

function mismatchFinding(bad: readonly PtrOutcome[], hostname: string): Finding {
  return dnsIssue({
    id: 'ptr-mismatch',
    title: 'Reverse DNS does not name the mail host',
    severity: 'medium',
    severityRule:
      'medium: many receivers score or refuse mail from an address whose PTR does not name the sending host or does not resolve back to it (Postfix: reject_unknown_client_hostname); mail still flows to the rest',
    description: perDomain(
      `The reverse DNS of the server's address does not confirm the mail host name ${hostname}:`,
      bad.map((o) => explain(o, hostname)),
    ),
    rootCause:
      'The PTR record is set by whoever holds the address block (the hosting provider), not in the domain’s zone: it still carries the provider’s generic name, or the host name and its A/AAAA record changed without it.',
    recommendation: {
      summary: `In the provider's panel (reverse DNS / rDNS), set the PTR of each address to ${hostname}, give ${hostname} an A/AAAA record with that address, and keep the server's own name (myhostname, the HELO name) the same.`,
      dockerMailserver: [
        ...commands(bad, hostname),
        'docker exec mailserver postconf -h myhostname   # set by hostname: in compose.yaml',
      ],
      plainHost: [...commands(bad, hostname), 'postconf -h myhostname'],
    },
    metrics: metrics(bad),
  });
}

function confirmedFinding(good: readonly PtrOutcome[], hostname: string): Finding {
  return dnsPositive({
    id: 'ptr-confirmed',
    title: 'Reverse DNS names the mail host and resolves back',
    description: perDomain(
      `Every server address has a PTR naming ${hostname}, whose A/AAAA records include the address:`,
      good.map((o) => o.address),
    ),
    rootCause: 'The PTR records and the host name agree.',
    recommendation: {
      summary: 'Check the PTR again whenever the server moves to another address.',
      dockerMailserver: commands(good, hostname),
      plainHost: commands(good, hostname),
    },
    metrics: metrics(good),
  });
}

/** `ptr-mismatch` for addresses whose reverse DNS does not confirm the host name; `ptr-confirmed` when all do. */
export async function checkPtr(ctx: DnsContext): Promise<Finding[]> {
  if (ctx.serverAddresses.length === 0) return [];
  const answers = await Promise.all(ctx.serverAddresses.map((a) => checkAddress(ctx, a)));
  const outcomes = answers.filter((o): o is PtrOutcome => o !== null);
  const bad = outcomes.filter((o) => !o.confirmed.includes(ctx.hostname));
  if (bad.length > 0) return [mismatchFinding(bad, ctx.hostname)];
  if (outcomes.length === ctx.serverAddresses.length) return [confirmedFinding(outcomes, ctx.hostname)];
  return [];
}
