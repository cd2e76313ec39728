// Knowing when the logs are complete: every session the driver opened has its
// closing line, every accepted message its delivery, every mailbox login its
// logout, and fail2ban has banned whom it should. Polled with a deadline.
import { allEntries, type GroundTruth, type SessionHandler } from './ground-truth.js';
import type { StackLogs } from './log-layout.js';
import { readLines, waitFor } from './wait.js';

export interface SettleOptions {
  timeoutMs?: number;
  /** Also wait for fail2ban's Ban lines (default true). */
  fail2ban?: boolean;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches an IPv4 address as a whole (127.81.30.1 does not match inside 127.81.30.12). */
export function addressPattern(address: string): RegExp {
  return new RegExp(`(?<![\\d.])${escapeRegExp(address)}(?![\\d])`);
}

/** The closing log line of one session, per handler. */
export function sessionEndPattern(handler: SessionHandler, address: string): RegExp {
  const ip = escapeRegExp(address);
  switch (handler) {
    case 'postscreen':
      return new RegExp(`postfix/postscreen\\[\\d+\\]: DISCONNECT \\[${ip}\\]:\\d+`);
    case 'smtpd':
      return new RegExp(`/smtpd\\[\\d+\\]: disconnect from [^\\s\\[]*\\[${ip}\\]`);
    case 'imap-login':
      return new RegExp(`imap-login: .*\\brip=${ip},`);
    case 'pop3-login':
      return new RegExp(`pop3-login: .*\\brip=${ip},`);
  }
}

export interface Expectation {
  description: string;
  file: string;
  pattern: RegExp;
  count: number;
}

export function settleExpectations(truth: GroundTruth, logs: StackLogs, withFail2ban = true): Expectation[] {
  const out: Expectation[] = [];
  let messages = 0;
  const sessions = new Map<string, number>();
  for (const entry of allEntries(truth)) {
    for (const [address, activity] of Object.entries(entry.perAddress)) {
      for (const [handler, count] of Object.entries(activity.sessions) as [SessionHandler, number][]) {
        out.push({
          description: `${entry.id}: ${count} ${handler} session end(s) for ${address}`,
          file: handler === 'imap-login' || handler === 'pop3-login' ? logs.dovecot : logs.postfix,
          pattern: sessionEndPattern(handler, address),
          count,
        });
      }
      if (withFail2ban && entry.expectedFail2banJail) {
        out.push({
          description: `${entry.id}: fail2ban jail ${entry.expectedFail2banJail} bans ${address}`,
          file: logs.fail2ban,
          pattern: new RegExp(
            `\\[${escapeRegExp(entry.expectedFail2banJail)}\\] Ban ${escapeRegExp(address)}(?![\\d])`,
          ),
          count: 1,
        });
      }
    }
    messages += entry.messagesAccepted ?? 0;
    for (const [user, count] of Object.entries(entry.mailboxSessions ?? {})) {
      sessions.set(user, (sessions.get(user) ?? 0) + count);
    }
  }
  if (messages > 0) {
    out.push({
      description: `${messages} message(s) delivered`,
      file: logs.postfix,
      pattern: /postfix\/virtual\[\d+\]: [0-9A-Za-z]+: to=<[^>]+>, .*status=sent/,
      count: messages,
    });
  }
  for (const [user, count] of sessions) {
    out.push({
      description: `${count} mailbox session(s) of ${user} logged out`,
      file: logs.dovecot,
      pattern: new RegExp(`(?:imap|pop3)\\(${escapeRegExp(user)}\\)<[^>]*><[^>]*>: (?:Info: )?Disconnected`),
      count,
    });
  }
  return out;
}

async function unmet(expectations: readonly Expectation[]): Promise<string[]> {
  const cache = new Map<string, string[]>();
  const missing: string[] = [];
  for (const e of expectations) {
    let lines = cache.get(e.file);
    if (!lines) {
      lines = await readLines(e.file);
      cache.set(e.file, lines);
    }
    const found = lines.filter((line) => e.pattern.test(line)).length;
    if (found < e.count) missing.push(`${e.description} (found ${found} in ${e.file})`);
  }
  return missing;
}

/** Resolves once the logs hold everything the ground truth implies; throws listing what is missing. */
export async function waitForSettledLogs(
  truth: GroundTruth,
  logs: StackLogs,
  options: SettleOptions = {},
): Promise<void> {
  const expectations = settleExpectations(truth, logs, options.fail2ban ?? true);
  await waitFor(
    'the logs to settle',
    async () => {
      const missing = await unmet(expectations);
      if (missing.length > 0) throw new Error(`missing:\n  ${missing.slice(0, 30).join('\n  ')}`);
      return true;
    },
    { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 100 },
  );
}
