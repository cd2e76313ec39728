/**
 * Follows the systemd journal through `journalctl -f -o json`, one JSON
 * record per line, resuming after the cursor of the last record handed over.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { JournalCheckpoint, LiveBatch, LiveSource, SourceCheckpoint } from './source.js';

export interface JournalSourceOptions {
  /** Only these systemd units (`journalctl --unit`); all of the journal when absent or empty. */
  units?: string[];
  /** The journalctl command and any leading arguments; default `['journalctl']`. */
  command?: string[];
  /** Appended to journalctl's arguments, e.g. `['--file', '/path/to/x.journal']`. */
  extraArgs?: string[];
  /** Where to begin without a checkpoint: new records only, or the whole journal. */
  from: 'end' | 'start';
}

const FIRST_RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 30_000;
/** journalctl gets this long to exit after SIGTERM before it is killed. */
const KILL_AFTER_MS = 5000;
const MAX_BATCH_LINES = 2000;
/** A record line longer than this is dropped: journald itself keeps fields far shorter. */
const MAX_LINE_BYTES = 8 * 1024 * 1024;
const STDERR_KEPT_BYTES = 4096;
const STDERR_REPORTED_LINES = 5;

type BatchHandler = (batch: LiveBatch) => void;
type ProblemHandler = (message: string) => void;

/** Splits a byte stream into LF-terminated lines, dropping (and counting) overlong ones. */
class LineSplitter {
  private parts: Buffer[] = [];
  private partsLength = 0;
  private skipping = false;
  overlong = 0;

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let lf = chunk.indexOf(0x0a); lf >= 0; lf = chunk.indexOf(0x0a, start)) {
      this.keep(chunk.subarray(start, lf));
      if (!this.skipping) lines.push(Buffer.concat(this.parts, this.partsLength).toString('utf8'));
      this.parts = [];
      this.partsLength = 0;
      this.skipping = false;
      start = lf + 1;
    }
    this.keep(chunk.subarray(start));
    return lines;
  }

  private keep(part: Buffer): void {
    if (this.skipping || part.length === 0) return;
    this.parts.push(Buffer.from(part));
    this.partsLength += part.length;
    if (this.partsLength > MAX_LINE_BYTES) {
      this.overlong++;
      this.skipping = true;
      this.parts = [];
      this.partsLength = 0;
    }
  }
}

/** Keeps the end of a child's stderr, for the report when it exits. */
class StderrTail {
  private text = '';

  add(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-STDERR_KEPT_BYTES);
  }

  lastLines(): string {
    const lines = this.text.split('\n').filter((line) => line.trim() !== '');
    return lines.slice(-STDERR_REPORTED_LINES).join(' | ');
  }
}

