/**
 * A realistic mail log of any size: whole client interactions cut out of recorded
 * real daemon output (see templates.ts), replayed with fresh addresses, ports, pids,
 * queue ids, session ids, message ids, user names and times, interleaved as
 * concurrent sessions interleave on a real server, and the answer key (truth.json)
 * of what the attacking share of it must yield.
 *
 * Traffic model:
 * - innocent traffic (most of the lines): inbound deliveries from other mail servers
 *   (the first contact goes through postscreen's PASS NEW and the 450 come-back-later,
 *   every later one through PASS OLD straight to smtpd, cleanup, qmgr, delivery),
 *   authenticated submissions, IMAP and POP3 logins and logouts, with a daily rhythm;
 * - background attacks from many distinct addresses, each address sticking to one
 *   attack scenario of the recording and coming back now and then;
 * - campaigns: one /24, 10 to 50 addresses doing the same attack again and again for hours;
 * - slow attacks: one address, one connection of failed logins about every 20 minutes for two days;
 * - compromised accounts: failed logins against a real mailbox, then the recorded
 *   compromise (more failures, then success, a message sent, an IMAP login).
 *
 * Same seed and options give the same bytes: all randomness comes from seeded
 * generators, consumed in a fixed order.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AddressPools,
  ATTACKER_V4_RANGE,
  ATTACKER_V6_RANGE,
  CAMPAIGN_RANGES,
  LEGIT_V4_RANGE,
  LEGIT_V6_RANGE,
  SERVER_V6,
} from './addresses.js';
import { ATTACKER_WORDS, DOMAIN_WORDS, EXTRA_MAILBOXES, GUESSED_NAMES, SENDER_LOCALS } from './names.js';
import { RotatingLog, type WrittenFile } from './output.js';
import { hash32, Rng, weightedIndex } from './prng.js';
import {
  extractTemplates,
  recordingDir,
  type ScenarioTemplates,
  type Template,
  type TemplateLibrary,
} from './templates.js';

export type LogFormat = 'rfc3339' | 'rfc3164';
export type Release = 'debian12' | 'debian13-trixie';

export interface GenerateOptions {
  /** Output directory (created). */
  out: string;
  /** Target size of the log text in bytes, or a string such as `200MB`, `1GB`, `1.5GiB` (default 100MB). */
  size?: number | string;
  /** Seed of all randomness (default 1). */
  seed?: number;
  /** `rfc3339`: `2025-09-01T00:00:00.123456+00:00` as docker-mailserver writes; `rfc3164`: `Sep  1 00:00:00` (default rfc3339). */
  format?: LogFormat;
  /** First instant of the log (default 2025-09-01T00:00:00Z). */
  start?: string | Date;
  /** Days the log spans (default 21). */
  days?: number;
  /** Rotated files besides mail.log: mail.log.1, then gzip'd mail.log.2.gz … (default 0). */
  rotate?: number;
  /** Share of client addresses that are IPv6 (default 0.1). */
  ipv6Share?: number;
  /** Distinct attacking addresses (default about 100,000 per GB, fewer when the attack traffic cannot hold them). */
  attackers?: number;
  /** Share of the lines that attacks produce (default 0.15). */
  attackShare?: number;
  /** Campaigns from single /24s (default grows with size, at least 2). */
  campaigns?: number;
  /** Slow attacks (default 1 below 100 MB, then 2, then 3 from 1 GB). */
  slowAttacks?: number;
  /** Compromised accounts (default 1). */
  compromisedAccounts?: number;
  /** Which recording to cut interactions from (default debian12). */
  release?: Release;
  /** Directory holding `<release>/syslog/{mail.log,ground-truth.json}` (default the repository's test/fixtures/real). */
  fixtures?: string;
}

export interface ResolvedOptions {
  size: number;
  seed: number;
  format: LogFormat;
  start: string;
  days: number;
  rotate: number;
  ipv6Share: number;
  attackers: number;
  attackShare: number;
  campaigns: number;
  slowAttacks: number;
  compromisedAccounts: number;
  release: Release;
}

export interface ClassTally {
  /** Distinct client addresses with events of the class. */
  addresses: number;
  events: number;
}

export interface CampaignTruth {
  subnet: string;
  /** The scenario's main event class. */
  class: string;
  scenario: string;
  addresses: number;
  addressList: string[];
  interactions: number;
  /** Events that are not benign, of every class. */
  events: number;
  byClass: Record<string, number>;
  start: string;
  end: string;
}

export interface SlowAttackTruth {
  address: string;
  class: string;
  scenario: string;
  contacts: number;
  intervalSeconds: number;
  events: number;
  byClass: Record<string, number>;
  start: string;
  end: string;
}

export interface CompromiseTruth {
  user: string;
  address: string;
  /** Failed password checks (Dovecot's auth-password-mismatch) for the user from the address before the first success. */
  failures: number;
  firstFailureAt: string;
  /** The first successful login (SMTP AUTH). */
  successAt: string;
}

export interface GenerationTruth {
  seed: number;
  options: ResolvedOptions;
  /** Recorded daemon versions the interactions come from. */
  release: string;
  lines: number;
  bytes: number;
  start: string;
  end: string;
  files: WrittenFile[];
  /** Lines of attack interactions (their benign lines included). */
  attackLines: number;
  attackerAddressCount: number;
  /** Per mailwarden event class (attack, signal and info tiers): what the attack traffic yields. */
  attackers: Record<string, ClassTally>;
  attackerAddresses: Record<string, string[]>;
  scenarios: Record<string, { interactions: number; addresses: number }>;
  campaigns: CampaignTruth[];
  slowAttacks: SlowAttackTruth[];
  compromisedAccounts: CompromiseTruth[];
  legitimateAddresses: number;
  legitimateAddressesFile: string;
  legitimateInteractions: number;
  addressPools: Record<string, string>;
}

export interface GeneratedLogs {
  dir: string;
  /** Oldest first. */
  files: WrittenFile[];
  truth: GenerationTruth;
  truthPath: string;
}

const MICRO = 1_000_000;
const MINUTE = 60 * MICRO;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `1GB` = 10^9 bytes, `1GiB` = 2^30; also B, KB, MB, KiB, MiB and plain numbers. */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') return Math.floor(text);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B?\s*$/i.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  const power = ' KMGT'.indexOf((m[2] || ' ').toUpperCase());
  const base = m[3] ? 1024 : 1000;
  return Math.floor(Number(m[1]) * base ** power);
}

