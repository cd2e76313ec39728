/**
 * Address pools of the generated traffic. Every address is text in a log line only:
 * nothing here is ever used for network traffic.
 *
 * - attackers, IPv4: 100.64.0.0/10 (RFC 6598 shared address space) except 100.127.0.0/16,
 *   spread over its 16,128 /24s; host parts .1 to .254
 * - campaigns: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737), then 100.127.N.0/24
 * - attackers, IPv6: 2001:db8:8000::/33 (RFC 3849, upper half)
 * - legitimate clients, IPv4: 10.0.0.0/8; IPv6: 2001:db8:4000::/34
 * - the server keeps its recorded 127.0.0.1 (IPv4) and is 2001:db8::25 towards IPv6 clients
 */
import { hash32 } from './prng.js';

export const ATTACKER_V4_RANGE = '100.64.0.0/10 without 100.127.0.0/16';
export const ATTACKER_V6_RANGE = '2001:db8:8000::/33';
export const LEGIT_V4_RANGE = '10.0.0.0/8';
export const LEGIT_V6_RANGE = '2001:db8:4000::/34';
export const CAMPAIGN_RANGES = '192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, then 100.127.N.0/24';
export const SERVER_V6 = '2001:db8::25';

/** A keyed bijection on [0, 2^bits) (a balanced Feistel network, bits even). */
export class FeistelPermutation {
  private readonly half: number;
  private readonly mask: number;
  private readonly keys: number[];

  constructor(bits: number, seed: number, rounds = 4) {
    if (bits % 2 !== 0 || bits > 30) throw new Error('FeistelPermutation needs an even bit count up to 30');
    this.half = bits / 2;
    this.mask = (1 << this.half) - 1;
    this.keys = Array.from({ length: rounds }, (_, i) => hash32(seed, bits, i));
  }

  map(x: number): number {
    let left = x >>> this.half;
    let right = x & this.mask;
    for (const key of this.keys) {
      const next = left ^ (hash32(right, key) & this.mask);
      left = right;
      right = next;
    }
    return ((left << this.half) | right) >>> 0;
  }

  /** A bijection on [0, size) for size <= 2^bits, by cycle walking. */
  mapWithin(x: number, size: number): number {
    if (x >= size) throw new Error(`index ${x} outside a pool of ${size}`);
    let y = this.map(x);
    while (y >= size) y = this.map(y);
    return y;
  }
}

/** RFC 5952 text of eight 16-bit groups: lower case, no leading zeros, the longest zero run (of two or more) as `::`. */
export function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

/** Interface identifiers as hosts really have them: small static ones and random (privacy/SLAAC) ones. */
function interfaceId(h: number): number[] {
  const form = h % 4;
  if (form === 0) return [0, 0, 0, 1 + (hash32(h, 1) % 0xfffe)];
  if (form === 1) return [0, 0, 0, 1 + (hash32(h, 2) % 0xff)];
  const a = hash32(h, 3);
  const b = hash32(h, 4);
  return [(a >>> 16) | 0x0200, a & 0xffff, b >>> 16, (b & 0xffff) | 1];
}

const ATTACKER_V4_BLOCKS = 63 * 256; // 100.64.0.0 - 100.126.255.0
const ATTACKER_V4_SIZE = ATTACKER_V4_BLOCKS * 254;
const LEGIT_V4_SIZE = 65536 * 254;

/** Distinct indices give distinct addresses; the order is scattered over the pool by the seed. */
export class AddressPools {
  private readonly attackerV4: FeistelPermutation;
  private readonly legitV4: FeistelPermutation;
  private readonly attackerV6: FeistelPermutation;
  private readonly legitV6: FeistelPermutation;

  constructor(private readonly seed: number) {
    this.attackerV4 = new FeistelPermutation(22, hash32(seed, 0xa4));
    this.legitV4 = new FeistelPermutation(24, hash32(seed, 0x14));
    this.attackerV6 = new FeistelPermutation(30, hash32(seed, 0xa6));
    this.legitV6 = new FeistelPermutation(30, hash32(seed, 0x16));
  }

  attackerV4Address(index: number): string {
    const x = this.attackerV4.mapWithin(index, ATTACKER_V4_SIZE);
    const block = Math.floor(x / 254);
    const host = (x % 254) + 1;
    return `100.${64 + (block >>> 8)}.${block & 0xff}.${host}`;
  }

  legitV4Address(index: number): string {
    const x = this.legitV4.mapWithin(index, LEGIT_V4_SIZE);
    const block = Math.floor(x / 254);
    const host = (x % 254) + 1;
    return `10.${block >>> 8}.${block & 0xff}.${host}`;
  }

  attackerV6Address(index: number): string {
    const v = this.attackerV6.map(index);
    const h = hash32(this.seed, v, 6);
    return formatIpv6([0x2001, 0xdb8, 0x8000 | (v >>> 15), v & 0x7fff, ...interfaceId(h)]);
  }

  legitV6Address(index: number): string {
    const v = this.legitV6.map(index);
    const h = hash32(this.seed, v, 7);
    return formatIpv6([0x2001, 0xdb8, 0x4000 | ((v >>> 16) & 0x3fff), v & 0xffff, ...interfaceId(h)]);
  }

  /** The /24 of campaign number `n` (0-based) as `a.b.c`. */
  static campaignNetwork(n: number): string {
    const documentation = ['192.0.2', '198.51.100', '203.0.113'];
    if (n < documentation.length) return documentation[n]!;
    return `100.127.${(n - documentation.length) % 256}`;
  }
}
