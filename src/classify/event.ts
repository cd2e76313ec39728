import type { EventClass, Tier } from './taxonomy.js';

/**
 * One security-relevant (or, with `--all`, benign) log line, typed.
 * Every field that came from the log is attacker-controlled text: escape it on output.
 */
export interface SecurityEvent {
  /** ISO 8601 in UTC, millisecond precision. */
  ts: string;
  /** Syslog host name of the line, or null when the format carries none (Dovecot's log_path, fail2ban.log). */
  host: string | null;
  /** Full program name as logged, e.g. `postfix/submissions/smtpd`, `dovecot/imap-login`. */
  service: string;
  pid: number | null;
  class: EventClass;
  tier: Tier;
  /** Client address, normalised (IPv4 dotted quad, IPv6 lower-case compressed), no brackets or port. */
  ip?: string;
  port?: number;
  user?: string;
  /** Class-specific detail, documented per class in the taxonomy. */
  detail?: string;
  /** `file:line` of the line the event came from. */
  source: string;
}
