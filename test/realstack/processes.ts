// Starts daemons in the foreground as our own children and ends them by their
// own pid. Each daemon is spawned detached (its own session and process
// group, which Postfix's master needs: it signals its own group on shutdown);
// every process it starts is tracked by pid, so stopping it signals those and
// nothing else on the machine.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DaemonOptions {
  /** stdout and stderr of the daemon go here (start-up errors land in it). */
  outputFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class Daemon {
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;
  /** Every pid seen in the daemon's process tree; some daemons (postscreen) leave its process group with setsid(). */
  private readonly tracked = new Set<number>();

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly outputFile: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
    if (child.pid) this.tracked.add(child.pid);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.exitStatus !== undefined;
  }

  /** Adds the current descendants and process-group members to the tracked pids. */
  private track(table: ProcEntry[] = readProcTable()): void {
    for (const pid of [...this.tracked]) for (const d of descendantsIn(table, pid)) this.tracked.add(d);
    for (const p of table) if (p.pgid === this.pid) this.tracked.add(p.pid);
  }

  /** Tracked processes that are still alive (zombies waiting for init do not count). */
  survivors(): number[] {
    const table = readProcTable();
    this.track(table);
    const alive = new Set(table.filter((p) => p.state !== 'Z').map((p) => p.pid));
    return [...this.tracked].filter((pid) => alive.has(pid));
  }

  output(): string {
    try {
      return readFileSync(this.outputFile, 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Asks the daemon to shut down (SIGTERM to its own pid), waits for it and
   * every process it started, and SIGKILLs those by pid if the deadline
   * passes. Safe to call more than once.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.track();
    if (!this.hasExited) this.child.kill('SIGTERM');
    const gone = () => (this.hasExited && this.survivors().length === 0 ? true : undefined);
    try {
      await waitFor(`${this.name} (pid ${this.pid}) and its processes to exit`, gone, { timeoutMs });
    } catch {
      this.kill('SIGKILL');
      await waitFor(`${this.name} (pid ${this.pid}) to die after SIGKILL`, gone);
    } finally {
      live.delete(this);
    }
  }

  /** Signals every tracked live process by its pid. */
  kill(signal: NodeJS.Signals): void {
    for (const pid of this.survivors()) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
}

/** pid, parent, process group and state of every process, from /proc. */
export function readProcTable(): ProcEntry[] {
  const table: ProcEntry[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.push({
      pid: Number(entry),
      state: fields[0] ?? '',
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
    });
  }
  return table;
}

function descendantsIn(table: readonly ProcEntry[], root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const p of table) {
      if (p.ppid === parent && !out.includes(p.pid)) {
        out.push(p.pid);
        queue.push(p.pid);
      }
    }
  }
  return out;
}

/**
 * Live processes whose working directory, command line or environment names
 * `path`: anything a stack rooted there could have left running.
 */
export function processesReferencing(path: string): number[] {
  const found: number[] = [];
  for (const p of readProcTable()) {
    if (p.state === 'Z' || p.pid === process.pid) continue;
    const dir = `/proc/${p.pid}`;
    const read = (f: string) => {
      try {
        return readFileSync(`${dir}/${f}`, 'latin1');
      } catch {
        return '';
      }
    };
    let cwd = '';
    try {
      cwd = readlinkSync(`${dir}/cwd`);
    } catch {
      // not ours to read, or gone
    }
    if (cwd.startsWith(path) || read('cmdline').includes(path) || read('environ').includes(path))
      found.push(p.pid);
  }
  return found;
}

const live = new Set<Daemon>();
const emergencyCleanups = new Set<() => void>();
let hooksInstalled = false;

/** Registers a synchronous cleanup run if this process exits without stopping the stack. */
export function onEmergencyExit(cleanup: () => void): () => void {
  installHooks();
  emergencyCleanups.add(cleanup);
  return () => emergencyCleanups.delete(cleanup);
}

function emergencyStop(): void {
  for (const daemon of live) daemon.kill('SIGKILL');
  live.clear();
  for (const cleanup of emergencyCleanups) {
    try {
      cleanup();
    } catch {
      // best effort: the process is going away
    }
  }
  emergencyCleanups.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', emergencyStop);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      emergencyStop();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

export function startDaemon(
  name: string,
  command: string,
  args: readonly string[],
  options: DaemonOptions,
): Daemon {
  installHooks();
  const out = openSync(options.outputFile, 'a');
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', out, out],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    const daemon = new Daemon(name, child, options.outputFile);
    child.once('error', () => {
      // reported through the exit/spawn checks of the caller
    });
    live.add(daemon);
    return daemon;
  } finally {
    closeSync(out);
  }
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true, maxRetries: 3 });
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a short command to completion; rejects with its output on failure. */
export async function run(command: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      timeout: timeoutMs,
      encoding: 'utf8',
    });
    return { stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim(),
    );
  }
}
