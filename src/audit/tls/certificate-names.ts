/**
 * The names a certificate is for, and whether a host name is among them. Every
 * name comes from the certificate, which anyone can write: it is data, never
 * interpreted beyond the comparison.
 */
import { isIP } from 'node:net';

/** One subjectAltName entry as Node prints it: `DNS:mail.example.org` or `IP Address:192.0.2.1`. */
interface AltName {
  type: string;
  value: string;
}

/**
 * Splits Node's `subjectAltName` text (`DNS:a, DNS:b, IP Address:c`). A value holding
 * a comma, quote or control character is printed as a JSON string, which is read back.
 */
export function parseSubjectAltName(text: string | undefined): AltName[] {
  const entries: AltName[] = [];
  if (!text) return entries;
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon);
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      let end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      } catch {
        value = text.slice(colon + 2, end);
      }
      next = text.indexOf(', ', end);
    } else {
      next = text.indexOf(', ', colon + 1);
      value = text.slice(colon + 1, next < 0 ? text.length : next);
    }
    entries.push({ type, value });
    if (next < 0) break;
    i = next + 2;
  }
  return entries;
}

/** Common names of a subject as Node prints it (one `KEY=value` per line, RFC 2253 escapes). */
export function commonNames(subject: string): string[] {
  return subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3).replace(/\\(.)/g, '$1'));
}

/**
 * DNS names and IP addresses of the subjectAltName; the subject's common name only
 * when the subjectAltName has no DNS name (as RFC 6125 and Node's checkHost do).
 */
export function certificateNames(subject: string, subjectAltName: string | undefined): string[] {
  const alt = parseSubjectAltName(subjectAltName);
  const dns = alt.filter((a) => a.type === 'DNS').map((a) => a.value);
  const ips = alt.filter((a) => a.type === 'IP Address').map((a) => a.value);
  return dns.length > 0 ? [...dns, ...ips] : [...commonNames(subject), ...ips];
}

function normaliseHost(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * Whether `host` is covered by `names` per RFC 6125: exact match ignoring case and a
 * trailing dot, or a wildcard that is the whole left-most label (`*.example.org`) and
 * stands for exactly one label; never a wildcard for an IP address, and never a
 * wildcard over a public suffix-like two-label name (`*.org`).
 */
export function namesCoverHost(names: readonly string[], host: string): boolean {
  const wanted = normaliseHost(host);
  if (isIP(wanted)) return names.some((n) => isIP(n) && sameAddress(n, wanted));
  const dot = wanted.indexOf('.');
  return names.some((raw) => {
    const name = normaliseHost(raw);
    if (name === wanted) return true;
    if (!name.startsWith('*.')) return false;
    const suffix = name.slice(1);
    if (suffix.indexOf('.', 1) < 0 || suffix.includes('*')) return false;
    return dot > 0 && wanted.slice(dot) === suffix;
  });
}

function sameAddress(a: string, b: string): boolean {
  return expandAddress(a) === expandAddress(b);
}

/** IPv6 in its full eight-group form, so that `::1` and `0:0:0:0:0:0:0:1` compare equal. */
function expandAddress(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right]
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':');
}
