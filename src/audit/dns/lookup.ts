import { promises as dns } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { normalizeIp } from '../../parse/address.js';

/**
 * The outcome of one query, keeping apart what DNS says does not exist (NXDOMAIN,
 * or a name without records of that type) from a query that got no usable answer:
 * only the first may be reported as a missing record.
 */
export type Lookup<T> =
  | { kind: 'found'; records: T[] }
  | { kind: 'absent'; code: 'ENOTFOUND' | 'ENODATA' }
  | { kind: 'failed'; code: string };

export interface MxHost {
  exchange: string;
  priority: number;
}

export const DEFAULT_TIMEOUT_MS = 5_000;

/** A lowered host name without the root dot, for comparing names. */
export function canonicalName(name: string): string {
  const lowered = name.toLowerCase();
  return lowered.endsWith('.') ? lowered.slice(0, -1) : lowered;
}

/** `10.0.0.127.in-addr.arpa` / the nibble form under `ip6.arpa`, or null for a non-address. */
export function reverseName(address: string): string | null {
  const normal = normalizeIp(address);
  if (normal === null) return null;
  const bytes = ipaddr.parse(normal).toByteArray();
  if (bytes.length === 4) return `${bytes.reverse().join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const byte of bytes) nibbles.push((byte >> 4).toString(16), (byte & 15).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/**
 * Queries one resolver, each query bounded by the timeout whatever the resolver
 * library's own retry schedule does. `close()` cancels what is still in flight.
 */
export class DnsLookup {
  private readonly resolver: dns.Resolver;

  constructor(
    server: string,
    private readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {
    // Two tries inside the deadline: one lost UDP datagram should not fail a check.
    this.resolver = new dns.Resolver({ timeout: Math.max(1, Math.ceil(timeoutMs / 2)), tries: 2 });
    this.resolver.setServers([server]);
  }

  /** TXT records, each one's strings joined without separator (RFC 7208 3.3, RFC 6376 3.6.2.2). */
  txt(name: string): Promise<Lookup<string>> {
    return this.query(
      () => this.resolver.resolveTxt(name),
      (chunks) => chunks.join(''),
    );
  }

  /** MX records; a null MX (RFC 7505) has the exchange `''`. */
  mx(name: string): Promise<Lookup<MxHost>> {
    return this.query(
      () => this.resolver.resolveMx(name),
      (r) => ({ exchange: canonicalName(r.exchange), priority: r.priority }),
    );
  }

  a(name: string): Promise<Lookup<string>> {
    return this.query(
      () => this.resolver.resolve4(name),
      (a) => normalizeIp(a) ?? a,
    );
  }

  aaaa(name: string): Promise<Lookup<string>> {
    return this.query(
      () => this.resolver.resolve6(name),
      (a) => normalizeIp(a) ?? a,
    );
  }

  /** A and AAAA together: found when either has records, failed when neither has and one failed. */
  async addresses(name: string): Promise<Lookup<string>> {
    const both = await Promise.all([this.a(name), this.aaaa(name)]);
    const records = both.flatMap((r) => (r.kind === 'found' ? r.records : []));
    if (records.length > 0) return { kind: 'found', records };
    for (const r of both) if (r.kind === 'failed') return r;
    // Neither found nor failed: both absent, and an NXDOMAIN for A is one for AAAA too.
    return both[0].kind === 'absent' ? both[0] : { kind: 'absent', code: 'ENODATA' };
  }

  /**
   * PTR names of an address. Queried as PTR of the reverse name rather than with
   * `Resolver.reverse`, which reports an unreachable resolver as ENOTFOUND.
   */
  ptr(address: string): Promise<Lookup<string>> {
    const name = reverseName(address);
    if (name === null) return Promise.resolve({ kind: 'failed', code: 'EBADADDRESS' });
    return this.query(() => this.resolver.resolvePtr(name), canonicalName);
  }

  close(): void {
    this.resolver.cancel();
  }

  private async query<R, T>(run: () => Promise<R[]>, map: (record: R) => T): Promise<Lookup<T>> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Lookup<T>>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'failed', code: 'ETIMEOUT' }), this.timeoutMs);
    });
    const answer = run().then(
      (records): Lookup<T> =>
        records.length > 0
          ? { kind: 'found', records: records.map(map) }
          : { kind: 'absent', code: 'ENODATA' },
      (error: unknown): Lookup<T> => {
        const code = errorCode(error);
        return code === 'ENOTFOUND' || code === 'ENODATA'
          ? { kind: 'absent', code }
          : { kind: 'failed', code };
      },
    );
    try {
      return await Promise.race([answer, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** What a failed lookup's code means, for notes. */
export function describeFailure(code: string): string {
  switch (code) {
    case 'ETIMEOUT':
      return 'no answer within the timeout';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'EREFUSED':
      return 'the resolver refused the query';
    case 'ESERVFAIL':
      return 'the resolver answered SERVFAIL';
    case 'ECANCELLED':
      return 'the query was cancelled';
    case 'EBADADDRESS':
      return 'not an IP address';
    default:
      return code;
  }
}
