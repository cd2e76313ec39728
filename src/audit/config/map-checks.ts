import { basename, join } from 'node:path';
import type { ServerConfig } from '../../config/server-config.js';
import type { Finding } from '../../findings/finding.js';
import { shellQuote } from '../../findings/shell-quote.js';
import { configIssue, fileEvidence } from './config-finding.js';

/** Every value Postfix reads: main.cf parameters and master.cf overrides. */
function postfixText(config: ServerConfig): string {
  const pf = config.postfix;
  if (!pf) return '';
  const values = [...pf.main.values()].map((p) => p.value);
  for (const s of pf.services) for (const o of s.overrides.values()) values.push(o.value);
  return values.join('\n');
}

/** A reject map in the configuration directory that nothing in Postfix's configuration refers to. */
export function mapChecks(config: ServerConfig): Finding[] {
  const text = `${postfixText(config)}\n${config.userPatches ?? ''}`;
  const unwired = config.tableFiles.filter((f) => !text.includes(basename(f)));
  if (unwired.length === 0) return [];
  const dms = config.kind === 'docker-mailserver';
  const name = basename(unwired[0]!);
  return [
    configIssue({
      id: 'cidr-map-not-wired',
      title: `${unwired.map((f) => basename(f)).join(', ')} ${unwired.length === 1 ? 'is' : 'are'} never consulted`,
      severity: 'high',
      severityRule: 'high: the addresses it lists are believed blocked but still connect',
      description: `${unwired.join(', ')} holds access-table entries (REJECT and similar), but no restriction, postscreen_access_list or master.cf override refers to it, so Postfix never reads it.`,
      rootCause: dms
        ? 'docker-mailserver has no built-in CIDR reject map: a file in the config directory is only used when postfix-main.cf or postfix-master.cf wires it in.'
        : 'The table was written but not added to any restriction list.',
      recommendation: {
        summary: 'Wire the map into postscreen (port 25) and the submission services, then reload.',
        dockerMailserver: [
          `printf '%s\\n' ${shellQuote(`postscreen_access_list = permit_mynetworks, cidr:/tmp/docker-mailserver/${name}`)} 'postscreen_denylist_action = drop' >> ${shellQuote(join(config.dir, 'postfix-main.cf'))}`,
          `printf '%s\\n' ${['submission', 'submissions'].map((svc) => shellQuote(`${svc}/inet/smtpd_client_restrictions=check_client_access,cidr:/tmp/docker-mailserver/${name},permit_sasl_authenticated,reject`)).join(' ')} >> ${shellQuote(join(config.dir, 'postfix-master.cf'))}`,
          'docker compose restart mailserver',
        ],
        plainHost: [
          `postconf -e "postscreen_access_list = permit_mynetworks, cidr:/etc/postfix/${name}"`,
          `postconf -e "smtpd_client_restrictions = check_client_access cidr:/etc/postfix/${name}, $smtpd_client_restrictions"`,
          'postfix reload',
        ],
      },
      evidence: unwired.map((f) => fileEvidence(f, '(access table referenced by no Postfix setting)')),
      metrics: { files: unwired.length },
    }),
  ];
}
