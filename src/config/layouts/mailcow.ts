import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DovecotConfig, readDovecotConfig } from '../dovecot/dovecot-conf.js';
import { parseEnvFile } from '../env-file.js';
import { POSTFIX_DEFAULTS } from '../postfix/defaults.js';
import { parseMainCf } from '../postfix/main-cf.js';
import { parseMasterCf } from '../postfix/master-cf.js';
import { PostfixConfig } from '../postfix/postfix-config.js';
import type { ServerConfig } from '../server-config.js';
import { configuredCertificates, postfixDomains, readIfExists, tableFiles } from './common.js';

export function looksLikeMailcow(dir: string): boolean {
  return existsSync(join(dir, 'mailcow.conf')) && existsSync(join(dir, 'data', 'conf', 'postfix'));
}

/**
 * A mailcow-dockerized checkout: mailcow.conf, data/conf/postfix (main.cf, then
 * extra.cf whose settings win, master.cf), data/conf/dovecot (dovecot.conf,
 * whose container paths are mapped back into data/conf/dovecot), and the
 * certificate in data/assets/ssl.
 */
export function readMailcow(dir: string): ServerConfig {
  const files: string[] = [];
  const notes: string[] = [];
  const confPath = join(dir, 'mailcow.conf');
  const env = parseEnvFile(readIfExists(confPath, files) ?? '', confPath);
  const postfixDir = join(dir, 'data', 'conf', 'postfix');
  const main = parseMainCf(
    readIfExists(join(postfixDir, 'main.cf'), files) ?? '',
    join(postfixDir, 'main.cf'),
  );
  const extra = readIfExists(join(postfixDir, 'extra.cf'), files);
  if (extra !== null) parseMainCf(extra, join(postfixDir, 'extra.cf'), main);
  const masterText = readIfExists(join(postfixDir, 'master.cf'), files);
  const postfix = new PostfixConfig(
    main,
    masterText === null ? [] : parseMasterCf(masterText, join(postfixDir, 'master.cf')),
    POSTFIX_DEFAULTS,
  );
  const dovecotDir = join(dir, 'data', 'conf', 'dovecot');
  const mapPath = (p: string) => {
    if (p.startsWith('/etc/dovecot/')) return join(dovecotDir, p.slice('/etc/dovecot/'.length));
    if (p.startsWith('/etc/ssl/mail/'))
      return join(dir, 'data', 'assets', 'ssl', p.slice('/etc/ssl/mail/'.length));
    return p;
  };
  let dovecot: DovecotConfig | null = null;
  if (existsSync(join(dovecotDir, 'dovecot.conf'))) {
    dovecot = readDovecotConfig(join(dovecotDir, 'dovecot.conf'), mapPath);
    files.push(...dovecot.files);
  }
  notes.push(
    'mailcow keeps DKIM keys in Redis, not on disk: DKIM is checked against DNS only when a resolver is given',
  );
  notes.push(
    'mailcow blocks brute force with its own netfilter container, not fail2ban: its settings live in the admin UI',
  );
  const hostname = env.get('MAILCOW_HOSTNAME')?.value || postfix.value('myhostname') || null;
  const certificates = configuredCertificates(postfix, dovecot, mapPath);
  const sslCert = join(dir, 'data', 'assets', 'ssl', 'cert.pem');
  if (certificates.every((c) => c.path === null) && existsSync(sslCert))
    certificates.unshift({
      setting: 'data/assets/ssl/cert.pem',
      path: sslCert,
      isDefault: false,
      note: null,
    });
  return {
    kind: 'mailcow',
    dir,
    hostname,
    domains: postfixDomains(postfix),
    postfix,
    dovecot,
    env,
    fail2ban: null,
    dkim: [],
    certificates,
    tableFiles: tableFiles(postfixDir),
    userPatches: null,
    compose: existsSync(join(dir, 'docker-compose.yml')) ? join(dir, 'docker-compose.yml') : null,
    // mailcow resolves through its own unbound container.
    resolvers: [],
    files,
    notes,
  };
}
