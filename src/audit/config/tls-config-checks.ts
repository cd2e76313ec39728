import { dovecotSetting } from '../../config/dovecot/dovecot-conf.js';
import type { MasterService } from '../../config/postfix/master-cf.js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Evidence, Finding } from '../../findings/finding.js';
import { configIssue, configPositive, settingEvidence } from './config-finding.js';
import { envEvidence, envValue, postfixEvidence, setEnvCommand } from './env-helpers.js';

const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

/**
 * The lowest TLS version a Postfix protocol setting permits: `>=TLSv1.2`,
 * an exclusion list (`!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`) or an inclusion list.
 */
export function postfixMinProtocol(value: string): string {
  const items = value.split(/[\s,:]+/).filter(Boolean);
  const min = items.find((i) => i.startsWith('>='));
  if (min) return min.slice(2);
  const included = items.filter((i) => !i.startsWith('!') && !i.startsWith('<='));
  if (included.length > 0) return VERSIONS.find((v) => included.includes(v)) ?? 'TLSv1.3';
  const excluded = new Set(items.filter((i) => i.startsWith('!')).map((i) => i.slice(1)));
  return VERSIONS.find((v) => !excluded.has(v)) ?? 'TLSv1.3';
}

function belowTls12(version: string): boolean {
  return version === 'TLSv1' || version === 'TLSv1.1' || /^SSL/.test(version);
}

/**
 * Cipher-list words that add broken suites. Words prefixed with `!` or `-` remove
 * suites and `+` only moves them to the end (Postfix's own lists say `+RC4`), so
 * only bare words count.
 */
const WEAK_CIPHER_WORD = /^(RC4|3DES|DES|DES-CBC3-SHA|EXPORT|EXP|NULL|eNULL|MD5|LOW|aNULL)$/;

export function weakCipherWords(list: string): string[] {
  const words = list.split(/[\s:,]+/).filter(Boolean);
  const weak = words.filter((w) => WEAK_CIPHER_WORD.test(w) && !(w === 'aNULL' && words.includes('-aNULL')));
  if (words.some((w) => /^@SECLEVEL=0$/i.test(w))) weak.push('@SECLEVEL=0');
  return weak;
}

interface ServiceTls {
  where: string;
  minProtocol: string;
  protocolEvidence: Evidence[];
  cipherList: string;
  cipherEvidence: Evidence[];
  grade: string;
}

function postfixServiceTls(config: ServerConfig, service: MasterService | undefined): ServiceTls {
  const pf = config.postfix!;
  const mandatory =
    pf.value('smtpd_tls_security_level', service) === 'encrypt' ||
    pf.value('smtpd_tls_wrappermode', service) === 'yes';
  const protoParam = mandatory ? 'smtpd_tls_mandatory_protocols' : 'smtpd_tls_protocols';
  const gradeParam = mandatory ? 'smtpd_tls_mandatory_ciphers' : 'smtpd_tls_ciphers';
  const grade = pf.value(gradeParam, service) || 'medium';
  const listParam = `tls_${grade}_cipherlist`;
  return {
    where: service ? `Postfix ${service.name}/${service.type}` : 'Postfix smtpd',
    minProtocol: postfixMinProtocol(pf.value(protoParam, service)),
    protocolEvidence: postfixEvidence(config, protoParam, service),
    cipherList: pf.value(listParam, service),
    cipherEvidence: [
      ...postfixEvidence(config, gradeParam, service),
      ...postfixEvidence(config, listParam, service),
    ],
    grade,
  };
}

function dovecotTls(config: ServerConfig): ServiceTls | null {
  const d = config.dovecot;
  if (!d || dovecotSetting(d, 'ssl')?.value === 'no') return null;
  const min = dovecotSetting(d, 'ssl_min_protocol');
  const ciphers = dovecotSetting(d, 'ssl_cipher_list');
  return {
    where: 'Dovecot',
    minProtocol: min?.value ?? 'TLSv1.2',
    protocolEvidence: min ? [settingEvidence('ssl_min_protocol', min.value, min.source)] : [],
    cipherList: ciphers?.value ?? '',
    cipherEvidence: ciphers ? [settingEvidence('ssl_cipher_list', ciphers.value, ciphers.source)] : [],
    grade: '',
  };
}

