import { angleValue, type Match, plainValue, wordAt } from './match.js';

const LEVELS = ['Info: ', 'Warning: ', 'Error: ', 'Fatal: ', 'Panic: ', 'Debug: '];

/** Removes Dovecot's `Info: ` style level (present in its own log files, absent via syslog). */
export function stripLevel(message: string): { level: string | null; text: string } {
  for (const level of LEVELS) {
    if (message.startsWith(level)) return { level: level.slice(0, -2), text: message.slice(level.length) };
  }
  return { level: null, text: message };
}

/** The address Dovecot reports for the remote end: the last `rip=` (a user name cannot push it aside). */
function remoteIp(text: string): string | undefined {
  const at = text.lastIndexOf('rip=');
  if (at < 0) return undefined;
  const before = text.charCodeAt(at - 1);
  if (at > 0 && before !== 32 && before !== 44 && before !== 40) return undefined;
  return plainValue(text.slice(at - (at > 0 ? 1 : 0)), 'rip');
}

function loginMatch(cls: Match['cls'], text: string, detail?: string): Match {
  const m: Match = { cls };
  const ip = remoteIp(text);
  if (ip) m.ip = ip;
  const user = angleValue(text, 'user');
  if (user) m.user = user;
  if (detail !== undefined) m.detail = detail;
  return m;
}

const TLS_MARKERS = [
  'TLS handshaking',
  'SSL_accept() failed',
  'disconnected during TLS handshake',
  'tls_handshake_not_finished',
];

/** imap-login, pop3-login, submission-login, managesieve-login. */
function classifyLogin(text: string): Match | null {
  if (text.startsWith('Login: ') || text.startsWith('Logged in: ')) {
    return loginMatch('mail-login-success', text, plainValue(text, 'method'));
  }
  const failed = text.indexOf('(auth failed, ');
  if (failed >= 0) {
    const attempts = wordAt(text, failed + 14);
    return loginMatch('mail-login-failure', text, attempts);
  }
  if (text.includes('(tried to use disabled') || text.includes('(tried to use disallowed')) {
    return loginMatch('mail-login-failure', text, 'forbidden authentication method');
  }
  if (text.includes('(proxy dest auth failed)'))
    return loginMatch('mail-login-failure', text, 'proxy destination auth failed');
  for (const marker of TLS_MARKERS) {
    if (text.includes(marker)) {
      const ssl = text.indexOf('SSL_accept()');
      return loginMatch(
        'tls-handshake-failure',
        text,
        ssl >= 0 ? (text.slice(ssl).split(' (', 1)[0] ?? marker) : marker,
      );
    }
  }
  if (
    text.includes('(no auth attempts') ||
    text.includes('disconnected before auth was ready') ||
    text.includes("client didn't finish SASL auth") ||
    text.includes('(no_auth_attempts)')
  ) {
    return loginMatch('login-no-auth', text, text.split(' (', 1)[0]);
  }
  if (
    text.startsWith('Disconnected') ||
    text.startsWith('Login aborted') ||
    text.startsWith('Aborted login')
  ) {
    return text.includes('rip=') ? loginMatch('login-no-auth', text, text.split(' (', 1)[0]) : null;
  }
  return null;
}

const PASSDB_DRIVER =
  /(?:^|: )(passwd-file|pam|sql|ldap|passwd|shadow|checkpassword|bsdauth|lua|oauth2|static|vpopmail)\(([^()]*)\): /;

function authOutcome(result: string): Match['cls'] | null {
  if (
    result.startsWith('unknown user') ||
    result.includes('User not known to the underlying authentication module')
  ) {
    return 'auth-unknown-user';
  }
  if (
    result.startsWith('Password mismatch') ||
    result.startsWith('password mismatch') ||
    result.startsWith('invalid credentials') ||
    (result.startsWith('pam_authenticate() failed') && !result.includes('User not known'))
  ) {
    return 'auth-password-mismatch';
  }
  return null;
}

/** auth, auth-worker and 2.4's `auth(user,ip,sasl:login)<session>` tag; also PAM's own failure line. */
export function classifyDovecotAuth(text: string, tagArgs: string | null): Match | null {
  if (text.startsWith('pam_unix(')) return classifyPamFailure(text);
  const driver = PASSDB_DRIVER.exec(text);
  if (driver) {
    const result = text.slice(driver.index + driver[0].length);
    const cls = authOutcome(result);
    if (!cls) return null;
    const args = driver[2]!.split(',');
    const m: Match = { cls, detail: driver[1]! };
    if (args[0]) m.user = args[0];
    if (args[1]) m.ip = args[1];
    return m;
  }
  // Dovecot 2.4: `auth(user,ip,sasl:login)<session>: Info: sql: Password mismatch`.
  if (tagArgs?.startsWith('(')) {
    const colon = text.indexOf(': ');
    const cls = colon > 0 ? authOutcome(text.slice(colon + 2)) : null;
    if (!cls) return null;
    const args = tagArgs.slice(1, tagArgs.indexOf(')')).split(',');
    const m: Match = { cls, detail: text.slice(0, colon) };
    if (args[0]) m.user = args[0];
    if (args[1]) m.ip = args[1];
    return m;
  }
  return null;
}

const MAIL_SERVICES =
  /^pam_unix\((?:dovecot|imap|pop3?|smtp|sieve|managesieve|mail|sendmail|postfix)[^)]*\): authentication failure;/;

/** `pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=x rhost=IP  user=u`. */
export function classifyPamFailure(text: string): Match | null {
  if (!MAIL_SERVICES.test(text)) return null;
  const m: Match = { cls: 'auth-password-mismatch', detail: 'pam' };
  const rhost = text.indexOf(' rhost=');
  if (rhost >= 0) {
    const value = wordAt(text, rhost + 7);
    if (value) m.ip = value;
  }
  const user = text.indexOf(' user=');
  if (user >= 0) {
    const value = wordAt(text, user + 6);
    if (value) m.user = value;
  }
  return m;
}

/** Any Dovecot process: `sub` is the process name without its arguments (`imap-login`, `auth-worker`, `imap`). */
export function classifyDovecot(sub: string, tagArgs: string | null, message: string): Match | null {
  const { level, text } = stripLevel(message);
  if (sub.endsWith('-login')) return classifyLogin(text);
  if (sub === 'auth' || sub === 'auth-worker' || sub === 'dovecot-auth') {
    const m = classifyDovecotAuth(text, tagArgs);
    if (m) return m;
    if (text.startsWith('conn unix:auth-worker')) {
      const inner = text.indexOf('): ');
      return inner > 0 ? classifyDovecotAuth(text.slice(inner + 3), null) : null;
    }
    return null;
  }
  if (level === 'Error' || level === 'Fatal' || level === 'Panic' || level === 'Warning') return null;
  if (
    text.startsWith('Error: ') ||
    text.startsWith('Fatal: ') ||
    text.startsWith('Panic: ') ||
    text.startsWith('Warning: ')
  )
    return null;
  return { cls: 'mail-session' };
}
