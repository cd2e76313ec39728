import { existsSync, statSync } from 'node:fs';
import { looksLikeDms, readDockerMailserver } from './layouts/docker-mailserver.js';
import { looksLikeMailcow, readMailcow } from './layouts/mailcow.js';
import { plainEtc, readPlainHost } from './layouts/plain-host.js';
import type { ServerConfig } from './server-config.js';

export interface LoadConfigOptions {
  /** docker-mailserver's mailserver.env, or /etc/dms-settings copied out of the container. */
  env?: string;
  /** Saved `postconf -n` / `postconf -M` output. */
  postconf?: string[];
  /** Saved `doveconf -n` output (or a dovecot.conf). */
  doveconf?: string;
}

/** Thrown when a directory is none of the layouts mailwarden reads. */
export class UnknownLayoutError extends Error {}

/**
 * Reads a server's configuration, recognising the layout by what the directory
 * holds: mailcow (mailcow.conf + data/conf/postfix), docker-mailserver
 * (postfix-accounts.cf, dovecot-quotas.cf, postfix-main.cf, fail2ban-jail.cf or
 * opendkim/), or a plain host (/etc/postfix, a copy of /etc, or saved
 * postconf/doveconf output).
 */
export function loadServerConfig(dir: string, options: LoadConfigOptions = {}): ServerConfig {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UnknownLayoutError(`${dir}: not a directory`);
  if (looksLikeMailcow(dir)) return readMailcow(dir);
  if (looksLikeDms(dir))
    return readDockerMailserver(dir, options.env !== undefined ? { envFile: options.env } : {});
  if (plainEtc(dir) !== null || options.postconf?.length || options.doveconf)
    return readPlainHost(dir, options);
  throw new UnknownLayoutError(
    `${dir}: no docker-mailserver files (postfix-accounts.cf, postfix-main.cf, fail2ban-jail.cf, opendkim/), no mailcow.conf, no postfix/main.cf; give saved output with --postconf / --doveconf`,
  );
}
