import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readDkimKey } from '../dkim-keys.js';
import { readDovecotConfig } from '../dovecot/dovecot-conf.js';
import { type EnvSettings, parseEnvFile } from '../env-file.js';
import { type IniFile, iniBoolean, parseIni } from '../ini.js';
import { POSTFIX_DEFAULTS } from '../postfix/defaults.js';
import { parseMainCf } from '../postfix/main-cf.js';
import { applyMasterOverrides, parseMasterCf } from '../postfix/master-cf.js';
import { PostfixConfig } from '../postfix/postfix-config.js';
import type { CertificateRef, DkimKey, Fail2banSetup, ServerConfig } from '../server-config.js';
import { composeDnsServers, readIfExists, tableFiles } from './common.js';
import { DMS_ENV_DEFAULTS, DMS_MAIN_CF, DMS_MASTER_CF, dmsMynetworks } from './dms-defaults.js';

const SHIPPED = '(docker-mailserver defaults)';
/** Where the container mounts the config directory. */
const CONTAINER_CONFIG = '/tmp/docker-mailserver/';

/** What makes a directory a docker-mailserver config directory. */
export function looksLikeDms(dir: string): boolean {
  return ['postfix-accounts.cf', 'dovecot-quotas.cf', 'postfix-main.cf', 'fail2ban-jail.cf', 'opendkim'].some(
    (f) => existsSync(join(dir, f)),
  );
}

/** Finds mailserver.env: given, beside the config directory (the compose convention), or in it. */
function findEnv(dir: string, given?: string): string | null {
  if (given) return given;
  for (const candidate of [
    join(dir, '..', 'mailserver.env'),
    join(dir, '..', '..', 'mailserver.env'),
    join(dir, '..', '..', '..', 'mailserver.env'),
    join(dir, 'mailserver.env'),
  ])
    if (existsSync(candidate)) return candidate;
  return null;
}

function findCompose(dir: string): string | null {
  for (const up of ['..', join('..', '..'), join('..', '..', '..')])
    for (const name of ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']) {
      const p = join(dir, up, name);
      if (existsSync(p)) return p;
    }
  return null;
}

/** The effective environment: the file's values over the documented defaults. */
function effectiveEnv(file: string | null, files: string[]): EnvSettings {
  const env: EnvSettings = new Map();
  for (const [k, v] of Object.entries(DMS_ENV_DEFAULTS))
    env.set(k, { value: v, source: { file: SHIPPED, line: 0 } });
  if (file) {
    files.push(file);
    const text = readFileSync(file, 'utf8');
    const shellQuoted = basename(file) === 'dms-settings' || /^[A-Z_]+='/m.test(text);
    for (const [k, v] of parseEnvFile(text, file, shellQuoted)) env.set(k, v);
  }
  return env;
}

function accountDomains(text: string | null): string[] {
  if (!text) return [];
  const domains = new Set<string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const user = t.split('|', 1)[0]!;
    const at = user.lastIndexOf('@');
    if (at > 0) domains.add(user.slice(at + 1).toLowerCase());
  }
  return [...domains].sort();
}

/** Maps a container path of the config directory (`/tmp/docker-mailserver/...`, `/etc/opendkim/...`) into `dir`. */
function hostPath(dir: string, containerPath: string): string {
  if (containerPath.startsWith(CONTAINER_CONFIG))
    return join(dir, containerPath.slice(CONTAINER_CONFIG.length));
  if (containerPath.startsWith('/etc/opendkim/'))
    return join(dir, 'opendkim', containerPath.slice('/etc/opendkim/'.length));
  return containerPath;
}

/** opendkim/KeyTable: `selector._domainkey.domain domain:selector:/etc/opendkim/keys/domain/selector.private`. */
function dkimKeys(dir: string, files: string[]): DkimKey[] {
  const table = readIfExists(join(dir, 'opendkim', 'KeyTable'), files);
  if (table === null) return [];
  const keys: DkimKey[] = [];
  for (const line of table.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const spec = t.split(/\s+/)[1];
    if (!spec) continue;
    const [domain, selector, path] = spec.split(':');
    if (!domain || !selector || !path) continue;
    const privatePath = hostPath(dir, path);
    keys.push(
      readDkimKey(domain.toLowerCase(), selector, privatePath, join(dirname(privatePath), `${selector}.txt`)),
    );
  }
  return keys;
}

