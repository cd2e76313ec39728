import type { ServerConfig } from '../../config/server-config.js';
import type { Finding } from '../../findings/finding.js';
import { certificateChecks } from './certificate-checks.js';
import { dkimChecks } from './dkim-checks.js';
import { dnsblChecks } from './dnsbl-checks.js';
import { fail2banConfigChecks } from './fail2ban-config-checks.js';
import { mapChecks } from './map-checks.js';
import { quotaChecks } from './quota-checks.js';
import { relayChecks } from './relay-checks.js';
import {
  dmarcMilterCheck,
  fail2banEnabledCheck,
  postscreenCheck,
  spoofProtectionCheck,
} from './service-checks.js';
import { tlsConfigChecks } from './tls-config-checks.js';

export interface ConfigAuditOptions {
  /** The instant certificate lifetimes are measured from. */
  now?: Date;
}

/** Every check of a server's configuration, in the order the report lists them. */
export function auditConfiguration(config: ServerConfig, options: ConfigAuditOptions = {}): Finding[] {
  const now = options.now ?? new Date();
  return [
    ...relayChecks(config),
    ...tlsConfigChecks(config),
    ...certificateChecks(config, now),
    ...mapChecks(config),
    ...fail2banEnabledCheck(config),
    ...fail2banConfigChecks(config),
    ...postscreenCheck(config),
    ...dkimChecks(config),
    ...dmarcMilterCheck(config),
    ...spoofProtectionCheck(config),
    ...quotaChecks(config),
    ...dnsblChecks(config),
  ];
}
