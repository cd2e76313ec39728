/**
 * The fail2ban coverage matrix: for every attack class in the logs and every
 * enabled jail, the lines the jail's filter matches, the addresses it would ban
 * (replaying fail2ban's counting on log time), and for the attackers never
 * banned, why: no rule matches their lines, they stay under the threshold, the
 * jail ignores them, or the jail can never fire.
 */
import ipaddr from 'ipaddr.js';
import { FailManager } from './fail-manager.js';

export const NEVER_BANNED_REASONS = ['no-rule', 'under-threshold', 'ignored', 'jail-blind'] as const;
export type NeverBannedReason = (typeof NEVER_BANNED_REASONS)[number];

/** What the matrix needs of a compiled filter: fail2ban's decision for one line. */
export interface LineMatcher {
  match(line: string): { timeMs: number | null; address: string | null; nofail?: boolean } | null;
}

export interface JailToEvaluate {
  name: string;
  /** `postfix[mode=extra]` as configured. */
  filter: string;
  /** null when the filter could not be compiled (see `error`). */
  matcher: LineMatcher | null;
  error: string | null;
  warnings: string[];
  maxretry: number;
  findtimeSeconds: number;
  bantimeSeconds: number;
  ignoreip: string[];
  logpaths: string[];
  backend: string;
  /** Why the jail can never fire where it runs, or null. */
  blind: string | null;
  /** `file:line` of the jail's section. */
  definedAt: string | null;
}

export interface JailCoverage {
  name: string;
  definedAt: string | null;
  filter: string;
  maxretry: number;
  findtimeSeconds: number;
  bantimeSeconds: number;
  logpaths: string[];
  backend: string;
  blind: string | null;
  error: string | null;
  warnings: string[];
  linesMatched: number;
  addressesMatched: number;
  /** Addresses the jail would have banned (none for a blind jail: see `wouldBanIfSighted`). */
  addressesBanned: number;
  /** The first of them in sort order (at most BANNED_LISTED). */
  bannedAddresses: string[];
  bans: number;
  /** For a blind jail: what it would ban if it read the lines. */
  wouldBanIfSighted: number;
}

export interface CellCoverage {
  lines: number;
  addresses: number;
  banned: number;
}

export interface NeverBannedExample {
  address: string;
  events: number;
  reason: NeverBannedReason;
  /** ISO times of its first and last line of the class (null when the lines had no time). */
  first: string | null;
  last: string | null;
}

export interface ClassCoverage {
  class: string;
  /** Lines of this class that name a client address. */
  lines: number;
  addresses: number;
  byJail: Record<string, CellCoverage>;
  /** Attackers of this class banned by some jail (for any of their lines). */
  banned: number;
  neverBanned: Record<NeverBannedReason, number>;
  examples: NeverBannedExample[];
}

export interface Fail2banCoverageMatrix {
  /** Distinct addresses with attack lines, and those of them no live jail would ban. */
  attackers: number;
  neverBanned: number;
  jails: JailCoverage[];
  classes: ClassCoverage[];
  /** Lines a jail matched that are not attack lines (benign or unrecognised here), per jail and class. */
  otherMatches: Record<string, Record<string, number>>;
  notes: string[];
}

interface AddressClass {
  events: number;
  first: number;
  last: number;
  /** Jails whose filter matched a line of this class from this address. */
  jails: Set<number>;
}

const EXAMPLES_KEPT = 10;
export const BANNED_LISTED = 1000;

function ignoreList(entries: readonly string[]): (address: string) => boolean {
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  const exact = new Set<string>();
  for (const entry of entries) {
    try {
      if (entry.includes('/')) ranges.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(entry))
        ranges.push([ipaddr.parse(entry), ipaddr.parse(entry).kind() === 'ipv4' ? 32 : 128]);
      else exact.add(entry.toLowerCase());
    } catch {
      exact.add(entry.toLowerCase());
    }
  }
  return (address) => {
    if (exact.has(address.toLowerCase())) return true;
    if (!ipaddr.isValid(address)) return false;
    let parsed = ipaddr.parse(address);
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
      parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    return ranges.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits));
  };
}