function tlsEndpoints(config: ServerConfig): ServiceTls[] {
  const out: ServiceTls[] = [];
  if (config.postfix) {
    const smtpds = config.postfix.services.filter((s) => s.command === 'smtpd' && s.type === 'inet');
    if (smtpds.length === 0) out.push(postfixServiceTls(config, undefined));
    for (const s of smtpds) out.push(postfixServiceTls(config, s));
    // postscreen hands TLS to tlsproxy, which reads the smtpd_tls_* settings of main.cf.
    if (config.postfix.services.some((s) => s.command === 'postscreen'))
      out.push(postfixServiceTls(config, undefined));
  }
  const dovecot = dovecotTls(config);
  if (dovecot) out.push(dovecot);
  const seen = new Set<string>();
  return out.filter((e) => !seen.has(e.where) && seen.add(e.where));
}

export function tlsConfigChecks(config: ServerConfig): Finding[] {
  const endpoints = tlsEndpoints(config);
  if (endpoints.length === 0) return [];
  const findings: Finding[] = [];
  const legacy = endpoints.filter((e) => belowTls12(e.minProtocol));
  if (legacy.length > 0) {
    const reallyAccepted = legacy.filter((e) => weakCipherWords(e.cipherList).includes('@SECLEVEL=0'));
    findings.push(
      configIssue({
        id: 'weak-tls-protocols',
        title: `TLS below 1.2 is allowed on ${legacy.map((e) => e.where).join(', ')}`,
        severity: reallyAccepted.length > 0 ? 'high' : 'medium',
        severityRule:
          'high when the cipher list also lowers OpenSSL to @SECLEVEL=0, so TLS 1.0/1.1 handshakes really succeed; medium when only OpenSSL 3\u2019s default security level refuses them (an OpenSSL or cipher-list change exposes them)',
        description: legacy
          .map(
            (e) =>
              `${e.where} permits ${e.minProtocol} and later${reallyAccepted.includes(e) ? ' and its cipher list sets @SECLEVEL=0: TLS 1.0 handshakes succeed' : ''}.`,
          )
          .join(' '),
        rootCause:
          "Postfix's default protocol setting is >=TLSv1; older guides set ssl_min_protocol = TLSv1 for old clients.",
        recommendation: {
          summary: 'Accept TLS 1.2 and 1.3 only; verify with mailwarden probe.',
          dockerMailserver: [
            'postfix-main.cf: smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2',
            'dovecot.cf: ssl_min_protocol = TLSv1.2',
          ],
          plainHost: [
            'postconf -e "smtpd_tls_protocols = >=TLSv1.2" "smtpd_tls_mandatory_protocols = >=TLSv1.2"',
            'Dovecot: ssl_min_protocol = TLSv1.2',
            'postfix reload; doveadm reload',
          ],
        },
        evidence: legacy.flatMap((e) => e.protocolEvidence),
        metrics: { endpoints: legacy.length, accepted: reallyAccepted.length },
      }),
    );
  }
  const weak = endpoints
    .map((e) => ({
      e,
      words: [
        ...weakCipherWords(e.cipherList),
        ...(['export', 'low', 'null'].includes(e.grade) ? [`grade ${e.grade}`] : []),
      ],
    }))
    .filter((x) => x.words.length > 0);
  if (weak.length > 0)
    findings.push(
      configIssue({
        id: 'weak-tls-ciphers',
        title: `Broken cipher suites are enabled on ${weak.map((x) => x.e.where).join(', ')}`,
        severity: weak.some((x) => x.words.some((w) => /NULL|EXP|export|null|@SECLEVEL=0/.test(w)))
          ? 'high'
          : 'medium',
        severityRule:
          'high for NULL/EXPORT suites or @SECLEVEL=0 (no or trivially broken encryption); medium for RC4, 3DES, DES, MD5, LOW',
        description: weak.map((x) => `${x.e.where}: ${x.words.join(', ')}.`).join(' '),
        rootCause: 'A cipher list (or cipher grade) written for compatibility with very old clients.',
        recommendation: {
          summary:
            'Use the default cipher lists (Postfix grade medium or high, Dovecot\u2019s default ssl_cipher_list).',
          dockerMailserver: [
            'remove the cipher overrides from postfix-main.cf / dovecot.cf and restart the container',
          ],
          plainHost: [
            'postconf -X tls_high_cipherlist tls_medium_cipherlist; postconf -e smtpd_tls_ciphers=medium',
            'remove ssl_cipher_list from Dovecot',
            'postfix reload; doveadm reload',
          ],
        },
        evidence: weak.flatMap((x) => x.e.cipherEvidence),
      }),
    );
  if (legacy.length === 0 && weak.length === 0)
    findings.push(
      configPositive(
        'tls-config-modern',
        'Only TLS 1.2 and later is configured',
        `${endpoints.map((e) => `${e.where}: ${e.minProtocol}+`).join('; ')}.`,
        endpoints.flatMap((e) => e.protocolEvidence),
      ),
    );
  findings.push(...plaintextAuthChecks(config));
  return findings;
}

