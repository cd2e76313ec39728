// main.cf and master.cf of the stack's Postfix instance, and its directories.
// Every service runs unchrooted, so the daemons use the /dev/log of their
// mount namespace and need nothing copied into the queue directory.
import { chmod, chown, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogLayout, StackLogs } from './log-layout.js';
import type { StackPaths } from './paths.js';
import { LISTEN_ADDRESS, type StackPorts } from './ports.js';
import { run } from './processes.js';
import type { StackTls } from './tls-policy.js';
import { MAIL_DOMAIN, MAIL_GID, MAIL_HOSTNAME, MAIL_UID, postfixVirtualMailboxes } from './users.js';

export interface PostfixConfigInput {
  paths: StackPaths;
  ports: StackPorts;
  layout: LogLayout;
  logs: StackLogs;
  /** A writable map type for postscreen's cache, e.g. "btree" (see postscreenCacheMapType). */
  cacheMapType: string;
  /** Default 'modern': TLS 1.2 and later. */
  tls?: StackTls;
}

// Postfix's own default (`>=TLSv1`, 3.6 and later) accepts TLS 1.0 and 1.1 from a
// client that offers them, so modern has to say so.
const MODERN_TLS_SETTINGS: [string, string][] = [
  ['smtpd_tls_protocols', '>=TLSv1.2'],
  ['smtpd_tls_mandatory_protocols', '>=TLSv1.2'],
];

/** TLS 1.0 and 1.1 for smtpd, postscreen's tlsproxy included: Postfix's default cipher list at security level 0. */
const LEGACY_TLS_SETTINGS: [string, string][] = [
  ['smtpd_tls_protocols', '>=TLSv1'],
  ['smtpd_tls_mandatory_protocols', '>=TLSv1'],
  ['tls_medium_cipherlist', 'aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:@SECLEVEL=0'],
  ['tls_high_cipherlist', 'aNULL:-aNULL:HIGH:@STRENGTH:@SECLEVEL=0'],
];

export function postfixMainCf({ paths, layout, logs, cacheMapType, tls }: PostfixConfigInput): string {
  const noOutbound = 'error:outbound mail is disabled in this test stack';
  const settings: [string, string][] = [
    ['compatibility_level', '3.6'],
    ['queue_directory', paths.postfix.queue],
    ['data_directory', paths.postfix.data],
    ['mail_owner', 'postfix'],
    ['setgid_group', 'postdrop'],
    ['myhostname', MAIL_HOSTNAME],
    ['mydomain', MAIL_DOMAIN],
    ['myorigin', '$myhostname'],
    ['mydestination', ''],
    // Only the harness itself is trusted: every other 127.x.y.z is a remote client.
    ['mynetworks', '127.0.0.1/32'],
    ['inet_interfaces', LISTEN_ADDRESS],
    ['inet_protocols', 'ipv4'],
    ['smtpd_banner', '$myhostname ESMTP'],
    ['biff', 'no'],
    ['append_dot_mydomain', 'no'],
    ['readme_directory', 'no'],
    ['alias_maps', ''],
    ['alias_database', ''],
    ['local_recipient_maps', ''],
    // No DNS: clients show as "unknown" like most real attackers, nothing waits on a resolver.
    ['smtpd_peername_lookup', 'no'],
    ['smtp_dns_support_level', 'disabled'],
    ['lmtp_dns_support_level', 'disabled'],
    ['smtp_host_lookup', 'native'],
    ['lmtp_host_lookup', 'native'],
    ['default_transport', noOutbound],
    ['relay_transport', noOutbound],
    ['virtual_mailbox_domains', MAIL_DOMAIN],
    ['virtual_mailbox_maps', `texthash:${join(paths.postfix.config, 'virtual-mailboxes')}`],
    ['virtual_mailbox_base', paths.mail],
    ['virtual_uid_maps', `static:${MAIL_UID}`],
    ['virtual_gid_maps', `static:${MAIL_GID}`],
    ['virtual_minimum_uid', String(MAIL_UID)],
    ['smtpd_relay_restrictions', 'permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination'],
    ['smtpd_recipient_restrictions', ''],
    // Only changes timing (the default sleeps 1s per error past the soft limit).
    ['smtpd_error_sleep_time', '0s'],
    ['smtpd_tls_cert_file', paths.tls.cert],
    ['smtpd_tls_key_file', paths.tls.key],
    ['smtpd_tls_security_level', 'may'],
    ['smtpd_tls_loglevel', '1'],
    ['smtpd_sasl_type', 'dovecot'],
    // Relative to queue_directory; Dovecot's auth listener is created there.
    ['smtpd_sasl_path', 'private/auth'],
    ['smtpd_sasl_auth_enable', 'no'],
    ['postscreen_access_list', 'permit_mynetworks'],
    ['postscreen_greet_banner', '$smtpd_banner'],
    ['postscreen_greet_wait', '1s'],
    ['postscreen_greet_action', 'enforce'],
    ['postscreen_dnsbl_sites', ''],
    ['postscreen_dnsbl_action', 'enforce'],
    ['postscreen_pipelining_enable', 'yes'],
    ['postscreen_pipelining_action', 'enforce'],
    ['postscreen_non_smtp_command_enable', 'yes'],
    ['postscreen_non_smtp_command_action', 'enforce'],
    ['postscreen_bare_newline_enable', 'yes'],
    ['postscreen_bare_newline_action', 'enforce'],
    ['postscreen_cache_map', `${cacheMapType}:$data_directory/postscreen_cache`],
  ];
  if (layout === 'files') {
    settings.push(['maillog_file', logs.postfix], ['maillog_file_prefixes', logs.dir]);
  }
  settings.push(...(tls === 'legacy' ? LEGACY_TLS_SETTINGS : MODERN_TLS_SETTINGS));
  return [
    '# Postfix instance of the mailwarden real-stack test harness (temporary).',
    ...settings.map(([name, value]) => (value === '' ? `${name} =` : `${name} = ${value}`)),
    '',
  ].join('\n');
}

