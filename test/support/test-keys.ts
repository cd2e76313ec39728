// Keys and certificates for configuration tests, made with the real openssl
// (nothing secret is stored in the repository).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { opensslOrSkip } from './openssl.js';

function openssl(args: string[]): void {
  execFileSync(opensslOrSkip().require(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function rsaKey(path: string, bits: number): void {
  mkdirSync(dirname(path), { recursive: true });
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', path]);
}

export interface CertificateFiles {
  cert: string;
  key: string;
}

/** A self-signed certificate for `cn` (with SANs), valid `days` from now. */
export function selfSigned(dir: string, cn: string, days: number, sans: string[] = [cn]): CertificateFiles {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, `${cn}-cert.pem`);
  const key = join(dir, `${cn}-key.pem`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    String(days),
    '-subj',
    `/CN=${cn}`,
    '-addext',
    `subjectAltName=${sans.map((s) => `DNS:${s}`).join(',')}`,
  ]);
  return { cert, key };
}

/** A certificate for `cn` signed by a throw-away CA, valid `days`; `full` holds key, leaf and CA (docker-mailserver's -full.pem). */
export function caSigned(
  dir: string,
  cn: string,
  days: number,
  sans: string[] = [cn],
): CertificateFiles & { full: string; ca: string } {
  mkdirSync(dir, { recursive: true });
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca-key.pem');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    ca,
    '-days',
    '3650',
    '-subj',
    '/CN=Test Mail CA/O=mailwarden tests',
  ]);
  const key = join(dir, `${cn}-key.pem`);
  const csr = join(dir, `${cn}.csr`);
  const cert = join(dir, `${cn}-cert.pem`);
  const ext = join(dir, `${cn}.ext`);
  writeFileSync(ext, `subjectAltName=${sans.map((s) => `DNS:${s}`).join(',')}\n`);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    String(days),
    '-extfile',
    ext,
  ]);
  const full = join(dir, `${cn}-full.pem`);
  writeFileSync(
    full,
    [readFileSync(key, 'utf8'), readFileSync(cert, 'utf8'), readFileSync(ca, 'utf8')].join(''),
  );
  return { cert, key, full, ca };
}
