/**
 * Findings from what the probe saw on each endpoint, in the shape of the audit's.
 * One finding per id, naming every endpoint it concerns.
 */
import { certificateFindings } from '../audit/tls/certificate.js';
import {
  type Evidence,
  type Finding,
  type Recommendation,
  type Severity,
  severityRank,
} from '../findings/finding.js';
import type { FailureKind } from './handshake.js';
import { type EndpointResult, hostnameToCheck } from './probe-endpoint.js';
import type { StartTlsMode } from './target.js';
import { WEAK_CIPHER_SPECS } from './weak-ciphers.js';

const LEGACY_VERSIONS = new Set(['TLSv1', 'TLSv1.1']);
const VERSION_LABEL: Record<string, string> = {
  TLSv1: 'TLS 1.0',
  'TLSv1.1': 'TLS 1.1',
  'TLSv1.2': 'TLS 1.2',
  'TLSv1.3': 'TLS 1.3',
};

function list(items: readonly string[]): string {
  return items.map((i) => `- ${i}`).join('\n');
}

function names(endpoints: readonly EndpointResult[]): string {
  return endpoints.map((e) => e.endpoint).join(', ');
}

function issue(spec: Omit<Finding, 'kind' | 'status' | 'sources' | 'evidenceFrom'>): Finding {
  return { ...spec, kind: 'issue', status: 'open', sources: [], evidenceFrom: 'probe' };
}

function positive(spec: Pick<Finding, 'id' | 'title' | 'description' | 'evidence' | 'metrics'>): Finding {
  return {
    ...spec,
    kind: 'positive',
    severity: 'info',
    severityRule: 'positive finding',
    status: 'mitigated',
    sources: [],
    evidenceFrom: 'probe',
    rootCause: '',
    recommendation: { summary: 'Keep it so.', dockerMailserver: [], plainHost: [] },
  };
}

const FAILURE_CAUSES: Record<FailureKind, string> = {
  refused:
    'connection refused: the service is not running or does not listen on that address, or a firewall rejects',
  timeout: 'no answer: a firewall drops the packets, or the service accepts and then hangs',
  unreachable: 'the host could not be reached or its name not resolved',
  protocol: 'the server closed the connection or answered something that is not the expected protocol',
  greeting:
    'the server refused the session in its greeting (too many connections, a block list, or the wrong service)',
  'no-starttls': 'the service does not offer STARTTLS: TLS is not configured for it',
  'starttls-refused':
    'the server offered STARTTLS but refused it (often a missing or unreadable certificate)',
  tls: 'no TLS version and cipher in common, or the server aborts the handshake (often a missing or unreadable certificate or key)',
  'client-unsupported': 'this OpenSSL cannot offer what the probe needs',
};

function connectionFailed(failed: readonly EndpointResult[]): Finding {
  const kinds = [...new Set(failed.map((e) => e.failure!.kind))];
  return issue({
    id: 'probe-connection-failed',
    title: `${failed.length === 1 ? 'An endpoint' : `${failed.length} endpoints`} could not be probed: ${names(failed)}`,
    severity: 'high',
    severityRule:
      'high: nothing about TLS on the endpoint could be checked, and clients fail the same way (a closed port that is meant to be closed needs no probe)',
    description: list(failed.map((e) => `${e.endpoint} (${modeLabel(e.starttls)}): ${e.failure!.message}`)),
    evidence: failed.map((e) => ({ line: `${e.failure!.kind}: ${e.failure!.message}`, source: e.endpoint })),
    rootCause: list(kinds.map((k) => FAILURE_CAUSES[k])),
    recommendation: {
      summary:
        'Check that the service runs, listens on the public address and is not filtered, and that TLS is configured for it; then probe again.',
      dockerMailserver: [
        'docker compose ps mailserver   # the ports 25, 465, 587, 143, 993, 110, 995 published?',
        'docker exec mailserver ss -ltnp',
        'docker logs --tail 100 mailserver',
      ],
      plainHost: [
        'ss -ltnp | grep -E ":(25|465|587|143|993|110|995) "',
        'systemctl status postfix dovecot',
        'postconf smtpd_tls_security_level smtpd_tls_chain_files smtpd_tls_cert_file; doveconf ssl ssl_cert',
      ],
    },
    metrics: {
      endpoints: failed.length,
      ...Object.fromEntries(failed.map((e) => [e.endpoint, e.failure!.kind])),
    },
  });
}

function modeLabel(mode: StartTlsMode): string {
  return mode === 'none' ? 'implicit TLS' : `STARTTLS ${mode.toUpperCase()}`;
}

function accepted(e: EndpointResult): string[] {
  return e.protocols.filter((p) => p.accepted).map((p) => p.version);
}

