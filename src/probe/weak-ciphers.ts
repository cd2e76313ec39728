/**
 * The cipher suites the probe calls weak, one handshake per group offering only
 * that group (TLS 1.0 to 1.2; TLS 1.3 has no weak suite). The set follows RFC 9325
 * (BCP 195) §4.1 and RFC 7465: suites a server must not negotiate (no encryption,
 * export-grade, RC4, single DES), 3DES (64-bit blocks, SWEET32; "should not"),
 * and anonymous suites, which authenticate nobody.
 *
 * Not in the set: CBC suites with a SHA-1 MAC. They are still safe with TLS 1.2's
 * explicit IVs and encrypt-then-MAC, every client library offers them, and Postfix
 * and Dovecot keep them by default; TLS 1.0/1.1 acceptance, which is what made them
 * dangerous, is reported on its own (`weak-tls-protocols`).
 */
import tls from 'node:tls';
import type { Severity } from '../findings/finding.js';

export const WEAK_CIPHER_GROUPS = ['null', 'export', 'rc4', 'des', '3des', 'anonymous'] as const;
export type WeakCipherGroup = (typeof WEAK_CIPHER_GROUPS)[number];

export interface WeakCipherGroupSpec {
  group: WeakCipherGroup;
  label: string;
  /** OpenSSL cipher string offering only this group, at security level 0 so that OpenSSL does not drop it first. */
  cipherString: string;
  severity: Severity;
  why: string;
}

export const WEAK_CIPHER_SPECS: readonly WeakCipherGroupSpec[] = [
  {
    group: 'null',
    label: 'NULL (no encryption)',
    cipherString: 'eNULL:@SECLEVEL=0',
    severity: 'high',
    why: 'the traffic, passwords included, crosses the network in clear text',
  },
  {
    group: 'export',
    label: 'EXPORT (40/56-bit)',
    cipherString: 'EXPORT:@SECLEVEL=0',
    severity: 'high',
    why: 'export-grade keys are broken in minutes (FREAK, Logjam)',
  },
  {
    group: 'rc4',
    label: 'RC4',
    cipherString: 'RC4:@SECLEVEL=0',
    severity: 'high',
    why: 'RC4 is prohibited in TLS by RFC 7465: its biases leak plaintext',
  },
  {
    group: 'des',
    label: 'DES (56-bit)',
    cipherString: 'DES:!3DES:@SECLEVEL=0',
    severity: 'high',
    why: 'a 56-bit key is searched exhaustively in a day',
  },
  {
    group: '3des',
    label: '3DES',
    cipherString: '3DES:@SECLEVEL=0',
    severity: 'medium',
    why: '64-bit blocks allow the SWEET32 birthday attack on long connections (RFC 9325: should not be negotiated)',
  },
  {
    group: 'anonymous',
    label: 'anonymous (aNULL)',
    cipherString: 'aNULL:@SECLEVEL=0',
    severity: 'low',
    why: 'the server is not authenticated, so a man in the middle can step in; only clients that verify nothing offer these suites, which is why Postfix keeps them for opportunistic TLS on port 25',
  },
];

/**
 * Whether this Node's OpenSSL can offer any suite of the group at all. OpenSSL 3
 * has no EXPORT or single-DES suite, and builds without the weak ciphers (Debian's
 * among them) have no RC4 or 3DES suite either: those groups cannot be tested.
 */
export function canOffer(spec: WeakCipherGroupSpec): boolean {
  try {
    tls.createSecureContext({ ciphers: spec.cipherString });
    return true;
  } catch {
    return false;
  }
}
