import { availableParallelism } from 'node:os';
import { type LoadConfigOptions, loadServerConfig } from '../config/load-config.js';
import type { ServerConfig } from '../config/server-config.js';
import { fail2banCoverage } from '../detect/fail2ban-coverage.js';
import { DEFAULT_SUBNET_MIN } from '../detect/subnets.js';
import type { Finding, Severity } from '../findings/finding.js';
import { severityRank } from '../findings/finding.js';
import type { RunStats } from '../pipeline/accounting.js';
import { summarise } from '../pipeline/accounting.js';
import { inputBytes, PARALLEL_FROM_BYTES } from '../pipeline/input-size.js';
import { type ParallelOptions, scanParallel } from '../pipeline/parallel-scan.js';
import { type EventSink, type ScanOptions, scanInputs } from '../pipeline/read-events.js';
import type { AuditReport } from '../report/model.js';
import { Analysis, type AnalysisState, sortFindings } from './analysis.js';
import { banHistoryFindings, readBanHistory } from './ban-history.js';
import { confirmArchiveDecoder } from './config/archive-decoder-check.js';
import { auditConfiguration } from './config/config-audit.js';
import { dnsCheckInput } from './config/dns-input.js';
import { DETECTORS } from './detectors.js';
import { checkDns } from './dns/check-dns.js';
import { fillEvidenceLines } from './evidence-lines.js';
import { configuredJails } from './fail2ban/configured-jails.js';
import { auditFail2banCoverage, type CoverageAuditResult } from './fail2ban/coverage-audit.js';
import { redactReport } from './redact.js';
import { buildReport } from './report-builder.js';
import { attributeAddress } from './statistics.js';

export interface AuditOptions extends ScanOptions, ParallelOptions {
  /** Worker threads: 1 reads in this thread; default: the machine's cores for inputs of 16 MB and more. */
  threads?: number;
  /** A subnet is named when at least this many of its addresses take part (default 3). */
  subnetMin?: number;
  redact?: boolean;
  /** Also audit this configuration (docker-mailserver, mailcow or plain host). */
  config?: LoadConfigOptions & { dir: string; resolver?: string; now?: Date };
  /** A `mailwarden watch` state file: its ban history goes into the report. */
  state?: string;
  /** Also given every event the analysis reads (`mailwarden mitigate` uses it); reading then stays in this thread. */
  observe?: EventSink;
}

/** Reads the logs once and returns the analyst's report. */
export async function runAudit(
  inputs: string[],
  options: AuditOptions = {},
): Promise<{ report: AuditReport; run: RunStats }> {
  const analysis = new Analysis();
  const timeWindow = options.since !== undefined || options.until !== undefined;
  const wanted = analysis.wantedClasses(timeWindow);
  const observe = options.observe;
  const threads = observe
    ? 1
    : (options.threads ?? ((await inputBytes(inputs)) >= PARALLEL_FROM_BYTES ? availableParallelism() : 1));
  const run =
    inputs.length === 0
      ? summarise([])
      : threads > 1
        ? await scanParallel(
            inputs,
            { ...options, all: true, wanted, workers: threads },
            {
              mode: 'audit',
              state: (state) => analysis.merge(state as AnalysisState),
              lateAddress: (ip, cls) => attributeAddress(analysis.state.statistics, ip, cls),
            },
          )
        : await scanInputs(
            inputs,
            { ...options, all: true, wanted, forAnalysis: true },
            observe
              ? (event, raw, tsMs) => {
                  analysis.add(event, raw, tsMs);
                  observe(event, raw, tsMs);
                }
              : analysis.add,
          );
  if (timeWindow) analysis.state.statistics.traffic.postscreen ??= 0;
  const logFindings = analysis.findings(options.subnetMin ?? DEFAULT_SUBNET_MIN);
  await fillEvidenceLines(logFindings);
  const configured = options.config ? await configurationFindings(options.config, logFindings) : null;
  const coverage =
    configured && inputs.length > 0 ? await fail2banCoverageOf(configured.config, inputs, options) : null;
  if (configured && coverage) configured.summary.notes.push(...coverage.notes);
  // With the jails known, the exact coverage replaces the estimate from fail2ban.log.
  const fromLogs = coverage?.result
    ? logFindings.filter((f) => f.id !== 'fail2ban-coverage-gap')
    : logFindings;
  const history = options.state !== undefined ? readBanHistory(options.state) : null;
  const findings = sortFindings([
    ...fromLogs,
    ...(configured?.findings ?? []),
    ...(coverage?.result?.findings ?? []),
    ...(history ? banHistoryFindings(history) : []),
  ]);
  const f2b = analysis.state.detectors[DETECTORS.indexOf(fail2banCoverage)] as {
    banCount: Record<string, number>;
  };
  let report = buildReport(findings, analysis.state.statistics, run, { ...f2b.banCount });
  if (configured) report.configuration = configured.summary;
  if (coverage?.result) report.fail2banCoverage = coverage.result.matrix;
  if (history) report.banHistory = history;
  if (options.redact) report = redactReport(report);
  return { report, run };
}

/** Whether any open finding is at least as severe as `threshold` (for --fail-on). */
export function hasOpenAtLeast(findings: Finding[], threshold: Severity): boolean {
  return findings.some(
    (f) => f.kind === 'issue' && f.status === 'open' && severityRank(f.severity) >= severityRank(threshold),
  );
}

/** The fail2ban jails of the configuration evaluated on the logs, when they can be read. */
async function fail2banCoverageOf(
  config: ServerConfig,
  inputs: string[],
  options: AuditOptions,
): Promise<{ result: CoverageAuditResult | null; notes: string[] }> {
  const configured = configuredJails(config);
  if (!configured.jails) return { result: null, notes: configured.notes };
  const result = await auditFail2banCoverage(config, configured.jails, inputs, {
    ...(options.tz !== undefined ? { tz: options.tz } : {}),
    ...(options.year !== undefined ? { year: options.year } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  // The matrix's own notes (filters that could not be compiled, risks) are shown with it.
  return { result, notes: configured.notes };
}

/** The configuration's findings (DNS too when a resolver is given), and what the report says of what was read. */
async function configurationFindings(
  options: NonNullable<AuditOptions['config']>,
  logFindings: Finding[],
): Promise<{
  config: ServerConfig;
  findings: Finding[];
  summary: NonNullable<AuditReport['configuration']>;
}> {
  const config = loadServerConfig(options.dir, options);
  const findings = auditConfiguration(config, options.now ? { now: options.now } : {});
  confirmArchiveDecoder(config, logFindings);
  const notes = [
    ...config.notes,
    ...config.certificates
      .filter((c) => c.path === null && !c.isDefault && c.note !== null)
      .map((c) => c.note!),
  ];
  if (options.resolver) {
    const dns = await checkDns(dnsCheckInput(config), options.resolver);
    findings.push(...dns.findings);
    notes.push(...dns.notes);
  } else
    notes.push(
      'DNS records (DKIM, SPF, DMARC, PTR, MX) were not checked: give a resolver with --resolver ADDR[:PORT]',
    );
  return {
    config,
    findings,
    summary: {
      kind: config.kind,
      directory: config.dir,
      hostname: config.hostname,
      domains: config.domains,
      files: config.files,
      notes,
    },
  };
}
