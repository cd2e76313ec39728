import type { Finding } from '../../findings/finding.js';
import { shellQuote } from '../../findings/shell-quote.js';
import {
  type DkimKeyRecord,
  diskKey,
  dkimKeyRecords,
  publishedForm,
  publishedKeyMatches,
} from './dkim-key.js';
import { type DnsContext, noteFailedLookup } from './dns-context.js';
import { dig, dnsIssue, dnsPositive, perDomain, quoteRecord, recordMetrics, zoneTxt } from './dns-finding.js';
import type { DkimKeyOnDisk } from './dns-input.js';

type DkimState = 'match' | 'missing' | 'not-a-key' | 'revoked' | 'mismatch';

interface DkimOutcome {
  domain: string;
  name: string;
  key: DkimKeyOnDisk;
  state: DkimState;
  records: string[];
}

function judge(records: readonly string[], key: DkimKeyOnDisk): DkimState {
  const keys: DkimKeyRecord[] = dkimKeyRecords(records);
  if (keys.length === 0) return 'not-a-key';
  // With several key records a verifier may use any of them: all must hold the key.
  if (keys.every((k) => publishedKeyMatches(k.publicKey, key.publicKeyBase64))) return 'match';
  if (keys.some((k) => k.publicKey === '')) return 'revoked';
  return 'mismatch';
}

async function checkDomain(ctx: DnsContext, domain: string, key: DkimKeyOnDisk): Promise<DkimOutcome | null> {
  const name = `${key.selector}._domainkey.${domain}`;
  const answer = await ctx.lookup.txt(name);
  if (answer.kind === 'failed') {
    noteFailedLookup(ctx, `DKIM of ${domain}`, 'TXT', name, answer.code);
    return null;
  }
  const records = answer.kind === 'found' ? answer.records : [];
  return { domain, name, key, state: records.length === 0 ? 'missing' : judge(records, key), records };
}

function explain(o: DkimOutcome): string {
  const found = o.records.map(quoteRecord).join(', ');
  switch (o.state) {
    case 'missing':
      return `${o.domain}: no TXT record at ${o.name}.`;
    case 'not-a-key':
      return `${o.domain}: the TXT record(s) at ${o.name} hold no DKIM key (no p= tag, or not a tag=value; list): ${found}.`;
    case 'revoked':
      return `${o.domain}: the record at ${o.name} has an empty p=, which revokes the key: ${found}.`;
    default:
      return `${o.domain}: the key published at ${o.name} is not the key in ${o.key.keyFile}: ${found}.`;
  }
}

function metrics(outcomes: readonly DkimOutcome[]): Record<string, number | string> {
  const out: Record<string, number | string> = { domains: outcomes.length };
  for (const o of outcomes) Object.assign(out, recordMetrics(`TXT ${o.name}`, o.records));
  return out;
}

function keyBits(key: DkimKeyOnDisk): number | undefined {
  return diskKey(key.publicKeyBase64)?.asymmetricKeyDetails?.modulusLength;
}

function mismatchFinding(bad: readonly DkimOutcome[]): Finding {
  const publish = bad.map((o) => {
    const form = publishedForm(o.key.publicKeyBase64);
    return zoneTxt(o.name, `v=DKIM1; k=${form.keyType}; p=${form.p}`);
  });
  const commands = bad.flatMap((o) => [
    `openssl pkey -in ${shellQuote(o.key.keyFile)} -pubout -outform DER | openssl base64 -A; echo   # the p= the record must hold`,
    dig('TXT', o.name),
  ]);
  return dnsIssue({
    id: 'dkim-dns-mismatch',
    title: 'The DKIM key in DNS does not match the key the server signs with',
    severity: 'high',
    severityRule:
      'high: receivers cannot verify the DKIM signatures this server makes for the domain (no key published, another key, or a revoked one), so DMARC rests on SPF alone and forwarded mail fails it',
    description: perDomain(
      `The DKIM key published in DNS is missing or differs from the key on disk for ${bad.length} domain${bad.length === 1 ? '' : 's'}:`,
      bad.map(explain),
    ),
    rootCause:
      'The key was regenerated (or the selector changed) without publishing the new record, the record was never published, or it was pasted incompletely: a key longer than 255 characters must be split into several strings of one TXT record, not into several records.',
    recommendation: {
      summary: `Publish the key the server signs with, then check that DNS returns it:\n\n${publish.map((p) => `- ${p}`).join('\n')}`,
      dockerMailserver: commands,
      plainHost: commands,
    },
    metrics: metrics(bad),
  });
}

function publishedFinding(good: readonly DkimOutcome[]): Finding {
  const bits = good.map((o) => keyBits(o.key)).filter((b): b is number => b !== undefined);
  return dnsPositive({
    id: 'dkim-published',
    title: 'DKIM keys are published and match the keys on disk',
    description: perDomain(
      `The DKIM key of every domain with a key on disk is published and is the key the server signs with:`,
      good.map((o) => `${o.domain}: ${o.name}`),
    ),
    rootCause: 'The published records and the signing keys agree.',
    recommendation: {
      summary: 'When rotating a key, publish the new selector before signing with it.',
      dockerMailserver: good.map((o) => dig('TXT', o.name)),
      plainHost: good.map((o) => dig('TXT', o.name)),
    },
    metrics: { ...metrics(good), ...(bits.length > 0 ? { smallestKeyBits: Math.min(...bits) } : {}) },
  });
}

/** `dkim-dns-mismatch` for each domain whose key on disk is not what DNS publishes; `dkim-published` when all agree. */
export async function checkDkim(
  ctx: DnsContext,
  domains: readonly { domain: string; dkim: DkimKeyOnDisk | null }[],
): Promise<Finding[]> {
  const withKey = domains.filter((d): d is { domain: string; dkim: DkimKeyOnDisk } => d.dkim !== null);
  const answers = await Promise.all(withKey.map((d) => checkDomain(ctx, d.domain, d.dkim)));
  const outcomes = answers.filter((o): o is DkimOutcome => o !== null);
  const bad = outcomes.filter((o) => o.state !== 'match');
  if (bad.length > 0) return [mismatchFinding(bad)];
  if (outcomes.length > 0 && outcomes.length === withKey.length) return [publishedFinding(outcomes)];
  return [];
}
