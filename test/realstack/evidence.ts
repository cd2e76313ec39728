// The daemon line each scenario must leave for each of its addresses: proof
// that the harness produced the attack it claims (not a classifier).
import type { StackLogs } from './log-layout.js';

function ip(address: string): string {
  return address.replaceAll('.', '\\.');
}

/**
 * A Dovecot auth failure for `address`, in 2.3's shape
 * ("auth: passwd-file(user,ip[,<session>]): Password mismatch") or 2.4's
 * ("auth(user,ip,sasl:plain)[<session>]: passwd-file: Password mismatch");
 * files carry "Info: " after the prefix, syslog does not.
 */
function dovecotAuthFailure(address: string, reason: string, withSession = false): RegExp {
  const session = withSession ? '<[^>]+>' : '(?:<[^>]+>)?';
  const v23 = `auth: (?:Info: )?passwd-file\\([^,]+,${ip(address)}(?:,${session})?\\)`;
  const v24 = `auth\\([^,]+,${ip(address)},[^)]*\\)${session}: (?:Info: )?passwd-file`;
  return new RegExp(`(?:${v23}|${v24}): ${reason}`);
}

/** The line a login process writes when a client leaves after failed logins (2.3: "Disconnected", "Aborted login"; 2.4: "Login aborted"). */
function loginFailure(service: 'imap' | 'pop3', address: string): RegExp {
  return new RegExp(
    `${service}-login: (?:Info: )?(?:Disconnected|Aborted login|Login aborted).*\\(auth failed, \\d+ attempts.*rip=${ip(address)},`,
  );
}

/** A successful login (2.3: "Login:", 2.4: "Logged in:"). */
function loginSuccess(service: 'imap' | 'pop3', address: string, user = '[^>]+'): RegExp {
  return new RegExp(
    `${service}-login: (?:Info: )?(?:Login|Logged in): user=<${user}>, method=PLAIN, rip=${ip(address)},`,
  );
}

export interface Evidence {
  /** Which log file holds it. */
  source: 'postfix' | 'dovecot';
  pattern: (address: string) => RegExp;
}

const postfix = (pattern: (a: string) => RegExp): Evidence => ({ source: 'postfix', pattern });
const dovecot = (pattern: (a: string) => RegExp): Evidence => ({ source: 'dovecot', pattern });
const re = (source: string) => new RegExp(source);

/** Keyed by scenario id (attacks and legitimate traffic). */
export const SCENARIO_EVIDENCE: Readonly<Record<string, readonly Evidence[]>> = {
  'tls-garbage-submissions': [
    postfix((a) => re(`postfix/submissions/smtpd\\[\\d+\\]: SSL_accept error from unknown\\[${ip(a)}\\]`)),
  ],
  'starttls-aborted-submission': [
    postfix((a) => re(`postfix/submission/smtpd\\[\\d+\\]: SSL_accept error from unknown\\[${ip(a)}\\]`)),
  ],
  'postscreen-pregreet': [
    postfix((a) =>
      re(`postfix/postscreen\\[\\d+\\]: PREGREET \\d+ after \\S+ from \\[${ip(a)}\\]:\\d+: EHLO User`),
    ),
  ],
  'postscreen-bare-newline': [
    postfix((a) => re(`postfix/postscreen\\[\\d+\\]: BARE NEWLINE from \\[${ip(a)}\\]:\\d+`)),
  ],
  'postscreen-pipelining': [
    postfix((a) => re(`postfix/postscreen\\[\\d+\\]: COMMAND PIPELINING from \\[${ip(a)}\\]:\\d+`)),
  ],
  'postscreen-non-smtp': [
    postfix((a) => re(`postfix/postscreen\\[\\d+\\]: NON-SMTP COMMAND from \\[${ip(a)}\\]:\\d+`)),
  ],
  'sasl-bruteforce-known-users': [
    postfix((a) =>
      re(
        `postfix/submission/smtpd\\[\\d+\\]: warning: unknown\\[${ip(a)}\\]: SASL (?:PLAIN|LOGIN) authentication failed`,
      ),
    ),
    dovecot((a) => dovecotAuthFailure(a, 'Password mismatch')),
  ],
  'sasl-bruteforce-unknown-users': [
    postfix((a) =>
      re(
        `postfix/submission/smtpd\\[\\d+\\]: warning: unknown\\[${ip(a)}\\]: SASL (?:PLAIN|LOGIN) authentication failed`,
      ),
    ),
    dovecot((a) => dovecotAuthFailure(a, 'unknown user')),
  ],
  'imap-login-failures': [
    dovecot((a) => loginFailure('imap', a)),
    dovecot((a) => dovecotAuthFailure(a, 'unknown user', true)),
  ],
  'pop3-login-failures': [
    dovecot((a) => loginFailure('pop3', a)),
    dovecot((a) => dovecotAuthFailure(a, 'unknown user', true)),
  ],
  'open-relay-probe': [
    postfix((a) =>
      re(
        `postfix/smtpd\\[\\d+\\]: NOQUEUE: reject: RCPT from unknown\\[${ip(a)}\\]: 554 5\\.7\\.1 .*Relay access denied`,
      ),
    ),
  ],
  'recipient-harvesting': [
    postfix((a) =>
      re(
        `postfix/smtpd\\[\\d+\\]: NOQUEUE: reject: RCPT from unknown\\[${ip(a)}\\]: 550 5\\.1\\.1 .*User unknown in virtual mailbox table`,
      ),
    ),
  ],
  'account-compromise': [
    postfix((a) => re(`warning: unknown\\[${ip(a)}\\]: SASL (?:PLAIN|LOGIN) authentication failed`)),
    postfix((a) => re(`client=unknown\\[${ip(a)}\\], sasl_method=PLAIN, sasl_username=alice@`)),
    dovecot((a) => loginSuccess('imap', a, 'alice@[^>]+')),
  ],
  'legit-inbound': [
    postfix((a) => re(`postfix/postscreen\\[\\d+\\]: PASS OLD \\[${ip(a)}\\]:\\d+`)),
    postfix((a) => re(`postfix/smtpd\\[\\d+\\]: [0-9A-Za-z]+: client=unknown\\[${ip(a)}\\]`)),
  ],
  'legit-submission': [
    postfix((a) =>
      re(
        `/smtpd\\[\\d+\\]: [0-9A-Za-z]+: client=unknown\\[${ip(a)}\\], sasl_method=(?:PLAIN|LOGIN), sasl_username=`,
      ),
    ),
  ],
  'legit-mailbox-access': [
    dovecot((a) => re(`${loginSuccess('imap', a).source}|${loginSuccess('pop3', a).source}`)),
  ],
};

export function evidenceFile(logs: StackLogs, evidence: Evidence): string {
  return evidence.source === 'postfix' ? logs.postfix : logs.dovecot;
}