/** The certificate SSL_TYPE makes the daemons serve. */
function certificates(dir: string, env: EnvSettings, hostname: string | null): CertificateRef[] {
  const type = env.get('SSL_TYPE')?.value ?? '';
  const host = hostname ?? '(hostname)';
  switch (type) {
    case '':
      return [
        {
          setting: 'SSL_TYPE (empty)',
          path: null,
          isDefault: true,
          note: 'no SSL_TYPE: Postfix and Dovecot serve Debian\u2019s snakeoil certificate',
        },
      ];
    case 'self-signed':
      return [
        {
          setting: 'SSL_TYPE=self-signed',
          path: join(dir, 'ssl', `${host}-cert.pem`),
          isDefault: false,
          note: null,
        },
      ];
    case 'custom':
      return [
        {
          setting: 'SSL_TYPE=custom',
          path: join(dir, 'ssl', `${host}-full.pem`),
          isDefault: false,
          note: null,
        },
      ];
    case 'manual': {
      const cert = env.get('SSL_CERT_PATH')?.value ?? '';
      const local = hostPath(dir, cert);
      return [
        {
          setting: 'SSL_TYPE=manual (SSL_CERT_PATH)',
          path: local && existsSync(local) ? local : null,
          isDefault: false,
          note:
            local && existsSync(local)
              ? null
              : `${cert || 'SSL_CERT_PATH'} is a container path not found here; probe the server instead (mailwarden probe)`,
        },
      ];
    }
    case 'letsencrypt':
      return [
        {
          setting: 'SSL_TYPE=letsencrypt',
          path: null,
          isDefault: false,
          note: `the certificate lives in /etc/letsencrypt/live/${host}/ inside the container; probe the server to check it (mailwarden probe ${host}:465)`,
        },
      ];
    default:
      return [
        {
          setting: `SSL_TYPE=${type}`,
          path: null,
          isDefault: false,
          note: `SSL_TYPE "${type}" is not one docker-mailserver knows`,
        },
      ];
  }
}

/** Looks like a fail2ban filter: a [Definition] section with a failregex. */
function isFilterFile(text: string): boolean {
  return /^\s*\[Definition\]/m.test(text) && /^\s*failregex\s*[=:]/m.test(text);
}

function fail2ban(dir: string, env: EnvSettings, files: string[], userPatches: string | null): Fail2banSetup {
  const jails: IniFile = new Map();
  const jailText = readIfExists(join(dir, 'fail2ban-jail.cf'), files);
  if (jailText !== null) parseIni(jailText, join(dir, 'fail2ban-jail.cf'), jails);
  // docker-mailserver's own jail.local: dovecot and postfix (mode=extra) on, custom for manual bans.
  const enabled = new Map<string, boolean>([
    ['dovecot', true],
    ['postfix', true],
    ['custom', true],
  ]);
  for (const [name, settings] of jails) {
    if (name === 'DEFAULT') continue;
    const on = iniBoolean(settings.get('enabled')?.value);
    if (on !== null) enabled.set(name, on);
  }
  const filtersUsed = [...enabled]
    .filter(([, on]) => on)
    .map(([jail]) => ({
      jail,
      filter: (jails.get(jail)?.get('filter')?.value ?? jail).split('[', 1)[0]!.trim(),
    }));
  const uninstalledFilters: string[] = [];
  const candidates: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'fail2ban-jail.cf' || name === 'fail2ban-fail2ban.cf') continue;
    const p = join(dir, name);
    if (statSync(p).isFile() && /fail2ban|filter|\.conf$|\.local$/i.test(name)) candidates.push(p);
  }
  for (const sub of ['filter.d', 'fail2ban/filter.d', 'fail2ban']) {
    const d = join(dir, sub);
    if (existsSync(d) && statSync(d).isDirectory())
      for (const name of readdirSync(d)) if (statSync(join(d, name)).isFile()) candidates.push(join(d, name));
  }
  for (const p of candidates) {
    const text = readFileSync(p, 'utf8');
    if (!isFilterFile(text)) continue;
    files.push(p);
    // Installed by hand only if user-patches.sh copies it.
    if (userPatches?.includes(basename(p))) continue;
    uninstalledFilters.push(p);
  }
  return {
    enabled: env.get('ENABLE_FAIL2BAN')?.value === '1',
    jails,
    enabledJails: [...enabled].filter(([, on]) => on).map(([j]) => j),
    uninstalledFilters,
    filtersUsed,
  };
}

