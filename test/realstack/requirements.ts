// Which daemons the real stack needs, which Debian package brings each, and
// the versions installed. Never installs anything: a missing binary is
// reported with the package to install.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { run } from './processes.js';

export const INSTALL_COMMAND = 'sudo bash scripts/install-realstack.sh';

export interface Requirement {
  /** Debian package that provides it. */
  debianPackage: string;
  /** What is looked for: a command on PATH or an absolute path (first existing candidate wins). */
  candidates: readonly string[];
  /** A data file rather than an executable. */
  file?: boolean;
}

const POSTFIX_DAEMONS = ['/usr/lib/postfix/sbin', '/usr/libexec/postfix'];
const DOVECOT_LIBEXEC = ['/usr/lib/dovecot', '/usr/libexec/dovecot'];
const inDirs = (dirs: readonly string[], name: string) => dirs.map((dir) => join(dir, name));

export const REQUIREMENTS: readonly Requirement[] = [
  { debianPackage: 'postfix', candidates: ['postconf'] },
  ...['master', 'postscreen', 'smtpd', 'postlogd', 'virtual', 'tlsproxy'].map((daemon) => ({
    debianPackage: 'postfix',
    candidates: inDirs(POSTFIX_DAEMONS, daemon),
  })),
  { debianPackage: 'dovecot-core', candidates: ['dovecot'] },
  { debianPackage: 'dovecot-core', candidates: inDirs(DOVECOT_LIBEXEC, 'auth') },
  { debianPackage: 'dovecot-imapd', candidates: inDirs(DOVECOT_LIBEXEC, 'imap-login') },
  { debianPackage: 'dovecot-pop3d', candidates: inDirs(DOVECOT_LIBEXEC, 'pop3-login') },
  { debianPackage: 'fail2ban', candidates: ['fail2ban-server'] },
  { debianPackage: 'fail2ban', candidates: ['fail2ban-client'] },
  { debianPackage: 'fail2ban', candidates: ['/etc/fail2ban/filter.d/postfix.conf'], file: true },
  { debianPackage: 'rsyslog', candidates: ['rsyslogd'] },
  { debianPackage: 'openssl', candidates: ['openssl'] },
  { debianPackage: 'util-linux', candidates: ['unshare'] },
  { debianPackage: 'mount', candidates: ['mount'] },
  // The DNS checks of the configuration audit are tested against a real dnsmasq.
  { debianPackage: 'dnsmasq-base', candidates: ['dnsmasq'] },
  // mitigate's nftables file is checked with `nft -c`.
  { debianPackage: 'nftables', candidates: ['nft'] },
  // mitigate's dry-run diffs are checked against GNU diff and applied with patch.
  { debianPackage: 'diffutils', candidates: ['diff'] },
  { debianPackage: 'patch', candidates: ['patch'] },
  // The syslog listener is tested with util-linux's logger; the journal source on real
  // journalctl output of journal files that systemd-journal-remote writes.
  { debianPackage: 'bsdutils', candidates: ['logger'] },
  { debianPackage: 'systemd', candidates: ['journalctl'] },
  {
    debianPackage: 'systemd-journal-remote',
    candidates: ['/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote'],
  },
];

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of a command (PATH plus the sbin directories a non-root PATH lacks), or undefined. */
export function findCommand(name: string): string | undefined {
  if (name.startsWith('/')) return isExecutable(name) ? name : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SYSTEM_DIRS];
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

/** Debian packages whose binaries are missing, each once, in a stable order. Synchronous on purpose. */
export function missingPackages(requirements: readonly Requirement[] = REQUIREMENTS): string[] {
  const missing = new Set<string>();
  for (const req of requirements) {
    const found = (candidate: string) =>
      req.file ? existsSync(candidate) : findCommand(candidate) !== undefined;
    if (!req.candidates.some(found)) missing.add(req.debianPackage);
  }
  return [...missing];
}

export class MissingPackagesError extends Error {
  override name = 'MissingPackagesError';
  constructor(readonly packages: readonly string[]) {
    super(
      `the real mail stack needs the Debian package(s) ${packages.join(', ')}, which are not installed; ` +
        `install them with: ${INSTALL_COMMAND} (or apt-get install ${packages.join(' ')})`,
    );
  }
}

export class NotRootError extends Error {
  override name = 'NotRootError';
  constructor() {
    super(
      'the real mail stack must run as root: Postfix and Dovecot start as root and drop privileges, and each daemon gets a private mount namespace',
    );
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Throws MissingPackagesError / NotRootError when the stack cannot run here. */
export function assertRequirements(): void {
  const missing = missingPackages();
  if (missing.length > 0) throw new MissingPackagesError(missing);
  if (!isRoot()) throw new NotRootError();
}

export interface StackVersions {
  /** `postconf -d -h mail_version`, e.g. "3.7.11". */
  postfix: string;
  /** `dovecot --version`, e.g. "2.3.19.1 (9b53102964)". */
  dovecot: string;
  /** `fail2ban-client --version`, e.g. "Fail2Ban v1.0.2". */
  fail2ban: string;
  /** `openssl version`, e.g. "OpenSSL 3.0.17 1 Jul 2025 (Library: ...)". */
  openssl: string;
  /** First line of `rsyslogd -v`, e.g. "rsyslogd 8.2302.0 (aka 2023.02)". */
  rsyslog: string;
}

async function firstLine(command: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(findCommand(command) ?? command, args);
  return (stdout.trim() || stderr.trim()).split('\n')[0]?.trim() ?? '';
}

export async function readVersions(): Promise<StackVersions> {
  // `postconf -h mail_version` would read /etc/postfix/main.cf, which a
  // "No configuration" install does not have; -d prints the compiled-in value.
  const [postfix, dovecot, fail2ban, openssl, rsyslog] = await Promise.all([
    firstLine('postconf', ['-d', '-h', 'mail_version']),
    firstLine('dovecot', ['--version']),
    firstLine('fail2ban-client', ['--version']),
    firstLine('openssl', ['version']),
    firstLine('rsyslogd', ['-v']),
  ]);
  return {
    postfix,
    dovecot,
    fail2ban,
    openssl,
    rsyslog: rsyslog.replace(/\s+/g, ' ').replace(/,? compiled with:?$/, ''),
  };
}

export function formatVersions(versions: StackVersions): string {
  return [
    `postfix ${versions.postfix}`,
    `dovecot ${versions.dovecot}`,
    versions.fail2ban,
    versions.openssl,
    versions.rsyslog,
  ].join('; ');
}
