// Starts daemons in the foreground as our own children and ends them by their
// own pid. Each daemon is spawned detached, so it leads a process group whose
// id is its pid: stopping it signals that group and nothing else on the machine.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
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
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.exitStatus !== undefined;
  }

  /** Whether any process of the daemon's process group is still alive. */
  groupAlive(): boolean {
    return signalGroup(this.pid, 0);
  }

  output(): string {
    try {
      return readFileSync(this.outputFile, 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Asks the daemon to shut down (SIGTERM to its own pid), waits for it and for
   * every process of its group, and kills the group if the deadline passes.
   * Safe to call more than once.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.hasExited) this.child.kill('SIGTERM');
    try {
      await waitFor(`${this.name} (pid ${this.pid}) to exit`, () => (!this.groupAlive() && this.hasExited ? true : undefined), {
        timeoutMs,
      });
    } catch {
      signalGroup(this.pid, 'SIGKILL');
      await waitFor(`${this.name} (pid ${this.pid}) to die after SIGKILL`, () =>
        !this.groupAlive() && this.hasExited ? true : undefined,
      );
    } finally {
      live.delete(this);
    }
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
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
  for (const daemon of live) signalGroup(daemon.pid, 'SIGKILL');
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

export function startDaemon(name: string, command: string, args: readonly string[], options: DaemonOptions): Daemon {
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
    const { stdout, stderr } = await execFileAsync(command, [...args], { timeout: timeoutMs, encoding: 'utf8' });
    return { stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim());
  }
}
