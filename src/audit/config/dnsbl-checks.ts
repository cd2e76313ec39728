import { postfixList } from '../../config/postfix/main-cf.js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Finding } from '../../findings/finding.js';
import { configIssue } from './config-finding.js';
import { postfixEvidence, setEnvCommand } from './env-helpers.js';

/** Open resolvers that DNSBL operators (Spamhaus first) refuse to answer, or answer with an error code. */
const PUBLIC_RESOLVERS = new Set([
  '8.8.8.8',
  '8.8.4.4',
  '1.1.1.1',
  '1.0.0.1',
  '9.9.9.9',
  '149.112.112.112',
  '208.67.222.222',
  '208.67.220.220',
  '94.140.14.14',
  '2001:4860:4860::8888',
  '2001:4860:4860::8844',
  '2606:4700:4700::1111',
  '2606:4700:4700::1001',
  '2620:fe::fe',
]);

export function dnsblChecks(config: ServerConfig): Finding[] {
  const pf = config.postfix;
  if (!pf) return [];
  const sites = postfixList(pf.value('postscreen_dnsbl_sites'));
  const rbl = ['smtpd_client_restrictions', 'smtpd_recipient_restrictions', 'smtpd_helo_restrictions']
    .flatMap((p) => postfixList(pf.value(p)))
    .map((item, i, all) => (item === 'reject_rbl_client' ? all[i + 1] : undefined))
    .filter((x): x is string => x !== undefined);
  const lists = [...sites.map((s) => s.split(/[=*]/, 1)[0]!), ...rbl];
  const publicOnes = config.resolvers.filter((r) => PUBLIC_RESOLVERS.has(r.address));
  if (lists.length === 0 || publicOnes.length === 0) return [];
  return [
    configIssue({
      id: 'dnsbl-with-public-resolver',
      title: 'DNSBL lookups go through a public resolver',
      severity: 'medium',
      severityRule: 'medium: the block lists silently stop matching, so known spam sources are let in',
      description: `Postfix queries ${[...new Set(lists)].join(', ')}, but resolves through ${publicOnes.map((r) => r.address).join(', ')}: Spamhaus and other lists refuse queries from open public resolvers (answering with an error code or nothing), so no listed client is ever rejected.`,
      rootCause: 'The host or container uses a public DNS service instead of a local recursive resolver.',
      recommendation: {
        summary:
          'Run a local recursive resolver (unbound) for the mail server, or use the lists\u2019 paid query keys.',
        dockerMailserver: [
          '# in compose.yaml, point dns: at a local unbound resolver (or remove the public addresses); or turn the lists off:',
          setEnvCommand(config, 'ENABLE_DNSBL', '0'),
          'docker compose up -d',
        ],
        plainHost: ['apt-get install unbound', 'resolv.conf: nameserver 127.0.0.1'],
      },
      evidence: [
        ...publicOnes.map((r) => ({ line: `nameserver ${r.address}`, source: r.source })),
        ...postfixEvidence(config, 'postscreen_dnsbl_sites'),
      ],
    }),
  ];
}
