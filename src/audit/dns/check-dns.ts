import type { Finding } from '../../findings/finding.js';
import { normalizeIp } from '../../parse/address.js';
import { checkDkim } from './dkim-check.js';
import { checkDmarc } from './dmarc-check.js';
import type { DnsContext } from './dns-context.js';
import type { DnsCheckInput } from './dns-input.js';
import { canonicalName, DEFAULT_TIMEOUT_MS, DnsLookup, describeFailure } from './lookup.js';
import { checkMx } from './mx-check.js';
import { checkPtr } from './ptr-check.js';
import { parseResolver } from './resolver-address.js';
import { checkSpf } from './spf-check.js';

export type { DkimKeyOnDisk, DnsCheckInput } from './dns-input.js';

export interface DnsCheckResult {
  findings: Finding[];
  notes: string[];
}

export interface DnsCheckOptions {
  /** Longest wait for any one answer, in milliseconds (default 5000). */
  timeoutMs?: number;
}

/** The server's addresses: as given, else the host name's A/AAAA; noted when neither gives any. */
async function serverAddresses(lookup: DnsLookup, input: DnsCheckInput, hostname: string, notes: string[]) {
  const given: string[] = [];
  for (const text of input.serverAddresses) {
    const address = normalizeIp(text.trim());
    if (address === null) notes.push(`Server address ${JSON.stringify(text)} is not an IP address; ignored.`);
    else if (!given.includes(address)) given.push(address);
  }
  if (given.length > 0 || hostname === '') return given;
  const answer = await lookup.addresses(hostname);
  if (answer.kind === 'found') return [...new Set(answer.records)];
  notes.push(
    answer.kind === 'failed'
      ? `Reverse DNS not checked: the A/AAAA lookup of ${hostname} failed (${describeFailure(answer.code)}), and no server address was given.`
      : `Reverse DNS not checked: ${hostname} has no A/AAAA record and no server address was given.`,
  );
  return [];
}

/**
 * The DNS side of the configuration audit: DKIM keys against the keys on disk,
 * SPF, DMARC, reverse DNS and MX, asked of one resolver (`ADDR[:PORT]`). A resolver
 * that cannot be reached gives no findings and a note saying why.
 */
export async function checkDns(
  input: DnsCheckInput,
  resolver: string,
  options: DnsCheckOptions = {},
): Promise<DnsCheckResult> {
  let server: string;
  try {
    server = parseResolver(resolver).server;
  } catch (error) {
    return { findings: [], notes: [`DNS checks skipped: ${(error as Error).message}.`] };
  }
  const hostname = canonicalName(input.hostname.trim());
  const domains = [
    ...new Set(input.domains.map((d) => canonicalName(d.domain.trim())).filter((d) => d !== '')),
  ];
  const lookup = new DnsLookup(server, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    // Any answer, NXDOMAIN included, shows the resolver is there and willing to answer.
    const probeName = hostname || domains[0] || 'localhost';
    const probe = await lookup.a(probeName);
    if (probe.kind === 'failed') {
      return {
        findings: [],
        notes: [
          `DNS checks skipped: the resolver ${server} gave no usable answer to the A query for ${probeName} (${describeFailure(probe.code)}).`,
        ],
      };
    }
    const notes: string[] = [];
    const ctx: DnsContext = {
      lookup,
      notes,
      hostname,
      serverAddresses: await serverAddresses(lookup, input, hostname, notes),
    };
    const dkimDomains = input.domains.map((d) => ({ domain: canonicalName(d.domain.trim()), dkim: d.dkim }));
    const findings = [
      ...(await checkDkim(ctx, dkimDomains)),
      ...(await checkSpf(ctx, domains)),
      ...(await checkDmarc(ctx, domains)),
      ...(await checkPtr(ctx)),
      ...(await checkMx(ctx, domains)),
    ];
    return { findings, notes };
  } finally {
    lookup.close();
  }
}