export function postfixMasterCf({ ports }: Pick<PostfixConfigInput, 'ports'>): string {
  const submissionOptions = [
    '-o smtpd_sasl_auth_enable=yes',
    '-o smtpd_tls_auth_only=yes',
    '-o smtpd_client_restrictions=permit_sasl_authenticated,reject',
    '-o smtpd_relay_restrictions=permit_sasl_authenticated,reject',
    '-o smtpd_recipient_restrictions=',
    '-o milter_macro_daemon_name=ORIGINATING',
  ];
  const lines = [
    '# service type  private unpriv  chroot  wakeup  maxproc command + args',
    `${LISTEN_ADDRESS}:${ports.smtp} inet n - n - 1 postscreen`,
    'smtpd      pass  -       -       n       -       -       smtpd',
    'tlsproxy   unix  -       -       n       -       0       tlsproxy',
    'dnsblog    unix  -       -       n       -       0       dnsblog',
    `${LISTEN_ADDRESS}:${ports.submission} inet n - n - - smtpd`,
    '  -o syslog_name=postfix/submission',
    '  -o smtpd_tls_security_level=encrypt',
    ...submissionOptions.map((o) => `  ${o}`),
    `${LISTEN_ADDRESS}:${ports.submissions} inet n - n - - smtpd`,
    '  -o syslog_name=postfix/submissions',
    '  -o smtpd_tls_wrappermode=yes',
    ...submissionOptions.map((o) => `  ${o}`),
    'pickup     unix  n       -       n       60      1       pickup',
    'cleanup    unix  n       -       n       -       0       cleanup',
    'qmgr       unix  n       -       n       300     1       qmgr',
    'tlsmgr     unix  -       -       n       1000?   1       tlsmgr',
    'rewrite    unix  -       -       n       -       -       trivial-rewrite',
    'bounce     unix  -       -       n       -       0       bounce',
    'defer      unix  -       -       n       -       0       bounce',
    'trace      unix  -       -       n       -       0       bounce',
    'verify     unix  -       -       n       -       1       verify',
    'flush      unix  n       -       n       1000?   0       flush',
    'proxymap   unix  -       -       n       -       -       proxymap',
    'proxywrite unix  -       -       n       -       1       proxymap',
    'smtp       unix  -       -       n       -       -       smtp',
    'relay      unix  -       -       n       -       -       smtp',
    'showq      unix  n       -       n       -       -       showq',
    'error      unix  -       -       n       -       -       error',
    'retry      unix  -       -       n       -       -       error',
    'discard    unix  -       -       n       -       -       discard',
    'local      unix  -       n       n       -       -       local',
    'virtual    unix  -       n       n       -       -       virtual',
    'anvil      unix  -       -       n       -       1       anvil',
    'scache     unix  -       -       n       -       1       scache',
    'postlog    unix-dgram n  -       n       -       1       postlogd',
    '',
  ];
  return lines.join('\n');
}

