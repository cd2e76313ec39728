import { type Cidr, formatShort, overlaps, parseCidr } from './cidr.js';

/**
 * Why a network may never be blocked. `strength` says whether an entry already
 * in the map is removed for it (`explicit`: the administrator's allowlist,
 * mynetworks, private ranges, a client every connection appears as) or only
 * kept from being added (`observed`: what the logs show of a client, which an
 * earlier run may have seen otherwise).
 */
export interface Protection {
  cidr: Cidr;
  reason: string;
  strength: 'explicit' | 'observed';
}

/** Loopback, private, link-local, shared (CGNAT) and unspecified ranges. */
export const PRIVATE_RANGES: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

export class ProtectedSet {
  private readonly items: Protection[] = [];

  add(cidr: Cidr, reason: string, strength: Protection['strength'] = 'explicit'): void {
    this.items.push({ cidr, reason, strength });
  }

  /** The first protection that shares an address with `cidr` (explicit ones first), or undefined. */
  find(cidr: Cidr, only?: Protection['strength']): Protection | undefined {
    let observed: Protection | undefined;
    for (const p of this.items) {
      if (only !== undefined && p.strength !== only) continue;
      if (!overlaps(p.cidr, cidr)) continue;
      if (p.strength === 'explicit') return p;
      observed ??= p;
    }
    return observed;
  }

  get size(): number {
    return this.items.length;
  }
}

export function addPrivateRanges(set: ProtectedSet): void {
  for (const text of PRIVATE_RANGES)
    set.add(parseCidr(text)!, `private or loopback range ${text} (give --include-private to block there)`);
}

/** An allowlist file: one address or network per line; `#` starts a comment. Throws naming the line. */
export function parseAllowlist(text: string, file: string): { cidr: Cidr; line: number }[] {
  const out: { cidr: Cidr; line: number }[] = [];
  text.split('\n').forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const entry = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (entry === '') return;
    const cidr = parseCidr(entry);
    if (!cidr)
      throw new Error(`${file}:${i + 1}: "${entry.slice(0, 60)}" is not an address or network (CIDR)`);
    out.push({ cidr, line: i + 1 });
  });
  return out;
}

/**
 * The networks of a (expanded) mynetworks value. Entries that are not
 * addresses (`/file/name`, `type:table`, host names) cannot be checked here and
 * come back as `unread`.
 */
export function mynetworksRanges(value: string): { cidrs: Cidr[]; unread: string[] } {
  const cidrs: Cidr[] = [];
  const unread: string[] = [];
  for (const token of value.split(/[\s,]+/)) {
    if (token === '') continue;
    const cidr = parseCidr(token);
    if (cidr) cidrs.push(cidr);
    else unread.push(token);
  }
  return { cidrs, unread };
}

export function describeProtection(p: Protection): string {
  return `${formatShort(p.cidr)}: ${p.reason}`;
}