const MODERN_PROTOCOLS: Recommendation = {
  summary:
    'Accept TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and 1.1; every mail client and MTA of the last ten years speaks 1.2), then probe again.',
  dockerMailserver: [
    "echo 'TLS_LEVEL=modern' >> mailserver.env",
    "printf 'smtpd_tls_protocols = >=TLSv1.2\\nsmtpd_tls_mandatory_protocols = >=TLSv1.2\\n' >> docker-data/dms/config/postfix-main.cf",
    "echo 'ssl_min_protocol = TLSv1.2' >> docker-data/dms/config/dovecot.cf",
    'docker compose up -d --force-recreate mailserver',
  ],
  plainHost: [
    "postconf -e 'smtpd_tls_protocols = >=TLSv1.2' 'smtpd_tls_mandatory_protocols = >=TLSv1.2'",
    "echo 'ssl_min_protocol = TLSv1.2' > /etc/dovecot/conf.d/99-tls-protocols.conf",
    'postfix reload && doveadm reload',
  ],
};

function weakProtocols(endpoints: readonly EndpointResult[]): Finding | undefined {
  const legacy = endpoints.filter((e) => accepted(e).some((v) => LEGACY_VERSIONS.has(v)));
  if (legacy.length === 0) return undefined;
  const evidence: Evidence[] = legacy.flatMap((e) =>
    e.protocols
      .filter((p) => p.accepted && LEGACY_VERSIONS.has(p.version))
      .map((p) => ({
        line: `${p.version} accepted: negotiated ${p.protocol} with ${p.cipher}`,
        source: e.endpoint,
      })),
  );
  return issue({
    id: 'weak-tls-protocols',
    title: `TLS 1.0 or 1.1 is accepted on ${names(legacy)}`,
    severity: 'high',
    severityRule:
      'high: a handshake with TLS 1.0 or 1.1 (deprecated by RFC 8996: CBC padding oracles, SHA-1 and MD5 in the handshake) really succeeded',
    description: list(
      legacy.map(
        (e) =>
          `${e.endpoint} (${modeLabel(e.starttls)}) accepts ${accepted(e)
            .map((v) => VERSION_LABEL[v] ?? v)
            .join(', ')}`,
      ),
    ),
    evidence,
    rootCause:
      'Postfix\u2019s default protocol setting (>=TLSv1 since 3.6) still accepts TLS 1.0 and 1.1, and OpenSSL 3 only refuses them from security level 2 or with a MinProtocol setting; Dovecot accepts them when ssl_min_protocol is lowered (older guides do so for old phones and Outlook versions).',
    recommendation: MODERN_PROTOCOLS,
    metrics: { endpoints: legacy.length, handshakes: evidence.length },
  });
}

function modernProtocols(endpoints: readonly EndpointResult[]): Finding | undefined {
  const modern = endpoints.filter((e) => {
    const versions = accepted(e);
    return versions.length > 0 && versions.every((v) => !LEGACY_VERSIONS.has(v));
  });
  if (modern.length === 0) return undefined;
  return positive({
    id: 'tls-protocols-modern',
    title: `Only TLS 1.2 and later is accepted on ${names(modern)}`,
    description: list(
      modern.map(
        (e) =>
          `${e.endpoint} (${modeLabel(e.starttls)}) accepts ${accepted(e)
            .map((v) => VERSION_LABEL[v] ?? v)
            .join(
              ' and ',
            )}; TLS 1.0 and 1.1 handshakes are refused${accepted(e).includes('TLSv1.3') ? '' : ' (TLS 1.3 is not offered)'}`,
      ),
    ),
    evidence: modern.flatMap((e) =>
      e.protocols.map((p) => ({
        line: p.accepted ? `${p.version} accepted: ${p.cipher}` : `${p.version} refused: ${p.error}`,
        source: e.endpoint,
      })),
    ),
    metrics: { endpoints: modern.length },
  });
}