/** The repository's recordings, found from this module's place in dist/bench/generator or bench/generator. */
function defaultFixtures(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'test', 'fixtures', 'real');
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package.json) not found above the generator');
    dir = up;
  }
}

export function resolveOptions(options: GenerateOptions): ResolvedOptions {
  const size = parseSize(options.size ?? '100MB');
  if (!(size > 0)) throw new Error('size must be positive');
  const gb = size / 1e9;
  const start = new Date(options.start ?? '2025-09-01T00:00:00Z');
  if (Number.isNaN(start.getTime())) throw new Error(`not a time: ${String(options.start)}`);
  const days = options.days ?? 21;
  if (!(days > 0)) throw new Error('days must be positive');
  const rotate = options.rotate ?? 0;
  if (!Number.isInteger(rotate) || rotate < 0 || rotate > 99) throw new Error('rotate must be 0 to 99');
  const ipv6Share = options.ipv6Share ?? 0.1;
  if (!(ipv6Share >= 0 && ipv6Share <= 1)) throw new Error('ipv6-share must be between 0 and 1');
  const attackShare = options.attackShare ?? 0.15;
  if (!(attackShare > 0 && attackShare < 1)) throw new Error('attack-share must be between 0 and 1');
  const format = options.format ?? 'rfc3339';
  if (format !== 'rfc3339' && format !== 'rfc3164') throw new Error(`unknown format: ${String(format)}`);
  const release = options.release ?? 'debian12';
  return {
    size,
    seed: (options.seed ?? 1) >>> 0,
    format,
    start: start.toISOString(),
    days,
    rotate,
    ipv6Share,
    attackers: options.attackers ?? Math.max(20, Math.round(100_000 * gb)),
    attackShare,
    campaigns:
      options.campaigns ?? Math.max(2, Math.min(12, Math.round(4 + 2 * Math.log10(Math.max(gb, 1e-3) * 10)))),
    slowAttacks: options.slowAttacks ?? (gb < 0.1 ? 1 : gb < 1 ? 2 : 3),
    compromisedAccounts: options.compromisedAccounts ?? 1,
    release,
  };
}

/** How often each recorded attack scenario is played by a fresh attacking address. */
const ATTACK_WEIGHTS: Record<string, number> = {
  'sasl-bruteforce-unknown-users': 22,
  'sasl-bruteforce-known-users': 12,
  'tls-garbage-submissions': 14,
  'starttls-aborted-submission': 4,
  'postscreen-pregreet': 12,
  'postscreen-bare-newline': 4,
  'postscreen-pipelining': 4,
  'postscreen-non-smtp': 5,
  'imap-login-failures': 10,
  'pop3-login-failures': 4,
  'open-relay-probe': 4,
  'recipient-harvesting': 5,
};
const SLOW_SCENARIOS = [
  'sasl-bruteforce-known-users',
  'sasl-bruteforce-unknown-users',
  'imap-login-failures',
  'pop3-login-failures',
];
const COMPROMISE_SCENARIO = 'account-compromise';
const PREFACE_SCENARIO = 'sasl-bruteforce-known-users';
/** Postfix processes that run once per server; the others are spawned and reused (max_use 100, max_idle 100s). */
const SINGLETONS = new Set(['postfix/master', 'postfix/qmgr', 'postfix/postscreen', 'postfix/tlsmgr']);
const MAX_USE = 100;
const MAX_IDLE = 100 * MICRO;
const PID_MAX = 4_194_304;
const SESSION_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789ABCDEF';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A template with what replaying it needs precomputed. */
interface Prepared {
  t: Template;
  n: number;
  pidSpans: { slot: number; program: string; first: number; last: number }[];
  /** Per slot: the first line using it (for time-derived values), -1 if none. */
  firstUse: Int32Array;
  /** Non-benign classes of its lines: events per instance, and whether they name the client. */
  classes: { cls: string; events: number; withIp: boolean }[];
  estBytes: number;
  mismatchLines: number[];
  successLine: number;
  /**
   * OpenSSL detail lines (`TLS library problem`) and their process's SSL_accept error line:
   * mailwarden links them within one file only, so a rotation between the two leaves the
   * detail without an address.
   */
  tlsLinks: { line: number; accept: number }[];
}

interface Instance {
  times: Float64Array;
  rest: string[];
  next: number;
  seq: number;
}

interface Actor {
  address: string;
  v6: boolean;
  legit: boolean;
  /** The mailbox the first known-user slot stands for (the device's owner, the victim…). */
  principal?: string;
  /** The sender domain for legit inbound mail. */
  domain?: string;
}

interface Tally {
  events: number;
  byClass: Record<string, number>;
}

interface AttackerInfo {
  id: number;
  address: string;
  v6: boolean;
  scenario: number;
  principal: string;
  interactions: number;
}

/** Min-heap of instances by the time of their next line (then creation order). */
class InstanceHeap {
  private readonly items: Instance[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Instance | undefined {
    return this.items[0];
  }

  private less(a: Instance, b: Instance): boolean {
    const ta = a.times[a.next]!;
    const tb = b.times[b.next]!;
    return ta < tb || (ta === tb && a.seq < b.seq);
  }

  push(item: Instance): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  /** Restores order after the top item's key grew (or removes it when `remove`). */
  fixTop(remove: boolean): void {
    const items = this.items;
    if (remove) {
      const last = items.pop()!;
      if (items.length === 0) return;
      items[0] = last;
    }
    let i = 0;
    const n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(items[r]!, items[l]!) ? r : l;
      if (!this.less(items[c]!, items[i]!)) break;
      [items[i], items[c]] = [items[c]!, items[i]!];
      i = c;
    }
  }
}

/** Process ids as a Linux host hands them out, and Postfix's process reuse. */
class Processes {
  private nextPid: number;
  private readonly singletons = new Map<string, number>();
  private readonly pools = new Map<string, { pid: number; busyUntil: number; uses: number }[]>();

  constructor(private readonly rng: Rng) {
    this.nextPid = 700 + rng.int(1500);
  }

