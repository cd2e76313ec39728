/**
 * docker-mailserver's fail2ban: the image installs fail2ban's upstream
 * package (no `.local` files, an empty jail.d) and adds its own jail.local
 * and fail2ban.d/fixes.local; at start (ENABLE_FAIL2BAN=1) the container
 * copies the config directory's `fail2ban-jail.cf` to
 * /etc/fail2ban/jail.d/user-jail.local and `fail2ban-fail2ban.cf` to
 * /etc/fail2ban/fail2ban.local, writes an empty `custom` filter (the jail for
 * manual bans) and, unless FAIL2BAN_BLOCKTYPE=reject, sets the nftables
 * blocktype to drop (target/scripts/startup/setup.d/security/misc.sh).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadFail2banConfiguration, SYSTEM_FAIL2BAN_DIR } from './configuration.js';
import type { Fail2banOverlay } from './files.js';
import type { Fail2banConfiguration } from './types.js';

const IMAGE = 'docker-mailserver image: /etc/fail2ban';

/** The settings of the image's /etc/fail2ban/jail.local (target/fail2ban/jail.local). */
export const DMS_JAIL_LOCAL = [
  '[DEFAULT]',
  'bantime = 1w',
  'findtime = 1w',
  'maxretry = 6',
  'ignoreip = 127.0.0.1/8',
  'banaction = nftables-allports',
  '',
  '[dovecot]',
  'enabled = true',
  '',
  '[postfix]',
  'enabled = true',
  'mode = extra',
  '',
  '# manual bans (setup fail2ban ban <IP>)',
  '[custom]',
  'enabled = true',
  'bantime = 180d',
  'port = smtp,pop3,pop3s,imap,imaps,submission,submissions,sieve',
  '',
].join('\n');

/** The image's fail2ban.d/fixes.local, value as shipped (with its trailing semicolon). */
export const DMS_FIXES_LOCAL = ['[Definition]', 'allowipv6 = auto;', ''].join('\n');

/** The files the image and its start script put into /etc/fail2ban. */
export function dockerMailserverImageOverlays(
  env: Record<string, string | undefined> = {},
): Fail2banOverlay[] {
  const overlays: Fail2banOverlay[] = [
    { path: `${IMAGE}/jail.local`, as: 'jail.local', text: DMS_JAIL_LOCAL },
    { path: `${IMAGE}/fail2ban.d/fixes.local`, as: 'fail2ban.d/fixes.local', text: DMS_FIXES_LOCAL },
    { path: `${IMAGE}/filter.d/custom.conf`, as: 'filter.d/custom.conf', text: '[Definition]\n' },
  ];
  if (env['FAIL2BAN_BLOCKTYPE'] !== 'reject')
    overlays.push({
      path: `${IMAGE}/action.d/nftables-common.local`,
      as: 'action.d/nftables-common.local',
      text: '[Init]\nblocktype = drop\n',
    });
  return overlays;
}

/** The image's files, then the config directory's fail2ban files where the container copies them. */
export function dockerMailserverFail2banOverlays(
  configDir: string,
  env: Record<string, string | undefined> = {},
): Fail2banOverlay[] {
  const overlays = dockerMailserverImageOverlays(env);
  const jail = join(configDir, 'fail2ban-jail.cf');
  if (existsSync(jail)) overlays.push({ path: jail, as: 'jail.d/user-jail.local' });
  const main = join(configDir, 'fail2ban-fail2ban.cf');
  if (existsSync(main)) overlays.push({ path: main, as: 'fail2ban.local' });
  return overlays;
}

/** Files of a stock base directory the image does not have: every `.local`, and jail.d / fail2ban.d. */
export function hiddenInDockerMailserver(relPath: string): boolean {
  return relPath.endsWith('.local') || /^(jail|fail2ban)\.d\//.test(relPath);
}

/**
 * docker-mailserver's effective fail2ban configuration: `baseDir` (the stock
 * fail2ban configuration, /etc/fail2ban by default; the image runs fail2ban
 * 1.1.0) with the image's and the config directory's files over it.
 */
export function loadDockerMailserverFail2ban(
  configDir: string,
  options: { baseDir?: string; env?: Record<string, string | undefined>; version?: string } = {},
): Fail2banConfiguration {
  return loadFail2banConfiguration(options.baseDir ?? SYSTEM_FAIL2BAN_DIR, {
    overlays: dockerMailserverFail2banOverlays(configDir, options.env),
    hide: hiddenInDockerMailserver,
    version: options.version ?? '1.1.0',
  });
}
