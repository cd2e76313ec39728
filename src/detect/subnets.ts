import ipaddr from 'ipaddr.js';

/** The aggregation unit of an address: its IPv4 /24 or its IPv6 /64. */
export function subnetOf(ip: string): string {
  if (ip.includes(':')) {
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

/** Masks the last part of an address for public sharing: `198.51.100.x`, `2001:db8:1:2::x`. */
export function redactAddress(ip: string): string {
  if (ip.includes('/')) return ip;
  if (ip.includes(':'))
    return subnetOf(ip)
      .replace(/::\/64$/, '::x')
      .replace(/\/64$/, ':x');
  return `${ip.slice(0, ip.lastIndexOf('.'))}.x`;
}
