import ipaddr from 'ipaddr.js';

const HEXTET = /^[0-9a-f]{1,4}$/;

/**
 * The /64 of an IPv6 address in the normal form (lower case, no leading zeros),
 * without a full parse: its first four groups, trailing zero groups dropped, then
 * `::` (the four zero groups after them are always the longest run, so RFC 5952
 * compresses them). Null for anything else (an embedded IPv4 part, upper case),
 * which takes the full parse.
 */
function fastIpv6Prefix(ip: string): string | null {
  const gap = ip.indexOf('::');
  if (gap >= 0 && ip.indexOf('::', gap + 1) >= 0) return null;
  const head = gap < 0 ? ip.split(':') : gap === 0 ? [] : ip.slice(0, gap).split(':');
  const tail = gap < 0 || gap + 2 === ip.length ? [] : ip.slice(gap + 2).split(':');
  if (gap < 0 ? head.length !== 8 : head.length + tail.length > 7) return null;
  for (const g of head) if (!HEXTET.test(g) || (g.length > 1 && g[0] === '0')) return null;
  for (const g of tail) if (!HEXTET.test(g) || (g.length > 1 && g[0] === '0')) return null;
  const groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail].slice(0, 4);
  while (groups.length > 0 && groups[groups.length - 1] === '0') groups.pop();
  return `${groups.join(':')}::`;
}

/** A subnet is named in findings when at least this many of its addresses take part (`--subnet-min`). */
export const DEFAULT_SUBNET_MIN = 3;

/** The aggregation unit of an address: its IPv4 /24 or its IPv6 /64. */
export function subnetOf(ip: string): string {
  if (ip.includes(':')) {
    const fast = fastIpv6Prefix(ip);
    if (fast !== null) return `${fast}/64`;
    try {
      const parts = (ipaddr.parse(ip) as ipaddr.IPv6).parts.slice(0, 4);
      const prefix = ipaddr.IPv6.parse(`${parts.map((p) => p.toString(16)).join(':')}::`).toString();
      return `${prefix}/64`;
    } catch {
      return `${ip}/128`;
    }
  }
  const last = ip.lastIndexOf('.');
  return `${ip.slice(0, last)}.0/24`;
}

/**
 * A key equal for two addresses exactly when their `subnetOf` is: for a dotted quad
 * its first three octets as one number (no string is made), else the subnet's text.
 * Grouping many addresses by subnet then hashes small integers.
 */
export function subnetKey(ip: string): number | string {
  let key = 0;
  let octet = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (octet > 255) break;
      if (++dots === 3) return key * 256 + octet;
      key = key * 256 + octet;
      octet = 0;
    } else if (c >= 48 && c <= 57) octet = octet * 10 + (c - 48);
    else break;
  }
  return subnetOf(ip);
}

/** Masks the last part of an address for public sharing: `198.51.100.x`, `2001:db8:1:2::x`. */
export function redactAddress(ip: string): string {
  if (ip.includes('/')) return ip;
  if (ip.includes(':'))
    return subnetOf(ip)
      .replace(/::\/64$/, '::x')
      .replace(/\/64$/, ':x');
  return `${ip.slice(0, ip.lastIndexOf('.'))}.x`;
}
