import { type SecurityEvent, sourceParts } from '../classify/event.js';
import type { Finding, FindingSource } from '../findings/finding.js';
import type { Detector } from './detector.js';
import {
  addPair,
  copyPair,
  failsBefore,
  failureSources,
  fileIndex,
  hasSucceeded,
  type LoginPairs,
  mergePair,
  newLoginPairs,
  noteFailureLine,
  noteSuccess,
  successSource,
} from './login-pairs.js';

/**
 * An address's pairs (indexes into the state's columns): the one for failures that
 * name no user (-1 until there is one), and one per user. Keyed by address first, so
 * that a lookup hashes the event's own address and user strings (whose hashes the
 * other detectors' lookups have already computed) instead of a new joined key.
 */
interface AddressPairs {
  anonymous: number;
  users: Map<string, number> | null;
}

interface State {
  pairs: Map<string, AddressPairs>;
  columns: LoginPairs;
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

const FAILURES = new Set(['sasl-auth-failure', 'mail-login-failure', 'auth-password-mismatch']);

const DAY_MS = 86_400_000;
let lastDayNumber = Number.NaN;
let lastDay = '';

/** `YYYY-MM-DD` of an instant in UTC; successive events mostly share a day, so the text is made once a day. */
function utcDay(tsMs: number): string {
  const n = Math.floor(tsMs / DAY_MS);
  if (n !== lastDayNumber) {
    lastDayNumber = n;
    lastDay = new Date(n * DAY_MS).toISOString().slice(0, 10);
  }
  return lastDay;
}

/** The pairs whose first success followed enough failures, with their address and user ('' for failures that name none). */
function* guessedPairs(s: State): Generator<[string, string, number]> {
  const c = s.columns;
  const guessed = (i: number) => hasSucceeded(c, i) && failsBefore(c, i) >= MIN_FAILURES;
  for (const [ip, a] of s.pairs) {
    if (a.anonymous >= 0 && guessed(a.anonymous)) yield [ip, '', a.anonymous];
    if (a.users) for (const [user, i] of a.users) if (guessed(i)) yield [ip, user, i];
  }
}

function addressPairs(s: State, ip: string): AddressPairs {
  let a = s.pairs.get(ip);
  if (!a) {
    a = { anonymous: -1, users: null };
    s.pairs.set(ip, a);
  }
  return a;
}

/** The index of an address's pair for `user` ('' for failures that name none), made when new. */
function pairOf(s: State, a: AddressPairs, user: string): number {
  if (user === '') {
    if (a.anonymous < 0) a.anonymous = addPair(s.columns);
    return a.anonymous;
  }
  a.users ??= new Map();
  let i = a.users.get(user);
  if (i === undefined) {
    i = addPair(s.columns);
    a.users.set(user, i);
  }
  return i;
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
  create: () => ({ pairs: new Map(), columns: newLoginPairs(), sent: new Map() }),
  add(s, e, tsMs) {
    if (!e.ip) return;
    const user = e.user ?? '';
    const c = s.columns;
    if (FAILURES.has(e.class)) {
      const i = pairOf(s, addressPairs(s, e.ip), user);
      // Failures after the first success are not counted: only those before it make a guess.
      if (hasSucceeded(c, i)) return;
      if (e.class === 'sasl-auth-failure') c.saslBefore[i]!++;
      else if (e.class === 'mail-login-failure') c.loginBefore[i]! += Number(e.detail) || 1;
      else c.authBefore[i]!++;
      if (tsMs < c.firstFail[i]!) c.firstFail[i] = tsMs;
      if (c.failLine2[i] === 0) {
        const { file, line } = sourceParts(e);
        noteFailureLine(c, i, fileIndex(c, file), line);
      }
      return;
    }
    if (e.class === 'sasl-auth-success' && e.user) {
      let days = s.sent.get(e.user);
      if (!days && s.sent.size < USERS_SENDING) {
        days = {};
        s.sent.set(e.user, days);
      }
      if (days) {
        const day = utcDay(tsMs);
        days[day] = (days[day] ?? 0) + 1;
      }
    }
    // A success ends the "before" segment of its pair, and of the address's failures that carry no user.
    const pairs = addressPairs(s, e.ip);
    const named = user !== '' ? pairOf(s, pairs, user) : -1;
    const anonymous = pairOf(s, pairs, '');
    if ((named < 0 || hasSucceeded(c, named)) && hasSucceeded(c, anonymous)) return;
    const { file, line } = sourceParts(e);
    if (named >= 0) noteSuccess(c, named, tsMs, file, line);
    noteSuccess(c, anonymous, tsMs, file, line);
  },
  merge(into, later) {
    const [to, from] = [into.columns, later.columns];
    for (const [ip, b] of later.pairs) {
      const a = addressPairs(into, ip);
      if (b.anonymous >= 0) {
        if (a.anonymous >= 0) mergePair(to, a.anonymous, from, b.anonymous);
        else a.anonymous = copyPair(to, from, b.anonymous);
      }
      if (b.users) {
        a.users ??= new Map();
        for (const [user, j] of b.users) {
          const mine = a.users.get(user);
          if (mine !== undefined) mergePair(to, mine, from, j);
          else a.users.set(user, copyPair(to, from, j));
        }
      }
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
    const c = s.columns;
    const hits = [...guessedPairs(s)]
      .map(([ip, user, i]) => {
        return {
          ip,
          user,
          failsBefore: failsBefore(c, i),
          firstFail: c.firstFail[i]!,
          success: c.success[i]!,
          successSource: successSource(c, i),
          failureSources: failureSources(c, i),
        };
      })
      .sort((a, b) => a.success - b.success);
    const jumps = volumeJumps(s.sent);
    if (hits.length === 0 && jumps.length === 0) return [];
    const sources: FindingSource[] = hits.map((p) => ({
      source: p.ip,
      kind: 'address',
      count: p.failsBefore,
      first: new Date(p.firstFail).toISOString(),
      last: new Date(p.success).toISOString(),
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
          `${p.user || '(user not logged)'} logged in from ${p.ip} at ${new Date(p.success).toISOString()} after ${p.failsBefore} failed attempts from that address`,
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
