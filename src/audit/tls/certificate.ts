/**
 * What a certificate says and what is wrong with it, for the certificates a
 * server serves (the probe) and the ones its configuration names (the config
 * audit). Subjects, issuers and names are written by whoever made the
 * certificate: they are quoted as data and escaped by the renderers.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Finding, Recommendation } from '../../findings/finding.js';
import { shellQuote } from '../../findings/shell-quote.js';
import { certificateNames, namesCoverHost } from './certificate-names.js';

export interface CertificateFacts {
  subject: string;
  issuer: string;
  /** DNS names and IP addresses of the subjectAltName (CN only when there is no SAN). */
  names: string[];
  validFrom: string;
  validTo: string;
  /** Whole days until validTo, rounded down; negative when expired. */
  daysLeft: number;
  /** Issuer equal to subject, and the signature verifies with the certificate's own key. */
  selfSigned: boolean;
  /** Debian's snakeoil, or a distribution's or container's default certificate. */
  defaultCertificate: boolean;
  keyType: string;
  keyBits: number | null;
  /** Whether `hostname` (when given) is covered by `names`, wildcards per RFC 6125 (one label). null when no hostname was given. */
  coversHost: boolean | null;
  fingerprint256: string;
}

const DAY_MS = 86_400_000;
/** Below this many days left, renewal is overdue (ACME clients renew at 30). */
export const EXPIRY_HIGH_DAYS = 21;
/** Below this many days left (or expired), clients are about to refuse the certificate. */
export const EXPIRY_CRITICAL_DAYS = 7;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** OpenSSL's `Nov 27 06:49:05 2026 GMT` as a Date. */
function parseOpenSslTime(text: string): Date {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(text);
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) {
    const parsed = new Date(text);
    if (Number.isNaN(parsed.getTime())) throw new Error(`unreadable certificate time "${text}"`);
    return parsed;
  }
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  'P-256': 256,
  secp256k1: 256,
  secp384r1: 384,
  'P-384': 384,
  secp521r1: 521,
  'P-521': 521,
};

function keyFacts(cert: X509Certificate): { keyType: string; keyBits: number | null } {
  const key = cert.publicKey;
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  if (details.modulusLength !== undefined) return { keyType: type, keyBits: details.modulusLength };
  if (details.namedCurve !== undefined)
    return { keyType: type, keyBits: CURVE_BITS[details.namedCurve] ?? null };
  if (type === 'ed25519' || type === 'x25519') return { keyType: type, keyBits: 256 };
  if (type === 'ed448' || type === 'x448') return { keyType: type, keyBits: 448 };
  return { keyType: type, keyBits: null };
}

