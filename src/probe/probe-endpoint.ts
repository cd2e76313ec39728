/**
 * Everything the probe learns about one endpoint: a first handshake that accepts
 * whatever the server offers (what it negotiates, its certificates), then one
 * handshake per TLS version and one per weak cipher group. Handshakes to one
 * endpoint run one after another, as a single client would make them.
 */
import { isIP } from 'node:net';
import { type CertificateFacts, describeCertificate } from '../audit/tls/certificate.js';
import {
  type FailureKind,
  type HandshakeRequest,
  type HandshakeResult,
  type HandshakeSuccess,
  PERMISSIVE_CIPHERS,
  TLS_VERSIONS,
  type TlsVersion,
  tryHandshake,
} from './handshake.js';
import type { ProbeTarget, StartTlsMode } from './target.js';
import { canOffer, WEAK_CIPHER_SPECS, type WeakCipherGroup } from './weak-ciphers.js';

export interface ProtocolCheck {
  version: TlsVersion;
  accepted: boolean;
  /** The version string the handshake negotiated (`TLSv1`, …), when accepted. */
  protocol: string | null;
  cipher: string | null;
  /** Why it was refused: the TLS alert or error. */
  error: string | null;
}

export interface WeakCipherCheck {
  group: WeakCipherGroup;
  label: string;
  /** false when this Node's OpenSSL cannot offer any suite of the group. */
  tested: boolean;
  accepted: boolean;
  protocol: string | null;
  cipher: string | null;
  error: string | null;
}

export interface EndpointResult {
  /** `host:port`. */
  endpoint: string;
  host: string;
  port: number;
  starttls: StartTlsMode;
  /** The server's first line before STARTTLS (its text is the server's: attacker-controlled). */
  greeting: string | null;
  /** Why nothing could be checked on this endpoint; null when a handshake succeeded. */
  failure: { kind: FailureKind; message: string } | null;
  /** What a client offering everything gets: the server's own choice. */
  negotiated: { protocol: string; cipher: string; cipherStandardName: string } | null;
  protocols: ProtocolCheck[];
  weakCiphers: WeakCipherCheck[];
  /** The chain as served, leaf first. */
  certificates: CertificateFacts[];
}

export interface ProbeOptions {
  /** The mail host name the certificate must be valid for (and the SNI name); default: the target's host name. */
  hostname?: string;
  timeoutMs: number;
  /** The name given in SMTP's EHLO. */
  ehloName: string;
  /** Source address to connect from. */
  localAddress?: string;
  now: Date;
}

/** The name the certificate is checked against: --hostname, else the target when it is a name, not an address. */
export function hostnameToCheck(
  target: ProbeTarget,
  options: Pick<ProbeOptions, 'hostname'>,
): string | undefined {
  if (options.hostname) return options.hostname;
  return isIP(target.host) === 0 ? target.host : undefined;
}

function errorText(result: HandshakeResult): string | null {
  return result.ok ? null : result.message;
}

export async function probeEndpoint(target: ProbeTarget, options: ProbeOptions): Promise<EndpointResult> {
  const name = hostnameToCheck(target, options);
  const servername = name !== undefined && isIP(name) === 0 ? name : undefined;
  const handshake = (req: Pick<HandshakeRequest, 'minVersion' | 'maxVersion' | 'ciphers'>) =>
    tryHandshake({
      target,
      timeoutMs: options.timeoutMs,
      ehloName: options.ehloName,
      ...(servername ? { servername } : {}),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...req,
    });
  const result: EndpointResult = {
    endpoint: target.endpoint,
    host: target.host,
    port: target.port,
    starttls: target.starttls,
    greeting: null,
    failure: null,
    negotiated: null,
    protocols: [],
    weakCiphers: [],
    certificates: [],
  };

  const first = await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.3', ciphers: PERMISSIVE_CIPHERS });
  result.greeting = first.greeting;
  // Refused, silent, or no STARTTLS: every further handshake would end the same way.
  if (!first.ok && first.kind !== 'tls') {
    result.failure = { kind: first.kind, message: first.message };
    return result;
  }

  const successes: HandshakeSuccess[] = first.ok ? [first] : [];
  for (const version of TLS_VERSIONS) {
    const r = await handshake({ minVersion: version, maxVersion: version, ciphers: PERMISSIVE_CIPHERS });
    if (r.ok) successes.push(r);
    result.protocols.push({
      version,
      accepted: r.ok,
      protocol: r.ok ? r.protocol : null,
      cipher: r.ok ? r.cipher : null,
      error: errorText(r),
    });
  }

  for (const spec of WEAK_CIPHER_SPECS) {
    const check: WeakCipherCheck = {
      group: spec.group,
      label: spec.label,
      tested: canOffer(spec),
      accepted: false,
      protocol: null,
      cipher: null,
      error: null,
    };
    if (check.tested) {
      const r = await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: spec.cipherString });
      check.accepted = r.ok;
      check.protocol = r.ok ? r.protocol : null;
      check.cipher = r.ok ? r.cipher : null;
      check.error = errorText(r);
    } else {
      check.error = 'this Node\u2019s OpenSSL has no such suite to offer';
    }
    result.weakCiphers.push(check);
  }

  const withCertificate = successes.find((s) => s.chain.length > 0);
  if (first.ok) {
    result.negotiated = {
      protocol: first.protocol,
      cipher: first.cipher,
      cipherStandardName: first.cipherStandardName,
    };
  }
  if (successes.length === 0 && !first.ok) {
    result.failure = {
      kind: 'tls',
      message: `the TLS handshake failed with every version (${first.message})`,
    };
  }
  if (withCertificate) {
    result.certificates = withCertificate.chain.map((cert, i) =>
      describeCertificate(cert, options.now, i === 0 ? name : undefined),
    );
  }
  return result;
}