/**
 * Picks a map type postscreen can write its cache to (btree on Debian 12,
 * lmdb where Berkeley DB is gone). `postconf -m` insists on reading a main.cf,
 * so it is pointed at the (already created) config directory.
 */
export async function postscreenCacheMapType(configDir: string): Promise<string> {
  const { stdout } = await run('postconf', ['-c', configDir, '-m']);
  const types = new Set(stdout.split('\n').map((t) => t.trim()));
  for (const type of ['btree', 'lmdb', 'hash']) if (types.has(type)) return type;
  throw new Error(
    `postfix offers no writable map type for postscreen's cache (postconf -m: ${[...types].join(' ')}); install postfix-lmdb`,
  );
}

async function lookupId(database: 'passwd' | 'group', name: string): Promise<number> {
  const { stdout } = await run('getent', [database, name]);
  const id = Number(stdout.split(':')[2]);
  if (!Number.isInteger(id)) throw new Error(`cannot find ${database} entry ${name}`);
  return id;
}

/**
 * Postfix re-reads a table or main.cf until its mtime is at least a second in
 * the past (so it never reads a half-written file), in 300 ms steps; backdating
 * the files saves that wait on every command and daemon start.
 */
async function writeSettledFile(path: string, content: string): Promise<void> {
  await writeFile(path, content);
  const past = new Date(Date.now() - 60_000);
  await utimes(path, past, past);
}

async function makeDir(path: string, uid: number, gid: number, mode: number): Promise<void> {
  await mkdir(path, { recursive: true });
  await chown(path, uid, gid);
  await chmod(path, mode);
}

/** Writes the configuration and creates queue, data and mail directories with Postfix's ownership rules. */
export async function writePostfixInstance(input: Omit<PostfixConfigInput, 'cacheMapType'>): Promise<void> {
  const { paths } = input;
  const postfixUid = await lookupId('passwd', 'postfix');
  const postdropGid = await lookupId('group', 'postdrop');
  await makeDir(paths.postfix.config, 0, 0, 0o755);
  const mainCf = join(paths.postfix.config, 'main.cf');
  // A bare main.cf would make postconf derive myhostname from DNS.
  await writeSettledFile(mainCf, `myhostname = ${MAIL_HOSTNAME}\nmydomain = ${MAIL_DOMAIN}\n`);
  const cacheMapType = await postscreenCacheMapType(paths.postfix.config);
  await writeSettledFile(mainCf, postfixMainCf({ ...input, cacheMapType }));
  await writeSettledFile(join(paths.postfix.config, 'master.cf'), postfixMasterCf(input));
  await writeSettledFile(join(paths.postfix.config, 'virtual-mailboxes'), postfixVirtualMailboxes());
  const queue = paths.postfix.queue;
  await makeDir(queue, 0, 0, 0o755);
  for (const dir of [
    'active',
    'bounce',
    'corrupt',
    'defer',
    'deferred',
    'flush',
    'hold',
    'incoming',
    'private',
  ]) {
    await makeDir(join(queue, dir), postfixUid, 0, 0o700);
  }
  for (const dir of ['saved', 'trace']) await makeDir(join(queue, dir), postfixUid, 0, 0o700);
  await makeDir(join(queue, 'maildrop'), postfixUid, postdropGid, 0o730);
  await makeDir(join(queue, 'public'), postfixUid, postdropGid, 0o710);
  await makeDir(join(queue, 'pid'), 0, 0, 0o755);
  await makeDir(paths.postfix.data, postfixUid, 0, 0o700);
  await makeDir(paths.mail, MAIL_UID, MAIL_GID, 0o750);
}
