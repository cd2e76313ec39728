import type { SecurityEvent } from '../classify/event.js';
import type { Finding, FindingSource } from '../findings/finding.js';
import { blockAtPostfix } from '../findings/recommendations.js';
import { BLOCK_FIXED_TEXT, BLOCK_HELD_TEXT, blockStatus } from './blocked.js';
import type { Detector } from './detector.js';
import {
  appended,
  evidence,
  findingSources,
  maxInWindow,
  mergeSamples,
  NONE,
  newSamples,
  rhythm,
  type Samples,
  sample,
  subnetGroups,
  type Tallies,
} from './tally.js';

/** Per address. Postfix, the Dovecot login process and the Dovecot auth process each log the same attempt; counted apart, then reconciled. */
interface AddressAuth {
  smtp: number;
  login: number;
  authProcess: number;
  abuse: number;
  first: number;
  last: number;
  users: string[];
  smtpTimes: number[];
  authTimes: number[];
}

interface State {
  byAddress: Map<string, AddressAuth>;
  /** Per user: the addresses that failed for it. */
  byUser: Map<string, string[]>;
  samples: Samples;
}

const USERS_KEPT = 50;
const ADDRESSES_PER_USER = 100;
const USERS_TRACKED = 50_000;
/** A slow attack of one try every 20 minutes for two days is 144 tries: 1024 covers the windows that matter. */
const TIMES_KEPT = 1024;

export const SPRAY_USERS = 5;
export const DISTRIBUTED_ADDRESSES = 5;
/** fail2ban's defaults: 5 failures within 10 minutes. */
const F2B_MAXRETRY = 5;
const F2B_FINDTIME_MS = 10 * 60_000;

function entry(s: State, ip: string): AddressAuth {
  let a = s.byAddress.get(ip);
  if (!a) {
    a = {
      smtp: 0,
      login: 0,
      authProcess: 0,
      abuse: 0,
      first: Number.POSITIVE_INFINITY,
      last: 0,
      users: NONE,
      smtpTimes: NONE,
      authTimes: NONE,
    };
    s.byAddress.set(ip, a);
  }
  return a;
}

/** One attempt is one password tried: the larger of the auth process's count and the front ends' counts. */
export function attemptsOf(a: AddressAuth): number {
  return Math.max(a.authProcess, a.smtp + a.login, a.abuse + a.login);
}

function failedAuthCommands(stats: string | undefined): number {
  const m = stats ? /(?:^| )auth=(\d+)\/(\d+)/.exec(stats) : null;
  return m ? Number(m[2]) - Number(m[1]) : 0;
}

function withTime(list: number[], t: number): number[] {
  return list.length < TIMES_KEPT ? appended(list, t) : list;
}

