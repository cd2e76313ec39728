// A private fail2ban configuration: a copy of the machine's stock /etc/fail2ban
// (so the Debian filters are exercised as shipped and nothing under /etc is
// touched) with the harness's own fail2ban.local and jail.local.
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StackLogs } from './log-layout.js';
import type { StackPaths } from './paths.js';

export const SYSTEM_FAIL2BAN_DIR = '/etc/fail2ban';
export const FAIL2BAN_JAILS = ['postfix', 'postfix-sasl', 'dovecot'] as const;
export type Fail2banJail = (typeof FAIL2BAN_JAILS)[number];

/**
 * Whether the stock filter of `jail` understands the installed daemons' log
 * lines. The dovecot filter of fail2ban 1.0.2 and 1.1.0 (Debian 12 and 13)
 * was written for Dovecot 2.3 and matches none of Dovecot 2.4's lines
 * ("auth(user,ip,sasl:plain): passwd-file: Password mismatch",
 * "imap-login: Login aborted: ... (auth failed, 3 attempts in 0 secs)").
 */
export function stockJailUnderstands(jail: Fail2banJail, dovecotSyntax: '2.3' | '2.4'): boolean {
  return jail !== 'dovecot' || dovecotSyntax === '2.3';
}

export interface Fail2banConfigInput {
  paths: StackPaths;
  logs: StackLogs;
  maxretry?: number;
}

export function fail2banLocal({ paths, logs }: Fail2banConfigInput): string {
  return [
    '[Definition]',
    'loglevel = INFO',
    `logtarget = ${logs.fail2ban}`,
    `socket = ${paths.fail2ban.socket}`,
    `pidfile = ${paths.fail2ban.pidFile}`,
    `dbfile = ${paths.fail2ban.db}`,
    'dbpurgeage = 1d',
    'allowipv6 = auto',
    '',
  ].join('\n');
}

export function jailLocal({ paths, logs, maxretry = 3 }: Fail2banConfigInput): string {
  return [
    '[DEFAULT]',
    // fail2ban's default ignoreself/ignoreip would exempt every 127.x attacker.
    'ignoreself = false',
    'ignoreip = 127.0.0.1/32',
    'backend = polling',
    'usedns = no',
    `maxretry = ${maxretry}`,
    'findtime = 10m',
    'bantime = 10m',
    // Bans are only written to a file: the machine's firewall is never touched.
    'banaction = dummy',
    'banaction_allports = dummy',
    `action = dummy[name=%(__name__)s, target="${paths.fail2ban.bans}/%(__name__)s.txt"]`,
    '',
    '[postfix]',
    'enabled = true',
    // docker-mailserver's mode: SASL failures plus the "normal" rejections.
    'mode = extra',
    `logpath = ${logs.postfix}`,
    '',
    '[postfix-sasl]',
    'enabled = true',
    `logpath = ${logs.postfix}`,
    '',
    '[dovecot]',
    'enabled = true',
    `logpath = ${logs.dovecot}`,
    '',
  ].join('\n');
}

async function removeMatching(dir: string, predicate: (name: string) => boolean): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) if (predicate(name)) await rm(join(dir, name), { recursive: true, force: true });
}

export async function writeFail2banInstance(input: Fail2banConfigInput): Promise<void> {
  const { paths } = input;
  const conf = paths.fail2ban.config;
  await mkdir(paths.fail2ban.dir, { recursive: true });
  await mkdir(paths.fail2ban.bans, { recursive: true });
  await cp(SYSTEM_FAIL2BAN_DIR, conf, { recursive: true, dereference: true });
  // Stock behaviour only: drop the machine's own jails and local overrides.
  await removeMatching(conf, (name) => name.endsWith('.local'));
  await removeMatching(join(conf, 'jail.d'), () => true);
  await removeMatching(join(conf, 'fail2ban.d'), () => true);
  await removeMatching(join(conf, 'filter.d'), (name) => name.endsWith('.local'));
  await removeMatching(join(conf, 'action.d'), (name) => name.endsWith('.local'));
  await writeFile(join(conf, 'fail2ban.local'), fail2banLocal(input));
  await writeFile(join(conf, 'jail.local'), jailLocal(input));
}
