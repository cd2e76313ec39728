import ipaddr from 'ipaddr.js';
import { postfixList } from '../../config/postfix/main-cf.js';
import type { MasterService } from '../../config/postfix/master-cf.js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Finding } from '../../findings/finding.js';
import { configIssue, configPositive } from './config-finding.js';
import { envEvidence, envValue, postfixEvidence, setEnvCommand } from './env-helpers.js';

const UNAUTH_DESTINATION = /^(reject|defer)_unauth_destination$/;

/** Whether a restriction list stops relaying to foreign domains before anything permits everyone. */
function stopsRelay(list: string[]): boolean {
  for (const item of list) {
    if (UNAUTH_DESTINATION.test(item)) return true;
    if (item === 'permit') return false;
  }
  return false;
}

/** mynetworks entries that trust far more than a server's own networks. */
function wideNetworks(value: string): string[] {
  const wide: string[] = [];
  for (const item of postfixList(value)) {
    const cidr = item.replace(/^\[|\](?=\/)|\]$/g, '');
    if (!cidr.includes('/')) continue;
    try {
      const [addr, bits] = ipaddr.parseCIDR(cidr);
      const v4 = addr.kind() === 'ipv4';
      // Anything near the whole address space is wide; public ranges are wide beyond a /24 (IPv6 /48).
      const huge = bits < 8;
      const publicRange = ['unicast', 'reserved', '6to4', 'teredo'].includes(addr.range());
      if (huge || (publicRange && bits < (v4 ? 24 : 48))) wide.push(item);
    } catch {
      // Not a CIDR (a map or a hostname): not judged here.
    }
  }
  return wide;
}

export function relayChecks(config: ServerConfig): Finding[] {
  const pf = config.postfix;
  if (!pf) return [];
  const problems: string[] = [];
  const evidence = [];
  let severity: 'critical' | 'high' = 'high';
  const incoming: (MasterService | undefined)[] = pf.services.filter(
    (s) => s.command === 'smtpd' && (s.name === 'smtp' || s.type === 'pass'),
  );
  if (incoming.length === 0) incoming.push(undefined);
  for (const s of incoming) {
    const relay = postfixList(pf.value('smtpd_relay_restrictions', s));
    const recipient = postfixList(pf.value('smtpd_recipient_restrictions', s));
    if (!stopsRelay(relay) && !stopsRelay(recipient)) {
      severity = 'critical';
      problems.push(
        `${s ? `${s.name}/${s.type}` : 'smtpd'}: neither smtpd_relay_restrictions nor smtpd_recipient_restrictions rejects unauthorised destinations`,
      );
      evidence.push(
        ...postfixEvidence(config, 'smtpd_relay_restrictions', s),
        ...postfixEvidence(config, 'smtpd_recipient_restrictions', s),
      );
    }
  }
  const mynetworks = pf.value('mynetworks');
  const wide = wideNetworks(mynetworks);
  if (wide.length > 0) {
    if (wide.some((w) => /\/0$|^0\.0\.0\.0/.test(w))) severity = 'critical';
    problems.push(`mynetworks trusts ${wide.join(', ')}: every client there may relay without a password`);
    evidence.push(...postfixEvidence(config, 'mynetworks'));
  }
  const permitDocker = envValue(config, 'PERMIT_DOCKER');
  if (
    config.kind === 'docker-mailserver' &&
    permitDocker !== 'none' &&
    permitDocker !== '' &&
    permitDocker !== 'container'
  ) {
    problems.push(
      `PERMIT_DOCKER=${permitDocker} puts ${mynetworks || 'Docker networks'} into mynetworks: with Docker's userland proxy or IPv6 NAT, outside clients appear with such addresses and may relay`,
    );
    evidence.push(...envEvidence(config, 'PERMIT_DOCKER'));
  }
  if (problems.length === 0)
    return [
      configPositive(
        'relay-restricted',
        'Relaying needs authentication',
        'Unauthenticated clients cannot relay to foreign domains; mynetworks is narrow.',
      ),
    ];
  return [
    configIssue({
      id: 'open-relay-risk',
      title: 'The server may relay mail for strangers',
      severity,
      severityRule:
        'critical when nothing rejects unauthorised destinations or mynetworks covers the whole Internet; high when trusted networks are wider than the server needs',
      description: `${problems.join('. ')}.`,
      rootCause: 'Relay permission is granted by network address rather than by authentication.',
      recommendation: {
        summary: 'Trust only the server itself; let users relay after authenticating.',
        dockerMailserver: [setEnvCommand(config, 'PERMIT_DOCKER', 'none'), 'docker compose up -d'],
        plainHost: [
          'postconf -e "mynetworks = 127.0.0.0/8 [::1]/128"',
          'postconf -e "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"',
          'postfix reload',
        ],
      },
      evidence,
    }),
  ];
}
