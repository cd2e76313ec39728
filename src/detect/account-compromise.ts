import type { Finding, FindingSource } from '../findings/finding.js';
import type { Detector } from './detector.js';

/** Per address and user: failures before the first success, that success, failures after it. */
interface Pair {
  ip: string;
  user: string;
  /** Failed attempts before the first success, counted as the auth-brute-force detector counts them. */
  failsBefore: number;
  saslBefore: number;
  loginBefore: number;
  authBefore: number;
  success: number | null;
  /** `file:line` of the first success; its text is read back only if the pair turns out a hit (most successes are innocent). */
  successSource: string | null;
  failsAfter: number;
  firstFail: number;
  /** `file:line` of the first failures of this pair (kept as bare strings: there are as many pairs as guessed users). */
  failureSources: string[];
}

interface State {
  pairs: Map<string, Pair>;
  /** Authenticated submissions per user and UTC day. */
  sent: Map<string, Record<string, number>>;
}

/** A day's submissions are a jump when they reach this, and this many times the user's usual day. */
export const VOLUME_FLOOR = 50;
export const VOLUME_FACTOR = 10;
const USERS_SENDING = 100_000;

interface VolumeJump {
  user: string;
  day: string;
  count: number;
  usual: number;
}

/** Days on which an authenticated user sent far more than on its own usual day (the median of its other days, 3+ needed). */
function volumeJumps(sent: State['sent']): VolumeJump[] {
  const jumps: VolumeJump[] = [];
  for (const [user, days] of sent) {
    const entries = Object.entries(days).sort((a, b) => a[0].localeCompare(b[0]));
    if (entries.length < 4) continue;
    for (const [day, count] of entries) {
      const others = entries
        .filter(([d]) => d !== day)
        .map(([, n]) => n)
        .sort((a, b) => a - b);
      const usual = others[Math.floor(others.length / 2)]!;
      if (count >= VOLUME_FLOOR && count >= VOLUME_FACTOR * Math.max(usual, 1))
        jumps.push({ user, day, count, usual });
    }
  }
  return jumps.sort((a, b) => b.count - a.count);
}

/** Fewer failures than this before a success is a typo, not a guessed password. */
export const MIN_FAILURES = 3;
const FAILURE_SOURCES_KEPT = 2;

const FAILURES = new Set(['sasl-auth-failure', 'mail-login-failure', 'auth-password-mismatch']);

function pair(s: State, ip: string, user: string): Pair {
  const key = `${ip}\u0000${user}`;
  let p = s.pairs.get(key);
  if (!p) {
    p = {
      ip,
      user,
      failsBefore: 0,
      saslBefore: 0,
      loginBefore: 0,
      authBefore: 0,
      success: null,
      successSource: null,
      failsAfter: 0,
      firstFail: Number.POSITIVE_INFINITY,
      failureSources: [],
    };
    s.pairs.set(key, p);
  }
  return p;
}

