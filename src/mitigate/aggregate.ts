import { type Cidr, compareCidr, familyBits, formatShort, hostCidr, supernet } from './cidr.js';
import type { Protection } from './protect.js';

/** How much one address attacked. */
export interface Tally {
  events: number;
  first: number;
  last: number;
  classes: Record<string, number>;
}

/** One network to block, with the addresses behind it and what they did. */
export interface BlockEntry {
  cidr: Cidr;
  /** The attacking addresses it stands for, sorted. */
  addresses: string[];
  tally: Tally;
}

export interface AggregateOptions {
  /** A subnet is blocked whole when at least this many of its addresses (or, when widening, blocked entries) attack. */
  subnetMin: number;
  /** An address alone needs this many attack events; a subnet this many between its addresses. */
  minEvents: number;
  /** Never block wider than these prefixes. */
  maxPrefix4: number;
  maxPrefix6: number;
}

export interface AggregateResult {
  entries: BlockEntry[];
  /** Subnets that qualified but hold a protected address: their addresses were kept apart. */
  split: { cidr: Cidr; protection: Protection }[];
  /** Attacking addresses below --min-events that no subnet took in. */
  belowThreshold: string[];
}

/** The audit's aggregation unit: /24 for IPv4, /64 for IPv6 (src/detect/subnets.ts). */
export const UNIT_PREFIX = { 4: 24, 6: 64 } as const;

/**
 * The prefixes tried, narrowest first: the audit's unit (or the maximum when that
 * is narrower), then every 8 bits wider down to the maximum (IPv6 /64, /56, /48).
 */
export function aggregationLevels(family: 4 | 6, maxPrefix: number): number[] {
  const unit: number = UNIT_PREFIX[family];
  if (maxPrefix >= unit) return [maxPrefix];
  const levels: number[] = [unit];
  for (let p = unit - 8; p > maxPrefix; p -= 8) levels.push(p);
  levels.push(maxPrefix);
  return levels;
}

function mergeTally(into: Tally, from: Tally): void {
  into.events += from.events;
  into.first = Math.min(into.first, from.first);
  into.last = Math.max(into.last, from.last);
  for (const [k, v] of Object.entries(from.classes)) into.classes[k] = (into.classes[k] ?? 0) + v;
}

function combine(cidr: Cidr, parts: BlockEntry[]): BlockEntry {
  const tally: Tally = {
    events: 0,
    first: Number.POSITIVE_INFINITY,
    last: Number.NEGATIVE_INFINITY,
    classes: {},
  };
  for (const p of parts) mergeTally(tally, p.tally);
  const addresses = parts.flatMap((p) => p.addresses);
  addresses.sort((a, b) => compareCidr(hostCidr(a)!, hostCidr(b)!));
  return { cidr, addresses, tally };
}

function groupBy(entries: BlockEntry[], prefix: number): Map<string, { net: Cidr; members: BlockEntry[] }> {
  const groups = new Map<string, { net: Cidr; members: BlockEntry[] }>();
  for (const e of entries) {
    const net = supernet(e.cidr, prefix);
    const key = formatShort(net);
    const g = groups.get(key);
    if (g) g.members.push(e);
    else groups.set(key, { net, members: [e] });
  }
  return groups;
}

/**
 * Turns attacking addresses into the networks to block. Per family: addresses
 * are grouped by the audit's unit (/24, IPv6 /64); a group of at least
 * `subnetMin` addresses with `minEvents` events between them is blocked whole,
 * and blocked entries are then widened 8 bits at a time while `subnetMin` of them
 * share the wider network, never past the maximum prefix. A network that would
 * hold a protected address is not formed: its members stay apart (single
 * addresses then need `minEvents` each). Addresses must already exclude the
 * protected ones.
 */
export function aggregate(
  tallies: ReadonlyMap<string, Tally>,
  protectedBy: (cidr: Cidr) => Protection | undefined,
  options: AggregateOptions,
): AggregateResult {
  const result: AggregateResult = { entries: [], split: [], belowThreshold: [] };
  for (const family of [4, 6] as const) {
    const singles: BlockEntry[] = [];
    for (const [ip, tally] of tallies) {
      const cidr = hostCidr(ip);
      if (!cidr || cidr.family !== family) continue;
      singles.push({ cidr, addresses: [ip], tally: { ...tally, classes: { ...tally.classes } } });
    }
    singles.sort((a, b) => compareCidr(a.cidr, b.cidr));
    const levels = aggregationLevels(family, family === 4 ? options.maxPrefix4 : options.maxPrefix6);
    const host = familyBits(family);
    let entries: BlockEntry[] = [];
    // First level: addresses into subnets.
    const first = levels[0]!;
    for (const { net, members } of groupBy(singles, first).values()) {
      const events = members.reduce((n, m) => n + m.tally.events, 0);
      if (first < host && members.length >= options.subnetMin && events >= options.minEvents) {
        const protection = protectedBy(net);
        if (!protection) {
          entries.push(combine(net, members));
          continue;
        }
        result.split.push({ cidr: net, protection });
      }
      for (const m of members) {
        if (m.tally.events >= options.minEvents) entries.push(m);
        else result.belowThreshold.push(m.addresses[0]!);
      }
    }
    // Wider levels: blocked entries into wider networks.
    for (const level of levels.slice(1)) {
      const next: BlockEntry[] = [];
      for (const { net, members } of groupBy(entries, level).values()) {
        if (members.length >= options.subnetMin) {
          const protection = protectedBy(net);
          if (!protection) {
            next.push(combine(net, members));
            continue;
          }
          result.split.push({ cidr: net, protection });
        }
        next.push(...members);
      }
      entries = next;
    }
    result.entries.push(...entries);
  }
  result.entries.sort((a, b) => compareCidr(a.cidr, b.cidr));
  result.split.sort((a, b) => compareCidr(a.cidr, b.cidr));
  result.belowThreshold.sort((a, b) => compareCidr(hostCidr(a)!, hostCidr(b)!));
  return result;
}
