import { availableParallelism } from 'node:os';
import type { SecurityEvent } from '../classify/event.js';
import type { RunStats } from '../pipeline/accounting.js';
import { inputBytes, PARALLEL_FROM_BYTES } from '../pipeline/input-size.js';
import { scanParallel } from '../pipeline/parallel-scan.js';
import { type ReadOptions, type ReadWarning, readEvents } from '../pipeline/read-events.js';
import { BufferedWriter } from './output.js';
import { escapeForTerminal } from './terminal-escape.js';
import { parseTimeOption } from './time-options.js';

export interface EventsFlags {
  all?: boolean;
  format?: string;
  since?: string;
  until?: string;
  year?: string;
  tz?: string;
  now?: string;
  summary?: boolean;
  threads?: string;
}

/** `--threads`: a whole number of at least 1, or undefined for automatic. */
export function threadsFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new Error(`--threads: "${value}" is not a whole number from 1 to 256`);
  return n;
}

export interface CommandIo {
  stdout: NodeJS.WritableStream & import('node:stream').Writable;
  stderr: NodeJS.WritableStream & import('node:stream').Writable;
  stdin: import('node:stream').Readable;
}

export function readOptionsFromFlags(
  flags: EventsFlags,
  io: CommandIo,
  warnings: ReadWarning[],
): ReadOptions {
  const tz = flags.tz;
  const options: ReadOptions = {
    all: flags.all === true,
    stdin: io.stdin,
    onWarning: (w) => {
      warnings.push(w);
      const where = w.line !== undefined && w.line > 0 ? `${w.file}:${w.line}` : w.file;
      io.stderr.write(
        `mailwarden: ${w.fatal ? 'error' : 'warning'}: ${escapeForTerminal(where)}: ${escapeForTerminal(w.message)}\n`,
      );
    },
  };
  if (tz !== undefined) options.tz = tz;
  const now = flags.now !== undefined ? parseTimeOption('--now', flags.now, tz) : undefined;
  if (now) options.now = now;
  const reference = now?.getTime() ?? Date.now();
  if (flags.since !== undefined) options.since = parseTimeOption('--since', flags.since, tz, reference);
  if (flags.until !== undefined) options.until = parseTimeOption('--until', flags.until, tz, reference);
  if (flags.year !== undefined) {
    const year = Number(flags.year);
    if (!Number.isInteger(year) || year < 1970 || year > 9999)
      throw new Error(`--year: "${flags.year}" is not a year`);
    options.year = year;
  }
  return options;
}

function tableRow(e: SecurityEvent): string {
  const cells = [
    e.ts.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z'),
    e.tier.padEnd(6),
    e.class.padEnd(23),
    (e.ip ?? '-').padEnd(15),
    escapeForTerminal(e.user ?? '-').slice(0, 24),
    escapeForTerminal(e.service),
    escapeForTerminal(e.detail ?? '').slice(0, 60),
  ];
  return `${cells.join('  ')}\n`;
}

export function formatSummary(stats: RunStats, withClasses = true): string {
  const lines: string[] = [];
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  lines.push(
    `${'lines'.padStart(10)} ${'classified'.padStart(10)} ${'benign'.padStart(10)} ${'unrecognised'.padStart(12)} ${'malformed'.padStart(10)}  file`,
  );
  for (const f of stats.files) {
    const tail =
      f.error !== undefined
        ? `${escapeForTerminal(f.file)} (unreadable: ${escapeForTerminal(f.error)})`
        : escapeForTerminal(f.file);
    lines.push(
      `${pad(f.lines, 10)} ${pad(f.classified, 10)} ${pad(f.benign, 10)} ${pad(f.unrecognised, 12)} ${pad(f.malformed, 10)}  ${tail}`,
    );
  }
  const t = stats.totals;
  lines.push(
    `${pad(t.lines, 10)} ${pad(t.classified, 10)} ${pad(t.benign, 10)} ${pad(t.unrecognised, 12)} ${pad(t.malformed, 10)}  total (${t.files} input${t.files === 1 ? '' : 's'})`,
  );
  const classes = Object.entries(t.byClass).sort((a, b) => b[1] - a[1]);
  if (withClasses && classes.length > 0) {
    lines.push('', 'events by class:');
    for (const [cls, n] of classes) lines.push(`${pad(n, 10)}  ${cls}`);
  }
  if (stats.unrecognisedShapes.length > 0) {
    lines.push('', 'most common unrecognised line shapes:');
    for (const s of stats.unrecognisedShapes)
      lines.push(
        `${pad(s.count, 10)}  ${escapeForTerminal(s.shape)}  (e.g. ${escapeForTerminal(s.example)})`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** `mailwarden events`: one event per security-relevant line, NDJSON or a table. */
export async function runEvents(paths: string[], flags: EventsFlags, io: CommandIo): Promise<number> {
  const format = flags.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'table')
    throw new Error(`--format: "${format}" is not one of ndjson, table`);
  const warnings: ReadWarning[] = [];
  const inputs = paths.length > 0 ? paths : ['-'];
  const options = readOptionsFromFlags(flags, io, warnings);
  const out = new BufferedWriter(io.stdout);
  let threads = threadsFlag(flags.threads);
  if (threads === undefined)
    threads =
      format === 'ndjson' && (await inputBytes(inputs)) >= PARALLEL_FROM_BYTES ? availableParallelism() : 1;
  let stats: RunStats;
  if (threads > 1 && format === 'ndjson') {
    stats = await scanParallel(
      inputs,
      { ...options, workers: threads },
      {
        mode: 'events',
        lines: async (lines) => {
          if (lines.length > 0) await out.write(`${lines.join('\n')}\n`);
        },
      },
    );
  } else {
    const stream = readEvents(inputs, options);
    for await (const event of stream) {
      await out.write(format === 'ndjson' ? `${JSON.stringify(event)}\n` : tableRow(event));
    }
    stats = stream.stats;
  }
  await out.flush();
  if (format === 'table' || flags.summary !== false) io.stderr.write(`\n${formatSummary(stats)}`);
  const unreadable = stats.files.filter((f) => f.error !== undefined);
  if (unreadable.length > 0) {
    io.stderr.write(
      `mailwarden: could not read: ${unreadable.map((f) => escapeForTerminal(f.file)).join(', ')}\n`,
    );
    return 2;
  }
  return 0;
}
