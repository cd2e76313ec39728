/**
 * The fail2ban part of `audit --config`: the jails the server really runs,
 * their filters compiled and run over the audit's logs, which jails are blind,
 * and the findings and matrix that come of it.
 */
import { existsSync } from 'node:fs';
import { dovecotSetting } from '../../config/dovecot/dovecot-conf.js';
import type { Fail2banJail } from '../../config/fail2ban/index.js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Fail2banCoverageMatrix, JailToEvaluate } from '../../detect/fail2ban/coverage-matrix.js';
import { type CoveragePassOptions, evaluateCoverage } from '../../detect/fail2ban/coverage-pass.js';
import { compileFail2banFilter } from '../../detect/fail2ban/filter-matcher.js';
import type { Finding } from '../../findings/finding.js';
import {
  blindJails,
  coverageCompleteFinding,
  coverageGapFinding,
  jailBlindFinding,
} from './coverage-findings.js';
import { fail2banVersion } from './fail2ban-version.js';
import { type BlindnessContext, jailBlindness } from './jail-blindness.js';

/** What the coverage needs of a configured jail. */
export type ConfiguredJail = Pick<
  Fail2banJail,
  | 'name'
  | 'enabled'
  | 'source'
  | 'filter'
  | 'logpaths'
  | 'backend'
  | 'maxretry'
  | 'findtimeSeconds'
  | 'bantimeSeconds'
  | 'ignoreip'
>;

export interface CoverageAuditResult {
  matrix: Fail2banCoverageMatrix;
  findings: Finding[];
}

const DMS_MAIL_LOG = ['/var/log/mail/mail.log', '/var/log/mail.log'];

function filterLabel(jail: ConfiguredJail): string {
  if (!jail.filter) return '(none)';
  const options = Object.entries(jail.filter.options);
  return options.length > 0
    ? `${jail.filter.name}[${options.map(([k, v]) => `${k}=${v}`).join(', ')}]`
    : jail.filter.name;
}

/** Where the daemons write and where the jail's paths can be checked, from the layout. */
export function blindnessContext(config: ServerConfig): BlindnessContext {
  if (config.kind === 'docker-mailserver')
    return {
      kind: config.kind,
      daemonLogs: { postfix: DMS_MAIL_LOG, dovecot: DMS_MAIL_LOG },
      checkRoot: null,
      journal: false,
    };
  const postfixFile = config.postfix?.value('maillog_file') ?? '';
  const dovecotFile = config.dovecot ? (dovecotSetting(config.dovecot, 'log_path')?.value ?? '') : '';
  const live = config.dir === '/etc' || config.dir === '/' || config.dir === '/etc/postfix';
  return {
    kind: config.kind,
    daemonLogs: {
      postfix: postfixFile !== '' ? [postfixFile] : [],
      dovecot: dovecotFile !== '' && dovecotFile !== 'syslog' ? [dovecotFile] : [],
    },
    checkRoot: live ? '/' : null,
    journal: live ? existsSync('/run/systemd/journal') || existsSync('/var/log/journal') : null,
  };
}

export async function auditFail2banCoverage(
  config: ServerConfig,
  jails: readonly ConfiguredJail[],
  inputs: string[],
  options: CoveragePassOptions = {},
): Promise<CoverageAuditResult> {
  const ctx = blindnessContext(config);
  const notes: string[] = [];
  const evaluated: JailToEvaluate[] = [];
  for (const jail of jails.filter((j) => j.enabled)) {
    let matcher: JailToEvaluate['matcher'] = null;
    let error: string | null = null;
    let warnings: string[] = [];
    if (!jail.filter) error = 'the jail names no filter that could be read';
    else if (jail.filter.failregex.length === 0)
      error = 'the filter has no failregex (a jail for manual bans)';
    else {
      try {
        // V8's ordinary engine, switched by the process-wide flags to the linear one after a
        // bounded number of backtracks: the same decisions, several times faster on real logs.
        const compiled = compileFail2banFilter(jail.filter, jail.filter.name, { regexEngine: 'fallback' });
        matcher = compiled;
        warnings = compiled.warnings;
        // Shapes that let a crafted line stall fail2ban's own (Python) matching of this jail.
        for (const risk of compiled.fail2banRisks.filter((r) => r.includes('exponential')))
          notes.push(`jail ${jail.name}: fail2ban itself can be stalled by a crafted line: ${risk}`);
      } catch (e) {
        error = (e as Error).message;
      }
    }
    if (error && jail.filter?.failregex.length !== 0) notes.push(`jail ${jail.name}: ${error}`);
    evaluated.push({
      name: jail.name,
      filter: filterLabel(jail),
      matcher,
      error,
      warnings,
      maxretry: jail.maxretry,
      findtimeSeconds: jail.findtimeSeconds,
      bantimeSeconds: jail.bantimeSeconds,
      ignoreip: jail.ignoreip,
      logpaths: jail.logpaths,
      backend: jail.backend,
      blind: jailBlindness(
        {
          name: jail.name,
          filterName: jail.filter?.name ?? null,
          backend: jail.backend,
          logpaths: jail.logpaths,
        },
        ctx,
      ),
      definedAt: `${jail.source.file}:${jail.source.line}`,
    });
  }
  // Jails without a failregex (docker-mailserver's `custom`, for manual bans) match nothing by design.
  const active = evaluated.filter(
    (j) => !(j.matcher === null && j.error?.startsWith('the filter has no failregex')),
  );
  const { matrix, facts } = await evaluateCoverage(inputs, active, options, notes);
  const version = fail2banVersion(facts.fail2banVersion, ctx.checkRoot);
  const findings = [
    jailBlindFinding(blindJails(matrix, version, facts.dovecot24Lines > 0)),
    coverageGapFinding(matrix),
    coverageCompleteFinding(matrix),
  ].filter((f): f is Finding => f !== null);
  return { matrix, findings };
}