/** A successful login from an address that had just failed for the same user (or, when failures carry no user, for any). */
export const accountCompromise: Detector<State> = {
  id: 'account-compromise-suspected',
  classes: [
    'sasl-auth-failure',
    'mail-login-failure',
    'auth-password-mismatch',
    'sasl-auth-success',
    'mail-login-success',
  ],
  create: () => ({ pairs: new Map(), sent: new Map() }),
  add(s, e, tsMs) {
    if (!e.ip) return;
    const user = e.user ?? '';
    if (FAILURES.has(e.class)) {
      const p = pair(s, e.ip, user);
      if (p.success === null) {
        if (e.class === 'sasl-auth-failure') p.saslBefore++;
        else if (e.class === 'mail-login-failure') p.loginBefore += Number(e.detail) || 1;
        else p.authBefore++;
        p.failsBefore = Math.max(p.authBefore, p.saslBefore + p.loginBefore);
        p.firstFail = Math.min(p.firstFail, tsMs);
        if (p.failureSources.length < FAILURE_SOURCES_KEPT) p.failureSources.push(e.source);
      } else p.failsAfter++;
      return;
    }
    if (e.class === 'sasl-auth-success' && e.user) {
      let days = s.sent.get(e.user);
      if (!days && s.sent.size < USERS_SENDING) {
        days = {};
        s.sent.set(e.user, days);
      }
      if (days) {
        const day = new Date(tsMs).toISOString().slice(0, 10);
        days[day] = (days[day] ?? 0) + 1;
      }
    }
    // A success ends the "before" segment of its pair, and of the address's failures that carry no user.
    for (const p of [pair(s, e.ip, user), pair(s, e.ip, '')]) {
      if (p.success === null) {
        p.success = tsMs;
        p.successSource = e.source;
      }
    }
  },
  merge(into, later) {
    for (const [key, b] of later.pairs) {
      const a = into.pairs.get(key);
      if (!a) {
        into.pairs.set(key, b);
        continue;
      }
      a.firstFail = Math.min(a.firstFail, b.firstFail);
      if (a.success === null) {
        a.saslBefore += b.saslBefore;
        a.loginBefore += b.loginBefore;
        a.authBefore += b.authBefore;
        a.failsBefore = Math.max(a.authBefore, a.saslBefore + a.loginBefore);
        a.success = b.success;
        a.successSource = b.successSource;
        a.failsAfter = b.failsAfter;
        for (const src of b.failureSources)
          if (a.failureSources.length < FAILURE_SOURCES_KEPT) a.failureSources.push(src);
      } else a.failsAfter += b.failsBefore + b.failsAfter;
    }
    for (const [user, days] of later.sent) {
      const mine = into.sent.get(user);
      if (!mine) {
        if (into.sent.size < USERS_SENDING) into.sent.set(user, days);
        continue;
      }
      for (const [day, n] of Object.entries(days)) mine[day] = (mine[day] ?? 0) + n;
    }
  },
  findings(s, ctx): Finding[] {
    const hits = [...s.pairs.values()]
      .filter((p) => p.success !== null && p.failsBefore >= MIN_FAILURES)
      .sort((a, b) => a.success! - b.success!);
    const jumps = volumeJumps(s.sent);
    if (hits.length === 0 && jumps.length === 0) return [];
    const sources: FindingSource[] = hits.map((p) => ({
      source: p.ip,
      kind: 'address',
      count: p.failsBefore,
      first: new Date(p.firstFail).toISOString(),
      last: new Date(p.success!).toISOString(),
      ...(p.user ? { users: [p.user] } : {}),
      banned: ctx.banned.has(p.ip),
    }));
    const successEvidence = hits
      .filter((p) => p.successSource)
      .slice(0, 3)
      .map((p) => ({ line: '', source: p.successSource! }));
    const users = [...new Set([...hits.map((p) => p.user), ...jumps.map((j) => j.user)].filter(Boolean))];
    const jumpText = jumps
      .slice(0, 5)
      .map((j) => `${j.user} sent ${j.count} messages on ${j.day}, against ${j.usual} on its usual day`);
    const guessText = hits
      .slice(0, 5)
      .map(
        (p) =>
          `${p.user || '(user not logged)'} logged in from ${p.ip} at ${new Date(p.success!).toISOString()} after ${p.failsBefore} failed attempts from that address`,
      );
    return [
      {
        id: 'account-compromise-suspected',
        kind: 'issue',
        title:
          hits.length > 0
            ? `Possible account compromise: ${users.slice(0, 3).join(', ') || 'a login'} succeeded after failed attempts`
            : `Possible account compromise: ${users.slice(0, 3).join(', ')} sent far more than usual`,
        severity: 'critical',
        severityRule: `critical whenever a login succeeds from an address that failed ${MIN_FAILURES}+ times for the same user before (fewer is taken for a typo), or an authenticated user sends ${VOLUME_FLOOR}+ messages in a day and ${VOLUME_FACTOR}x its usual day`,
        status: 'open',
        description: [
          guessText.length > 0
            ? `${guessText.join('; ')}. Such an address is not exempted from blocking: it guessed the password.`
            : '',
          jumpText.length > 0 ? `Sending volume jumped: ${jumpText.join('; ')}.` : '',
        ]
          .filter(Boolean)
          .join(' '),
        sources,
        evidence: [
          ...hits.slice(0, 2).flatMap((p) => p.failureSources.map((source) => ({ line: '', source }))),
          ...successEvidence,
        ],
        rootCause:
          hits.length > 0
            ? 'A password was guessed (or reused from a leak) after a brute-force run.'
            : 'A stolen password sends spam through the account.',
        recommendation: {
          summary: `Reset the password of ${users.join(', ') || 'the account'} now, end its sessions, check what it sent (mail queue, Sent folder) and its forwarding and sieve rules, then block the address.`,
          dockerMailserver: [
            ...users.map((u) => `docker exec mailserver setup email update ${u}`),
            ...users.map((u) => `docker exec mailserver doveadm kick ${u}`),
            ...hits.map((p) => `docker exec mailserver setup fail2ban ban ${p.ip}`),
            'docker exec mailserver postqueue -p',
          ],
          plainHost: [
            ...users.map((u) => `doveadm pw -s SHA512-CRYPT   # then replace ${u}'s hash in the passdb`),
            ...users.map((u) => `doveadm kick ${u}`),
            ...hits.map((p) => `fail2ban-client set dovecot banip ${p.ip}`),
            'postqueue -p',
          ],
        },
        metrics: {
          accounts: users.length,
          addresses: new Set(hits.map((p) => p.ip)).size,
          volumeJumps: jumps.length,
        },
      },
    ];
  },
};
