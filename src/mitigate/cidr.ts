import ipaddr from 'ipaddr.js';

/** An IPv4 or IPv6 network: the address bits as a number, host bits zero. */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

export function familyBits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function mask(family: 4 | 6, prefix: number): bigint {
  const bits = BigInt(familyBits(family));
  const host = bits - BigInt(prefix);
  return ((1n << bits) - 1n) ^ ((1n << host) - 1n);
}

function bytesToBigint(bytes: number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function bigintToBytes(n: bigint, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = count - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/**
 * Reads an address or a network: `192.0.2.7`, `192.0.2.0/24`, `2001:db8::/32`,
 * and the bracketed IPv6 of Postfix network lists (`[2001:db8::]/32`). IPv4-mapped
 * IPv6 becomes IPv4. Host bits below the prefix are cleared, as Postfix reads
 * them. Returns null for anything else (host names, `type:table`, `$name`).
 */
export function parseCidr(text: string): Cidr | null {
  let t = text.trim();
  let prefixText: string | undefined;
  const slash = t.lastIndexOf('/');
  if (slash >= 0) {
    prefixText = t.slice(slash + 1);
    t = t.slice(0, slash);
    if (!/^\d{1,3}$/.test(prefixText)) return null;
  }
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (!ipaddr.isValid(t)) return null;
  let parsed = ipaddr.parse(t);
  let prefix = prefixText === undefined ? undefined : Number(prefixText);
  if (parsed.kind() === 'ipv4') {
    // ipaddr.js accepts legacy forms such as `127.1`; only dotted quads are addresses here.
    if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(t)) return null;
  } else if ((parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    if (prefix !== undefined) {
      if (prefix < 96) return null;
      prefix -= 96;
    }
  }
  const family = parsed.kind() === 'ipv4' ? 4 : 6;
  const bits = familyBits(family);
  const p = prefix ?? bits;
  if (p > bits) return null;
  return { family, network: bytesToBigint(parsed.toByteArray()) & mask(family, p), prefix: p };
}

/** The network of one address (/32 or /128), or null when the text is no address. */
export function hostCidr(address: string): Cidr | null {
  if (address.includes('/')) return null;
  return parseCidr(address);
}

/** The address part alone: `192.0.2.0`, `2001:db8::`. */
export function formatAddress(c: Cidr): string {
  if (c.family === 4) return bigintToBytes(c.network, 4).join('.');
  return ipaddr.fromByteArray(bigintToBytes(c.network, 16)).toString();
}

/** `192.0.2.0/24`, `2001:db8::/48`; a single address keeps its `/32` or `/128`. */
export function formatCidr(c: Cidr): string {
  return `${formatAddress(c)}/${c.prefix}`;
}

/** A single address is written bare (`192.0.2.7`), a network with its prefix. */
export function formatShort(c: Cidr): string {
  return c.prefix === familyBits(c.family) ? formatAddress(c) : formatCidr(c);
}

export function isHost(c: Cidr): boolean {
  return c.prefix === familyBits(c.family);
}

/** The network of `prefix` bits that holds `c` (never narrower than `c`). */
export function supernet(c: Cidr, prefix: number): Cidr {
  const p = Math.min(prefix, c.prefix);
  return { family: c.family, network: c.network & mask(c.family, p), prefix: p };
}

/** Whether `outer` holds every address of `inner`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    outer.prefix <= inner.prefix &&
    (inner.network & mask(outer.family, outer.prefix)) === outer.network
  );
}

/** Whether two networks share an address (for aligned networks: one holds the other). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

export function sameCidr(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.prefix === b.prefix && a.network === b.network;
}

/** IPv4 before IPv6, then by address, then the wider network first. */
export function compareCidr(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.network !== b.network) return a.network < b.network ? -1 : 1;
  return a.prefix - b.prefix;
}
