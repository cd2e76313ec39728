import ipaddr from 'ipaddr.js';

const cache = new Map<string, string | null>();
const CACHE_LIMIT = 50_000;

/**
 * Normalises a logged client address: IPv4 as a dotted quad, IPv6 lower-case and
 * compressed, IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as Courier logs) as IPv4.
 * Returns null when the text is no address (e.g. `unknown`).
 */
export function normalizeIp(text: string): string | null {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  let raw = text;
  if (raw.startsWith('IPv6:') || raw.startsWith('ipv6:')) raw = raw.slice(5);
  const zone = raw.indexOf('%');
  if (zone >= 0) raw = raw.slice(0, zone);
  let result: string | null = null;
  if (ipaddr.isValid(raw)) {
    const parsed = ipaddr.parse(raw);
    if (parsed.kind() === 'ipv6') {
      const v6 = parsed as ipaddr.IPv6;
      result = v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toString();
    } else if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(raw)) {
      // ipaddr.js accepts legacy forms such as `127.1`; logs only ever hold dotted quads.
      result = parsed.toString();
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, result);
  return result;
}
