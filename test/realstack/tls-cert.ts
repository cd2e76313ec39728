// A throw-away self-signed certificate for smtpd and Dovecot.
import { chmod } from 'node:fs/promises';
import { run } from './processes.js';

export async function makeSelfSignedCertificate(cert: string, key: string, hostname: string): Promise<void> {
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${hostname}`,
    '-addext',
    `subjectAltName=DNS:${hostname}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  await chmod(key, 0o600);
  await chmod(cert, 0o644);
}
