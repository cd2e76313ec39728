import type { Evidence, FindingSource } from '../findings/finding.js';
import { subnetKey, subnetOf } from './subnets.js';
import { topN } from './top.js';

/** What one source did, kept small and mergeable across chunks of a log. */
export interface Tally {
  count: number;
  first: number;
  last: number;
  classes: Record<string, number>;
  users: string[];
  /** Up to TIMES_KEPT attempt times, for rhythm and windows. */
  times: number[];
}

const USERS_KEPT = 25;
/** Enough for rhythm and for repeat offenders' intervals; more only costs memory with 100 k addresses. */
const TIMES_KEPT = 256;

/**
 * The one empty list that every new tally starts with: most tallies (one per
 * address, 100 k of them) never get a user or a time. It is replaced by a list of
 * the tally's own on the first append, never written to (frozen, so a stray push fails).
 */
export const NONE = Object.freeze([]) as unknown as never[];

/** Below this length a list grows by exact copies: a push would reserve room for 17 items, most lists keep a few. */
const EXACT_UP_TO = 16;

/**
 * `list` with `item` appended: a new list while it is short (so an empty list,
 * perhaps the shared one, is never written to), the same list once it is longer.
 */
export function appended<T>(list: T[], item: T): T[] {
  if (list.length < EXACT_UP_TO) {
    const copy = new Array<T>(list.length + 1);
    for (let i = 0; i < list.length; i++) copy[i] = list[i]!;
    copy[list.length] = item;
    return copy;
  }
  list.push(item);
  return list;
}

export function newTally(): Tally {
  return {
    count: 0,
    first: Number.POSITIVE_INFINITY,
    last: Number.NEGATIVE_INFINITY,
    classes: {},
    users: NONE,
    times: NONE,
  };
}

export function addTo(t: Tally, tsMs: number, cls: string, weight = 1, user?: string, keepTime = true): void {
  t.count += weight;
  if (tsMs < t.first) t.first = tsMs;
  if (tsMs > t.last) t.last = tsMs;
  t.classes[cls] = (t.classes[cls] ?? 0) + weight;
  if (user && t.users.length < USERS_KEPT && !t.users.includes(user)) t.users = appended(t.users, user);
  if (keepTime && t.times.length < TIMES_KEPT) t.times = appended(t.times, tsMs);
}

export function mergeTally(into: Tally, from: Tally): void {
  into.count += from.count;
  into.first = Math.min(into.first, from.first);
  into.last = Math.max(into.last, from.last);
  for (const [k, v] of Object.entries(from.classes)) into.classes[k] = (into.classes[k] ?? 0) + v;
  for (const u of from.users)
    if (into.users.length < USERS_KEPT && !into.users.includes(u)) into.users = appended(into.users, u);
  for (const t of from.times) {
    if (into.times.length >= TIMES_KEPT) break;
    into.times = appended(into.times, t);
  }
}

export type Tallies = Map<string, Tally>;

export function tallyFor(map: Tallies, key: string): Tally {
  let t = map.get(key);
  if (!t) {
    t = newTally();
    map.set(key, t);
  }
  return t;
}

