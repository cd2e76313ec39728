import type { EventClass } from '../../classify/taxonomy.js';
import type { RuleSettings, WatchSettings, WebhookActionSettings } from './types.js';

/** Shared defaults must not change under their users; loaded settings are copies. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Password guessing, however the login was tried. Dovecot's auth process logs
 * a second line (auth-password-mismatch, auth-unknown-user) for each failure
 * that Postfix's SASL or Dovecot's login process already logged: counting
 * those too would count one attempt twice, so the defaults leave them out.
 */
const LOGIN_FAILURES: EventClass[] = ['sasl-auth-failure', 'mail-login-failure', 'auth-command-abuse'];

/** Bots and scanners misbehaving in SMTP. */
const SMTP_ABUSE: EventClass[] = [
  'pregreet',
  'postscreen-bare-newline',
  'postscreen-pipelining',
  'postscreen-non-smtp',
  'postscreen-dnsbl',
  'non-smtp-command',
  'too-many-errors',
  'relay-denied',
  'unknown-recipient',
  'helo-rejected',
  'client-rejected',
  'sender-rejected',
];

const DEFAULT_RULES: RuleSettings[] = [
  { name: 'login-brute-force', classes: LOGIN_FAILURES, count: 5, window: 10 * MINUTE },
  // Guessers that stay under the fast rule by spacing their attempts out.
  { name: 'slow-brute-force', classes: LOGIN_FAILURES, count: 20, window: DAY },
  { name: 'smtp-abuse', classes: SMTP_ABUSE, count: 10, window: 10 * MINUTE },
  // A failed handshake is only a signal; twenty in ten minutes is a scanner.
  { name: 'tls-scanning', classes: ['tls-handshake-failure'], count: 20, window: 10 * MINUTE },
];

/** What `mailwarden watch` does when its settings file leaves a key out (or there is no file). */
export const DEFAULT_SETTINGS: WatchSettings = deepFreeze({
  state: '/var/lib/mailwarden/state.db',
  tick: SECOND,
  from: 'end',
  includePrivate: false,
  allow: [],
  allowlist: null,
  protectLogins: true,
  rules: DEFAULT_RULES,
  bans: {
    duration: HOUR,
    repeatFactor: 4,
    maxDuration: 30 * DAY,
    repeatMemory: 30 * DAY,
    subnetMin: 3,
    subnetWindow: HOUR,
    subnetPrefix4: 24,
    subnetPrefix6: 64,
    maxPrefix4: 24,
    maxPrefix6: 48,
  },
  actions: {
    enabled: ['stdout'],
    retries: 5,
    retryDelay: 5 * SECOND,
    retryMaxDelay: 5 * MINUTE,
    execPrefix: null,
    fail2ban: { jail: 'mailwarden', command: ['fail2ban-client'] },
    postfixMap: { map: null, reloadInterval: 10 * SECOND, reloadCommand: null },
    nftables: {
      family: 'inet',
      table: 'mailwarden-watch',
      set4: 'blocked4',
      set6: 'blocked6',
      command: ['nft'],
    },
    webhook: null,
  },
  metrics: { listen: '127.0.0.1:9464' },
  decisionLog: 'stderr',
});

/** The webhook keys that may be left out of an `[actions.webhook]` table (its `url` may not). */
export const WEBHOOK_DEFAULTS: Omit<WebhookActionSettings, 'url'> = deepFreeze({
  timeout: 10 * SECOND,
  headers: {},
});