function cursorOf(line: string): string | null | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  const cursor = (record as Record<string, unknown>)['__CURSOR'];
  return typeof cursor === 'string' ? cursor : null;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with status ${code}`;
}

export class JournalSource implements LiveSource {
  readonly key: string;
  private readonly command: string[];
  private readonly units: string[];
  private onBatch: BatchHandler = () => {};
  private onProblem: ProblemHandler = () => {};
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | null = null;
  private restartDelayMs = FIRST_RESTART_DELAY_MS;
  private cursor: string | null = null;
  /** When following from the end began (epoch ms), so that a restart before the first record misses nothing. */
  private followSinceMs: number | null = null;

  constructor(private readonly options: JournalSourceOptions) {
    this.command = options.command ?? ['journalctl'];
    if (this.command.length === 0) throw new Error('the journal source needs a command to run');
    this.units = options.units ?? [];
    this.key = this.units.length > 0 ? `journal:${this.units.join(',')}` : 'journal';
  }

  async start(onBatch: BatchHandler, onProblem: ProblemHandler, resume?: SourceCheckpoint): Promise<void> {
    if (this.state !== 'idle') throw new Error('the journal source was already started');
    this.state = 'running';
    this.onBatch = onBatch;
    this.onProblem = onProblem;
    if (resume?.kind === 'journal') this.cursor = resume.cursor;
    this.launch();
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    if (child) {
      const kill = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      child.kill('SIGTERM');
      await this.exited;
      clearTimeout(kill);
    }
  }

  /** journalctl's arguments: follow as JSON from the cursor, or else from the start policy. */
  private journalctlArguments(): string[] {
    const units = this.units.map((unit) => `--unit=${unit}`);
    return [
      '-f',
      '-o',
      'json',
      '--no-pager',
      ...units,
      ...this.position(),
      ...(this.options.extraArgs ?? []),
    ];
  }

  private position(): string[] {
    // With -f, journalctl shows only the last 10 records unless told otherwise, even after a cursor.
    if (this.cursor !== null) return ['--lines=all', `--after-cursor=${this.cursor}`];
    if (this.options.from === 'start') return ['--lines=all'];
    if (this.followSinceMs !== null)
      return ['--lines=all', `--since=@${(this.followSinceMs / 1000).toFixed(3)}`];
    this.followSinceMs = Date.now();
    return ['--lines=0'];
  }

  private launch(): void {
    const [program, ...leading] = this.command;
    const usedCursor = this.cursor;
    const child = spawn(program!, [...leading, ...this.journalctlArguments()], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const splitter = new LineSplitter();
    const stderr = new StderrTail();
    let linesRead = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      linesRead += this.handOver(splitter.push(chunk), splitter);
    });
    child.stderr?.on('data', (chunk: Buffer) => stderr.add(chunk));
    this.exited = new Promise((resolve) => {
      let spawnError: Error | null = null;
      child.once('error', (error) => {
        spawnError = error;
      });
      child.once('close', (code, signal) => {
        this.child = null;
        resolve();
        if (this.state !== 'running') return;
        const why = spawnError ? `could not be run: ${spawnError.message}` : describeExit(code, signal);
        this.exitedUnexpectedly(`${why}${this.stderrNote(stderr)}`, linesRead === 0 ? usedCursor : null);
      });
    });
  }

  private stderrNote(stderr: StderrTail): string {
    const text = stderr.lastLines();
    return text === '' ? '' : `: ${text}`;
  }

  /** Hands over the JSON lines of one chunk (in batches); returns how many lines it held. */
  private handOver(lines: string[], splitter: LineSplitter): number {
    if (this.state !== 'running') return 0;
    if (splitter.overlong > 0) {
      this.onProblem(`journal: dropped ${splitter.overlong} record(s) longer than ${MAX_LINE_BYTES} bytes`);
      splitter.overlong = 0;
    }
    let batch: string[] = [];
    for (const line of lines) {
      if (!this.takeRecord(line)) continue;
      batch.push(line);
      if (batch.length === MAX_BATCH_LINES) {
        this.emit(batch);
        batch = [];
      }
    }
    if (batch.length > 0) this.emit(batch);
    return lines.length;
  }

  /** Whether the line is a record to hand over; notes its cursor. journalctl runs well again once records come. */
  private takeRecord(line: string): boolean {
    if (line === '') return false;
    const cursor = cursorOf(line);
    if (cursor === undefined) {
      this.onProblem(
        `journal: skipped a line of journalctl output that is no JSON record: ${line.slice(0, 200)}`,
      );
      return false;
    }
    if (cursor !== null) this.cursor = cursor;
    this.restartDelayMs = FIRST_RESTART_DELAY_MS;
    return true;
  }

  private emit(lines: string[]): void {
    const checkpoint: JournalCheckpoint | null =
      this.cursor !== null ? { kind: 'journal', cursor: this.cursor } : null;
    this.onBatch({ origin: 'journal', lines, firstLineNo: 0, checkpoint });
  }

  /**
   * Reports the exit and restarts later from the last cursor. A cursor that
   * journalctl rejected before giving any record is forgotten, or it would be
   * rejected forever.
   */
  private exitedUnexpectedly(why: string, rejectedCursor: string | null): void {
    const delay = this.restartDelayMs;
    let note = '';
    if (rejectedCursor !== null && /cursor/i.test(why)) {
      this.cursor = null;
      note = `; the stored cursor was not accepted, reading from the ${this.options.from} instead`;
    }
    this.onProblem(`journal: ${this.command.join(' ')} ${why}${note}; restarting in ${delay / 1000} s`);
    this.restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.state === 'running') this.launch();
    }, delay);
  }
}