/**
 * Feeds the matrix one log line at a time, in log order: `line()` with the raw
 * text, its time, the attack class and address this project's classifier gives
 * it (null when it is no attack line), then `result()`.
 */
export class CoverageMatrixBuilder {
  private readonly managers: FailManager[];
  private readonly ignores: ((address: string) => boolean)[];
  private readonly jailStats: { lines: number; matched: Set<string>; banned: Set<string>; bans: number }[];
  private readonly byClass = new Map<string, { lines: number; addresses: Map<string, AddressClass> }>();
  private readonly cells = new Map<string, Map<number, { lines: number; addresses: Set<string> }>>();
  private readonly ignoredBy = new Map<string, Set<number>>();
  private readonly otherMatches: Record<string, Record<string, number>> = {};

  constructor(private readonly jails: readonly JailToEvaluate[]) {
    this.managers = jails.map((j) => new FailManager(j.maxretry, j.findtimeSeconds, j.bantimeSeconds));
    this.ignores = jails.map((j) => ignoreList(j.ignoreip));
    this.jailStats = jails.map(() => ({ lines: 0, matched: new Set(), banned: new Set(), bans: 0 }));
  }

  /** `reads[i]`: whether jail i reads the file this line comes from (default: every jail). */
  line(
    text: string,
    timeMs: number | null,
    attack: { cls: string; address: string } | null,
    otherClass: string,
    reads?: readonly boolean[],
  ): void {
    let classEntry: AddressClass | undefined;
    if (attack) {
      let c = this.byClass.get(attack.cls);
      if (!c) {
        c = { lines: 0, addresses: new Map() };
        this.byClass.set(attack.cls, c);
      }
      c.lines++;
      classEntry = c.addresses.get(attack.address);
      if (!classEntry) {
        classEntry = {
          events: 0,
          first: Number.POSITIVE_INFINITY,
          last: Number.NEGATIVE_INFINITY,
          jails: new Set(),
        };
        c.addresses.set(attack.address, classEntry);
      }
      classEntry.events++;
      if (timeMs !== null) {
        classEntry.first = Math.min(classEntry.first, timeMs);
        classEntry.last = Math.max(classEntry.last, timeMs);
      }
    }
    for (let i = 0; i < this.jails.length; i++) {
      const matcher = this.jails[i]!.matcher;
      if (!matcher || (reads && !reads[i])) continue;
      const m = matcher.match(text);
      if (!m || m.nofail || m.address === null) continue;
      const stats = this.jailStats[i]!;
      stats.lines++;
      stats.matched.add(m.address);
      if (attack) {
        classEntry!.jails.add(i);
        const cell = this.cell(attack.cls, i);
        cell.lines++;
        cell.addresses.add(attack.address);
      } else {
        const name = this.jails[i]!.name;
        this.otherMatches[name] ??= {};
        this.otherMatches[name][otherClass] = (this.otherMatches[name][otherClass] ?? 0) + 1;
      }
      if (this.ignores[i]!(m.address)) {
        const set = this.ignoredBy.get(m.address) ?? new Set<number>();
        this.ignoredBy.set(m.address, set.add(i));
        continue;
      }
      // The line's own time as this project reads it (the year inferred from the file), as
      // fail2ban saw it when it read the line live.
      const t = (timeMs ?? m.timeMs ?? 0) / 1000;
      if (this.managers[i]!.fail(m.address, t)) {
        stats.bans++;
        stats.banned.add(m.address);
      }
    }
  }

  private cell(cls: string, jail: number): { lines: number; addresses: Set<string> } {
    const row = this.cells.get(cls) ?? new Map<number, { lines: number; addresses: Set<string> }>();
    this.cells.set(cls, row);
    const cell = row.get(jail) ?? { lines: 0, addresses: new Set<string>() };
    row.set(jail, cell);
    return cell;
  }