/** Reads a docker-mailserver config directory (and its mailserver.env) into the common model. */
export function readDockerMailserver(dir: string, options: { envFile?: string } = {}): ServerConfig {
  const files: string[] = [];
  const notes: string[] = [];
  const envFile = findEnv(dir, options.envFile);
  if (!envFile)
    notes.push(
      'no mailserver.env found beside the config directory (give it with --env): documented defaults assumed',
    );
  const env = effectiveEnv(envFile, files);
  const hostname = env.get('OVERRIDE_HOSTNAME')?.value || env.get('HOSTNAME')?.value || null;

  const main = parseMainCf(DMS_MAIN_CF, SHIPPED);
  main.set('mynetworks', {
    value: dmsMynetworks(env.get('PERMIT_DOCKER')!.value),
    source: env.get('PERMIT_DOCKER')!.source,
  });
  if (env.get('ENABLE_DNSBL')!.value !== '1')
    main.set('postscreen_dnsbl_sites', { value: '', source: env.get('ENABLE_DNSBL')!.source });
  else {
    main.set('postscreen_dnsbl_sites', {
      value: 'zen.spamhaus.org*3 bl.mailspike.net b.barracudacentral.org*2',
      source: env.get('ENABLE_DNSBL')!.source,
    });
    const recipient = main.get('smtpd_recipient_restrictions')!;
    main.set('smtpd_recipient_restrictions', {
      value: `${recipient.value}, reject_rbl_client zen.spamhaus.org`,
      source: env.get('ENABLE_DNSBL')!.source,
    });
  }
  if (env.get('POSTFIX_MAILBOX_SIZE_LIMIT')!.value !== '0')
    main.set('mailbox_size_limit', {
      value: env.get('POSTFIX_MAILBOX_SIZE_LIMIT')!.value,
      source: env.get('POSTFIX_MAILBOX_SIZE_LIMIT')!.source,
    });
  const milters = [
    ...(env.get('ENABLE_OPENDKIM')!.value === '1' ? ['$dkim_milter'] : []),
    ...(env.get('ENABLE_OPENDMARC')!.value === '1' ? ['$dmarc_milter'] : []),
  ];
  main.set('smtpd_milters', { value: milters.join(','), source: env.get('ENABLE_OPENDMARC')!.source });
  if (env.get('SPOOF_PROTECTION')!.value === '1')
    main.set('smtpd_sender_restrictions', {
      value: `reject_authenticated_sender_login_mismatch, ${main.get('smtpd_sender_restrictions')?.value ?? ''}`,
      source: env.get('SPOOF_PROTECTION')!.source,
    });
  if ((env.get('SSL_TYPE')?.value ?? '') !== '')
    main.set('smtpd_tls_chain_files', {
      value: '(the SSL_TYPE certificate)',
      source: env.get('SSL_TYPE')!.source,
    });
  const mainOverrides = readIfExists(join(dir, 'postfix-main.cf'), files);
  if (mainOverrides !== null) parseMainCf(mainOverrides, join(dir, 'postfix-main.cf'), main);

  const services = parseMasterCf(DMS_MASTER_CF, SHIPPED);
  const masterOverrides = readIfExists(join(dir, 'postfix-master.cf'), files);
  if (masterOverrides !== null)
    applyMasterOverrides(services, masterOverrides, join(dir, 'postfix-master.cf'));

  const dovecotFile = join(dir, 'dovecot.cf');
  const dovecot = existsSync(dovecotFile) ? readDovecotConfig(dovecotFile) : null;
  if (dovecot) files.push(...dovecot.files);

  const userPatches = readIfExists(join(dir, 'user-patches.sh'), files);
  const accounts = readIfExists(join(dir, 'postfix-accounts.cf'), files);
  const domains = accountDomains(accounts);
  const virtual = readIfExists(join(dir, 'postfix-virtual.cf'), files);
  if (virtual)
    for (const line of virtual.split('\n')) {
      const key = line.trim().split(/\s+/, 1)[0] ?? '';
      if (key.includes('@') && !key.startsWith('#')) {
        const d = key.slice(key.lastIndexOf('@') + 1).toLowerCase();
        if (d && !domains.includes(d)) domains.push(d);
      }
    }
  readIfExists(join(dir, 'dovecot-quotas.cf'), files);
  const compose = findCompose(dir);

  return {
    kind: 'docker-mailserver',
    dir,
    hostname,
    domains,
    postfix: new PostfixConfig(main, services, POSTFIX_DEFAULTS),
    dovecot,
    env,
    fail2ban: fail2ban(dir, env, files, userPatches),
    dkim: dkimKeys(dir, files),
    certificates: certificates(dir, env, hostname),
    tableFiles: tableFiles(dir),
    userPatches,
    compose,
    resolvers: composeDnsServers(compose, files),
    files,
    notes,
  };
}
