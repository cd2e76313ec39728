import type { SecurityEvent } from '../../classify/event.js';
import type { EventClass } from '../../classify/taxonomy.js';
import {
  type Cidr,
  contains,
  familyBits,
  formatCidr,
  formatShort,
  hostCidr,
  parseCidr,
  supernet,
} from '../../mitigate/cidr.js';
import type { ProtectedSet } from '../../mitigate/protect.js';
import type { WatchSettings } from '../settings/types.js';
import type { BanOrigin, BanRecord, StateStore } from '../state/state-store.js';
import { ActiveBans } from './active-bans.js';
import { banLength, formatLength } from './ban-length.js';
import { StrikeCounter, type Threshold } from './strike-counter.js';

/** Logins that prove an address is a user's. */
const LOGIN_SUCCESSES: ReadonlySet<string> = new Set(['sasl-auth-success', 'mail-login-success']);

/** What the decider tells the rest of the watcher, besides what it writes to the state. */
export interface Decision {
  kind: 'ban' | 'spared' | 'unban';
  target: string;
  ban?: BanRecord;
  rule?: string;
  reason: string;
}

export interface DeciderOptions {
  settings: WatchSettings;
  store: StateStore;
  protections: ProtectedSet;
  /** The enabled actions: each new ban gets one task per action. */
  actions: readonly string[];
  onDecision: (decision: Decision) => void;
  /** The clock bans are dated by (tests replace it). */
  now?: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Turns attack events into bans: the rules' sliding windows per address, the
 * safety rules (allowlist, local ranges, clean logins), longer bans for repeat
 * offenders, and escalation to the subnet when several of its addresses are
 * banned. Every change goes to the state store; callers wrap calls in a
 * transaction together with the checkpoint of the lines that caused them.
 */
export class Decider {
  private readonly counters: StrikeCounter[];
  private readonly byClass = new Map<EventClass, StrikeCounter[]>();
  private readonly logins: Map<string, number>;
  private active: ActiveBans;
  /** Recent host bans per escalation subnet: when each address was banned. */
  private readonly subnetBans = new Map<string, Map<string, number>>();
  /** When each address was last reported spared, so a protected attacker is not reported on every event. */
  private readonly lastSpared = new Map<string, number>();

  private readonly clock: () => number;

  constructor(private readonly options: DeciderOptions) {
    const { settings, store } = options;
    this.clock = options.now ?? Date.now;
    this.counters = settings.rules.map((r) => new StrikeCounter(r));
    for (const c of this.counters)
      for (const cls of c.rule.classes) {
        const list = this.byClass.get(cls) ?? [];
        list.push(c);
        this.byClass.set(cls, list);
      }
    this.logins = store.loginAddresses();
    this.active = new ActiveBans(store.activeBans());
    this.replayStrikes();
    this.rememberSubnetBans(this.clock());
  }

  /** The classes any rule counts (the watcher classifies only what matters). */
  get countedClasses(): Set<EventClass> {
    return new Set([...this.byClass.keys(), ...(LOGIN_SUCCESSES as Set<EventClass>)]);
  }

  private replayStrikes(): void {
    const byName = new Map(this.counters.map((c) => [c.rule.name, c]));
    for (const s of this.options.store.strikes()) byName.get(s.rule)?.record(s.address, s.ts);
  }

  private rememberSubnetBans(now: number): void {
    const since = now - this.options.settings.bans.subnetWindow;
    for (const b of this.options.store.history(100_000, since))
      if (b.origin === 'watch' && !b.target.includes('/')) this.noteHostBan(b.target, b.created);
  }

  /** Re-reads the bans in force (another process may have added or lifted some). */
  refresh(): void {
    this.active = new ActiveBans(this.options.store.activeBans());
  }

  /** Forgets what was counted against an address (after a manual unban). */
  forgive(address: string): void {
    for (const c of this.counters) c.clear(address);
    this.options.store.clearStrikes(address);
  }

  observe(event: SecurityEvent, ts: number): void {
    const ip = event.ip;
    if (ip === undefined) return;
    if (LOGIN_SUCCESSES.has(event.class)) {
      if (!this.logins.has(ip)) this.logins.set(ip, ts);
      this.options.store.recordLogin(ip, ts);
      return;
    }
    const counters = this.byClass.get(event.class);
    if (!counters) return;
    const cidr = hostCidr(ip);
    if (this.active.covering(ip, cidr)) return;
    for (const counter of counters) {
      this.options.store.addStrike(ip, counter.rule.name, ts);
      const crossed = counter.record(ip, ts);
      if (!crossed) continue;
      this.options.store.clearStrikes(ip, counter.rule.name);
      this.thresholdCrossed(ip, cidr, crossed, ts);
      if (this.active.covering(ip, cidr)) return;
    }
  }

  private thresholdCrossed(ip: string, cidr: Cidr | null, t: Threshold, ts: number): void {
    const { rule } = t;
    const what = `${rule.count} events of rule ${rule.name} within ${formatLength(t.last - t.first)} (limit: ${rule.count} in ${formatLength(rule.window)})`;
    const spared = this.protectionOf(ip, cidr);
    if (spared !== null) {
      this.spare(ip, rule.name, `${what}, but ${spared}`, ts);
      return;
    }
    const now = this.clock();
    const ban = this.banTarget(ip, 'watch', rule.name, what, now);
    this.noteHostBan(ip, ban.created);
    this.escalate(cidr, now);
  }