function isSelfSigned(cert: X509Certificate): boolean {
  if (cert.issuer !== cert.subject) return false;
  try {
    return cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

const EXAMPLE_DOMAIN = /(?:^|\.)example\.(?:com|net|org)$/i;

/**
 * Why a certificate looks like nobody chose it: Debian's ssl-cert snakeoil (by path
 * or name), a name that is `localhost` or a bare short host name (a container id,
 * a fresh install's `hostname`), Dovecot's sample certificate, or only the
 * documentation domains. Empty when none applies.
 */
export function defaultCertificateReasons(
  facts: Pick<CertificateFacts, 'subject' | 'issuer' | 'names'>,
  path?: string,
): string[] {
  const reasons: string[] = [];
  if (path !== undefined && /snakeoil/i.test(path)) reasons.push('its file is the snakeoil certificate');
  if (/snakeoil/i.test(facts.subject) || /snakeoil/i.test(facts.issuer))
    reasons.push('its subject or issuer names the snakeoil certificate');
  const dnsNames = facts.names.filter((n) => isIP(n) === 0);
  if (dnsNames.some((n) => /^localhost(?:\.localdomain)?\.?$/i.test(n)))
    reasons.push('it is made out to localhost');
  else if (dnsNames.length > 0 && dnsNames.every((n) => !n.includes('.')))
    reasons.push(
      'its only names are short host names without a domain, as a container\u2019s or fresh install\u2019s default has',
    );
  if (/(?:^|[\n ])O=Dovecot mail server(?:$|[\n,])/.test(facts.subject))
    reasons.push('it is Dovecot\u2019s sample certificate');
  if (dnsNames.length > 0 && dnsNames.every((n) => EXAMPLE_DOMAIN.test(n)))
    reasons.push('its names are documentation example domains');
  return reasons;
}

/** The facts of one certificate at `now`; `hostname` is checked against its names, `path` (where it was read) helps spot defaults. */
export function describeCertificate(
  cert: X509Certificate,
  now: Date,
  hostname?: string,
  path?: string,
): CertificateFacts {
  const validFrom = parseOpenSslTime(cert.validFrom);
  const validTo = parseOpenSslTime(cert.validTo);
  const names = certificateNames(cert.subject, cert.subjectAltName);
  const base = { subject: oneLine(cert.subject), issuer: oneLine(cert.issuer), names };
  let coversHost: boolean | null = null;
  if (hostname !== undefined && hostname !== '') {
    const host = hostname.replace(/\.$/, '');
    coversHost =
      isIP(host) !== 0
        ? cert.checkIP(host) !== undefined
        : cert.checkHost(host, {
            subject: 'default',
            wildcards: true,
            partialWildcards: false,
            multiLabelWildcards: false,
            singleLabelSubdomains: false,
          }) !== undefined;
  }
  return {
    ...base,
    validFrom: validFrom.toISOString(),
    validTo: validTo.toISOString(),
    daysLeft: Math.floor((validTo.getTime() - now.getTime()) / DAY_MS),
    selfSigned: isSelfSigned(cert),
    defaultCertificate: defaultCertificateReasons(base, path).length > 0,
    ...keyFacts(cert),
    coversHost,
    fingerprint256: cert.fingerprint256,
  };
}

/** Node prints one RDN per line; a report wants them on one line. */
function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

/** Reads every certificate of a PEM file (a key + full-chain file holds the key too: skip it). Errors name the file. */
export function readPemCertificates(path: string): X509Certificate[] {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${path}: cannot read the certificate file (${e.code ?? e.message})`);
  }
  const begin = '-----BEGIN CERTIFICATE-----';
  const end = '-----END CERTIFICATE-----';
  const certs: X509Certificate[] = [];
  let from = text.indexOf(begin);
  while (from >= 0) {
    const stop = text.indexOf(end, from);
    if (stop < 0) throw new Error(`${path}: certificate ${certs.length + 1} has no END line`);
    try {
      certs.push(new X509Certificate(text.slice(from, stop + end.length)));
    } catch (err) {
      throw new Error(`${path}: certificate ${certs.length + 1} is not valid (${(err as Error).message})`);
    }
    from = text.indexOf(begin, stop);
  }
  if (certs.length === 0) throw new Error(`${path}: no PEM certificate in the file`);
  return certs;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function metricsOf(leaf: CertificateFacts): Record<string, number | string> {
  return {
    daysLeft: leaf.daysLeft,
    validTo: leaf.validTo,
    issuer: leaf.issuer,
    subject: leaf.subject,
    names: leaf.names.join(', ') || '(none)',
    key: leaf.keyBits === null ? leaf.keyType : `${leaf.keyType} ${leaf.keyBits} bits`,
    fingerprint256: leaf.fingerprint256,
  };
}

function issue(
  leaf: CertificateFacts,
  spec: Pick<Finding, 'id' | 'title' | 'severity' | 'severityRule' | 'description' | 'rootCause'> & {
    recommendation: Recommendation;
  },
): Finding {
  return { ...spec, kind: 'issue', status: 'open', sources: [], evidence: [], metrics: metricsOf(leaf) };
}

const ENDPOINT = /^[^/\s:,]+:\d+$|^\[[0-9A-Fa-f:.]+\]:\d+$/;

/** How to look again: the probe for endpoints (`host:port`, several joined by `, `), openssl for a file. */
function checkCommand(where: string): string {
  const endpoints = where.split(', ');
  return endpoints.every((e) => ENDPOINT.test(e))
    ? `mailwarden probe ${endpoints.map(shellQuote).join(' ')}`
    : `openssl x509 -noout -subject -issuer -enddate -ext subjectAltName -in ${shellQuote(where)}`;
}

const GET_A_CERTIFICATE: Recommendation = {
  summary:
    'Serve a certificate from a public CA (Let\u2019s Encrypt) for the mail host name, with the full chain, and reload the daemons.',
  dockerMailserver: [
    "echo 'SSL_TYPE=letsencrypt' >> mailserver.env   # and mount /etc/letsencrypt into the container",
    'certbot certonly --standalone -d mail.example.org   # on the Docker host; use the mail host name',
    'docker compose up -d --force-recreate mailserver',
  ],
  plainHost: [
    'certbot certonly --standalone -d mail.example.org   # use the mail host name',
    "postconf -e 'smtpd_tls_chain_files = /etc/letsencrypt/live/mail.example.org/privkey.pem, /etc/letsencrypt/live/mail.example.org/fullchain.pem'",
    "printf 'ssl_cert = </etc/letsencrypt/live/mail.example.org/fullchain.pem\\nssl_key = </etc/letsencrypt/live/mail.example.org/privkey.pem\\n' > /etc/dovecot/conf.d/99-certificate.conf",
    'postfix reload && doveadm reload',
  ],
};

/** Findings for the leaf certificate of a chain served at / stored in `where` (e.g. `127.0.0.1:465` or `config/ssl/mail.example.test-full.pem`). */
export function certificateFindings(chain: CertificateFacts[], where: string, hostname?: string): Finding[] {
  const leaf = chain[0];
  if (!leaf) return [];
  const findings: Finding[] = [];

  if (leaf.daysLeft < EXPIRY_HIGH_DAYS) {
    const expired = leaf.daysLeft < 0;
    findings.push(
      issue(leaf, {
        id: 'cert-expiring',
        title: expired
          ? `The certificate at ${where} expired ${plural(-leaf.daysLeft, 'day')} ago`
          : `The certificate at ${where} expires in ${plural(leaf.daysLeft, 'day')}`,
        severity: leaf.daysLeft < EXPIRY_CRITICAL_DAYS ? 'critical' : 'high',
        severityRule: `critical when expired or fewer than ${EXPIRY_CRITICAL_DAYS} days are left, high when fewer than ${EXPIRY_HIGH_DAYS} (ACME clients renew at 30); not reported from ${EXPIRY_HIGH_DAYS} days on. Here: ${plural(leaf.daysLeft, 'day')} left`,
        description: `The certificate at ${where} (subject ${leaf.subject}, issuer ${leaf.issuer}) is valid until ${leaf.validTo}: ${expired ? `it expired ${plural(-leaf.daysLeft, 'day')} ago, and clients that verify certificates refuse it` : `${plural(leaf.daysLeft, 'day')} left`}.`,
        rootCause:
          'Renewal is not running or does not reach the daemons: the ACME client\u2019s timer fails (rate limit, port 80 closed, DNS), or Postfix and Dovecot were not reloaded after renewal and still serve the old file.',
        recommendation: {
          summary: 'Renew now, find out why automatic renewal did not, and reload the daemons.',
          dockerMailserver: [
            'certbot renew   # on the Docker host, where /etc/letsencrypt is mounted from',
            'docker compose restart mailserver',
            checkCommand(where),
          ],
          plainHost: [
            'certbot renew && systemctl list-timers certbot.timer',
            'postfix reload && doveadm reload',
            checkCommand(where),
          ],
        },
      }),
    );
  }

  if (leaf.selfSigned || leaf.defaultCertificate) {
    const reasons = leaf.defaultCertificate ? defaultCertificateReasons(leaf) : [];
    const what =
      leaf.selfSigned && leaf.defaultCertificate
        ? 'a self-signed default certificate'
        : leaf.selfSigned
          ? 'self-signed'
          : 'a default certificate';
    findings.push(
      issue(leaf, {
        id: 'self-signed-or-default-cert',
        title: `The certificate at ${where} is ${what}`,
        severity: 'high',
        severityRule:
          'high: clients cannot verify the server, so they either refuse it or were told to accept any certificate, and then a man in the middle can read passwords and mail',
        description: [
          `The certificate at ${where} (subject ${leaf.subject}, issuer ${leaf.issuer}) is ${what}.`,
          leaf.selfSigned ? 'It is signed with its own key: no certificate authority vouches for it.' : '',
          leaf.defaultCertificate
            ? `It looks like a certificate nobody chose: ${reasons.length > 0 ? reasons.join('; ') : 'its file is a distribution\u2019s snakeoil certificate'}.`
            : '',
        ]
          .filter(Boolean)
          .join(' '),
        rootCause:
          'The daemons still serve the certificate the package or container generated at installation, or one made by hand; no certificate from a public CA was configured for the mail host name.',
        recommendation: GET_A_CERTIFICATE,
      }),
    );
  }

  const coversHost =
    leaf.coversHost ??
    (hostname !== undefined && hostname !== '' ? namesCoverHost(leaf.names, hostname) : null);
  if (coversHost === false && hostname !== undefined) {
    findings.push(
      issue(leaf, {
        id: 'cert-name-mismatch',
        title: `The certificate at ${where} is not valid for ${hostname}`,
        severity: 'high',
        severityRule:
          'high: clients that check the name (mail programs, MTA-STS and DANE senders) refuse the connection or warn their users into accepting any certificate',
        description: `The mail host name ${hostname} is not among the names of the certificate at ${where}: ${leaf.names.length > 0 ? leaf.names.join(', ') : '(no names)'} (a wildcard covers exactly one label).`,
        rootCause:
          'The certificate was issued for other names (often the bare domain or www), or the daemons serve a default certificate instead of the mail host\u2019s.',
        recommendation: {
          ...GET_A_CERTIFICATE,
          summary: `Serve a certificate whose names include ${hostname}, and point clients and the MX record at that name.`,
        },
      }),
    );
  }

  if (findings.length === 0) {
    const nameCheck =
      coversHost === true
        ? `it is valid for ${hostname}`
        : 'its names were not checked against a host name (none was given)';
    findings.push({
      id: 'cert-valid',
      kind: 'positive',
      title: `The certificate at ${where} is valid for ${plural(leaf.daysLeft, 'more day')}`,
      severity: 'info',
      severityRule: 'positive finding',
      status: 'mitigated',
      description: `The certificate at ${where} is issued by ${leaf.issuer} (not self-signed), valid until ${leaf.validTo}, and ${nameCheck}. Names: ${leaf.names.join(', ') || '(none)'}.`,
      sources: [],
      evidence: [],
      rootCause: '',
      recommendation: { summary: 'Keep renewal automatic.', dockerMailserver: [], plainHost: [] },
      metrics: metricsOf(leaf),
    });
  }
  return findings;
}
