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

/** An event that keeps the parts of its `source` apart (the analysis's events do), so that state can hold a line number instead of a new string. */
interface SourceParts {
  readonly sourceFile: string;
  readonly sourceLine: number;
}

/** The file and line an event came from, without building its `file:line` text where the event holds them apart. */
export function sourceParts(e: SecurityEvent): { file: string; line: number } {
  const parts = e as Partial<SourceParts>;
  if (parts.sourceFile !== undefined && parts.sourceLine !== undefined)
    return { file: parts.sourceFile, line: parts.sourceLine };
  const colon = e.source.lastIndexOf(':');
  return { file: e.source.slice(0, colon), line: Number(e.source.slice(colon + 1)) };
}
