import { postfixList } from '../../config/postfix/main-cf.js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Finding } from '../../findings/finding.js';
import { configIssue, configPositive, settingEvidence } from './config-finding.js';
import { envEvidence, envValue, postfixEvidence, setEnvCommand } from './env-helpers.js';

export function fail2banEnabledCheck(config: ServerConfig): Finding[] {
  if (config.kind === 'mailcow') return [];
  const f = config.fail2ban;
  if (f?.enabled)
    return [
      configPositive(
        'fail2ban-enabled',
        'fail2ban is enabled',
        `Jails switched on: ${f.enabledJails.join(', ')}.`,
      ),
    ];
  const dms = config.kind === 'docker-mailserver';
  return [
    configIssue({
      id: 'fail2ban-disabled',
      title: 'fail2ban is not enabled',
      severity: 'high',
      severityRule: 'high: password guessing and protocol abuse are never banned, only logged',
      description: dms
        ? 'ENABLE_FAIL2BAN is not 1: the container starts no fail2ban, so brute-force sources are never banned.'
        : f === null
          ? 'No fail2ban configuration was found: nothing bans brute-force sources.'
          : 'fail2ban is configured but no jail is enabled.',
      rootCause: dms
        ? "docker-mailserver's default is ENABLE_FAIL2BAN=0."
        : 'fail2ban is not installed or has no enabled jail.',
      recommendation: {
        summary:
          'Enable fail2ban with the postfix and dovecot jails (and give the container NET_ADMIN so bans are enforced).',
        dockerMailserver: [
          setEnvCommand(config, 'ENABLE_FAIL2BAN', '1'),
          '# compose.yaml: cap_add: [NET_ADMIN], so that bans are enforced',
          'docker compose up -d',
        ],
        plainHost: [
          'apt-get install fail2ban',
          'printf "[postfix]\\nenabled = true\\nmode = aggressive\\n[dovecot]\\nenabled = true\\n" > /etc/fail2ban/jail.d/mail.local',
          'systemctl restart fail2ban',
        ],
      },
      evidence: envEvidence(config, 'ENABLE_FAIL2BAN'),
    }),
  ];
}

export function postscreenCheck(config: ServerConfig): Finding[] {
  const pf = config.postfix;
  if (!pf || pf.services.length === 0) return [];
  const screening = pf.services.find((s) => s.type === 'inet' && s.command === 'postscreen');
  if (screening)
    return [
      configPositive(
        'postscreen-enabled',
        'postscreen screens incoming SMTP',
        `${screening.name}/${screening.type} is served by postscreen in front of smtpd.`,
        screening.source.line === 0
          ? []
          : [
              settingEvidence(
                `${screening.name} ${screening.type} ... ${screening.command}`,
                '',
                screening.source,
              ),
            ],
      ),
    ];
  const smtp = pf.services.find((s) => s.type === 'inet' && (s.name === 'smtp' || /(^|:)25$/.test(s.name)));
  if (!smtp) return [];
  return [
    configIssue({
      id: 'postscreen-disabled',
      title: 'Port 25 is served by smtpd without postscreen',
      severity: 'medium',
      severityRule:
        'medium: bots that pregreet, pipeline or speak other protocols reach smtpd and its resources',
      description: `master.cf runs "${smtp.command}" on ${smtp.name}/${smtp.type}: no postscreen tests (pregreet, bare newline, pipelining, DNSBL) screen clients before smtpd.`,
      rootCause: 'The stock master.cf runs smtpd directly on port 25.',
      recommendation: {
        summary: 'Put postscreen in front of smtpd on port 25.',
        dockerMailserver: [],
        plainHost: [
          'master.cf: smtp inet n - y - 1 postscreen; smtpd pass - - y - - smtpd; dnsblog unix - - y - 0 dnsblog; tlsproxy unix - - y - 0 tlsproxy',
          'postconf -e postscreen_greet_action=enforce postscreen_bare_newline_enable=yes postscreen_bare_newline_action=enforce',
          'postfix reload',
        ],
      },
      evidence: [settingEvidence(`${smtp.name} ${smtp.type} ... ${smtp.command}`, '', smtp.source)],
    }),
  ];
}