export function mergeTallies(into: Tallies, from: Tallies): void {
  for (const [k, t] of from) {
    const mine = into.get(k);
    if (mine) mergeTally(mine, t);
    else into.set(k, t);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

export function addressSource(ip: string, t: Tally, banned?: boolean): FindingSource {
  const s: FindingSource = {
    source: ip,
    kind: 'address',
    count: t.count,
    first: iso(t.first),
    last: iso(t.last),
    classes: { ...t.classes },
  };
  if (t.users.length > 0) s.users = [...t.users];
  if (banned !== undefined) s.banned = banned;
  return s;
}

export interface SubnetGroup {
  subnet: string;
  addresses: string[];
  tally: Tally;
}

/** Groups per-address tallies by /24 (IPv6 /64), keeping the groups with at least `min` addresses. */
export function subnetGroups(byAddress: Tallies, min: number): SubnetGroup[] {
  // Most attacking addresses are alone in their subnet: count first, and build tallies only for the groups kept.
  const sizes = new Map<number | string, number>();
  for (const ip of byAddress.keys()) {
    const key = subnetKey(ip);
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  const groups = new Map<number | string, SubnetGroup>();
  for (const [ip, t] of byAddress) {
    const key = subnetKey(ip);
    if (sizes.get(key)! < min) continue;
    let g = groups.get(key);
    if (!g) {
      g = { subnet: subnetOf(ip), addresses: [], tally: newTally() };
      groups.set(key, g);
    }
    g.addresses.push(ip);
    mergeTally(g.tally, t);
  }
  return [...groups.values()].sort((a, b) => b.tally.count - a.tally.count);
}

export function subnetSource(g: SubnetGroup): FindingSource {
  return {
    source: g.subnet,
    kind: 'subnet',
    count: g.tally.count,
    addresses: g.addresses.length,
    first: iso(g.tally.first),
    last: iso(g.tally.last),
    classes: { ...g.tally.classes },
    ...(g.tally.users.length > 0 ? { users: [...g.tally.users] } : {}),
  };
}

/**
 * The sources of a finding: named subnets first (each standing for its addresses),
 * then the addresses outside them, most active first, at most `limit` in all.
 */
export function findingSources(
  byAddress: Tallies,
  subnetMin: number,
  limit = 25,
  banned?: Set<string>,
  groups: SubnetGroup[] = subnetGroups(byAddress, subnetMin),
): FindingSource[] {
  const sources: FindingSource[] = groups.slice(0, limit).map(subnetSource);
  const room = limit - sources.length;
  if (room <= 0) return sources;
  const inGroups = new Set(groups.flatMap((g) => g.addresses));
  const rest = topN(entriesOutside(byAddress, inGroups), room, (a, b) => b[1].count - a[1].count);
  for (const [ip, t] of rest) sources.push(addressSource(ip, t, banned ? banned.has(ip) : undefined));
  return sources;
}

function* entriesOutside(byAddress: Tallies, inGroups: ReadonlySet<string>): Generator<[string, Tally]> {
  for (const entry of byAddress) if (!inGroups.has(entry[0])) yield entry;
}

/** Keeps the first few evidence lines, preferring distinct sources. */
export interface Samples {
  items: (Evidence & { key: string })[];
}

const SAMPLES_KEPT = 5;

export function newSamples(): Samples {
  return { items: [] };
}

/** No more samples are kept: a caller can skip the work of making one. */
export function samplesFull(s: Samples): boolean {
  return s.items.length >= SAMPLES_KEPT * 2;
}

/** `from.source` (`file:line`) is read only when the sample is kept: analysis events build it on demand. */
export function sample(s: Samples, key: string, line: string, from: { readonly source: string }): void {
  if (samplesFull(s)) return;
  s.items.push({ key, line, source: from.source });
}

export function mergeSamples(into: Samples, from: Samples): void {
  for (const item of from.items) {
    if (into.items.length >= SAMPLES_KEPT * 2) break;
    into.items.push(item);
  }
}

/** The kept lines, distinct sources first, then in the order they were logged. */
export function evidence(s: Samples, limit = SAMPLES_KEPT): Evidence[] {
  const seen = new Set<string>();
  const picked = new Set<number>();
  s.items.forEach((item, i) => {
    if (picked.size >= limit || seen.has(item.key)) return;
    seen.add(item.key);
    picked.add(i);
  });
  s.items.forEach((_item, i) => {
    if (picked.size < limit) picked.add(i);
  });
  return [...picked]
    .sort((a, b) => a - b)
    .map((i) => ({ line: s.items[i]!.line, source: s.items[i]!.source }));
}

/** "every 1-3 minutes": the middle half of the intervals between consecutive attempts. */
/** `times` in ascending order: the list itself when it already is (lists are kept in log order), else a sorted copy. */
function ascending(times: readonly number[]): readonly number[] {
  for (let i = 1; i < times.length; i++)
    if (times[i]! < times[i - 1]!) return [...times].sort((a, b) => a - b);
  return times;
}

export function rhythm(times: number[]): string | null {
  if (times.length < 3) return null;
  const sorted = ascending(times);
  const gaps: number[] = [];
  for (let i = 1; i < sorted.length; i++) gaps.push(sorted[i]! - sorted[i - 1]!);
  gaps.sort((a, b) => a - b);
  const q = (p: number) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))]!;
  return `every ${describeSpan(q(0.25), q(0.75))}`;
}

function describeSpan(lowMs: number, highMs: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  const [size, name] = units.find(([u]) => highMs >= u * 1.5) ?? [1000, 'second'];
  const lo = Math.max(0, Math.round(lowMs / size));
  const hi = Math.max(1, Math.round(highMs / size));
  if (lo === hi) return `~${hi} ${name}${hi === 1 ? '' : 's'}`;
  return `${lo}-${hi} ${name}s`;
}

/** Largest number of attempts within any window of `windowMs`. */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = ascending(times);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! > windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

export function ratePerHour(t: Tally): number {
  const hours = Math.max((t.last - t.first) / 3_600_000, 1 / 60);
  return t.count / hours;
}