  spawn(): number {
    // Other processes (cron, shells, the daemons' helpers) take pids in between.
    this.nextPid += 1 + (this.rng.chance(0.1) ? this.rng.int(40) : this.rng.int(4));
    if (this.nextPid >= PID_MAX) this.nextPid = 300 + this.rng.int(1000);
    // After wrapping around, the daemons that never exit still hold their pids.
    for (const pid of this.singletons.values()) if (pid === this.nextPid) return this.spawn();
    return this.nextPid;
  }

  /** A pid of `program` that is free from `from` to `to` (µs); no two leases of one pid overlap. */
  lease(program: string, from: number, to: number): number {
    if (SINGLETONS.has(program)) {
      let pid = this.singletons.get(program);
      if (pid === undefined) {
        pid = this.spawn();
        this.singletons.set(program, pid);
      }
      return pid;
    }
    let pool = this.pools.get(program);
    if (!pool) {
      pool = [];
      this.pools.set(program, pool);
    }
    let chosen = -1;
    let w = 0;
    for (let r = 0; r < pool.length; r++) {
      const p = pool[r]!;
      const expired = p.uses >= MAX_USE || (p.busyUntil <= from && from - p.busyUntil > MAX_IDLE);
      if (expired) continue;
      pool[w++] = p;
      if (chosen < 0 && p.busyUntil <= from) chosen = w - 1;
    }
    pool.length = w;
    if (chosen < 0) {
      pool.push({ pid: this.spawn(), busyUntil: to, uses: 1 });
      return pool[pool.length - 1]!.pid;
    }
    const p = pool[chosen]!;
    p.busyUntil = to;
    p.uses++;
    return p.pid;
  }
}

/** Time stamps, formatted once per second. */
class Clock {
  private second = Number.NaN;
  private prefix = '';

  constructor(private readonly format: LogFormat) {}

  stamp(us: number): string {
    const second = Math.floor(us / MICRO);
    if (second !== this.second) {
      this.second = second;
      const d = new Date(second * 1000);
      if (this.format === 'rfc3339') this.prefix = d.toISOString().slice(0, 19);
      else {
        const day = d.getUTCDate();
        this.prefix = `${MONTHS[d.getUTCMonth()]} ${day < 10 ? ' ' : ''}${day} ${d.toISOString().slice(11, 19)}`;
      }
    }
    if (this.format === 'rfc3164') return this.prefix;
    const fraction = String(us - second * MICRO);
    return `${this.prefix}.${'000000'.slice(fraction.length)}${fraction}+00:00`;
  }

  get width(): number {
    return this.format === 'rfc3339' ? 32 : 15;
  }
}

