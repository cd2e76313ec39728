import type { SecurityEvent } from '../classify/event.js';
import { BAN_WORTHY_CLASSES } from '../detect/fail2ban-coverage.js';

/** What one address did that matters for blocking it. */
export interface AddressActivity {
  /** Attack events (one per log line), with when and of which classes. */
  events: number;
  first: number;
  last: number;
  classes: Record<string, number>;
  /** Failed logins (SMTP AUTH, IMAP, POP3, Dovecot's auth process). */
  failures: number;
  firstFailure: number;
  /** Successful logins. */
  logins: number;
  firstLogin: number;
}

/**
 * The classes that make an address an attacker: the audit's own list of
 * hostile events (the ones fail2ban is expected to act on), plus postscreen
 * refusing a client its access list already rejects.
 */
export const ATTACK_CLASSES: ReadonlySet<string> = new Set([...BAN_WORTHY_CLASSES, 'postscreen-denylisted']);

const LOGIN_FAILURES = new Set([
  'sasl-auth-failure',
  'mail-login-failure',
  'auth-password-mismatch',
  'auth-unknown-user',
]);
const LOGIN_SUCCESSES = new Set(['sasl-auth-success', 'mail-login-success']);

function fresh(): AddressActivity {
  return {
    events: 0,
    first: Number.POSITIVE_INFINITY,
    last: Number.NEGATIVE_INFINITY,
    classes: {},
    failures: 0,
    firstFailure: Number.POSITIVE_INFINITY,
    logins: 0,
    firstLogin: Number.POSITIVE_INFINITY,
  };
}

/**
 * Collects per-address activity from the events the audit reads. Times, not
 * reading order, decide what came first: Postfix's and Dovecot's logs may be
 * read one after the other.
 */
export class ActivityCollector {
  readonly byAddress = new Map<string, AddressActivity>();

  readonly observe = (event: SecurityEvent, _raw: string, tsMs: number): void => {
    const ip = event.ip;
    if (ip === undefined) return;
    const cls = event.class;
    const attack = ATTACK_CLASSES.has(cls);
    const failure = LOGIN_FAILURES.has(cls);
    const success = LOGIN_SUCCESSES.has(cls);
    if (!attack && !failure && !success) return;
    let a = this.byAddress.get(ip);
    if (!a) {
      a = fresh();
      this.byAddress.set(ip, a);
    }
    if (attack) {
      a.events++;
      if (tsMs < a.first) a.first = tsMs;
      if (tsMs > a.last) a.last = tsMs;
      a.classes[cls] = (a.classes[cls] ?? 0) + 1;
    }
    if (failure) {
      a.failures++;
      if (tsMs < a.firstFailure) a.firstFailure = tsMs;
    }
    if (success) {
      a.logins++;
      if (tsMs < a.firstLogin) a.firstLogin = tsMs;
    }
  };
}
