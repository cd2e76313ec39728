import type { ServerConfig } from '../../config/server-config.js';
import type { Finding } from '../../findings/finding.js';
import { configIssue, configPositive, fileEvidence } from './config-finding.js';
import { envEvidence, envValue } from './env-helpers.js';

/** Below this many RSA bits a DKIM key is weak (RFC 8301 requires 1024, recommends 2048). */
const STRONG_BITS = 2048;

export function dkimChecks(config: ServerConfig): Finding[] {
  if (config.kind === 'mailcow') return [];
  if (config.kind === 'docker-mailserver') {
    if (envValue(config, 'ENABLE_RSPAMD') === '1' || envValue(config, 'ENABLE_OPENDKIM') !== '1') return [];
  }
  const findings: Finding[] = [];
  const byDomain = new Map(config.dkim.map((k) => [k.domain, k]));
  const missing = config.domains.filter((d) => !byDomain.get(d) || byDomain.get(d)!.problem !== null);
  if (missing.length > 0) {
    const problems = missing.map((d) => byDomain.get(d)?.problem).filter(Boolean);
    findings.push(
      configIssue({
        id: 'dkim-key-missing',
        title: `No usable DKIM key for ${missing.join(', ')}`,
        severity: 'high',
        severityRule: 'high: unsigned mail fails DMARC at receivers that enforce it, and is easier to forge',
        description: `Mail from ${missing.join(', ')} leaves unsigned${problems.length > 0 ? ` (${problems.join('; ')})` : ''}.`,
        rootCause:
          config.kind === 'docker-mailserver'
            ? 'No entry in opendkim/KeyTable, or its key file is missing: OpenDKIM then logs "no DKIM key(s) provided".'
            : 'OpenDKIM has no key for the domain.',
        recommendation: {
          summary: 'Generate a 2048-bit key per domain and publish its TXT record.',
          dockerMailserver: [
            `docker exec mailserver setup config dkim keysize 2048 domain '${missing.join(',')}'`,
            'then publish config/opendkim/keys/<domain>/mail.txt in DNS and restart the container',
          ],
          plainHost: [
            `opendkim-genkey -b 2048 -s mail -d ${missing[0]} -D /etc/opendkim/keys/${missing[0]}/`,
            'add it to KeyTable and SigningTable, publish mail.txt, systemctl restart opendkim',
          ],
        },
        evidence: envEvidence(config, 'ENABLE_OPENDKIM'),
        metrics: { domains: missing.length },
      }),
    );
  }
  const weak = config.dkim.filter((k) => k.keyType === 'rsa' && k.bits !== null && k.bits < STRONG_BITS);
  if (weak.length > 0)
    findings.push(
      configIssue({
        id: 'dkim-key-weak',
        title: `Weak DKIM key for ${weak.map((k) => k.domain).join(', ')}`,
        severity: weak.some((k) => (k.bits ?? 0) < 1024) ? 'high' : 'medium',
        severityRule:
          'high below 1024 bits (receivers ignore such signatures, RFC 8301); medium at 1024 to 2047 bits (factorable with enough resources)',
        description: weak
          .map((k) => `${k.domain} (selector ${k.selector}): ${k.bits}-bit RSA in ${k.privateKeyPath}`)
          .join('; '),
        rootCause: 'The key was generated with a small key size.',
        recommendation: {
          summary: 'Rotate to a 2048-bit key under a new selector, publish it, then retire the old one.',
          dockerMailserver: [
            "docker exec mailserver setup config dkim keysize 2048 selector mail2 domain '<domain>'",
          ],
          plainHost: ['opendkim-genkey -b 2048 -s mail2 -d <domain>'],
        },
        evidence: weak.map((k) => fileEvidence(k.privateKeyPath, `${k.bits}-bit ${k.keyType} key`)),
      }),
    );
  const good = config.dkim.filter(
    (k) => (k.problem === null && (k.bits ?? 0) >= STRONG_BITS) || k.keyType === 'ed25519',
  );
  if (missing.length === 0 && weak.length === 0 && good.length > 0)
    findings.push(
      configPositive(
        'dkim-keys-present',
        'Every domain has a DKIM key',
        good.map((k) => `${k.domain}: ${k.selector}, ${k.bits}-bit ${k.keyType}`).join('; '),
        [],
        { domains: good.length },
      ),
    );
  return findings;
}