function isoOf(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

class Generator {
  private readonly lib: TemplateLibrary;
  private readonly pools: AddressPools;
  private readonly rng: Rng;
  private readonly values: Rng;
  private readonly procs: Processes;
  private readonly heap = new InstanceHeap();
  private readonly clock: Clock;
  private readonly log: RotatingLog;
  private readonly host: string;
  private readonly startUs: number;
  private readonly endUs: number;
  private readonly mailboxes: string[];
  private readonly prepared = new Map<Template, Prepared>();
  private seq = 0;
  /** Start (µs) of every rotated file after the first. */
  private readonly boundaries: number[] = [];

  // What the attack traffic produced.
  private readonly classEvents = new Map<string, number>();
  private readonly classAddresses = new Map<string, Set<string>>();
  private readonly attackerSet = new Set<string>();
  private readonly scenarioStats = new Map<string, { interactions: number; addresses: Set<string> }>();
  private attackLines = 0;
  private readonly legitSet = new Set<string>();
  private legitInteractions = 0;

  // Attack scenarios and background attackers.
  private readonly attackScenarios: ScenarioTemplates[];
  private readonly attackWeights: number[];
  private readonly attackers = new Map<number, AttackerInfo>();
  private nextAttackerId = 0;
  private readonly recent: number[] = [];
  private recentPos = 0;
  private freshBackground = 0;
  private attackMeanBytes = 1;
  /** Bytes of the instance `play` created last (the lines are ASCII). */
  private lastBytes = 0;

  // Innocent clients.
  private readonly mxCount: number;
  private readonly deviceCount: number;
  private readonly mxSeen: Uint8Array;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly dir: string,
    fixtures: string,
  ) {
    this.lib = extractTemplates(recordingDir(fixtures, opts.release), opts.release);
    this.pools = new AddressPools(opts.seed);
    this.rng = Rng.derive(opts.seed, 'schedule');
    this.values = Rng.derive(opts.seed, 'values');
    this.procs = new Processes(Rng.derive(opts.seed, 'pids'));
    this.clock = new Clock(opts.format);
    this.host = this.lib.hostname;
    this.startUs = Date.parse(opts.start) * 1000;
    this.endUs = this.startUs + Math.round(opts.days * DAY);
    this.mailboxes = [
      ...this.lib.knownUsers,
      ...EXTRA_MAILBOXES.map((n) => `${n}@${this.lib.domain}`).filter(
        (u) => !this.lib.knownUsers.includes(u),
      ),
    ];
    const span = this.endUs - this.startUs;
    const boundaries = this.boundaries;
    const wholeDays = span % DAY === 0 && span / DAY >= opts.rotate + 1;
    for (let k = 1; k <= opts.rotate; k++) {
      const at = wholeDays
        ? Math.round((k * span) / DAY / (opts.rotate + 1)) * DAY
        : Math.round((k * span) / (opts.rotate + 1));
      boundaries.push(this.startUs + at);
    }
    this.log = new RotatingLog(dir, opts.rotate, boundaries);

    this.attackScenarios = this.lib.scenarios.filter(
      (s) =>
        !s.legit &&
        s.id !== COMPROMISE_SCENARIO &&
        (ATTACK_WEIGHTS[s.id] ?? 1) > 0 &&
        s.connections.length > 0,
    );
    this.attackWeights = this.attackScenarios.map((s) => ATTACK_WEIGHTS[s.id] ?? 1);
    const gb = opts.size / 1e9;
    this.mxCount = Math.max(20, Math.min(50_000, Math.round(4000 * gb)));
    this.deviceCount = Math.max(30, Math.min(20_000, Math.round(1500 * gb)));
    this.mxSeen = new Uint8Array(this.mxCount);
  }

  private scenario(id: string): ScenarioTemplates | undefined {
    return this.lib.scenarios.find((s) => s.id === id);
  }

  private prep(t: Template): Prepared {
    let p = this.prepared.get(t);
    if (p) return p;
    const n = t.lines.length;
    const firstUse = new Int32Array(t.slots.length).fill(-1);
    const spans = new Map<number, { slot: number; program: string; first: number; last: number }>();
    const classes = new Map<string, { cls: string; events: number; withIp: boolean }>();
    const mismatchLines: number[] = [];
    let successLine = -1;
    t.lines.forEach((line, i) => {
      for (let k = 1; k < line.parts.length; k += 2) {
        const s = line.parts[k] as number;
        if (firstUse[s] === -1) firstUse[s] = i;
      }
      if (line.pidSlot >= 0) {
        const span = spans.get(line.pidSlot);
        if (span) span.last = i;
        else spans.set(line.pidSlot, { slot: line.pidSlot, program: line.program, first: i, last: i });
      }
      if (line.tier !== 'benign') {
        const c = classes.get(line.cls) ?? { cls: line.cls, events: 0, withIp: false };
        c.events++;
        c.withIp ||= line.clientIp;
        classes.set(line.cls, c);
      }
      if (line.cls === 'auth-password-mismatch') mismatchLines.push(i);
      if (successLine < 0 && (line.cls === 'sasl-auth-success' || line.cls === 'mail-login-success'))
        successLine = i;
    });
    const tlsLinks: { line: number; accept: number }[] = [];
    t.lines.forEach((line, i) => {
      if (line.cls !== 'tls-library-problem' || !line.clientIp) return;
      for (let j = i - 1; j >= 0; j--) {
        const before = t.lines[j]!;
        if (before.pidSlot === line.pidSlot && before.cls === 'tls-handshake-failure') {
          tlsLinks.push({ line: i, accept: j });
          break;
        }
      }
    });
    p = {
      t,
      n,
      tlsLinks,
      pidSpans: [...spans.values()],
      firstUse,
      classes: [...classes.values()],
      estBytes: t.bodyBytes + n * (this.clock.width + this.host.length + 3),
      mismatchLines,
      successLine,
    };
    this.prepared.set(t, p);
    return p;
  }

  private meanBytes(templates: Template[]): number {
    if (templates.length === 0) return 0;
    return templates.reduce((sum, t) => sum + this.prep(t).estBytes, 0) / templates.length;
  }

  private meanLines(templates: Template[]): number {
    if (templates.length === 0) return 0;
    return templates.reduce((sum, t) => sum + t.lines.length, 0) / templates.length;
  }

  // ---- slot values ----

  private randomChars(alphabet: string, length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[this.values.int(alphabet.length)];
    return s;
  }

  private queueId(length: number, us: number): string {
    // Postfix's short queue ids: the microseconds in 5 hex digits, then the inode number.
    const micros = (us % MICRO).toString(16).toUpperCase().padStart(5, '0');
    return micros + HEX[1 + this.values.int(15)] + this.randomChars(HEX, Math.max(0, length - 6));
  }

  private messageId(original: string, us: number): string {
    const m = /^(\d{13})\.([0-9a-z]+)$/.exec(original);
    if (m) return `${Math.floor(us / 1000)}.${this.randomChars(BASE36, m[2]!.length)}`;
    return this.randomChars(BASE36, original.length);
  }

  private attackerDomain(): string {
    return `${this.values.pick(ATTACKER_WORDS)}${this.values.int(1000)}.invalid`;
  }

  private legitDomain(mx: number): string {
    const word = DOMAIN_WORDS[hash32(this.opts.seed, mx, 0xd0) % DOMAIN_WORDS.length]!;
    return `${word}${mx}.example.${['com', 'net', 'org'][mx % 3]}`;
  }

  private guessedUser(withDomain: boolean): string {
    const name = this.values.pick(GUESSED_NAMES);
    return withDomain ? `${name}@${this.lib.domain}` : name;
  }

  /**
   * Replays a template from `start` (µs) for `actor`; null when it would end after the
   * log does. Attack instances are counted into the truth (and into `tally`).
   */
  private play(t: Template, start: number, actor: Actor, tally?: Tally): Float64Array | null {
    const p = this.prep(t);
    const lines = t.lines;
    const n = p.n;
    const times = new Float64Array(n);
    const stretch = this.rng.uniform(0.85, 1.2);
    let now = start;
    let previous = 0;
    for (let i = 0; i < n; i++) {
      const line = lines[i]!;
      now += (line.offset - previous) * stretch;
      previous = line.offset;
      // A real MTA retries minutes after postscreen's 450; the recording came back at once.
      if (line.retry) now += this.rng.uniform(4, 20) * MINUTE;
      times[i] = Math.round(now);
    }
    if (times[n - 1]! > this.endUs) return null;

    const slots = t.slots;
    const values: string[] = new Array(slots.length);
    const users: number[] = [];
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s]!;
      const at = p.firstUse[s]! >= 0 ? times[p.firstUse[s]!]! : start;
      switch (slot.kind) {
        case 'clientIp':
          values[s] = actor.address;
          break;
        case 'serverIp':
          values[s] = actor.v6 ? SERVER_V6 : this.lib.serverIp;
          break;
        case 'port':
          values[s] = String(32768 + this.values.int(28232));
          break;
        case 'mpid':
          values[s] = String(this.procs.spawn());
          break;
        case 'queueId':
          values[s] = this.queueId(slot.original.length, at);
          break;
        case 'session':
          values[s] = this.randomChars(SESSION_CHARS, slot.original.length);
          break;
        case 'messageId':
          values[s] = this.messageId(slot.original, at);
          break;
        case 'domain':
          values[s] = actor.legit
            ? (actor.domain ?? this.legitDomain(this.values.int(this.mxCount)))
            : this.attackerDomain();
          break;
        case 'user':
          users.push(s);
          break;
        case 'pid':
          break;
      }
    }
    let principalUsed = false;
    const taken: string[] = [];
    for (const s of users) {
      const slot = slots[s]!;
      let value: string;
      if (slot.userKind === 'known') {
        if (!principalUsed && actor.principal !== undefined) {
          value = actor.principal;
          principalUsed = true;
        } else {
          value = this.values.pick(this.mailboxes);
          for (let tries = 0; tries < 4 && taken.includes(value); tries++)
            value = this.values.pick(this.mailboxes);
        }
      } else if (slot.userKind === 'remote') {
        const local = actor.legit ? this.values.pick(SENDER_LOCALS) : slot.local!;
        value = `${local}@${values[slot.domainSlot!]}`;
      } else {
        value = this.guessedUser(slot.withDomain === true);
        for (let tries = 0; tries < 4 && taken.includes(value); tries++)
          value = this.guessedUser(slot.withDomain === true);
      }
      taken.push(value);
      values[s] = value;
    }
    for (const span of p.pidSpans) {
      values[span.slot] =
        `${span.program}[${this.procs.lease(span.program, times[span.first]!, times[span.last]!)}]`;
    }

    const rest: string[] = new Array(n);
    const head = `${this.host} `;
    let bytes = n * (this.clock.width + 1);
    for (let i = 0; i < n; i++) {
      const line = lines[i]!;
      const parts = line.parts;
      let text =
        head + (line.pidSlot < 0 ? line.program : values[line.pidSlot]) + ': ' + (parts[0] as string);
      for (let k = 1; k < parts.length; k += 2)
        text += values[parts[k] as number]! + (parts[k + 1] as string);
      rest[i] = `${text}\n`;
      bytes += text.length + 1;
    }
    this.lastBytes = bytes;
    this.heap.push({ times, rest, next: 0, seq: this.seq++ });

    if (actor.legit) {
      this.legitSet.add(actor.address);
      this.legitInteractions++;
    } else {
      this.attackerSet.add(actor.address);
      this.attackLines += n;
      for (const c of p.classes) {
        this.classEvents.set(c.cls, (this.classEvents.get(c.cls) ?? 0) + c.events);
        if (c.withIp && !(c.cls === 'tls-library-problem' && this.allTlsLinksCut(p, times))) {
          let set = this.classAddresses.get(c.cls);
          if (!set) {
            set = new Set();
            this.classAddresses.set(c.cls, set);
          }
          set.add(actor.address);
        }
        if (tally) {
          tally.events += c.events;
          tally.byClass[c.cls] = (tally.byClass[c.cls] ?? 0) + c.events;
        }
      }
      let stats = this.scenarioStats.get(t.scenario);
      if (!stats) {
        stats = { interactions: 0, addresses: new Set() };
        this.scenarioStats.set(t.scenario, stats);
      }
      stats.interactions++;
      stats.addresses.add(actor.address);
    }
    return times;
  }

  /** Whether every OpenSSL detail line of the instance lands in another file than its SSL_accept error. */
  private allTlsLinksCut(p: Prepared, times: Float64Array): boolean {
    if (this.boundaries.length === 0 || p.tlsLinks.length === 0) return false;
    const fileOf = (time: number) => {
      let k = 0;
      while (k < this.boundaries.length && time >= this.boundaries[k]!) k++;
      return k;
    };
    return p.tlsLinks.every((l) => fileOf(times[l.line]!) !== fileOf(times[l.accept]!));
  }

  /** A line of the server itself (start-up, postscreen cache cleanup). */
  private service(time: number, program: string, pid: boolean, message: string): void {
    const tag = pid ? `${program}[${this.procs.lease(program, time, time)}]` : program;
    this.heap.push({
      times: Float64Array.of(time),
      rest: [`${this.host} ${tag}: ${message}\n`],
      next: 0,
      seq: this.seq++,
    });
  }

  // ---- attackers ----

  private attacker(id: number, scenario?: number): AttackerInfo {
    let info = this.attackers.get(id);
    if (info) return info;
    const h = hash32(this.opts.seed, id, 0xa7);
    const v6 = h / 4294967296 < this.opts.ipv6Share;
    const pick = new Rng(hash32(this.opts.seed, id, 0x5c));
    info = {
      id,
      address: v6 ? this.pools.attackerV6Address(id) : this.pools.attackerV4Address(id),
      v6,
      scenario: scenario ?? weightedIndex(pick, this.attackWeights),
      principal: this.mailboxes[hash32(this.opts.seed, id, 0x9e) % this.mailboxes.length]!,
      interactions: 0,
    };
    this.attackers.set(id, info);
    return info;
  }

  /** The template of an attacker's next interaction: first contacts in full, later ones often one connection. */
  private attackTemplate(s: ScenarioTemplates, first: boolean): Template {
    if (first && s.full.some((t) => t.firstContact)) return this.rng.pick(s.full);
    if (this.rng.chance(0.65) && s.connections.length > 0) return this.rng.pick(s.connections);
    return this.rng.pick(first ? s.full : s.repeat);
  }

  private playAttack(
    info: AttackerInfo,
    s: ScenarioTemplates,
    time: number,
    tally?: Tally,
  ): Float64Array | null {
    const t = this.attackTemplate(s, info.interactions === 0);
    const times = this.play(
      t,
      time,
      { address: info.address, v6: info.v6, legit: false, principal: info.principal },
      tally,
    );
    if (times) info.interactions++;
    return times;
  }

  // ---- the run ----

  async run(): Promise<GenerationTruth> {
    const opts = this.opts;
    const span = this.endUs - this.startUs;

    // Innocent traffic mix by interaction.
    const inbound = this.scenario('legit-inbound');
    const submission = this.scenario('legit-submission');
    const mailbox = this.scenario('legit-mailbox-access');
    const legitKinds: { kind: 'inbound' | 'submission' | 'mailbox'; s: ScenarioTemplates; weight: number }[] =
      [];
    if (inbound) legitKinds.push({ kind: 'inbound', s: inbound, weight: 40 });
    if (mailbox) legitKinds.push({ kind: 'mailbox', s: mailbox, weight: 45 });
    if (submission) legitKinds.push({ kind: 'submission', s: submission, weight: 15 });
    if (legitKinds.length === 0) throw new Error('the recording has no innocent traffic to replay');
    const legitWeights = legitKinds.map((k) => k.weight);
    const legitWeightSum = legitWeights.reduce((a, b) => a + b, 0);
    const legitMeanBytes =
      legitKinds.reduce((sum, k) => sum + k.weight * this.meanBytes(k.s.repeat), 0) / legitWeightSum;
    const legitMeanLines =
      legitKinds.reduce((sum, k) => sum + k.weight * this.meanLines(k.s.repeat), 0) / legitWeightSum;

    // Attack traffic mix by interaction (0.65 single connections, 0.35 whole interactions).
    const attackWeightSum = this.attackWeights.reduce((a, b) => a + b, 0);
    let attackMeanBytes = 0;
    let attackMeanLines = 0;
    this.attackScenarios.forEach((s, i) => {
      const w = this.attackWeights[i]! / attackWeightSum;
      attackMeanBytes += w * (0.65 * this.meanBytes(s.connections) + 0.35 * this.meanBytes(s.repeat));
      attackMeanLines += w * (0.65 * this.meanLines(s.connections) + 0.35 * this.meanLines(s.repeat));
    });

    this.attackMeanBytes = attackMeanBytes;

    // Byte budgets from the share of lines.
    const share = opts.attackShare;
    const legitLineBytes = legitMeanBytes / legitMeanLines;
    const attackLineBytes = attackMeanBytes / attackMeanLines;
    const totalLines = opts.size / (share * attackLineBytes + (1 - share) * legitLineBytes);
    const attackBudget = share * totalLines * attackLineBytes;
    const legitBudget = opts.size - attackBudget;

    // Special attacks, planned up front.
    type Item = { time: number; seq: number; fire: (time: number) => void };
    const items: Item[] = [];
    let itemSeq = 0;
    const plan = (time: number, fire: (time: number) => void) => items.push({ time, seq: itemSeq++, fire });
    let specialBytes = 0;
    const specialIds: number[] = [];

    const compromises: (CompromiseTruth & { mismatches: number[] })[] = [];
    const compromise = this.scenario(COMPROMISE_SCENARIO);
    const preface = this.scenario(PREFACE_SCENARIO);
    if (compromise && compromise.full.length > 0) {
      for (let k = 0; k < opts.compromisedAccounts; k++) {
        const id = this.nextAttackerId++;
        specialIds.push(id);
        const info = this.attacker(
          id,
          Math.max(
            0,
            this.attackScenarios.findIndex((s) => s.id === PREFACE_SCENARIO),
          ),
        );
        const user = this.rng.pick(this.mailboxes);
        info.principal = user;
        const record: CompromiseTruth & { mismatches: number[] } = {
          user,
          address: info.address,
          failures: 0,
          firstFailureAt: '',
          successAt: '',
          mismatches: [],
        };
        const attempts = preface ? this.rng.between(3, 8) : 0;
        const total = attempts * 30 * MINUTE + 2 * HOUR;
        let time = this.startUs + this.rng.uniform(0.1, 0.9) * Math.max(0, span - total);
        const actor: Actor = { address: info.address, v6: info.v6, legit: false, principal: user };
        const note = (t: Template, times: Float64Array | null) => {
          if (!times) return;
          for (const i of this.prep(t).mismatchLines) record.mismatches.push(times[i]!);
          const success = this.prep(t).successLine;
          if (success >= 0 && record.successAt === '') record.successAt = isoOf(times[success]!);
          if (success >= 0) {
            const successUs = times[success]!;
            record.failures = record.mismatches.filter((m) => m < successUs).length;
            record.firstFailureAt = isoOf(Math.min(...record.mismatches));
          }
        };
        for (let a = 0; a < attempts; a++) {
          const conns = preface!.connections.filter((c) =>
            c.lines.some((l) => l.cls === 'auth-password-mismatch'),
          );
          const t = this.rng.pick(conns.length > 0 ? conns : preface!.connections);
          plan(time, (at) => note(t, this.play(t, at, actor)));
          specialBytes += this.prep(t).estBytes;
          time += this.rng.uniform(10, 45) * MINUTE;
        }
        const t = this.rng.pick(compromise.full);
        plan(time, (at) => note(t, this.play(t, at, actor)));
        specialBytes += this.prep(t).estBytes;
        compromises.push(record);
      }
    }

    const slowAttacks: (SlowAttackTruth & { tally: Tally; firstUs: number; lastUs: number })[] = [];
    const slowScenarios = SLOW_SCENARIOS.map((id) => this.scenario(id)).filter(
      (s): s is ScenarioTemplates => s !== undefined && s.connections.length > 0,
    );
    if (slowScenarios.length > 0) {
      for (let k = 0; k < opts.slowAttacks; k++) {
        const s = this.rng.pick(slowScenarios);
        const id = this.nextAttackerId++;
        specialIds.push(id);
        const info = this.attacker(id, Math.max(0, this.attackScenarios.indexOf(s)));
        const duration = Math.min(2 * DAY, span - HOUR);
        let time = this.startUs + this.rng.uniform(0, 1) * Math.max(0, span - duration - HOUR);
        const stop = time + duration;
        const record = {
          address: info.address,
          class: mainClass(s),
          scenario: s.id,
          contacts: 0,
          intervalSeconds: 1200,
          events: 0,
          byClass: {},
          start: '',
          end: '',
          tally: { events: 0, byClass: {} } as Tally,
          firstUs: Number.POSITIVE_INFINITY,
          lastUs: 0,
        };
        const actor: Actor = { address: info.address, v6: info.v6, legit: false, principal: info.principal };
        while (time < stop) {
          const t = this.rng.pick(s.connections);
          plan(time, (at) => {
            const times = this.play(t, at, actor, record.tally);
            if (!times) return;
            record.contacts++;
            record.firstUs = Math.min(record.firstUs, times[0]!);
            record.lastUs = Math.max(record.lastUs, times[times.length - 1]!);
          });
          specialBytes += this.prep(t).estBytes;
          time += this.rng.uniform(16, 24) * MINUTE;
        }
        slowAttacks.push(record);
      }
    }

    // Campaigns: as many as the attack budget holds (at most ~35% of it for all special attacks).
    const campaigns: (CampaignTruth & { tally: Tally; firstUs: number; lastUs: number })[] = [];
    const campaignCap = Math.max(0, 0.35 * attackBudget - specialBytes);
    const drafts: {
      s: ScenarioTemplates;
      hosts: number[];
      reps: number[];
      start: number;
      duration: number;
    }[] = [];
    for (let c = 0; c < opts.campaigns; c++) {
      const s = this.attackScenarios[weightedIndex(this.rng, this.attackWeights)]!;
      const count = this.rng.between(10, 50);
      const hosts: number[] = [];
      const used = new Set<number>();
      while (hosts.length < count) {
        const h = this.rng.between(1, 254);
        if (!used.has(h)) {
          used.add(h);
          hosts.push(h);
        }
      }
      const duration = Math.min(this.rng.uniform(2, 10) * HOUR, span * 0.8);
      const start = this.startUs + this.rng.uniform(0, 1) * (span - duration);
      drafts.push({ s, hosts, reps: hosts.map(() => this.rng.between(3, 12)), start, duration });
    }
    const draftBytes = (d: (typeof drafts)[number]) =>
      d.reps.reduce((a, b) => a + b, 0) *
      (0.65 * this.meanBytes(d.s.connections) + 0.35 * this.meanBytes(d.s.repeat));
    let campaignBytes = drafts.reduce((sum, d) => sum + draftBytes(d), 0);
    if (campaignBytes > campaignCap && campaignBytes > 0) {
      const factor = campaignCap / campaignBytes;
      for (const d of drafts) d.reps = d.reps.map((r) => Math.max(1, Math.floor(r * factor)));
      while (drafts.length > 1 && drafts.reduce((sum, d) => sum + draftBytes(d), 0) > campaignCap) {
        const d = drafts[drafts.length - 1]!;
        if (d.hosts.length > 10) {
          d.hosts.length = 10;
          d.reps.length = 10;
        } else drafts.pop();
      }
      campaignBytes = drafts.reduce((sum, d) => sum + draftBytes(d), 0);
    }
    specialBytes += campaignBytes;
    drafts.forEach((d, c) => {
      const network = AddressPools.campaignNetwork(c);
      const record = {
        subnet: `${network}.0/24`,
        class: mainClass(d.s),
        scenario: d.s.id,
        addresses: d.hosts.length,
        addressList: d.hosts.map((h) => `${network}.${h}`),
        interactions: 0,
        events: 0,
        byClass: {},
        start: '',
        end: '',
        tally: { events: 0, byClass: {} } as Tally,
        firstUs: Number.POSITIVE_INFINITY,
        lastUs: 0,
      };
      d.hosts.forEach((h, i) => {
        const info: AttackerInfo = {
          id: -1,
          address: `${network}.${h}`,
          v6: false,
          scenario: this.attackScenarios.indexOf(d.s),
          principal: this.rng.pick(this.mailboxes),
          interactions: 0,
        };
        const times = Array.from(
          { length: d.reps[i]! },
          () => d.start + this.rng.uniform(0, 1) * d.duration,
        ).sort((a, b) => a - b);
        for (const time of times) {
          plan(time, (at) => {
            const played = this.playAttack(info, d.s, at, record.tally);
            if (!played) return;
            record.interactions++;
            record.firstUs = Math.min(record.firstUs, played[0]!);
            record.lastUs = Math.max(record.lastUs, played[played.length - 1]!);
          });
        }
      });
      campaigns.push(record);
    });

    // The server's own lines: start-up, then postscreen's cache cleanup every 12 hours.
    const startLines = this.lib.serviceLines.filter((l) => l.kind === 'start');
    startLines.forEach((l, i) => {
      plan(this.startUs + i * (200 + this.rng.int(90_000)), (at) =>
        this.service(at, l.program, l.pid, l.message),
      );
    });
    const cache = this.lib.serviceLines.find((l) => l.kind === 'postscreen-cache');
    if (cache) {
      for (let at = this.startUs + 12 * HOUR + this.rng.int(MINUTE); at < this.endUs; at += 12 * HOUR) {
        plan(at, (time) => {
          const retained = this.mxSeen.reduce((a, b) => a + b, 0) + this.rng.int(50);
          const message = cache.message.replace(
            /retained=\d+ dropped=\d+/,
            `retained=${retained} dropped=${this.rng.int(Math.max(1, retained >> 2))}`,
          );
          this.service(time, cache.program, cache.pid, message);
        });
      }
    }
    items.sort((a, b) => a.time - b.time || a.seq - b.seq);

    // Background attackers: as many fresh addresses as asked for, minus the special ones.
    const campaignAddresses = drafts.reduce((sum, d) => sum + d.hosts.length, 0);
    const backgroundBudget = Math.max(0, attackBudget - specialBytes);
    const expectedInteractions = backgroundBudget / attackMeanBytes;
    const targetFresh = Math.max(
      1,
      Math.min(
        opts.attackers - specialIds.length - campaignAddresses,
        Math.floor(0.75 * expectedInteractions),
      ),
    );

    // The two Poisson streams, their rates steered so that the budgets end with the span.
    const legit = { next: 0, budget: legitBudget, scheduled: 0, mean: legitMeanBytes };
    const attack = { next: 0, budget: backgroundBudget, scheduled: 0, mean: attackMeanBytes };
    const diurnal = (t: number) => 1 + 0.55 * Math.cos((2 * Math.PI * ((t % DAY) / HOUR - 14)) / 24);
    const advance = (stream: typeof legit, from: number, weight: number) => {
      const remaining = stream.budget - stream.scheduled;
      const left = this.endUs - from;
      if (remaining <= 0 || left <= 0) {
        stream.next = Number.POSITIVE_INFINITY;
        return;
      }
      const meanGap = (left * stream.mean) / remaining / weight;
      stream.next = from + Math.max(1, Math.round(this.rng.exponential(meanGap)));
    };
    advance(legit, this.startUs, diurnal(this.startUs));
    advance(attack, this.startUs, 1);

    let itemIndex = 0;
    for (;;) {
      const nextItem = items[itemIndex]?.time ?? Number.POSITIVE_INFINITY;
      const t = Math.min(legit.next, attack.next, nextItem);
      if (!(t <= this.endUs)) break;
      await this.drain(t);
      if (t === nextItem) {
        items[itemIndex++]!.fire(Math.round(t));
      } else if (t === legit.next) {
        const k = legitKinds[weightedIndex(this.rng, legitWeights, legitWeightSum)]!;
        legit.scheduled += this.playLegit(k.kind, k.s, t);
        advance(legit, t, diurnal(t));
      } else {
        attack.scheduled += this.playBackgroundAttack(t, targetFresh, attack.budget - attack.scheduled);
        advance(attack, t, 1);
      }
    }
    await this.drain(Number.POSITIVE_INFINITY);
    const files = await this.log.end();

    // The answer key.
    const attackersByClass: Record<string, ClassTally> = {};
    const addressesByClass: Record<string, string[]> = {};
    for (const cls of [...this.classEvents.keys()].sort()) {
      const set = this.classAddresses.get(cls) ?? new Set<string>();
      attackersByClass[cls] = { addresses: set.size, events: this.classEvents.get(cls)! };
      addressesByClass[cls] = [...set].sort();
    }
    const scenarios: Record<string, { interactions: number; addresses: number }> = {};
    for (const id of [...this.scenarioStats.keys()].sort()) {
      const s = this.scenarioStats.get(id)!;
      scenarios[id] = { interactions: s.interactions, addresses: s.addresses.size };
    }
    const legitList = [...this.legitSet].sort();
    const legitFile = 'legitimate-addresses.txt';
    await writeFile(join(this.dir, legitFile), legitList.length > 0 ? `${legitList.join('\n')}\n` : '');
    const lines = files.reduce((sum, f) => sum + f.lines, 0);
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    return {
      seed: opts.seed,
      options: opts,
      release: this.lib.release,
      lines,
      bytes,
      start: isoOf(this.startUs),
      end: isoOf(this.endUs),
      files,
      attackLines: this.attackLines,
      attackerAddressCount: this.attackerSet.size,
      attackers: attackersByClass,
      attackerAddresses: addressesByClass,
      scenarios,
      campaigns: campaigns
        .filter((c) => c.interactions > 0)
        .map(({ tally, firstUs, lastUs, ...c }) => ({
          ...c,
          events: tally.events,
          byClass: sortedRecord(tally.byClass),
          start: isoOf(firstUs),
          end: isoOf(lastUs),
        })),
      slowAttacks: slowAttacks
        .filter((s) => s.contacts > 0)
        .map(({ tally, firstUs, lastUs, ...s }) => ({
          ...s,
          events: tally.events,
          byClass: sortedRecord(tally.byClass),
          start: isoOf(firstUs),
          end: isoOf(lastUs),
        })),
      compromisedAccounts: compromises.filter((c) => c.successAt !== '').map(({ mismatches: _, ...c }) => c),
      legitimateAddresses: legitList.length,
      legitimateAddressesFile: legitFile,
      legitimateInteractions: this.legitInteractions,
      addressPools: {
        attackersIPv4: ATTACKER_V4_RANGE,
        attackersIPv6: ATTACKER_V6_RANGE,
        campaigns: CAMPAIGN_RANGES,
        legitimateIPv4: LEGIT_V4_RANGE,
        legitimateIPv6: LEGIT_V6_RANGE,
        server: `${this.lib.serverIp}, ${SERVER_V6}`,
      },
    };
  }

  /** One innocent interaction; returns its estimated bytes. */
  private playLegit(kind: 'inbound' | 'submission' | 'mailbox', s: ScenarioTemplates, time: number): number {
    const seed = this.opts.seed;
    if (kind === 'inbound') {
      // A few senders send most of the mail.
      const mx = Math.min(this.mxCount - 1, Math.floor(this.mxCount * this.rng.next() ** 2.2));
      const first = this.mxSeen[mx] === 0;
      const t = this.rng.pick(first ? s.full : s.repeat);
      const v6 = hash32(seed, mx, 0x76) / 4294967296 < this.opts.ipv6Share;
      const actor: Actor = {
        address: v6 ? this.pools.legitV6Address(mx) : this.pools.legitV4Address(mx),
        v6,
        legit: true,
        principal: this.rng.pick(this.mailboxes),
        domain: this.legitDomain(mx),
      };
      const played = this.play(t, time, actor);
      if (!played) return this.prep(t).estBytes;
      this.mxSeen[mx] = 1;
      return this.lastBytes;
    }
    const device = this.rng.int(this.deviceCount);
    const id = this.mxCount + device;
    const v6 = hash32(seed, id, 0x76) / 4294967296 < this.opts.ipv6Share;
    const which = hash32(seed, device, kind === 'mailbox' ? 0x1d : 0x2d);
    const t = s.repeat[which % s.repeat.length]!;
    const actor: Actor = {
      address: v6 ? this.pools.legitV6Address(id) : this.pools.legitV4Address(id),
      v6,
      legit: true,
      principal: this.mailboxes[hash32(seed, device, 0x0d) % this.mailboxes.length]!,
    };
    return this.play(t, time, actor) ? this.lastBytes : this.prep(t).estBytes;
  }

  /** One interaction of the background attackers; returns its bytes (estimated when it did not fit). */
  private playBackgroundAttack(time: number, targetFresh: number, remainingBudget: number): number {
    const remainingInteractions = Math.max(1, remainingBudget / this.attackMeanBytes);
    const wanted = targetFresh - this.freshBackground;
    let info: AttackerInfo;
    if (
      wanted > 0 &&
      (this.recent.length === 0 || this.rng.chance(Math.min(1, wanted / remainingInteractions)))
    ) {
      info = this.attacker(this.nextAttackerId++);
      this.freshBackground++;
      if (this.recent.length < 2048) this.recent.push(info.id);
      else {
        this.recent[this.recentPos] = info.id;
        this.recentPos = (this.recentPos + 1) % this.recent.length;
      }
    } else {
      info = this.attacker(this.recent[this.rng.int(this.recent.length)]!);
    }
    const s = this.attackScenarios[info.scenario]!;
    return this.playAttack(info, s, time) ? this.lastBytes : this.attackMeanBytes;
  }

  /** Writes every pending line up to `until` (µs), oldest first. */
  private async drain(until: number): Promise<void> {
    const heap = this.heap;
    const log = this.log;
    const clock = this.clock;
    for (;;) {
      const top = heap.peek();
      if (!top) return;
      const time = top.times[top.next]!;
      if (time > until) return;
      if (time >= log.nextBoundary) await log.rotateTo(time);
      const full = log.append(time, `${clock.stamp(time)} ${top.rest[top.next]}`);
      top.next++;
      heap.fixTop(top.next >= top.times.length);
      if (full) await log.flush();
    }
  }
}

function mainClass(s: ScenarioTemplates): string {
  return s.expectedKind.find((k) => k !== 'account-compromise') ?? s.expectedKind[0] ?? s.id;
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Generates the log files and truth.json into `options.out`. */
export async function generateLogs(options: GenerateOptions): Promise<GeneratedLogs> {
  const opts = resolveOptions(options);
  const dir = resolve(options.out);
  await mkdir(dir, { recursive: true });
  const generator = new Generator(opts, dir, options.fixtures ?? defaultFixtures());
  const truth = await generator.run();
  const truthPath = join(dir, 'truth.json');
  await writeFile(truthPath, `${JSON.stringify(truth, null, 2)}\n`);
  return { dir, files: truth.files, truth, truthPath };
}
