/**
 * The address a failure is attributed to, written as fail2ban writes it
 * (server/ipdns.py, `IPAddr`): the captured text is parsed with the C
 * library's `inet_pton` (IPv4 first, then IPv6), an IPv4-mapped IPv6 address
 * (`::ffff:0:0/96`) becomes the IPv4 address, a `cidr` masks the address and is
 * appended when shorter than the full length, and the result is printed with
 * `inet_ntop` (lower case, the first longest run of zero groups compressed,
 * `::a.b.c.d` for the first 96 bits zero). Text that is not an address stays as
 * it was (fail2ban then uses it as a raw failure id).
 *
 * Host names (the `dns` group) go through `getaddrinfo` in fail2ban; the only
 * names it resolves without the network are the numeric forms of `inet_aton`
 * (`1.2.3` is 1.2.0.3, `0x7f.1` is 127.0.0.1), which `numericHost` reproduces.
 */

export const FAM_IPV4 = -4;
export const FAM_IPV6 = -12;
export const CIDR_UNSPEC = -1;

export interface FailAddress {
  /** inet_ntop form (with /plen when masked), or the raw text when not an address. */
  text: string;
  valid: boolean;
  family: 4 | 6 | null;
}

/** glibc inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
export function parseIPv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const p of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/** glibc inet_pton(AF_INET6): eight 16-bit words, or null. */
export function parseIPv6(s: string): number[] | null {
  if (s.length === 0) return null;
  let rest = s;
  let tail4: number | null = null;
  const lastColon = rest.lastIndexOf(':');
  if (rest.includes('.', lastColon)) {
    tail4 = parseIPv4(rest.slice(lastColon + 1));
    if (tail4 === null) return null;
    rest = `${rest.slice(0, lastColon + 1)}0:0`;
  }
  const double = rest.indexOf('::');
  if (double >= 0 && rest.indexOf('::', double + 1) >= 0) return null;
  const parseWords = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const w of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
      out.push(Number.parseInt(w, 16));
    }
    return out;
  };
  let words: number[];
  if (double >= 0) {
    const head = parseWords(rest.slice(0, double));
    const tail = parseWords(rest.slice(double + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseWords(rest);
    if (all?.length !== 8) return null;
    words = all;
  }
  if (tail4 !== null) {
    words[6] = Math.floor(tail4 / 65536);
    words[7] = tail4 % 65536;
  }
  return words;
}

export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** glibc inet_ntop(AF_INET6). */
export function formatIPv6(words: readonly number[]): string {
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (cur.base === -1) cur = { base: i, len: 1 };
      else cur.len++;
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += formatIPv4(words[6]! * 65536 + words[7]!);
      return out;
    }
    out += words[i]!.toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ':';
  return out;
}

function maskV4(value: number, plen: number): number {
  if (plen >= 32) return value;
  if (plen <= 0) return 0;
  return Number((BigInt(value) >> BigInt(32 - plen)) << BigInt(32 - plen));
}

function maskV6(words: number[], plen: number): number[] {
  return words.map((w, i) => {
    const bitsBefore = i * 16;
    if (plen >= bitsBefore + 16) return w;
    if (plen <= bitsBefore) return 0;
    const keep = plen - bitsBefore;
    return (w >> (16 - keep)) << (16 - keep);
  });
}

/**
 * fail2ban's `IPAddr(text, cidr)`: `cidr` is FAM_IPV4 / FAM_IPV6 (the address
 * comes from an `ip4`/`ip6` group), CIDR_UNSPEC (any family; brackets and a
 * `/mask` suffix are understood), or a prefix length from a `cidr` group.
 */
export function failAddress(raw: string, cidr: number = CIDR_UNSPEC): FailAddress {
  let ipstr = raw;
  let plen = cidr;
  if (cidr === CIDR_UNSPEC) {
    if (ipstr.length > 2 && ipstr.startsWith('[') && ipstr.endsWith(']')) ipstr = ipstr.slice(1, -1);
    const slash = ipstr.indexOf('/');
    if (slash >= 0) {
      const mask = ipstr.slice(slash + 1);
      ipstr = ipstr.slice(0, slash);
      if (mask.includes('/')) return { text: raw, valid: false, family: null };
      if (mask.includes('.') || mask.includes(':')) {
        const m = maskLength(mask);
        if (m === null) return { text: raw, valid: false, family: null };
        plen = m;
      } else if (/^\s*[+-]?\d+\s*$/.test(mask)) plen = Number(mask);
      else return { text: raw, valid: false, family: null };
    }
  }
  const tryV4 = cidr !== FAM_IPV6;
  const tryV6 = cidr !== FAM_IPV4;
  const v4 = tryV4 ? parseIPv4(ipstr) : null;
  if (v4 !== null) {
    const masked = plen >= 0 ? maskV4(v4, plen) : v4;
    const suffix = plen > 0 && plen < 32 ? `/${plen}` : '';
    return { text: formatIPv4(masked) + suffix, valid: true, family: 4 };
  }
  const v6 = tryV6 ? parseIPv6(ipstr) : null;
  if (v6 !== null) {
    if (plen >= 0) {
      const suffix = plen > 0 && plen < 128 ? `/${plen}` : '';
      return { text: formatIPv6(maskV6(v6, plen)) + suffix, valid: true, family: 6 };
    }
    if (v6.slice(0, 5).every((w) => w === 0) && v6[5] === 0xffff)
      return { text: formatIPv4(v6[6]! * 65536 + v6[7]!), valid: true, family: 4 };
    return { text: formatIPv6(v6), valid: true, family: 6 };
  }
  return { text: cidr === CIDR_UNSPEC ? ipstr : raw, valid: false, family: null };
}

/** The prefix length of a netmask written as an address (fail2ban's `masktoplen`), or null. */
function maskLength(mask: string): number | null {
  const v4 = parseIPv4(mask);
  if (v4 !== null) {
    for (let plen = 0; plen <= 32; plen++) if (maskV4(0xffffffff, plen) === v4) return plen;
    return null;
  }
  const v6 = parseIPv6(mask);
  if (v6 !== null) {
    const full = new Array<number>(8).fill(0xffff);
    for (let plen = 0; plen <= 128; plen++) if (maskV6(full, plen).every((w, i) => w === v6[i])) return plen;
  }
  return null;
}

/** The IPv4 address `getaddrinfo` reads from a numeric host (inet_aton's forms), or null. */
export function numericHost(text: string): string | null {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  const values: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) n = Number.parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = Number.parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) n = Number(p);
    else return null;
    if (!Number.isSafeInteger(n)) return null;
    values.push(n);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255)) return null;
  const room = 2 ** (8 * (4 - values.length));
  if (last >= room) return null;
  let value = 0;
  for (const v of values) value = value * 256 + v;
  value = value * room + last;
  return formatIPv4(value);
}