export const authBruteForce: Detector<State> = {
  id: 'auth-brute-force',
  classes: [
    'sasl-auth-failure',
    'mail-login-failure',
    'auth-unknown-user',
    'auth-password-mismatch',
    'auth-command-abuse',
  ],
  create: () => ({ byAddress: new Map(), byUser: new Map(), samples: newSamples() }),
  add(s, e: SecurityEvent, tsMs, raw) {
    if (!e.ip) return;
    const a = entry(s, e.ip);
    a.first = Math.min(a.first, tsMs);
    a.last = Math.max(a.last, tsMs);
    switch (e.class) {
      case 'sasl-auth-failure':
        a.smtp++;
        a.smtpTimes = withTime(a.smtpTimes, tsMs);
        break;
      case 'mail-login-failure': {
        const n = Number(e.detail) || 1;
        a.login += n;
        for (let i = 0; i < n; i++) a.smtpTimes = withTime(a.smtpTimes, tsMs);
        break;
      }
      case 'auth-command-abuse':
        a.abuse += failedAuthCommands(e.detail);
        return;
      default:
        a.authProcess++;
        a.authTimes = withTime(a.authTimes, tsMs);
    }
    if (e.user) {
      if (a.users.length < USERS_KEPT && !a.users.includes(e.user)) a.users = appended(a.users, e.user);
      let addrs = s.byUser.get(e.user);
      if (!addrs && s.byUser.size < USERS_TRACKED) {
        addrs = [];
        s.byUser.set(e.user, addrs);
      }
      if (addrs && addrs.length < ADDRESSES_PER_USER && !addrs.includes(e.ip)) addrs.push(e.ip);
    }
    sample(s.samples, e.ip, raw, e);
  },
  merge(into, later) {
    for (const [ip, b] of later.byAddress) {
      const a = into.byAddress.get(ip);
      if (!a) {
        into.byAddress.set(ip, b);
        continue;
      }
      a.smtp += b.smtp;
      a.login += b.login;
      a.authProcess += b.authProcess;
      a.abuse += b.abuse;
      a.first = Math.min(a.first, b.first);
      a.last = Math.max(a.last, b.last);
      for (const u of b.users)
        if (a.users.length < USERS_KEPT && !a.users.includes(u)) a.users = appended(a.users, u);
      for (const t of b.smtpTimes) a.smtpTimes = withTime(a.smtpTimes, t);
      for (const t of b.authTimes) a.authTimes = withTime(a.authTimes, t);
    }
    for (const [user, addrs] of later.byUser) {
      let mine = into.byUser.get(user);
      if (!mine && into.byUser.size < USERS_TRACKED) {
        mine = [];
        into.byUser.set(user, mine);
      }
      if (mine)
        for (const ip of addrs) if (mine.length < ADDRESSES_PER_USER && !mine.includes(ip)) mine.push(ip);
    }
    mergeSamples(into.samples, later.samples);
  },
  findings(s, ctx): Finding[] {
    const attackers: { ip: string; a: AddressAuth; attempts: number; times: number[] }[] = [];
    s.byAddress.forEach((a, ip) => {
      const attempts = attemptsOf(a);
      if (attempts > 0)
        attackers.push({
          ip,
          a,
          attempts,
          times: a.authTimes.length >= a.smtpTimes.length ? a.authTimes : a.smtpTimes,
        });
    });
    attackers.sort((x, y) => y.attempts - x.attempts);
    if (attackers.length === 0) return [];
    const total = attackers.reduce((n, x) => n + x.attempts, 0);
    const sprayers = attackers.filter((x) => x.a.users.length >= SPRAY_USERS);
    const distributed = [...s.byUser.entries()]
      .filter(([, addrs]) => addrs.length >= DISTRIBUTED_ADDRESSES)
      .sort((a, b) => b[1].length - a[1].length);
    const slow = attackers.filter(
      (x) =>
        x.attempts >= 10 &&
        x.a.last - x.a.first >= 3_600_000 &&
        maxInWindow(x.times, F2B_FINDTIME_MS) < F2B_MAXRETRY,
    );
    const heavy = attackers.filter((x) => x.attempts >= 20);
    const severity =
      heavy.length > 0 || sprayers.length > 0 || distributed.length > 0 || slow.length > 0
        ? 'high'
        : total >= 5
          ? 'medium'
          : 'low';
    const parts: string[] = [
      `${total} failed logins (SMTP AUTH, IMAP, POP3) from ${attackers.length} addresses`,
    ];
    if (sprayers.length > 0) {
      parts.push(
        `password spraying: ${sprayers
          .slice(0, 5)
          .map((x) => `${x.ip} tried ${x.a.users.length}${x.a.users.length >= USERS_KEPT ? '+' : ''} users`)
          .join(', ')}`,
      );
    }
    if (distributed.length > 0) {
      parts.push(
        `distributed attack: ${distributed
          .slice(0, 5)
          .map(
            ([u, addrs]) =>
              `${u} from ${addrs.length}${addrs.length >= ADDRESSES_PER_USER ? '+' : ''} addresses`,
          )
          .join(', ')}`,
      );
    }
    if (slow.length > 0) {
      parts.push(
        `slow attacks that stay under fail2ban's default window (${F2B_MAXRETRY} in 10 minutes): ${slow
          .slice(0, 5)
          .map(
            (x) =>
              `${x.ip}: ${x.attempts} over ${Math.round((x.a.last - x.a.first) / 3_600_000)} h, ${rhythm(x.times) ?? ''}`,
          )
          .join('; ')}`,
      );
    }
    const tallies: Tallies = new Map(
      attackers.map((x) => [
        x.ip,
        {
          count: x.attempts,
          first: x.a.first,
          last: x.a.last,
          classes: { smtp: x.a.smtp, imapPop3: x.a.login, authProcess: x.a.authProcess },
          // Read only: the groups and sources copy what they keep.
          users: x.a.users,
          times: x.times,
        },
      ]),
    );
    const groups = subnetGroups(tallies, ctx.subnetMin);
    if (groups.length > 0) {
      parts.push(
        `from subnets: ${groups
          .slice(0, 5)
          .map((g) => `${g.subnet} (${g.addresses.length} addresses, ${g.tally.count} attempts)`)
          .join(', ')}`,
      );
    }
    const sources: FindingSource[] = findingSources(tallies, ctx.subnetMin, 25, ctx.banned, groups);
    // A Postfix access map covers SMTP AUTH only: an address that also guessed at IMAP or POP3 is not blocked there.
    const status = attackers.every((x) => x.a.login === 0)
      ? blockStatus(() => attackers.map((x) => [x.ip, x.a.last] as const), ctx)
      : 'open';
    const block = blockAtPostfix(
      attackers
        .filter((x) => x.attempts >= 10)
        .map((x) => x.ip)
        .slice(0, 50),
      'brute-force sources',
    );
    return [
      {
        id: 'auth-brute-force',
        kind: 'issue',
        title: 'Password guessing against SMTP AUTH, IMAP and POP3',
        severity,
        severityRule: `high with an address of 20+ attempts, password spraying (one address, ${SPRAY_USERS}+ users), a distributed attack (one user, ${DISTRIBUTED_ADDRESSES}+ addresses) or a slow attack under fail2ban's window; medium from 5 attempts; low below`,
        status,
        description: `${parts.join('. ')}.${status === 'fixed' ? BLOCK_FIXED_TEXT : status === 'mitigated' ? BLOCK_HELD_TEXT : ''}`,
        sources,
        evidence: evidence(s.samples),
        rootCause:
          'Exposed submission and mailbox ports are guessed at by bots with lists of common user names and leaked passwords.',
        recommendation: {
          summary: `Make sure fail2ban's postfix (mode extra or aggressive) and dovecot jails run and read this log; for slow and distributed attacks add a long-window jail (e.g. 20 failures in 24 hours) and consider the recidive jail. ${block.summary}`,
          dockerMailserver: [
            'docker exec mailserver fail2ban-client status postfix',
            'docker exec mailserver fail2ban-client status dovecot',
            ...block.dockerMailserver,
          ],
          plainHost: [
            'fail2ban-client status postfix-sasl',
            'fail2ban-client status dovecot',
            ...block.plainHost,
          ],
        },
        metrics: {
          attempts: total,
          addresses: attackers.length,
          passwordSprayers: sprayers.length,
          distributedTargets: distributed.length,
          slowAttackers: slow.length,
          usersTargeted: s.byUser.size,
        },
      },
    ];
  },
};
