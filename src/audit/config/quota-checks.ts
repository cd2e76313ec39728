import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dovecotSetting } from '../../config/dovecot/dovecot-conf.js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Finding } from '../../findings/finding.js';
import { configIssue, configPositive, fileEvidence } from './config-finding.js';
import { envEvidence, envValue, setEnvCommand } from './env-helpers.js';

function quotaLines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Quotas switched on with nothing to enforce: every mailbox is unlimited, the disk is the limit. */
export function quotaChecks(config: ServerConfig): Finding[] {
  if (config.kind === 'docker-mailserver') {
    if (envValue(config, 'ENABLE_QUOTAS') !== '1' || envValue(config, 'ACCOUNT_PROVISIONER') !== 'FILE')
      return [];
    const file = join(config.dir, 'dovecot-quotas.cf');
    const lines = quotaLines(file);
    const limit = envValue(config, 'POSTFIX_MAILBOX_SIZE_LIMIT');
    if (lines.length > 0 || (limit !== '' && limit !== '0'))
      return [
        configPositive(
          'quotas-configured',
          'Mailbox quotas are set',
          lines.length > 0
            ? `${lines.length} per-user quota line(s) in dovecot-quotas.cf${limit !== '0' ? `, default limit ${limit} bytes` : ''}.`
            : `every mailbox is limited to POSTFIX_MAILBOX_SIZE_LIMIT=${limit} bytes.`,
        ),
      ];
    return [
      configIssue({
        id: 'quota-config-empty',
        title: 'Quotas are enabled but every mailbox is unlimited',
        severity: 'low',
        severityRule:
          'low: no limit lets one mailbox (or mail sent to it) fill the disk all mailboxes share; no data is exposed',
        description: `ENABLE_QUOTAS=1, but ${existsSync(file) ? 'dovecot-quotas.cf holds no quota line' : 'there is no dovecot-quotas.cf'} and POSTFIX_MAILBOX_SIZE_LIMIT is ${limit || 'unset'} (0 = unlimited), so Dovecot's quota plugin enforces nothing.`,
        rootCause:
          'docker-mailserver creates an empty dovecot-quotas.cf when quotas are on; the default storage quota comes from POSTFIX_MAILBOX_SIZE_LIMIT, whose default is 0.',
        recommendation: {
          summary: 'Set a quota per mailbox, or a default limit for all of them.',
          dockerMailserver: [
            'docker exec mailserver setup quota set user@example.com 5G',
            `# or a default for every mailbox: ${setEnvCommand(config, 'POSTFIX_MAILBOX_SIZE_LIMIT', '5368709120')}`,
          ],
          plainHost: [
            "in Dovecot's quota plugin settings: quota_rule = *:storage=5G (2.3) or quota_storage_size = 5G (2.4), then doveadm reload",
          ],
        },
        evidence: [
          ...envEvidence(config, 'ENABLE_QUOTAS'),
          ...envEvidence(config, 'POSTFIX_MAILBOX_SIZE_LIMIT'),
          fileEvidence(file, `(${lines.length} quota lines)`, lines.length === 0),
        ],
        metrics: { quotaLines: lines.length, mailboxSizeLimit: limit || '0' },
      }),
    ];
  }
  const d = config.dovecot;
  if (!d) return [];
  const plugins = `${dovecotSetting(d, 'mail_plugins')?.value ?? ''} ${dovecotSetting(d, 'protocol imap/mail_plugins')?.value ?? ''}`;
  const quotaOn =
    /\bquota\b/.test(plugins) ||
    d.root.sections.some((s) => s.type === 'mail_plugins' && s.settings.has('quota'));
  if (!quotaOn) return [];
  const rule =
    dovecotSetting(d, 'plugin/quota_rule')?.value ??
    dovecotSetting(d, 'quota_storage_size')?.value ??
    d.root.sections.find((s) => s.type === 'quota')?.settings.get('quota_storage_size')?.value;
  if (rule && !/storage=0\b|^0$|^unlimited$/i.test(rule))
    return [
      configPositive(
        'quotas-configured',
        'Mailbox quotas are set',
        `Dovecot's quota plugin limits mailboxes (${rule}).`,
      ),
    ];
  return [
    configIssue({
      id: 'quota-config-empty',
      title: 'The quota plugin is loaded but sets no limit',
      severity: 'low',
      severityRule: 'low: no limit lets one mailbox fill the disk all mailboxes share; no data is exposed',
      description: 'Dovecot loads the quota plugin, but no quota rule or storage size limits any mailbox.',
      rootCause: 'quota_rule (2.3) / quota_storage_size (2.4) is missing or 0.',
      recommendation: {
        summary: 'Give every mailbox a storage limit.',
        dockerMailserver: [],
        plainHost: [
          'plugin { quota_rule = *:storage=5G } (2.3) or quota_storage_size = 5G (2.4); doveadm reload',
        ],
      },
    }),
  ];
}
