import { type Cidr, compareCidr, contains, formatShort, parseCidr } from '../../mitigate/cidr.js';
import type { BanRecord } from '../state/state-store.js';

/**
 * The networks that enforce a set of bans without overlaps: a ban inside a
 * banned network is left out (nftables interval sets refuse overlapping
 * elements, and a map entry inside a wider one would never be reached).
 * Sorted as mitigate sorts its map.
 */
export function banCover(active: readonly BanRecord[]): Cidr[] {
  const cidrs = active.map((b) => parseCidr(b.target)).filter((c): c is Cidr => c !== null);
  cidrs.sort((a, b) => a.prefix - b.prefix || compareCidr(a, b));
  const kept: Cidr[] = [];
  for (const c of cidrs) if (!kept.some((k) => contains(k, c))) kept.push(c);
  return kept.sort(compareCidr);
}

export function coverTexts(active: readonly BanRecord[]): string[] {
  return banCover(active).map(formatShort);
}
