import type { ServerConfig } from '../../config/server-config.js';
import type { Finding } from '../../findings/finding.js';
import {
  type CertificateFacts,
  certificateFindings,
  describeCertificate,
  readPemCertificates,
} from '../tls/certificate.js';
import { configIssue } from './config-finding.js';
import { setEnvCommand } from './env-helpers.js';

/** The certificates the configuration names: read and judged, or flagged when they are the distribution's default. */
export function certificateChecks(config: ServerConfig, now: Date): Finding[] {
  const findings: Finding[] = [];
  const hostname = config.hostname ?? undefined;
  const seen = new Set<string>();
  for (const ref of config.certificates) {
    // Postfix and Dovecot often serve the same file: judge it once.
    if (ref.path !== null && seen.has(ref.path)) continue;
    if (ref.path !== null) seen.add(ref.path);
    if (ref.path === null) {
      if (ref.isDefault)
        findings.push(
          configIssue({
            id: 'self-signed-or-default-cert',
            title: 'The mail services use a default certificate',
            severity: 'high',
            severityRule:
              'high: clients cannot verify the server, so a man in the middle can read passwords and mail',
            description: `${ref.setting}: ${ref.note ?? 'a certificate nobody chose'}.`,
            rootCause: 'No certificate for the mail hostname was configured.',
            recommendation: {
              summary: 'Serve a certificate for the mail hostname from a public CA (Let\u2019s Encrypt).',
              dockerMailserver: [
                setEnvCommand(config, 'SSL_TYPE', 'letsencrypt'),
                '# mount /etc/letsencrypt into the container, then:',
                'docker compose up -d',
              ],
              plainHost: [
                'certbot certonly --standalone -d <mail hostname>',
                'postconf -e "smtpd_tls_chain_files = /etc/letsencrypt/live/<host>/privkey.pem /etc/letsencrypt/live/<host>/fullchain.pem"',
              ],
            },
          }),
        );
      continue;
    }
    let chain: CertificateFacts[];
    try {
      chain = readPemCertificates(ref.path).map((c) => describeCertificate(c, now, hostname, ref.path!));
    } catch (err) {
      findings.push(
        configIssue({
          id: 'self-signed-or-default-cert',
          title: `The certificate file ${ref.path} cannot be read`,
          severity: 'high',
          severityRule: 'high: the daemons fail their TLS set-up or serve something else',
          description: `${ref.setting}: ${(err as Error).message}`,
          rootCause: 'The file named by the configuration is not a PEM certificate.',
          recommendation: {
            summary: 'Point the setting at the full-chain PEM file.',
            dockerMailserver: [],
            plainHost: [],
          },
        }),
      );
      continue;
    }
    if (chain.length === 0) continue;
    findings.push(
      ...certificateFindings(chain, ref.path, hostname).map((f) => ({
        ...f,
        evidenceFrom: 'configuration' as const,
      })),
    );
  }
  return findings;
}
