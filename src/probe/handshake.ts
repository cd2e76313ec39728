/**
 * One TLS handshake with a live server: connect, STARTTLS when the port needs it,
 * handshake with the given versions and ciphers, record what was negotiated and
 * the certificates, leave. Never throws for anything the network or the server
 * does: every failure comes back as a value with its reason.
 */
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { LineReader, ProtocolError } from './line-reader.js';
import { goodbye, StartTlsRefused, startTls } from './starttls.js';
import type { ProbeTarget } from './target.js';

export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/**
 * OpenSSL 3 refuses, at its default security level 1, the SHA-1 signatures of a
 * TLS 1.0/1.1 key exchange on the client side too, so a probe that must find out
 * whether the server accepts those versions offers everything at level 0.
 */
export const PERMISSIVE_CIPHERS = 'DEFAULT:@SECLEVEL=0';

/**
 * Why a handshake did not happen. refused: nothing listens. timeout: no answer in
 * time. unreachable: no route, name not found, another network error. protocol:
 * the server closed the connection or spoke something else before TLS. greeting:
 * the greeting was a refusal (SMTP 4xx/5xx, IMAP BYE, POP3 -ERR). no-starttls,
 * starttls-refused. tls: the handshake failed (an alert, a reset, no common version
 * or cipher). client-unsupported: this Node's OpenSSL cannot offer what was asked.
 */
export const FAILURE_KINDS = [
  'refused',
  'timeout',
  'unreachable',
  'protocol',
  'greeting',
  'no-starttls',
  'starttls-refused',
  'tls',
  'client-unsupported',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface HandshakeRequest {
  target: ProbeTarget;
  /** SNI: a host name, never an address (RFC 6066). */
  servername?: string;
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  ciphers: string;
  timeoutMs: number;
  ehloName: string;
  /** Source address to connect from. */
  localAddress?: string;
}

export interface HandshakeSuccess {
  ok: true;
  protocol: string;
  cipher: string;
  cipherStandardName: string;
  /** Leaf first, as the server sent it. */
  chain: X509Certificate[];
  greeting: string | null;
}

export interface HandshakeFailure {
  ok: false;
  kind: FailureKind;
  message: string;
  greeting: string | null;
}

export type HandshakeResult = HandshakeSuccess | HandshakeFailure;

const MAX_CHAIN = 10;
/** Longest greeting kept for the report. */
const GREETING_LIMIT = 512;
/** How long a polite goodbye may take before the socket is closed anyway. */
const GOODBYE_MS = 1000;

class Timeout extends Error {}

const TLS_STAGE = 'waiting for the TLS handshake';

const NETWORK_FAILURES: Record<string, FailureKind> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
};

/** OpenSSL's reason (`tlsv1 alert protocol version`) without its file and line, or Node's message. */
export function tlsReason(err: Error & { reason?: string; code?: string }): string {
  if (typeof err.reason === 'string' && err.reason !== '') return err.reason;
  if (err.code === 'ECONNRESET' || /socket disconnected before secure TLS/.test(err.message))
    return 'the server closed the connection during the handshake';
  const m = /SSL routines:[^:]*:([^:]+)/.exec(err.message);
  return m ? m[1]! : err.message;
}

function peerChain(socket: tls.TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let cert = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  while (cert?.raw && chain.length < MAX_CHAIN && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}

function waitFor(socket: net.Socket, event: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = () => {
      socket.off('error', fail);
      socket.off('close', closed);
      resolve();
    };
    const fail = (err: Error) => {
      socket.off(event, ok);
      socket.off('close', closed);
      reject(err);
    };
    const closed = () => fail(new ProtocolError('the server closed the connection'));
    socket.once(event, ok);
    socket.once('error', fail);
    socket.once('close', closed);
  });
}

function leave(socket: net.Socket, farewell: string | undefined): void {
  socket.on('error', () => {});
  const timer = setTimeout(() => socket.destroy(), GOODBYE_MS);
  socket.once('close', () => clearTimeout(timer));
  if (farewell) socket.end(farewell);
  else socket.end();
}

/** One handshake; resolves with what was negotiated or why it failed. */
export async function tryHandshake(req: HandshakeRequest): Promise<HandshakeResult> {
  const { target } = req;
  let greeting: string | null = null;
  let stage = 'connecting';
  const sockets: net.Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), req.timeoutMs);
  });
  const failure = (kind: FailureKind, message: string): HandshakeFailure => ({
    ok: false,
    kind,
    message,
    greeting,
  });

  const attempt = async (): Promise<HandshakeSuccess> => {
    const plain = net.connect({
      host: target.host,
      port: target.port,
      ...(req.localAddress ? { localAddress: req.localAddress } : {}),
    });
    sockets.push(plain);
    await waitFor(plain, 'connect');
    if (target.starttls !== 'none') {
      stage = 'waiting for the greeting and the STARTTLS exchange';
      const reader = new LineReader(plain);
      await startTls(target.starttls, reader, req.ehloName, (line) => {
        greeting = line.length > GREETING_LIMIT ? `${line.slice(0, GREETING_LIMIT)}…` : line;
      });
      reader.detach();
    }
    stage = TLS_STAGE;
    const secure = tls.connect({
      socket: plain,
      ...(req.servername ? { servername: req.servername } : {}),
      minVersion: req.minVersion,
      maxVersion: req.maxVersion,
      ciphers: req.ciphers,
      rejectUnauthorized: false,
    });
    sockets.push(secure);
    await waitFor(secure, 'secureConnect');
    const cipher = secure.getCipher();
    const result: HandshakeSuccess = {
      ok: true,
      protocol: secure.getProtocol() ?? 'unknown',
      cipher: cipher.name,
      cipherStandardName: cipher.standardName,
      chain: peerChain(secure),
      greeting,
    };
    leave(secure, goodbye(target.starttls, target.port));
    return result;
  };

  try {
    return await Promise.race([attempt(), timeout]);
  } catch (err) {
    for (const s of sockets) {
      s.on('error', () => {});
      s.destroy();
    }
    if (err instanceof Timeout)
      return failure('timeout', `no answer within ${req.timeoutMs / 1000} s (${stage})`);
    if (err instanceof StartTlsRefused) return failure(err.kind, err.message);
    const e = err as Error & { code?: string; reason?: string };
    if (stage === 'connecting') {
      const kind =
        NETWORK_FAILURES[e.code ?? ''] ?? (err instanceof ProtocolError ? 'protocol' : 'unreachable');
      return failure(kind, kind === 'refused' ? 'connection refused' : `${e.code ?? ''} ${e.message}`.trim());
    }
    if (stage === TLS_STAGE) {
      // tls.connect throws before any byte is sent when this OpenSSL has none of the ciphers or versions asked for.
      if (sockets.length < 2) return failure('client-unsupported', tlsReason(e));
      if (err instanceof ProtocolError)
        return failure('tls', 'the server closed the connection during the handshake');
      return failure('tls', tlsReason(e));
    }
    return failure('protocol', `${e.message} (${stage})`);
  } finally {
    clearTimeout(timer);
  }
}
