import ipaddr from 'ipaddr.js';

const cache = new Map<string, string | null>();
const CACHE_LIMIT = 50_000;

/**
 * Normalises a logged client address: IPv4 as a dotted quad, IPv6 lower-case and
 * compressed, IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as Courier logs) as IPv4.
 * Returns null when the text is no address (e.g. `unknown`).
 */
export function normalizeIp(text: string): string | null {
  if (isCanonicalIpv4(text)) return text;
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

/** A dotted quad without leading zeros: already normal, and by far the most common case. */
function isCanonicalIpv4(text: string): boolean {
  const n = text.length;
  if (n < 7 || n > 15) return false;
  let dots = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      dots++;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return false;
      value = value * 10 + (c - 48);
      if (++digits > 3) return false;
    } else return false;
  }
  return dots === 3 && digits > 0 && value <= 255;
}
