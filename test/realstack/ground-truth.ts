// What the attack driver did, recorded as it did it (never read back from the
// logs): the answer key the classifier's output is compared with.
import type { Fail2banJail } from './fail2ban-config.js';
import type { LogLayout } from './log-layout.js';
import type { StackPorts } from './ports.js';
import type { StackVersions } from './requirements.js';

/** The security event classes the product emits. */
export const EVENT_KINDS = [
  'tls-handshake-failure',
  'pregreet',
  'postscreen-bare-newline',
  'postscreen-pipelining',
  'postscreen-non-smtp',
  'sasl-auth-failure',
  'mail-login-failure',
  'auth-unknown-user',
  'auth-password-mismatch',
  'relay-denied',
  'unknown-recipient',
  'account-compromise',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * The daemon that logs the end of a client session, so that the number of
 * sessions can be matched with log lines: postscreen ("DISCONNECT [ip]:port",
 * sessions that never reached smtpd), smtpd ("disconnect from unknown[ip]",
 * including sessions postscreen handed over), Dovecot's imap-login and
 * pop3-login ("Login:" / "Disconnected ... rip=ip").
 */
export type SessionHandler = 'postscreen' | 'smtpd' | 'imap-login' | 'pop3-login';

/** What one unit of `attempts` is for a scenario. */
export type AttemptUnit =
  | 'tls-handshake'
  | 'pregreet'
  | 'protocol-violation'
  | 'smtp-auth'
  | 'mailbox-login'
  /** SMTP AUTH or IMAP/POP3 login. */
  | 'login'
  | 'relay-rcpt'
  | 'unknown-rcpt'
  | 'message';

export interface AddressActivity {
  connections: number;
  attempts: number;
  sessions: Partial<Record<SessionHandler, number>>;
}

export interface ScenarioTruth {
  id: string;
  description: string;
  /** Event classes the product should emit for these addresses (a scenario may produce several). */
  expectedKind: EventKind[];
  addresses: string[];
  connections: number;
  attempts: number;
  attemptUnit: AttemptUnit;
  /** User names the scenario tried (SASL, IMAP, POP3) or probed (RCPT). */
  users?: string[];
  /** Successful logins (account compromise). */
  successfulLogins?: number;
  /** Messages the server accepted with 250 after DATA. */
  messagesAccepted?: number;
  /** Successful IMAP/POP3 logins per user, each ending with a logout. */
  mailboxSessions?: Record<string, number>;
  /** The jail that is expected to ban every address of the scenario. */
  expectedFail2banJail?: Fail2banJail;
  perAddress: Record<string, AddressActivity>;
  /** ISO 8601 (UTC, milliseconds): before the first connection, after the last one closed. */
  start: string;
  end: string;
}

export interface GroundTruth {
  formatVersion: 1;
  layout: LogLayout;
  startedAt: string;
  finishedAt: string;
  stack: {
    hostname: string;
    domain: string;
    listenAddress: string;
    ports: StackPorts;
    versions: StackVersions;
    /** Postfix mynetworks: the only address the stack trusts. */
    trustedNetworks: string[];
  };
  /** Attacks. */
  scenarios: ScenarioTruth[];
  /** Innocent traffic: nothing may be reported against these. */
  legitimate: ScenarioTruth[];
  legitimateAddresses: string[];
}

export interface ScenarioSpec {
  id: string;
  description: string;
  expectedKind: EventKind[];
  attemptUnit: AttemptUnit;
  expectedFail2banJail?: Fail2banJail;
}

/** Collects one scenario's activity while it runs. */
export class ScenarioRecorder {
  private readonly started = new Date();
  private readonly activity = new Map<string, AddressActivity>();
  private readonly users = new Set<string>();
  private successes = 0;
  private accepted = 0;
  private readonly mailbox = new Map<string, number>();

  constructor(readonly spec: ScenarioSpec) {}

  private of(address: string): AddressActivity {
    let entry = this.activity.get(address);
    if (!entry) {
      entry = { connections: 0, attempts: 0, sessions: {} };
      this.activity.set(address, entry);
    }
    return entry;
  }

  connection(address: string, handler: SessionHandler): void {
    const entry = this.of(address);
    entry.connections += 1;
    entry.sessions[handler] = (entry.sessions[handler] ?? 0) + 1;
  }

  attempt(address: string, user?: string): void {
    this.of(address).attempts += 1;
    if (user !== undefined) this.users.add(user);
  }

  loginSucceeded(): void {
    this.successes += 1;
  }

  mailboxSession(user: string): void {
    this.mailbox.set(user, (this.mailbox.get(user) ?? 0) + 1);
  }

  messageAccepted(): void {
    this.accepted += 1;
  }

  finish(): ScenarioTruth {
    const perAddress = Object.fromEntries(
      [...this.activity.entries()].sort(([a], [b]) => compareAddresses(a, b)),
    );
    const entries = Object.values(perAddress);
    const truth: ScenarioTruth = {
      id: this.spec.id,
      description: this.spec.description,
      expectedKind: [...this.spec.expectedKind],
      addresses: Object.keys(perAddress),
      connections: entries.reduce((sum, e) => sum + e.connections, 0),
      attempts: entries.reduce((sum, e) => sum + e.attempts, 0),
      attemptUnit: this.spec.attemptUnit,
      perAddress,
      start: this.started.toISOString(),
      end: new Date().toISOString(),
    };
    if (this.users.size > 0) truth.users = [...this.users].sort();
    if (this.successes > 0) truth.successfulLogins = this.successes;
    if (this.accepted > 0) truth.messagesAccepted = this.accepted;
    if (this.mailbox.size > 0) truth.mailboxSessions = Object.fromEntries(this.mailbox);
    if (this.spec.expectedFail2banJail) truth.expectedFail2banJail = this.spec.expectedFail2banJail;
    return truth;
  }
}

export function compareAddresses(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Every scenario and legitimate entry, in order. */
export function allEntries(truth: GroundTruth): ScenarioTruth[] {
  return [...truth.scenarios, ...truth.legitimate];
}
