/**
 * The jails a server really runs, for the coverage matrix: a plain host's
 * /etc/fail2ban, or docker-mailserver's image defaults and config directory
 * over the stock configuration of this machine (the filters docker-mailserver
 * ships are upstream fail2ban's).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Fail2banConfiguration,
  loadDockerMailserverFail2ban,
  loadFail2banConfiguration,
  SYSTEM_FAIL2BAN_DIR,
} from '../../config/fail2ban/index.js';
import { plainEtc } from '../../config/layouts/plain-host.js';
import type { ServerConfig } from '../../config/server-config.js';
import { envValue } from '../config/env-helpers.js';
import type { ConfiguredJail } from './coverage-audit.js';

export interface ConfiguredJails {
  jails: ConfiguredJail[] | null;
  notes: string[];
}

function fromConfiguration(configuration: Fail2banConfiguration, notes: string[]): ConfiguredJails {
  for (const jail of configuration.jails) {
    if (jail.configuredEnabled && !jail.enabled && jail.skipReason)
      notes.push(`fail2ban skips the jail ${jail.name}: ${jail.skipReason}`);
  }
  return { jails: configuration.jails, notes: [...notes, ...configuration.notes] };
}

export function configuredJails(config: ServerConfig): ConfiguredJails {
  try {
    if (config.kind === 'mailcow') return { jails: null, notes: [] };
    if (config.kind === 'docker-mailserver') {
      if (envValue(config, 'ENABLE_FAIL2BAN') !== '1')
        return { jails: null, notes: ['fail2ban coverage not evaluated: ENABLE_FAIL2BAN is not 1'] };
      if (!existsSync(join(SYSTEM_FAIL2BAN_DIR, 'jail.conf')))
        return {
          jails: null,
          notes: [
            `fail2ban coverage not evaluated: docker-mailserver's jails use upstream fail2ban's filters, which are read from ${SYSTEM_FAIL2BAN_DIR} here (install fail2ban on this machine)`,
          ],
        };
      const env = Object.fromEntries([...(config.env ?? new Map())].map(([k, v]) => [k, v.value]));
      return fromConfiguration(loadDockerMailserverFail2ban(config.dir, { env }), [
        `fail2ban coverage: docker-mailserver's jails (its jail.local and fail2ban-jail.cf) over this machine's stock filters in ${SYSTEM_FAIL2BAN_DIR}; the image runs fail2ban 1.1.0`,
      ]);
    }
    const etc = plainEtc(config.dir);
    const dir = etc !== null ? join(etc, 'fail2ban') : null;
    if (dir === null || !existsSync(join(dir, 'jail.conf')))
      return {
        jails: null,
        notes: ['fail2ban coverage not evaluated: no fail2ban configuration (jail.conf) found'],
      };
    return fromConfiguration(loadFail2banConfiguration(dir), []);
  } catch (error) {
    return { jails: null, notes: [`fail2ban coverage not evaluated: ${(error as Error).message}`] };
  }
}
