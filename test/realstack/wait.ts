// Deterministic waiting: every wait polls a condition until a deadline and
// fails with a message saying what it was waiting for. No fixed sleeps.
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export type LogMatcher = RegExp | string | ((line: string) => boolean);

export interface WaitForLogOptions extends WaitOptions {
  /** How many matching lines to wait for (default 1). */
  count?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_INTERVAL_MS = 50;

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/** Thrown by a probe to end the wait at once (e.g. the daemon being waited for has died). */
export class WaitAbortedError extends Error {
  override name = 'WaitAbortedError';
}

/** Polls `probe` until it returns a value other than undefined, or throws on the deadline. */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof WaitAbortedError) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
    }
    await delay(intervalMs);
  }
}

export function lineMatches(matcher: LogMatcher, line: string): boolean {
  if (typeof matcher === 'string') return line.includes(matcher);
  if (typeof matcher === 'function') return matcher(line);
  matcher.lastIndex = 0;
  return matcher.test(line);
}

export async function readLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Waits until `file` holds at least `count` lines matching `matcher` and
 * returns the matching lines. A missing file counts as empty.
 */
export async function waitForLog(
  file: string,
  matcher: LogMatcher,
  options: WaitForLogOptions = {},
): Promise<string[]> {
  const count = options.count ?? 1;
  return waitFor(
    `${count} line(s) matching ${String(matcher)} in ${file}`,
    async () => {
      const hits = (await readLines(file)).filter((line) => lineMatches(matcher, line));
      return hits.length >= count ? hits : undefined;
    },
    options,
  );
}

export async function waitForPath(path: string, options: WaitOptions = {}): Promise<void> {
  await waitFor(
    `${path} to exist`,
    async () => ((await stat(path).catch(() => undefined)) ? true : undefined),
    {
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
    },
  );
}

/**
 * Whether something listens on TCP `port` of this machine's network namespace,
 * read from /proc/net/tcp{,6} so that the check itself makes no connection
 * (a probe connection would leave "connect from" lines in the daemon logs).
 */
export async function isListening(port: number): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const row of rows) {
      const fields = row.trim().split(/\s+/);
      // fields[1] is local "ADDR:PORT", fields[3] the state; 0A is LISTEN.
      if (fields[3] === '0A' && fields[1]?.endsWith(`:${hexPort}`)) return true;
    }
  }
  return false;
}

export async function waitForListening(port: number, options: WaitOptions = {}): Promise<void> {
  await waitFor(
    `TCP port ${port} to be listening`,
    async () => ((await isListening(port)) ? true : undefined),
    options,
  );
}
