import { rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hasOpenAtLeast } from '../audit/run-audit.js';
import { SEVERITIES, type Severity } from '../findings/finding.js';
import { renderProbeMarkdown } from '../probe/probe-markdown.js';
import { DEFAULT_TIMEOUT_MS, runProbe } from '../probe/probe-report.js';
import {
  DEFAULT_PORT,
  type ProbeTarget,
  parseTarget,
  STARTTLS_MODES,
  type StartTlsMode,
} from '../probe/target.js';
import { safeJson } from '../report/escape.js';
import type { CommandIo } from './events-command.js';
import { escapeForTerminal } from './terminal-escape.js';

export interface ProbeFlags {
  starttls?: string;
  hostname?: string;
  timeout?: string;
  format?: string;
  output?: string;
  failOn?: string;
  ehlo?: string;
}

const FORMATS = ['markdown', 'md', 'json'] as const;

/** `mailwarden probe`: talks TLS to live endpoints and reports what they accept and serve. */
export async function runProbeCommand(
  targetTexts: string[],
  flags: ProbeFlags,
  io: CommandIo,
): Promise<number> {
  const format = flags.format ?? 'markdown';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new Error(`--format: "${format}" is not one of markdown, json`);
  let starttls: StartTlsMode | undefined;
  if (flags.starttls !== undefined) {
    if (!(STARTTLS_MODES as readonly string[]).includes(flags.starttls))
      throw new Error(`--starttls: "${flags.starttls}" is not one of ${STARTTLS_MODES.join(', ')}`);
    starttls = flags.starttls as StartTlsMode;
  }
  let failOn: Severity | undefined = 'high';
  if (flags.failOn !== undefined) {
    if (flags.failOn === 'never') failOn = undefined;
    else if (SEVERITIES.includes(flags.failOn as Severity)) failOn = flags.failOn as Severity;
    else throw new Error(`--fail-on: "${flags.failOn}" is not one of ${SEVERITIES.join(', ')}, never`);
  }
  const timeoutSeconds = flags.timeout !== undefined ? Number(flags.timeout) : DEFAULT_TIMEOUT_MS / 1000;
  if (!(timeoutSeconds > 0 && timeoutSeconds <= 600))
    throw new Error(`--timeout: "${flags.timeout}" is not a number of seconds between 0 and 600`);
  if (
    flags.hostname !== undefined &&
    !/^[A-Za-z0-9_.-]{1,253}$/.test(flags.hostname) &&
    isIP(flags.hostname) === 0
  )
    throw new Error(`--hostname: "${flags.hostname}" is not a host name`);
  // The EHLO name is sent as is: nothing but a host name or an address literal.
  if (flags.ehlo !== undefined && !/^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])$/.test(flags.ehlo))
    throw new Error(`--ehlo: "${flags.ehlo}" is not a host name or address literal`);
  if (targetTexts.length === 0) throw new Error('give the endpoints to probe: HOST[:PORT]...');

  const targets: ProbeTarget[] = [];
  for (const text of targetTexts) {
    const { target, portDefaulted } = parseTarget(text, starttls);
    if (portDefaulted)
      io.stderr.write(
        `mailwarden: note: ${escapeForTerminal(text)} names no port: probing ${DEFAULT_PORT} only (name others as ${escapeForTerminal(target.endpoint.replace(/:\d+$/, ''))}:465 ...)\n`,
      );
    if (flags.hostname === undefined && isIP(target.host) !== 0)
      io.stderr.write(
        `mailwarden: note: ${escapeForTerminal(target.endpoint)} is an address: the certificate's names are not checked (give --hostname)\n`,
      );
    targets.push(target);
  }

  const report = await runProbe(targets, {
    timeoutMs: timeoutSeconds * 1000,
    ...(flags.hostname !== undefined ? { hostname: flags.hostname } : {}),
    ...(flags.ehlo !== undefined ? { ehloName: flags.ehlo } : {}),
  });
  const text = format === 'json' ? `${safeJson(report, 2)}\n` : renderProbeMarkdown(report);
  if (flags.output && flags.output !== '-') {
    const temp = `${flags.output}.${process.pid}.tmp`;
    await writeFile(temp, text);
    await rename(temp, flags.output);
    const issues = report.findings.filter((f) => f.kind === 'issue').length;
    io.stderr.write(`mailwarden: wrote ${escapeForTerminal(flags.output)} (${issues} issues)\n`);
  } else {
    io.stdout.write(text);
  }
  if (failOn && hasOpenAtLeast(report.findings, failOn)) {
    io.stderr.write(`mailwarden: an open finding is ${failOn} or worse (--fail-on ${failOn})\n`);
    return 1;
  }
  return 0;
}