function plaintextAuthChecks(config: ServerConfig): Finding[] {
  const where: string[] = [];
  const evidence: Evidence[] = [];
  if (config.kind === 'docker-mailserver' && envValue(config, 'SSL_TYPE') === '') {
    where.push('docker-mailserver without SSL_TYPE (Postfix and Dovecot accept passwords without TLS)');
    evidence.push(...envEvidence(config, 'SSL_TYPE'));
  }
  const pf = config.postfix;
  if (pf && config.kind !== 'docker-mailserver') {
    for (const s of pf.services.filter((x) => x.command === 'smtpd' && x.type === 'inet')) {
      if (pf.value('smtpd_sasl_auth_enable', s) !== 'yes') continue;
      if (
        pf.value('smtpd_tls_wrappermode', s) === 'yes' ||
        pf.value('smtpd_tls_security_level', s) === 'encrypt'
      )
        continue;
      if (pf.value('smtpd_tls_auth_only', s) === 'yes') continue;
      where.push(`Postfix ${s.name}/${s.type} offers AUTH before STARTTLS`);
      evidence.push(...postfixEvidence(config, 'smtpd_tls_auth_only', s));
    }
  }
  const d = config.dovecot;
  if (d) {
    const v23 = dovecotSetting(d, 'disable_plaintext_auth');
    const v24 = dovecotSetting(d, 'auth_allow_cleartext');
    if (v23?.value === 'no') {
      where.push('Dovecot disable_plaintext_auth = no');
      evidence.push(settingEvidence('disable_plaintext_auth', v23.value, v23.source));
    }
    if (v24?.value === 'yes') {
      where.push('Dovecot auth_allow_cleartext = yes');
      evidence.push(settingEvidence('auth_allow_cleartext', v24.value, v24.source));
    }
    if (dovecotSetting(d, 'ssl')?.value === 'no') where.push('Dovecot ssl = no');
  }
  if (where.length === 0) return [];
  return [
    configIssue({
      id: 'plaintext-auth-allowed',
      title: 'Passwords may be sent without encryption',
      severity: 'high',
      severityRule: 'high: passwords cross the network readable by anyone on the path',
      description: `${where.join('; ')}.`,
      rootCause: 'Authentication is allowed on connections that have not started TLS.',
      recommendation: {
        summary: 'Allow authentication only over TLS.',
        dockerMailserver: [
          setEnvCommand(config, 'SSL_TYPE', 'letsencrypt'),
          '# mount /etc/letsencrypt (or use SSL_TYPE=manual with your files), then:',
          'docker compose up -d',
        ],
        plainHost: [
          'postconf -e smtpd_tls_auth_only=yes',
          'Dovecot 2.3: disable_plaintext_auth = yes; 2.4: auth_allow_cleartext = no',
          'postfix reload; doveadm reload',
        ],
      },
      evidence,
    }),
  ];
}
