import { availableParallelism } from 'node:os';
import { fail2banCoverage } from '../detect/fail2ban-coverage.js';
import type { Finding, Severity } from '../findings/finding.js';
import { severityRank } from '../findings/finding.js';
import type { RunStats } from '../pipeline/accounting.js';
import { inputBytes, PARALLEL_FROM_BYTES } from '../pipeline/input-size.js';
import { type ParallelOptions, scanParallel } from '../pipeline/parallel-scan.js';
import { type ScanOptions, scanInputs } from '../pipeline/read-events.js';
import type { AuditReport } from '../report/model.js';
import { Analysis, type AnalysisState } from './analysis.js';
import { DETECTORS } from './detectors.js';
import { fillEvidenceLines } from './evidence-lines.js';
import { redactReport } from './redact.js';
import { buildReport } from './report-builder.js';
import { attributeAddress } from './statistics.js';

export interface AuditOptions extends ScanOptions, ParallelOptions {
  /** Worker threads: 1 reads in this thread; default: the machine's cores for inputs of 16 MB and more. */
  threads?: number;
  /** A subnet is named when at least this many of its addresses take part (default 3). */
  subnetMin?: number;
  redact?: boolean;
}

export const DEFAULT_SUBNET_MIN = 3;

/** Reads the logs once and returns the analyst's report. */
export async function runAudit(
  inputs: string[],
  options: AuditOptions = {},
): Promise<{ report: AuditReport; run: RunStats }> {
  const analysis = new Analysis();
  const wanted = analysis.wantedClasses();
  const threads =
    options.threads ?? ((await inputBytes(inputs)) >= PARALLEL_FROM_BYTES ? availableParallelism() : 1);
  const run =
    threads > 1
      ? await scanParallel(
          inputs,
          { ...options, all: true, wanted, workers: threads },
          {
            mode: 'audit',
            state: (state) => analysis.merge(state as AnalysisState),
            lateAddress: (ip, cls) => attributeAddress(analysis.state.statistics, ip, cls),
          },
        )
      : await scanInputs(inputs, { ...options, all: true, wanted, forAnalysis: true }, analysis.add);
  const findings = analysis.findings(options.subnetMin ?? DEFAULT_SUBNET_MIN);
  await fillEvidenceLines(findings);
  const f2b = analysis.state.detectors[DETECTORS.indexOf(fail2banCoverage)] as {
    banCount: Record<string, number>;
  };
  let report = buildReport(findings, analysis.state.statistics, run, { ...f2b.banCount });
  if (options.redact) report = redactReport(report);
  return { report, run };
}

/** Whether any open finding is at least as severe as `threshold` (for --fail-on). */
export function hasOpenAtLeast(findings: Finding[], threshold: Severity): boolean {
  return findings.some(
    (f) => f.kind === 'issue' && f.status === 'open' && severityRank(f.severity) >= severityRank(threshold),
  );
}
