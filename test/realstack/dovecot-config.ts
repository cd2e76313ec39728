// dovecot.conf of the stack, in the syntax of the installed Dovecot: 2.4
// rewrote the configuration language (named passdb/userdb filters,
// ssl_server_*_file, mail_driver/mail_path, auth_allow_cleartext), so the
// same instance is written twice and picked by `dovecot --version`.
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StackLogs } from './log-layout.js';
import type { StackPaths } from './paths.js';
import { LISTEN_ADDRESS, type StackPorts } from './ports.js';
import { LEGACY_CIPHER_LIST, type StackTls } from './tls-policy.js';
import { dovecotPasswdFile, MAIL_GID, MAIL_HOSTNAME, MAIL_UID } from './users.js';

export type DovecotSyntax = '2.3' | '2.4';

export interface DovecotConfigInput {
  paths: StackPaths;
  ports: StackPorts;
  logs: StackLogs;
  syntax: DovecotSyntax;
  /** Distinguishes parallel instances in process titles. */
  instanceName: string;
  /** Default 'modern': TLS 1.2 and later. */
  tls?: StackTls;
}

const DEBIAN_DH_PARAMS = '/usr/share/dovecot/dh.pem';

/** "2.3.19.1 (9b53102964)" -> "2.3"; anything from 2.4 on uses the new syntax. */
export function dovecotSyntaxFor(version: string): DovecotSyntax {
  const match = /^(\d+)\.(\d+)/.exec(version.trim());
  if (!match) throw new Error(`cannot parse Dovecot version "${version}"`);
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > 2 || (major === 2 && minor >= 4) ? '2.4' : '2.3';
}

function logSettings(input: DovecotConfigInput): string[] {
  if (input.logs.layout === 'syslog') return ['log_path = syslog', 'syslog_facility = mail'];
  // info_log_path left empty: informational lines go to log_path as well.
  return [`log_path = ${input.logs.dovecot}`];
}

function services(input: DovecotConfigInput): string[] {
  const { ports, paths } = input;
  return [
    'service imap-login {',
    `  inet_listener imap {\n    port = ${ports.imap}\n  }`,
    `  inet_listener imaps {\n    port = ${ports.imaps}\n    ssl = yes\n  }`,
    '}',
    'service pop3-login {',
    `  inet_listener pop3 {\n    port = ${ports.pop3}\n  }`,
    `  inet_listener pop3s {\n    port = ${ports.pop3s}\n    ssl = yes\n  }`,
    '}',
    'service auth {',
    // Postfix's smtpd_sasl_path = private/auth, relative to its queue directory.
    `  unix_listener ${join(paths.postfix.queue, 'private', 'auth')} {`,
    '    mode = 0660',
    '    user = postfix',
    '    group = postfix',
    '  }',
    '}',
    // Without this, anvil delays every further login from an IP that failed
    // (2, 4, 8, then 15 s): the auth process cannot open a mode-0 socket.
    'service anvil {',
    '  unix_listener anvil-auth-penalty {',
    '    mode = 0',
    '  }',
    '}',
  ];
}

function commonSettings(input: DovecotConfigInput): string[] {
  const { paths } = input;
  return [
    `base_dir = ${paths.dovecot.baseDir}`,
    `state_dir = ${paths.dovecot.stateDir}`,
    'protocols = imap pop3',
    `listen = ${LISTEN_ADDRESS}`,
    `hostname = ${MAIL_HOSTNAME}`,
    ...logSettings(input),
    'auth_verbose = yes',
    'auth_failure_delay = 0',
    'auth_mechanisms = plain login',
    // Must stay empty: trusted networks skip the checks attackers are caught by.
    'login_trusted_networks =',
    `first_valid_uid = ${MAIL_UID}`,
    `first_valid_gid = ${MAIL_GID}`,
    'ssl = yes',
    ...(input.tls === 'legacy'
      ? ['ssl_min_protocol = TLSv1', `ssl_cipher_list = ${LEGACY_CIPHER_LIST}`]
      : ['ssl_min_protocol = TLSv1.2']),
  ];
}

export function dovecotConf23(input: DovecotConfigInput): string {
  const { paths } = input;
  return [
    '# Dovecot 2.3 instance of the mailwarden real-stack test harness (temporary).',
    ...commonSettings(input),
    'disable_plaintext_auth = no',
    'auth_policy_server_url =',
    'mail_location = maildir:~/Maildir',
    `ssl_cert = <${paths.tls.cert}`,
    `ssl_key = <${paths.tls.key}`,
    ...(existsSync(DEBIAN_DH_PARAMS) ? [`ssl_dh = <${DEBIAN_DH_PARAMS}`] : []),
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=SSHA512 username_format=%u ${paths.dovecot.users}`,
    '}',
    'userdb {',
    '  driver = passwd-file',
    `  args = username_format=%u ${paths.dovecot.users}`,
    '}',
    ...services(input),
    '',
  ].join('\n');
}

export function dovecotConf24(input: DovecotConfigInput): string {
  const { paths } = input;
  return [
    // Must be the first setting of the file.
    'dovecot_config_version = 2.4.0',
    '# Dovecot 2.4 instance of the mailwarden real-stack test harness (temporary).',
    'dovecot_storage_version = 2.4.0',
    ...commonSettings(input),
    'auth_allow_cleartext = yes',
    'mail_driver = maildir',
    'mail_path = ~/Maildir',
    `ssl_server_cert_file = ${paths.tls.cert}`,
    `ssl_server_key_file = ${paths.tls.key}`,
    'passdb passwd-file {',
    `  passwd_file_path = ${paths.dovecot.users}`,
    '}',
    'userdb passwd-file {',
    `  passwd_file_path = ${paths.dovecot.users}`,
    '}',
    ...services(input),
    '',
  ].join('\n');
}

export function dovecotConf(input: DovecotConfigInput): string {
  return input.syntax === '2.4' ? dovecotConf24(input) : dovecotConf23(input);
}

export async function writeDovecotInstance(input: DovecotConfigInput): Promise<void> {
  const { paths } = input;
  await mkdir(paths.dovecot.dir, { recursive: true });
  await mkdir(paths.dovecot.baseDir, { recursive: true, mode: 0o755 });
  await mkdir(paths.dovecot.stateDir, { recursive: true, mode: 0o755 });
  await writeFile(paths.dovecot.config, dovecotConf(input));
  await writeFile(paths.dovecot.users, dovecotPasswdFile(paths.mail));
  // Read by the auth process, which runs as the unprivileged dovecot user.
  await chmod(paths.dovecot.users, 0o644);
}
