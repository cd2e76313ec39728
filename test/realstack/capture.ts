// Captures real daemon output for classifier development:
//   node dist/test/realstack/capture.js <output-dir> [--layout syslog|files|all] [--base-port N] [--keep-temp]
// Starts the stack, runs every scenario, waits until the logs have settled,
// copies the log files, ground-truth.json and the daemons' configuration into
// <output-dir> (with --layout all: <output-dir>/<layout>/ for each layout),
// and stops the stack.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runAttacks } from './driver.js';
import { isLogLayout, LOG_LAYOUTS, type LogLayout } from './log-layout.js';
import { formatVersions } from './requirements.js';
import { waitForSettledLogs } from './settle.js';
import { startStack } from './stack.js';

interface CaptureArgs {
  outDir: string;
  layouts: LogLayout[];
  nested: boolean;
  basePort?: number;
  keepTemp: boolean;
}

const USAGE =
  'usage: node dist/test/realstack/capture.js <output-dir> [--layout syslog|files|all] [--base-port N] [--keep-temp]';

class UsageError extends Error {}

function parseArgs(argv: string[]): CaptureArgs {
  let outDir: string | undefined;
  let layout = 'syslog';
  let basePort: number | undefined;
  let keepTemp = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--layout') layout = argv[++i] ?? '';
    else if (arg === '--base-port') basePort = Number(argv[++i]);
    else if (arg === '--keep-temp') keepTemp = true;
    else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('-') || outDir !== undefined)
      throw new UsageError(`unexpected argument ${arg}\n${USAGE}`);
    else outDir = arg;
  }
  if (!outDir) throw new UsageError(USAGE);
  if (layout !== 'all' && !isLogLayout(layout)) throw new UsageError(`unknown layout ${layout}\n${USAGE}`);
  return {
    outDir: resolve(outDir),
    layouts: layout === 'all' ? [...LOG_LAYOUTS] : [layout as LogLayout],
    nested: layout === 'all',
    basePort,
    keepTemp,
  };
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

async function lineCount(file: string): Promise<number> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean).length;
}

async function captureLayout(layout: LogLayout, outDir: string, args: CaptureArgs): Promise<void> {
  const t0 = Date.now();
  const stack = await startStack({ layout, basePort: args.basePort, keepTemp: args.keepTemp });
  try {
    console.log(`[${layout}] stack up in ${elapsed(t0)} at ${stack.root}`);
    console.log(
      `[${layout}] versions: ${formatVersions(stack.versions)} (Dovecot config syntax ${stack.dovecotSyntax})`,
    );
    const truth = await runAttacks(stack, {
      progress: (s) =>
        console.log(
          `[${layout}]   ${s.id}: ${s.addresses.length} address(es), ${s.connections} connection(s), ${s.attempts} ${s.attemptUnit}`,
        ),
    });
    console.log(`[${layout}] scenarios done after ${elapsed(t0)}; waiting for the logs to settle`);
    await waitForSettledLogs(truth, stack.logs);
    // Only what this tool writes is replaced; anything else in the directory stays.
    await mkdir(outDir, { recursive: true });
    for (const name of [...Object.keys(stack.logs.all), 'ground-truth.json']) {
      await rm(join(outDir, name), { force: true });
    }
    await rm(join(outDir, 'config'), { recursive: true, force: true });
    const copied = await stack.collectLogs(outDir);
    await writeFile(join(outDir, 'ground-truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
    await mkdir(join(outDir, 'config'));
    for (const [name, file] of Object.entries(stack.configFiles))
      await copyFile(file, join(outDir, 'config', name));
    for (const file of copied) console.log(`[${layout}]   ${file}: ${await lineCount(file)} lines`);
    console.log(
      `[${layout}]   ${join(outDir, 'ground-truth.json')}: ${truth.scenarios.length} attack scenario(s), ${truth.legitimate.length} legitimate`,
    );
  } finally {
    await stack.stop();
  }
  console.log(`[${layout}] stopped and cleaned up; total ${elapsed(t0)}`);
}

async function main(): Promise<number> {
  // Node 20's `node --test dist/test/` runs every .js file below a test/
  // directory, this one included: without arguments there it does nothing.
  if (process.env.NODE_TEST_CONTEXT !== undefined && process.argv.length <= 2) return 0;
  const args = parseArgs(process.argv.slice(2));
  const devLogBefore = existsSync('/dev/log');
  for (const layout of args.layouts) {
    await captureLayout(layout, args.nested ? join(args.outDir, layout) : args.outDir, args);
  }
  if (!devLogBefore && existsSync('/dev/log')) {
    console.error('capture: /dev/log appeared on the host during the run');
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    console.error(`capture: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
