import { type SecurityEvent, sourceParts } from '../classify/event.js';
import type { Finding, FindingSource } from '../findings/finding.js';
import type { Detector } from './detector.js';

/**
 * Per address and user: failures before the first success, that success,
 * failures after it. There are as many pairs as guessed users, so a pair keeps
 * numbers and references only: its address and user are the keys it is held
 * under, and the lines it may cite as evidence are file references and line
 * numbers, turned into `file:line` only for the few pairs that become hits.
 */
interface Pair {
  saslBefore: number;
  loginBefore: number;
  authBefore: number;
  success: number | null;
  successFile: string | null;
  successLine: number;
  failsAfter: number;
  firstFail: number;
  /** The file of the pair's first failures, and their lines (0: none). */
  failFile: string | null;
  failLine1: number;
  failLine2: number;
}

/** Failed attempts before the first success, counted as the auth-brute-force detector counts them. */
function failsBefore(p: Pair): number {
  return Math.max(p.authBefore, p.saslBefore + p.loginBefore);
}

function failureSources(p: Pair): string[] {
  if (p.failFile === null) return [];
  return [p.failLine1, p.failLine2].filter((n) => n > 0).map((n) => `${p.failFile}:${n}`);
}

function noteFailureLine(p: Pair, file: string, line: number): void {
  if (p.failFile === null) {
    p.failFile = file;
    p.failLine1 = line;
  } else if (p.failLine2 === 0 && p.failFile === file) p.failLine2 = line;
}

/**
 * An address's pairs: the one for failures that name no user, and one per user.
 * Keyed by address first, so that a lookup hashes the event's own address and user
 * strings (whose hashes the other detectors' lookups have already computed) instead
 * of a new joined key.
 */
interface AddressPairs {
  anonymous: Pair | null;
  users: Map<string, Pair> | null;
}

interface State {
  pairs: Map<string, AddressPairs>;
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

function newPair(): Pair {
  return {
    saslBefore: 0,
    loginBefore: 0,
    authBefore: 0,
    success: null,
    successFile: null,
    successLine: 0,
    failsAfter: 0,
    firstFail: Number.POSITIVE_INFINITY,
    failFile: null,
    failLine1: 0,
    failLine2: 0,
  };
}

function addressPairs(s: State, ip: string): AddressPairs {
  let a = s.pairs.get(ip);
  if (!a) {
    a = { anonymous: null, users: null };
    s.pairs.set(ip, a);
  }
  return a;
}

function pair(a: AddressPairs, user: string): Pair {
  if (user === '') {
    a.anonymous ??= newPair();
    return a.anonymous;
  }
  a.users ??= new Map();
  let p = a.users.get(user);
  if (!p) {
    p = newPair();
    a.users.set(user, p);
  }
  return p;
}

/** Merges a later chunk's pair into this chunk's pair of the same address and user. */
function mergePair(a: Pair, b: Pair): void {
  a.firstFail = Math.min(a.firstFail, b.firstFail);
  if (a.success === null) {
    a.saslBefore += b.saslBefore;
    a.loginBefore += b.loginBefore;
    a.authBefore += b.authBefore;
    a.success = b.success;
    a.successFile = b.successFile;
    a.successLine = b.successLine;
    a.failsAfter = b.failsAfter;
    if (b.failFile !== null)
      for (const line of [b.failLine1, b.failLine2]) if (line > 0) noteFailureLine(a, b.failFile, line);
  } else a.failsAfter += failsBefore(b) + b.failsAfter;
}

/** The first success of a pair ends its "before" segment. */
function succeeded(p: Pair, e: SecurityEvent, tsMs: number): void {
  if (p.success !== null) return;
  const { file, line } = sourceParts(e);
  p.success = tsMs;
  p.successFile = file;
  p.successLine = line;
}

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
function* guessedPairs(s: State): Generator<[string, string, Pair]> {
  const guessed = (p: Pair) => p.success !== null && failsBefore(p) >= MIN_FAILURES;
  for (const [ip, a] of s.pairs) {
    if (a.anonymous && guessed(a.anonymous)) yield [ip, '', a.anonymous];
    if (a.users) for (const [user, p] of a.users) if (guessed(p)) yield [ip, user, p];
  }
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
      const p = pair(addressPairs(s, e.ip), user);
      if (p.success === null) {
        if (e.class === 'sasl-auth-failure') p.saslBefore++;
        else if (e.class === 'mail-login-failure') p.loginBefore += Number(e.detail) || 1;
        else p.authBefore++;
        p.firstFail = Math.min(p.firstFail, tsMs);
        if (p.failLine2 === 0) {
          const { file, line } = sourceParts(e);
          noteFailureLine(p, file, line);
        }
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
        const day = utcDay(tsMs);
        days[day] = (days[day] ?? 0) + 1;
      }
    }
    // A success ends the "before" segment of its pair, and of the address's failures that carry no user.
    const pairs = addressPairs(s, e.ip);
    if (user !== '') succeeded(pair(pairs, user), e, tsMs);
    succeeded(pair(pairs, ''), e, tsMs);
  },
  merge(into, later) {
    for (const [ip, b] of later.pairs) {
      const a = into.pairs.get(ip);
      if (!a) {
        into.pairs.set(ip, b);
        continue;
      }
      if (b.anonymous) {
        if (a.anonymous) mergePair(a.anonymous, b.anonymous);
        else a.anonymous = b.anonymous;
      }
      if (b.users) {
        a.users ??= new Map();
        for (const [user, p] of b.users) {
          const mine = a.users.get(user);
          if (mine) mergePair(mine, p);
          else a.users.set(user, p);
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
    const hits = [...guessedPairs(s)]
      .map(([ip, user, p]) => {
        return {
          ip,
          user,
          failsBefore: failsBefore(p),
          firstFail: p.firstFail,
          success: p.success!,
          successSource: p.successFile === null ? null : `${p.successFile}:${p.successLine}`,
          failureSources: failureSources(p),
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