export function dmarcMilterCheck(config: ServerConfig): Finding[] {
  const pf = config.postfix;
  if (!pf || config.kind === 'mailcow') return [];
  if (config.kind === 'docker-mailserver' && envValue(config, 'ENABLE_RSPAMD') === '1') return [];
  const milters = postfixList(pf.value('smtpd_milters'));
  const dmarc =
    milters.some((m) => /8893|opendmarc|dmarc/i.test(m)) || pf.value('smtpd_milters').includes('dmarc');
  if (dmarc)
    return [
      configPositive(
        'dmarc-milter-on',
        'Incoming mail is checked against DMARC',
        `smtpd_milters: ${milters.join(', ')}.`,
      ),
    ];
  return [
    configIssue({
      id: 'dmarc-milter-off',
      title: 'No DMARC check of incoming mail',
      severity: 'medium',
      severityRule: 'medium: mail forging your correspondents\u2019 domains is delivered as if genuine',
      description:
        'No OpenDMARC (or other DMARC) milter is in smtpd_milters: mail that fails its sender domain\u2019s DMARC policy is accepted.',
      rootCause:
        config.kind === 'docker-mailserver'
          ? 'ENABLE_OPENDMARC=0 and Rspamd is not enabled.'
          : 'No DMARC milter is configured.',
      recommendation: {
        summary: 'Check DMARC on incoming mail.',
        dockerMailserver: [setEnvCommand(config, 'ENABLE_OPENDMARC', '1'), 'docker compose up -d'],
        plainHost: [
          'apt-get install opendmarc',
          'postconf -e "smtpd_milters = $smtpd_milters, inet:localhost:8893"',
          'postfix reload',
        ],
      },
      evidence: [...envEvidence(config, 'ENABLE_OPENDMARC'), ...postfixEvidence(config, 'smtpd_milters')],
    }),
  ];
}

const LOGIN_MISMATCH = /reject_(authenticated_)?sender_login_mismatch|reject_known_sender_login_mismatch/;

export function spoofProtectionCheck(config: ServerConfig): Finding[] {
  const pf = config.postfix;
  if (!pf) return [];
  const submissionServices = pf.services.filter(
    (s) => s.command === 'smtpd' && s.type === 'inet' && s.name !== 'smtp' && !s.name.includes(':'),
  );
  const guarded = (svc?: (typeof submissionServices)[number]) =>
    LOGIN_MISMATCH.test(pf.value('smtpd_sender_restrictions', svc)) ||
    LOGIN_MISMATCH.test(pf.value('smtpd_recipient_restrictions', svc)) ||
    LOGIN_MISMATCH.test(pf.value('smtpd_relay_restrictions', svc));
  const open =
    submissionServices.length > 0 ? submissionServices.filter((s) => !guarded(s)) : guarded() ? [] : [null];
  if (open.length === 0)
    return [
      configPositive(
        'spoof-protection-on',
        'Users can only send as their own addresses',
        'A sender login mismatch restriction applies to authenticated submissions.',
      ),
    ];
  const dms = config.kind === 'docker-mailserver';
  return [
    configIssue({
      id: 'spoof-protection-off',
      title: 'Authenticated users can send as any address',
      severity: 'medium',
      severityRule:
        'medium: one stolen or weak password lets an attacker send as every address of your domains',
      description: `No reject_sender_login_mismatch / reject_authenticated_sender_login_mismatch on ${open.map((s) => (s ? `${s.name}/${s.type}` : 'smtpd')).join(', ')}: a logged-in user (or whoever guessed a password) may put any From address on mail.`,
      rootCause: dms
        ? "docker-mailserver's default is SPOOF_PROTECTION=0."
        : 'smtpd_sender_restrictions has no login-mismatch check.',
      recommendation: {
        summary: 'Tie sender addresses to logins.',
        dockerMailserver: [setEnvCommand(config, 'SPOOF_PROTECTION', '1'), 'docker compose up -d'],
        plainHost: [
          'postconf -e "smtpd_sender_login_maps = $virtual_mailbox_maps"',
          'postconf -e "smtpd_sender_restrictions = reject_authenticated_sender_login_mismatch, $smtpd_sender_restrictions"',
          'postfix reload',
        ],
      },
      evidence: dms
        ? envEvidence(config, 'SPOOF_PROTECTION')
        : postfixEvidence(config, 'smtpd_sender_restrictions'),
    }),
  ];
}
