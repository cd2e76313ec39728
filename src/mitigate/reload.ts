import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';
import { prefixedCommand } from './command-line.js';

export interface ReloadStep {
  /** What the step is for: `check` (plain host only), `reload`, or `fail2ban` (reload of fail2ban for new jails). */
  name: 'check' | 'reload' | 'fail2ban';
  /** The shell command line run. */
  command: string;
}

/**
 * The commands that make Postfix take the new files: `postfix check` (plain
 * host) and `postfix reload`, with `-c DIR` when Postfix's configuration
 * directory is not the default /etc/postfix, each behind the --exec-prefix.
 * docker-mailserver is reloaded inside the container, whose configuration
 * directory is always /etc/postfix. New fail2ban jails on a plain host are
 * loaded with `fail2ban-client reload` (docker-mailserver installs them at start).
 */
export function reloadSteps(
  kind: 'docker-mailserver' | 'plain',
  configDir: string | null,
  execPrefix: string | undefined,
  fail2ban = false,
): ReloadStep[] {
  const dir = kind === 'plain' && configDir !== null && configDir !== '/etc/postfix' ? ['-c', configDir] : [];
  const steps: ReloadStep[] = [];
  if (kind === 'plain')
    steps.push({ name: 'check', command: prefixedCommand(execPrefix, ['postfix', ...dir, 'check']) });
  steps.push({ name: 'reload', command: prefixedCommand(execPrefix, ['postfix', ...dir, 'reload']) });
  if (fail2ban && kind === 'plain')
    steps.push({ name: 'fail2ban', command: prefixedCommand(execPrefix, ['fail2ban-client', 'reload']) });
  return steps;
}

export interface StepResult {
  status: number;
  output: string;
}

/** Runs one command line with /bin/sh (the sbin directories on PATH), capturing what it prints. */
export function runStep(command: string, timeoutMs = 120_000): Promise<StepResult> {
  const path = [process.env.PATH ?? '', '/usr/local/sbin', '/usr/sbin', '/sbin']
    .filter(Boolean)
    .join(delimiter);
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      env: { ...process.env, PATH: path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => {
      if (output.length < 64 * 1024) output += d.toString('utf8');
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: 127, output: `${output}${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? (signal ? 128 : 1), output: output.trim() });
    });
  });
}
