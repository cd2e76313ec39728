import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { readDkimKey } from '../dkim-keys.js';
import { type DovecotConfig, readDovecotConfig } from '../dovecot/dovecot-conf.js';
import { POSTFIX_DEFAULTS } from '../postfix/defaults.js';
import { type PostfixParameters, parseMainCf } from '../postfix/main-cf.js';
import { type MasterService, parseMasterCf } from '../postfix/master-cf.js';
import { PostfixConfig } from '../postfix/postfix-config.js';
import type { DkimKey, ServerConfig } from '../server-config.js';
import { ConfigParseError, postfixLogicalLines } from '../source.js';
import {
  configuredCertificates,
  postfixDomains,
  readFail2banJails,
  readIfExists,
  resolvConfServers,
  tableFiles,
} from './common.js';

/** Where /etc is for a given directory: `/`, a copy of a host's root, `/etc` itself, or `/etc/postfix`. */
export function plainEtc(dir: string): string | null {
  if (existsSync(join(dir, 'etc', 'postfix', 'main.cf'))) return join(dir, 'etc');
  if (existsSync(join(dir, 'postfix', 'main.cf'))) return dir;
  if (existsSync(join(dir, 'main.cf'))) return join(dir, '..');
  return null;
}

/**
 * Saved `postconf -n` and `postconf -M` output (in one file or several): logical
 * lines with `=` before the first blank are parameters, the rest are services.
 */
function readSavedPostconf(
  paths: string[],
  files: string[],
): { main: PostfixParameters; services: MasterService[] } {
  const main: PostfixParameters = new Map();
  const services: MasterService[] = [];
  for (const path of paths) {
    const text = readIfExists(path, files);
    if (text === null) throw new ConfigParseError(path, 0, 'cannot read the saved postconf output');
    const mainLines: string[] = [];
    const masterLines: string[] = [];
    for (const { text: line } of postfixLogicalLines(text)) {
      const firstWord = line.split(/\s/, 1)[0]!;
      (firstWord.includes('=') || /^\S+\s*=/.test(line) ? mainLines : masterLines).push(line);
    }
    parseMainCf(mainLines.join('\n'), path, main);
    services.push(...parseMasterCf(masterLines.join('\n'), path));
  }
  return { main, services };
}

function opendkimKeys(etc: string, mapPath: (p: string) => string, files: string[]): DkimKey[] {
  const table = readIfExists(join(etc, 'opendkim', 'KeyTable'), files);
  const keys: DkimKey[] = [];
  if (table !== null) {
    for (const line of table.split('\n')) {
      const spec = line.trim().startsWith('#') ? undefined : line.trim().split(/\s+/)[1];
      const [domain, selector, path] = spec?.split(':') ?? [];
      if (domain && selector && path) keys.push(readDkimKey(domain.toLowerCase(), selector, mapPath(path)));
    }
    return keys;
  }
  const conf = readIfExists(join(etc, 'opendkim.conf'), files);
  if (conf === null) return keys;
  const setting = (name: string) => new RegExp(`^\\s*${name}\\s+(\\S+)`, 'm').exec(conf)?.[1];
  const keyFile = setting('KeyFile');
  const domain = setting('Domain');
  const selector = setting('Selector');
  if (keyFile && domain && selector) keys.push(readDkimKey(domain.toLowerCase(), selector, mapPath(keyFile)));
  return keys;
}

export interface PlainOptions {
  postconf?: string[];
  doveconf?: string;
}

/** Reads a plain host's /etc (or a copy of it), or saved postconf/doveconf output. */
export function readPlainHost(dir: string, options: PlainOptions = {}): ServerConfig {
  const files: string[] = [];
  const notes: string[] = [];
  const etc = plainEtc(dir);
  const rootOfCopy = etc?.endsWith('/etc') ? etc.slice(0, -4) : null;
  const mapPath = (p: string) => {
    if (!isAbsolute(p) || rootOfCopy === null || rootOfCopy === '/' || rootOfCopy === '') return p;
    const inCopy = join(rootOfCopy, p);
    return existsSync(inCopy) ? inCopy : p;
  };

  let postfix: PostfixConfig | null = null;
  if (options.postconf && options.postconf.length > 0) {
    const saved = readSavedPostconf(options.postconf, files);
    if (saved.services.length === 0)
      notes.push('no saved `postconf -M` output: the services of master.cf are unknown');
    postfix = new PostfixConfig(saved.main, saved.services, POSTFIX_DEFAULTS);
  } else if (etc !== null) {
    const mainPath = join(etc, 'postfix', 'main.cf');
    const main = parseMainCf(readIfExists(mainPath, files) ?? '', mainPath);
    const masterPath = join(etc, 'postfix', 'master.cf');
    const masterText = readIfExists(masterPath, files);
    postfix = new PostfixConfig(
      main,
      masterText === null ? [] : parseMasterCf(masterText, masterPath),
      POSTFIX_DEFAULTS,
    );
    if (masterText === null) notes.push(`${masterPath} not found: the services Postfix runs are unknown`);
  } else notes.push('no Postfix configuration found (main.cf, or saved postconf output with --postconf)');

  let dovecot: DovecotConfig | null = null;
  const dovecotPath = options.doveconf ?? (etc !== null ? join(etc, 'dovecot', 'dovecot.conf') : null);
  if (dovecotPath && existsSync(dovecotPath)) {
    dovecot = readDovecotConfig(dovecotPath, mapPath);
    files.push(...dovecot.files);
  } else
    notes.push('no Dovecot configuration found (dovecot.conf, or saved doveconf -n output with --doveconf)');

  const fail2ban = etc !== null ? readFail2banJails(join(etc, 'fail2ban'), files) : null;
  if (fail2ban === null) notes.push('no fail2ban configuration found');

  return {
    kind: 'plain',
    dir,
    hostname: postfix?.value('myhostname') || null,
    domains: postfix ? postfixDomains(postfix) : [],
    postfix,
    dovecot,
    env: null,
    fail2ban,
    dkim: etc !== null ? opendkimKeys(etc, mapPath, files) : [],
    certificates: configuredCertificates(postfix, dovecot, mapPath),
    tableFiles: etc !== null ? tableFiles(join(etc, 'postfix')) : [],
    userPatches: null,
    compose: null,
    resolvers: etc !== null ? resolvConfServers(join(etc, 'resolv.conf'), files) : [],
    files,
    notes,
  };
}