  /** Why an address may not be banned, or null. */
  private protectionOf(ip: string, cidr: Cidr | null): string | null {
    const login = this.options.settings.protectLogins ? this.logins.get(ip) : undefined;
    if (login !== undefined) return `it logged in successfully (first at ${iso(login)}): never banned`;
    if (cidr === null) return 'it is not an address mailwarden can ban';
    const p = this.options.protections.find(cidr);
    return p ? `it is protected: ${p.reason}` : null;
  }

  private spare(target: string, rule: string, reason: string, ts: number): void {
    const last = this.lastSpared.get(target);
    if (last !== undefined && ts - last < 3_600_000) return;
    this.lastSpared.set(target, ts);
    this.options.store.addDecision(this.clock(), 'spared', target, null, { rule, reason });
    this.options.onDecision({ kind: 'spared', target, rule, reason });
  }

  /** Records a ban of `target` (an address or a network) with the length its history earns. */
  banTarget(
    target: string,
    origin: BanOrigin,
    rule: string | null,
    why: string,
    now: number,
    length?: number,
  ): BanRecord {
    const { bans } = this.options.settings;
    const level = 1 + this.options.store.bansSince(target, now - bans.repeatMemory);
    const duration = length ?? banLength(level, bans);
    const reason =
      level > 1 && length === undefined
        ? `${why}; ban ${level} within ${formatLength(bans.repeatMemory)}, so ${formatLength(duration)}`
        : why;
    const ban = this.options.store.insertBan(
      { target, origin, rule, reason, level, created: now, expires: now + duration },
      this.options.actions,
    );
    this.options.store.addDecision(now, 'ban', target, ban.id, {
      origin,
      rule,
      reason,
      level,
      expires: new Date(ban.expires).toISOString(),
    });
    this.active.add(ban);
    this.options.onDecision({ kind: 'ban', target, ban, ...(rule ? { rule } : {}), reason });
    return ban;
  }

  private subnetKey(cidr: Cidr): Cidr {
    const { bans } = this.options.settings;
    return supernet(cidr, cidr.family === 4 ? bans.subnetPrefix4 : bans.subnetPrefix6);
  }

  private noteHostBan(ip: string, at: number): void {
    const cidr = hostCidr(ip);
    if (!cidr) return;
    const key = formatCidr(this.subnetKey(cidr));
    const members = this.subnetBans.get(key) ?? new Map<string, number>();
    members.set(ip, at);
    this.subnetBans.set(key, members);
  }

  /**
   * Bans the subnet when `subnetMin` of its addresses were banned within the
   * subnet window, unless the subnet would be wider than the configured cap or
   * holds a protected address or a user's login address.
   */
  private escalate(cidr: Cidr | null, now: number): void {
    const { bans } = this.options.settings;
    if (bans.subnetMin <= 0 || cidr === null) return;
    const subnet = this.subnetKey(cidr);
    const cap = subnet.family === 4 ? bans.maxPrefix4 : bans.maxPrefix6;
    if (subnet.prefix < cap || subnet.prefix === familyBits(subnet.family)) return;
    const members = this.subnetBans.get(formatCidr(subnet));
    if (!members) return;
    for (const [address, at] of members) if (now - at > bans.subnetWindow) members.delete(address);
    if (members.size < bans.subnetMin) return;
    const target = formatShort(subnet);
    if (this.active.of(subnet)) return;
    const protection = this.options.protections.find(subnet);
    const why = `${members.size} addresses of ${target} banned within ${formatLength(bans.subnetWindow)} (${[...members.keys()].slice(0, 8).join(', ')}${members.size > 8 ? ', ...' : ''})`;
    if (protection) {
      this.spare(
        target,
        'subnet',
        `${why}, but the subnet holds a protected network: ${protection.reason}`,
        now,
      );
      return;
    }
    const user = [...this.logins.keys()].find((a) => {
      const c = parseCidr(a);
      return c !== null && contains(subnet, c);
    });
    if (user !== undefined) {
      this.spare(target, 'subnet', `${why}, but ${user} in it logged in successfully`, now);
      return;
    }
    this.banTarget(target, 'subnet', null, why, now);
    this.subnetBans.delete(formatCidr(subnet));
  }

  /** Lifts a ban (expiry, or `mailwarden bans unban`). */
  lift(ban: BanRecord, reason: string, now: number): void {
    this.record(ban, reason, now);
    this.refresh();
  }

  private record(ban: BanRecord, reason: string, now: number): void {
    this.options.store.liftBan(ban.id, reason, now);
    this.options.store.addDecision(now, 'unban', ban.target, ban.id, { reason });
    this.options.onDecision({ kind: 'unban', target: ban.target, ban, reason });
  }

  /** Lifts every ban whose time is up (the bans in force are read again once, however many end). */
  expire(now: number): number {
    const due = this.options.store.dueForExpiry(now);
    for (const b of due) this.record(b, 'expired', now);
    if (due.length > 0) this.refresh();
    return due.length;
  }

  /** Drops window state of addresses that went quiet, in memory and in the state. */
  prune(now: number): void {
    for (const c of this.counters) {
      c.prune(now);
      this.options.store.pruneStrikes(c.rule.name, now - c.rule.window);
    }
    for (const [address, at] of this.lastSpared) if (now - at > 3_600_000) this.lastSpared.delete(address);
    const window = this.options.settings.bans.subnetWindow;
    for (const [key, members] of this.subnetBans) {
      for (const [address, at] of members) if (now - at > window) members.delete(address);
      if (members.size === 0) this.subnetBans.delete(key);
    }
  }

  /** Addresses with events being counted, per rule. */
  tracked(): Record<string, number> {
    return Object.fromEntries(this.counters.map((c) => [c.rule.name, c.addresses]));
  }

  get activeCount(): number {
    return this.active.size;
  }
}
