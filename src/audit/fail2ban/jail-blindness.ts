/**
 * Why an enabled jail can never fire where it runs, from the configuration
 * alone: it reads the journal where there is none, or files that do not exist
 * or that the daemons do not write. (A filter that matches none of the log
 * lines in use is found from the logs: see coverage-findings.)
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ConfigKind } from '../../config/server-config.js';

export interface JailLocation {
  name: string;
  /** The filter's base name (`postfix` for `postfix[mode=extra]`). */
  filterName: string | null;
  backend: string;
  logpaths: string[];
}

export interface BlindnessContext {
  kind: ConfigKind;
  /** Where the daemons write, by family, when the configuration says so for certain (paths where fail2ban runs). */
  daemonLogs: { postfix: string[]; dovecot: string[] };
  /** Directory the jail's paths are relative to for an existence check (`/` on the live host), or null when they live elsewhere. */
  checkRoot: string | null;
  /** Whether fail2ban runs where a systemd journal exists; null when unknown. */
  journal: boolean | null;
}

/** Which daemon's log a filter reads. */
export function filterFamily(filterName: string | null): 'postfix' | 'dovecot' | null {
  if (!filterName) return null;
  if (/^postfix/.test(filterName)) return 'postfix';
  if (/^dovecot/.test(filterName) || filterName === 'sieve') return 'dovecot';
  return null;
}

/** fail2ban's glob: `*`, `?` and `[...]` within one path. */
function globPattern(glob: string): RegExp {
  let out = '';
  for (const c of glob) {
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

const isGlob = (p: string) => /[*?[]/.test(p);

function existsUnder(root: string, path: string): boolean {
  const full = join(root, path);
  if (!isGlob(path)) return existsSync(full);
  const dir = dirname(full);
  if (isGlob(dir) || !existsSync(dir)) return false;
  const pattern = globPattern(basename(full));
  try {
    return readdirSync(dir).some((name) => pattern.test(name));
  } catch {
    return false;
  }
}

const readsPath = (logpath: string, target: string) =>
  isGlob(logpath) ? globPattern(logpath).test(target) : logpath === target;

export function jailBlindness(jail: JailLocation, ctx: BlindnessContext): string | null {
  if (jail.backend.startsWith('systemd')) {
    if (ctx.kind === 'docker-mailserver')
      return `backend = ${jail.backend}, but docker-mailserver's container runs no systemd journal: the jail reads nothing (set backend = polling or auto with logpath = /var/log/mail/mail.log)`;
    if (ctx.journal === false)
      return `backend = ${jail.backend}, but there is no systemd journal where fail2ban runs`;
    return null;
  }
  if (jail.logpaths.length === 0) return 'no logpath is set, so the jail has nothing to read';
  if (ctx.checkRoot !== null) {
    const present = jail.logpaths.filter((p) => existsUnder(ctx.checkRoot!, p));
    if (present.length === 0)
      return `its logpath ${jail.logpaths.join(', ')} does not exist${ctx.checkRoot === '/' ? '' : ` (under ${ctx.checkRoot})`}: fail2ban refuses to start the jail or waits for a file nobody writes`;
  }
  const family = filterFamily(jail.filterName);
  const written = family ? ctx.daemonLogs[family] : [];
  if (written.length > 0 && !jail.logpaths.some((p) => written.some((w) => readsPath(p, w))))
    return `it reads ${jail.logpaths.join(', ')}, but ${family === 'postfix' ? 'Postfix' : 'Dovecot'} writes to ${written.join(', ')}`;
  return null;
}