function weakCiphers(endpoints: readonly EndpointResult[]): Finding | undefined {
  const hits = endpoints.flatMap((e) => e.weakCiphers.filter((w) => w.accepted).map((w) => ({ e, w })));
  if (hits.length === 0) return undefined;
  const specs = WEAK_CIPHER_SPECS.filter((s) => hits.some((h) => h.w.group === s.group));
  const severity = specs.reduce<Severity>(
    (worst, s) => (severityRank(s.severity) > severityRank(worst) ? s.severity : worst),
    'info',
  );
  const affected = endpoints.filter((e) => hits.some((h) => h.e === e));
  const untested = WEAK_CIPHER_SPECS.filter((s) =>
    endpoints.some((e) => e.weakCiphers.some((w) => w.group === s.group && !w.tested)),
  );
  return issue({
    id: 'weak-tls-ciphers',
    title: `Weak cipher suites (${specs.map((s) => s.label).join(', ')}) are accepted on ${names(affected)}`,
    severity,
    severityRule:
      'high for NULL, EXPORT, RC4 or single-DES suites (RFC 9325 and RFC 7465: must not be negotiated); medium for 3DES (SWEET32); low when only anonymous suites are accepted (only clients that verify nothing offer them)',
    description: [
      list(
        affected.map(
          (e) =>
            `${e.endpoint} (${modeLabel(e.starttls)}) accepts ${e.weakCiphers
              .filter((w) => w.accepted)
              .map((w) => `${w.label}: ${w.cipher}`)
              .join('; ')}`,
        ),
      ),
      '',
      ...specs.map((s) => `${s.label}: ${s.why}.`),
      ...(untested.length > 0
        ? [
            '',
            `Not tested, since this OpenSSL cannot offer them: ${untested.map((s) => s.label).join(', ')}.`,
          ]
        : []),
    ].join('\n'),
    evidence: hits.map(({ e, w }) => ({
      line: `${w.label} accepted: ${w.cipher} (${w.protocol})`,
      source: e.endpoint,
    })),
    rootCause:
      'The cipher lists still include old suites: Postfix\u2019s default grade (medium) keeps anonymous suites for opportunistic TLS, and hand-written lists or @SECLEVEL=0 (set for old clients) bring back the broken ones.',
    recommendation: {
      summary:
        'Exclude the weak suites. On port 25 anonymous suites may stay (senders that verify nothing gain nothing from a certificate); on the ports where users log in, exclude them too.',
      dockerMailserver: [
        "echo 'TLS_LEVEL=modern' >> mailserver.env",
        "echo 'smtpd_tls_exclude_ciphers = eNULL, EXPORT, DES, 3DES, RC4, MD5' >> docker-data/dms/config/postfix-main.cf",
        "echo 'submission/inet/smtpd_tls_exclude_ciphers=aNULL, eNULL, EXPORT, DES, 3DES, RC4, MD5' >> docker-data/dms/config/postfix-master.cf",
        "echo 'submissions/inet/smtpd_tls_exclude_ciphers=aNULL, eNULL, EXPORT, DES, 3DES, RC4, MD5' >> docker-data/dms/config/postfix-master.cf",
        'docker compose up -d --force-recreate mailserver',
      ],
      plainHost: [
        "postconf -e 'smtpd_tls_exclude_ciphers = eNULL, EXPORT, DES, 3DES, RC4, MD5'",
        "postconf -P 'submission/inet/smtpd_tls_exclude_ciphers=aNULL, eNULL, EXPORT, DES, 3DES, RC4, MD5' 'submissions/inet/smtpd_tls_exclude_ciphers=aNULL, eNULL, EXPORT, DES, 3DES, RC4, MD5'",
        'doveconf -n | grep ssl_cipher_list   # remove any override: Dovecot\u2019s default excludes all of these',
        'postfix reload && doveadm reload',
      ],
    },
    metrics: {
      endpoints: affected.length,
      ...Object.fromEntries(specs.map((s) => [s.group, hits.filter((h) => h.w.group === s.group).length])),
    },
  });
}

/** Certificate findings per distinct leaf (and name checked), then one finding per id over all of them. */
function certificates(endpoints: readonly EndpointResult[], hostname: string | undefined): Finding[] {
  const groups = new Map<string, { endpoints: EndpointResult[]; name: string | undefined }>();
  for (const e of endpoints) {
    const leaf = e.certificates[0];
    if (!leaf) continue;
    const name = hostnameToCheck(e, { hostname });
    const key = `${leaf.fingerprint256} ${name ?? ''}`;
    const group = groups.get(key) ?? { endpoints: [], name };
    group.endpoints.push(e);
    groups.set(key, group);
  }
  const byId = new Map<string, Finding[]>();
  for (const group of groups.values()) {
    const first = group.endpoints[0]!;
    const leaf = first.certificates[0]!;
    for (const f of certificateFindings(first.certificates, names(group.endpoints), group.name)) {
      f.evidenceFrom = 'probe';
      f.evidence = group.endpoints.map((e) => ({
        line: `subject ${leaf.subject}; issuer ${leaf.issuer}; valid until ${leaf.validTo}; names ${leaf.names.join(', ') || '(none)'}`,
        source: e.endpoint,
      }));
      byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
    }
  }
  return [...byId.values()].map(merge);
}

/** Several certificates with the same finding: the worst one leads, the others' descriptions follow. */
function merge(findings: Finding[]): Finding {
  if (findings.length === 1) return findings[0]!;
  const sorted = [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      Number(a.metrics.daysLeft ?? 0) - Number(b.metrics.daysLeft ?? 0),
  );
  const lead = sorted[0]!;
  return {
    ...lead,
    title: `${lead.title} (and ${sorted.length - 1} more certificate${sorted.length === 2 ? '' : 's'})`,
    description: sorted.map((f) => f.description).join('\n\n'),
    evidence: sorted.flatMap((f) => f.evidence),
    metrics: { ...lead.metrics, certificates: sorted.length },
  };
}

/** Issues first, worst first; then the positive findings. */
export function probeFindings(endpoints: readonly EndpointResult[], hostname?: string): Finding[] {
  const failed = endpoints.filter((e) => e.failure !== null);
  const findings = [
    ...(failed.length > 0 ? [connectionFailed(failed)] : []),
    weakProtocols(endpoints),
    weakCiphers(endpoints),
    ...certificates(endpoints, hostname),
    modernProtocols(endpoints),
  ].filter((f): f is Finding => f !== undefined);
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        Number(a.f.kind === 'positive') - Number(b.f.kind === 'positive') ||
        severityRank(b.f.severity) - severityRank(a.f.severity) ||
        a.i - b.i,
    )
    .map(({ f }) => f);
}