  result(notes: string[] = []): Fail2banCoverageMatrix {
    const live = (i: number) => this.jails[i]!.blind === null;
    const bannedByLive = new Set<string>();
    this.jailStats.forEach((s, i) => {
      if (live(i)) for (const a of s.banned) bannedByLive.add(a);
    });
    const jails: JailCoverage[] = this.jails.map((j, i) => {
      const s = this.jailStats[i]!;
      return {
        name: j.name,
        definedAt: j.definedAt,
        filter: j.filter,
        maxretry: j.maxretry,
        findtimeSeconds: j.findtimeSeconds,
        bantimeSeconds: j.bantimeSeconds,
        logpaths: j.logpaths,
        backend: j.backend,
        blind: j.blind,
        error: j.error,
        warnings: j.warnings,
        linesMatched: s.lines,
        addressesMatched: s.matched.size,
        addressesBanned: live(i) ? s.banned.size : 0,
        bannedAddresses: live(i) ? [...s.banned].sort().slice(0, BANNED_LISTED) : [],
        bans: live(i) ? s.bans : 0,
        wouldBanIfSighted: live(i) ? 0 : s.banned.size,
      };
    });
    const classes: ClassCoverage[] = [...this.byClass]
      .map(([cls, c]) => {
        const neverBanned: Record<NeverBannedReason, number> = {
          'no-rule': 0,
          'under-threshold': 0,
          ignored: 0,
          'jail-blind': 0,
        };
        const examples: NeverBannedExample[] = [];
        let banned = 0;
        for (const [address, entry] of c.addresses) {
          if (bannedByLive.has(address)) {
            banned++;
            continue;
          }
          const reason = this.reasonFor(address, entry);
          neverBanned[reason]++;
          const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
          examples.push({
            address,
            events: entry.events,
            reason,
            first: iso(entry.first),
            last: iso(entry.last),
          });
        }
        examples.sort((a, b) => b.events - a.events || (a.address < b.address ? -1 : 1));
        const byJail: Record<string, CellCoverage> = {};
        for (const [i, cell] of this.cells.get(cls) ?? []) {
          const jail = this.jails[i]!;
          byJail[jail.name] = {
            lines: cell.lines,
            addresses: cell.addresses.size,
            banned: live(i) ? [...cell.addresses].filter((a) => this.jailStats[i]!.banned.has(a)).length : 0,
          };
        }
        return {
          class: cls,
          lines: c.lines,
          addresses: c.addresses.size,
          byJail,
          banned,
          neverBanned,
          examples: examples.slice(0, EXAMPLES_KEPT),
        };
      })
      .sort((a, b) => b.addresses - b.banned - (a.addresses - a.banned) || (a.class < b.class ? -1 : 1));
    const attackers = new Set<string>();
    for (const c of this.byClass.values()) for (const a of c.addresses.keys()) attackers.add(a);
    const neverBanned = [...attackers].filter((a) => !bannedByLive.has(a)).length;
    return { attackers: attackers.size, neverBanned, jails, classes, otherMatches: this.otherMatches, notes };
  }

  private reasonFor(address: string, entry: AddressClass): NeverBannedReason {
    const matching = [...entry.jails];
    if (matching.length === 0) return 'no-rule';
    const ignoredBy = this.ignoredBy.get(address);
    const counting = matching.filter((i) => !ignoredBy?.has(i));
    if (counting.length === 0) return 'ignored';
    const blind = (i: number) => this.jails[i]!.blind !== null;
    // A blind jail that would have banned it, or only blind jails counting it.
    if (counting.some((i) => blind(i) && this.jailStats[i]!.banned.has(address))) return 'jail-blind';
    if (counting.every(blind)) return 'jail-blind';
    return 'under-threshold';
  }
}
