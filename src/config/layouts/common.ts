import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type DovecotConfig, dovecotSetting } from '../dovecot/dovecot-conf.js';
import { type IniFile, iniBoolean, parseIni } from '../ini.js';
import { postfixList } from '../postfix/main-cf.js';
import type { PostfixConfig } from '../postfix/postfix-config.js';
import type { CertificateRef, Fail2banSetup } from '../server-config.js';

export function readIfExists(path: string, files: string[]): string | null {
  if (!existsSync(path) || !statSync(path).isFile()) return null;
  files.push(path);
  return readFileSync(path, 'utf8');
}

const SNAKEOIL = /ssl-cert-snakeoil|snakeoil/;

/** The certificates Postfix's smtpd and Dovecot are configured to serve. */
export function configuredCertificates(
  postfix: PostfixConfig | null,
  dovecot: DovecotConfig | null,
  mapPath: (p: string) => string,
): CertificateRef[] {
  const refs: CertificateRef[] = [];
  const add = (setting: string, raw: string) => {
    if (!raw || refs.some((r) => r.setting === setting)) return;
    const local = mapPath(raw);
    const found = existsSync(local);
    refs.push({
      setting,
      path: found ? local : null,
      isDefault: SNAKEOIL.test(raw),
      note: found ? null : `${raw} is not readable here; probe the server to check the certificate it serves`,
    });
  };
  if (postfix) {
    const chain = postfixList(postfix.value('smtpd_tls_chain_files'));
    const pem = chain.find((f) => !/\.key$/.test(f)) ?? chain[0];
    if (pem) add('smtpd_tls_chain_files', pem);
    else add('smtpd_tls_cert_file', postfix.value('smtpd_tls_cert_file'));
  }
  if (dovecot) {
    const v23 = dovecotSetting(dovecot, 'ssl_cert')?.value;
    if (v23) add('dovecot ssl_cert', v23.replace(/^</, '').trim());
    const v24 = dovecotSetting(dovecot, 'ssl_server_cert_file')?.value;
    if (v24) add('dovecot ssl_server_cert_file', v24);
  }
  return refs;
}

/**
 * fail2ban's jail files in their override order (jail.conf, jail.d/*.conf,
 * jail.local, jail.d/*.local), enough to know which jails are on and which
 * filters they use.
 */
export function readFail2banJails(dir: string, files: string[]): Fail2banSetup | null {
  if (!existsSync(dir)) return null;
  const jails: IniFile = new Map();
  const read = (p: string) => {
    const text = readIfExists(p, files);
    if (text !== null) parseIni(text, p, jails);
  };
  const jailD = join(dir, 'jail.d');
  const inJailD = (ext: string) =>
    existsSync(jailD)
      ? readdirSync(jailD)
          .filter((n) => n.endsWith(ext))
          .sort()
          .map((n) => join(jailD, n))
      : [];
  read(join(dir, 'jail.conf'));
  for (const p of inJailD('.conf')) read(p);
  read(join(dir, 'jail.local'));
  for (const p of inJailD('.local')) read(p);
  const defaultEnabled = iniBoolean(jails.get('DEFAULT')?.get('enabled')?.value) ?? false;
  const enabledJails = [...jails]
    .filter(
      ([name, s]) =>
        name !== 'DEFAULT' && name !== 'INCLUDES' && (iniBoolean(s.get('enabled')?.value) ?? defaultEnabled),
    )
    .map(([name]) => name);
  return {
    enabled: enabledJails.length > 0,
    jails,
    enabledJails,
    uninstalledFilters: [],
    filtersUsed: enabledJails.map((jail) => ({
      jail,
      filter: (jails.get(jail)?.get('filter')?.value ?? jail).split('[', 1)[0]!.trim(),
    })),
  };
}

/** Domains named inline by Postfix (maps cannot be listed without their contents). */
export function postfixDomains(postfix: PostfixConfig): string[] {
  const out = new Set<string>();
  for (const name of ['virtual_mailbox_domains', 'mydestination', 'relay_domains']) {
    for (const item of postfixList(postfix.value(name))) {
      if (item.includes(':') || item.includes('/') || item.includes('$') || item === 'localhost') continue;
      if (/^localhost\./.test(item) || item === postfix.value('myhostname')) continue;
      out.add(item.toLowerCase());
    }
  }
  const mydomain = postfix.value('mydomain');
  if (mydomain && out.size === 0) out.add(mydomain.toLowerCase());
  return [...out].sort();
}

/** Postfix lookup-table candidates: files whose lines are `key ACTION` with a CIDR or address key. */
export function tableFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (!statSync(p).isFile() || !/\.(cf|cidr|txt)$|access|reject|block/i.test(name)) continue;
    if (
      /^(postfix-(accounts|virtual|regexp|aliases|main|master|relaymap|sasl-password)|dovecot-|fail2ban-)/.test(
        name,
      )
    )
      continue;
    const text = readFileSync(p, 'utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    if (
      lines.length > 0 &&
      lines.every((l) => /^\S+\s+(REJECT|DISCARD|DEFER|OK|PERMIT|DUNNO|HOLD|[45]\d\d)\b/i.test(l.trim()))
    )
      out.push(p);
  }
  return out;
}

/** `nameserver` lines of a resolv.conf. */
export function resolvConfServers(path: string, files: string[]): { address: string; source: string }[] {
  const text = readIfExists(path, files);
  if (text === null) return [];
  const out: { address: string; source: string }[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push({ address: m[1]!, source: `${path}:${i + 1}` });
  });
  return out;
}

/** `dns:` entries of a compose file (a list, or one address). */
export function composeDnsServers(
  path: string | null,
  files: string[],
): { address: string; source: string }[] {
  if (path === null) return [];
  const text = readIfExists(path, files);
  if (text === null) return [];
  const out: { address: string; source: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)dns:\s*(\S*)/.exec(lines[i]!);
    if (!m) continue;
    if (m[2]) {
      out.push({ address: m[2].replace(/^["'[]|["'\]]$/g, ''), source: `${path}:${i + 1}` });
      continue;
    }
    for (let j = i + 1; j < lines.length; j++) {
      const item = /^\s*-\s*["']?([^"'\s]+)/.exec(lines[j]!);
      if (!item) break;
      out.push({ address: item[1]!, source: `${path}:${j + 1}` });
    }
  }
  return out;
}
