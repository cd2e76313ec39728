import { rename, writeFile } from 'node:fs/promises';
import { hasOpenAtLeast, runAudit } from '../audit/run-audit.js';
import { DEFAULT_SUBNET_MIN } from '../detect/subnets.js';
import { SEVERITIES, type Severity } from '../findings/finding.js';
import type { ReadWarning } from '../pipeline/read-events.js';
import { renderReport } from '../report/index.js';
import {
  type CommandIo,
  type EventsFlags,
  formatSummary,
  readOptionsFromFlags,
  threadsFlag,
} from './events-command.js';
import { progressReporter } from './progress.js';
import { escapeForTerminal } from './terminal-escape.js';

export interface AuditFlags extends EventsFlags {
  config?: string;
  env?: string;
  postconf?: string[];
  doveconf?: string;
  resolver?: string;
  output?: string;
  subnetMin?: string;
  failOn?: string;
  redact?: boolean;
  state?: string;
}

const FORMATS = ['md', 'html', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** `mailwarden audit`: the analyst's report from the logs. Exit 1 with --fail-on when a finding that severe is open. */
export async function runAuditCommand(paths: string[], flags: AuditFlags, io: CommandIo): Promise<number> {
  const format = (flags.format ?? 'md') as Format;
  if (!FORMATS.includes(format))
    throw new Error(`--format: "${flags.format}" is not one of ${FORMATS.join(', ')}`);
  let failOn: Severity | undefined;
  if (flags.failOn !== undefined) {
    if (!SEVERITIES.includes(flags.failOn as Severity))
      throw new Error(`--fail-on: "${flags.failOn}" is not one of ${SEVERITIES.join(', ')}`);
    failOn = flags.failOn as Severity;
  }
  const subnetMin = flags.subnetMin !== undefined ? Number(flags.subnetMin) : DEFAULT_SUBNET_MIN;
  if (!Number.isInteger(subnetMin) || subnetMin < 1)
    throw new Error(`--subnet-min: "${flags.subnetMin}" is not a whole number of at least 1`);
  if (paths.length === 0 && flags.config === undefined && flags.state === undefined)
    throw new Error(
      'give the mail logs to audit (files, directories, or - for stdin), a configuration with --config, or a watcher state with --state',
    );
  if (
    flags.config === undefined &&
    (flags.env ?? flags.postconf ?? flags.doveconf ?? flags.resolver) !== undefined
  )
    throw new Error('--env, --postconf, --doveconf and --resolver go with --config DIR');
  const warnings: ReadWarning[] = [];
  const progress = progressReporter(io.stderr);
  const threads = threadsFlag(flags.threads);
  const read = readOptionsFromFlags(flags, io, warnings);
  const options = {
    ...read,
    subnetMin,
    redact: flags.redact === true,
    ...(flags.state !== undefined ? { state: flags.state } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(flags.config !== undefined ? { config: configOptions(flags, flags.config, read.now) } : {}),
  };
  if (progress.onProgress) Object.assign(options, { onProgress: progress.onProgress });
  const { report, run } = await runAudit(paths, options).finally(() => progress.stop());
  const text = renderReport(report, format);
  if (flags.output && flags.output !== '-') {
    const temp = `${flags.output}.${process.pid}.tmp`;
    await writeFile(temp, text);
    await rename(temp, flags.output);
    io.stderr.write(
      `mailwarden: wrote ${escapeForTerminal(flags.output)} (${report.findings.filter((f) => f.kind === 'issue').length} issues, ${report.findings.filter((f) => f.kind === 'positive').length} positive findings)\n`,
    );
  } else {
    io.stdout.write(text);
  }
  if (flags.summary !== false && flags.output && flags.output !== '-')
    io.stderr.write(formatSummary(run, false));
  const unreadable = run.files.filter((f) => f.error !== undefined);
  if (unreadable.length > 0) {
    io.stderr.write(
      `mailwarden: could not read: ${unreadable.map((f) => escapeForTerminal(f.file)).join(', ')}\n`,
    );
    return 2;
  }
  if (failOn && hasOpenAtLeast(report.findings, failOn)) {
    io.stderr.write(`mailwarden: an open finding is ${failOn} or worse (--fail-on ${failOn})\n`);
    return 1;
  }
  return 0;
}

function configOptions(
  flags: AuditFlags,
  dir: string,
  now: Date | undefined,
): NonNullable<Parameters<typeof runAudit>[1]>['config'] {
  return {
    dir,
    ...(flags.env !== undefined ? { env: flags.env } : {}),
    ...(flags.postconf !== undefined ? { postconf: flags.postconf } : {}),
    ...(flags.doveconf !== undefined ? { doveconf: flags.doveconf } : {}),
    ...(flags.resolver !== undefined ? { resolver: flags.resolver } : {}),
    ...(now !== undefined ? { now } : {}),
  };
}
