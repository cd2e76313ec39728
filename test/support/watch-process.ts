import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** A `mailwarden watch` child process, its output kept for assertions. */
export class WatchProcess {
  stdout = '';
  stderr = '';
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(args: string[], env: NodeJS.ProcessEnv = {}): WatchProcess {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'mailwarden'), 'watch', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new WatchProcess(child);
  }

  /** The JSON lines of standard output (the stdout action's bans and unbans, and the decision log when sent there). */
  jsonLines(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** Waits until `predicate` holds, failing with both outputs after `timeoutMs`. */
  async waitFor(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.child.exitCode !== null)
        throw new Error(
          `watch exited (${this.child.exitCode}) while waiting for ${what}\nstderr:\n${this.stderr}`,
        );
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  started(timeoutMs = 30_000): Promise<void> {
    return this.waitFor('the watcher to start', () => /mailwarden: watching/.test(this.stderr), timeoutMs);
  }

  /** Waits for the process to exit by itself (it is killed after `timeoutMs`). */
  async exited(timeoutMs = 30_000) {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.exit;
    clearTimeout(timer);
    return result;
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000) {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.exit;
    clearTimeout(timer);
    return result;
  }
}
