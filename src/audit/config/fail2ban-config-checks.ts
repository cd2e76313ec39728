import { basename, join } from 'node:path';
import type { ServerConfig } from '../../config/server-config.js';
import type { Finding } from '../../findings/finding.js';
import { shellQuote } from '../../findings/shell-quote.js';
import { configIssue, fileEvidence } from './config-finding.js';

/** Filters of fail2ban's own releases that mail jails use (anything else must be installed by the user). */
const STOCK_FILTERS = new Set([
  'postfix',
  'postfix-sasl',
  'postfix-rbl',
  'dovecot',
  'sieve',
  'courier-auth',
  'courier-smtp',
  'exim',
  'exim-spam',
  'sendmail-auth',
  'sendmail-reject',
  'cyrus-imap',
  'uwimap-auth',
  'recidive',
  'sshd',
  'custom',
]);

/** docker-mailserver copies only fail2ban-jail.cf and fail2ban-fail2ban.cf: a filter file in the config directory is never installed. */
export function fail2banConfigChecks(config: ServerConfig): Finding[] {
  const f = config.fail2ban;
  if (!f || config.kind !== 'docker-mailserver') return [];
  const orphanJails = f.filtersUsed.filter(
    (u) => !STOCK_FILTERS.has(u.filter) && !(config.userPatches ?? '').includes(u.filter),
  );
  if (f.uninstalledFilters.length === 0 && orphanJails.length === 0) return [];
  const files = f.uninstalledFilters.map((p) => basename(p));
  return [
    configIssue({
      id: 'fail2ban-filter-not-installed',
      title: `fail2ban ${orphanJails.length > 0 ? `jail ${orphanJails.map((o) => o.jail).join(', ')} uses a filter` : 'filter'} the container never installs`,
      severity: 'high',
      severityRule:
        'high: the jail the user relies on fails to load or matches nothing, so its attackers are never banned',
      description: [
        files.length > 0
          ? `${files.join(', ')} in the config directory ${files.length === 1 ? 'defines a fail2ban filter' : 'define fail2ban filters'}, but docker-mailserver copies only fail2ban-jail.cf and fail2ban-fail2ban.cf into the container.`
          : '',
        orphanJails.length > 0
          ? `Enabled jail(s) ${orphanJails.map((o) => `${o.jail} (filter ${o.filter})`).join(', ')} name a filter that is not part of fail2ban and is not installed by user-patches.sh: fail2ban refuses to start the jail.`
          : '',
      ]
        .filter(Boolean)
        .join(' '),
      rootCause:
        'docker-mailserver has no mechanism for user fail2ban filters; only user-patches.sh can copy them.',
      recommendation: {
        summary: 'Install the filter from user-patches.sh, or use a stock filter mode that covers the lines.',
        dockerMailserver: [
          `echo ${shellQuote(`cp /tmp/docker-mailserver/${files[0] ?? '<filter>.cf'} /etc/fail2ban/filter.d/${orphanJails[0]?.filter ?? 'custom-filter'}.conf`)} >> ${shellQuote(join(config.dir, 'user-patches.sh'))}`,
          'docker compose restart mailserver',
          'docker exec mailserver fail2ban-client status',
        ],
        plainHost: [],
      },
      evidence: [
        ...f.uninstalledFilters.map((p) => fileEvidence(p, '(fail2ban filter file)')),
        ...orphanJails.map((o) => {
          const src = f.jails.get(o.jail)?.get('filter')?.source;
          return {
            line: `[${o.jail}] filter = ${o.filter}`,
            source: src ? `${src.file}:${src.line}` : `${config.dir}/fail2ban-jail.cf:0`,
          };
        }),
      ],
    }),
  ];
}
