/**
 * Latency of `mailwarden watch` under a sustained write rate: a generated mail
 * log is replayed into a followed file at a steady rate, each line stamped with
 * the time it is written, and every ~200 ms a fresh "probe" address makes its
 * fifth SASL failure. The time from that fifth line being written to the ban
 * line arriving on the watcher's standard output is one latency sample.
 *
 * The pieces that stream lines and read the watcher's metrics are exported for
 * the sustained-stream test, which drives the watcher the same way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// --- the stream of lines ----------------------------------------------------

const RFC3339_STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) /;

/** `2026-11-25T10:00:00.123456+00:00` for a time in milliseconds (with a fraction). */
export function rfc3339Stamp(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.floor((ms - whole) * 1000);
  const iso = new Date(whole).toISOString(); // 2026-11-25T10:00:00.123Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}+00:00`;
}

/** The lines of a generated RFC 3339 log without their time stamps, handed out in a loop. */
export class BackgroundLines {
  private next = 0;

  private constructor(private readonly rests: string[]) {}

  static load(path: string): BackgroundLines {
    const rests: string[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line === '') continue;
      const stamp = RFC3339_STAMP.exec(line);
      if (!stamp) throw new Error(`${path}: not an RFC 3339 log line: ${line.slice(0, 80)}`);
      rests.push(line.slice(stamp[0].length - 1));
    }
    if (rests.length === 0) throw new Error(`${path}: no lines`);
    return new BackgroundLines(rests);
  }

  /** The next line's text after its time stamp (with the leading blank). */
  take(): string {
    const rest = this.rests[this.next]!;
    this.next = (this.next + 1) % this.rests.length;
    return rest;
  }
}

/** A line written at a planned moment among the background. */
export interface InjectedLine {
  /** Milliseconds after the stream's start. */
  atMs: number;
  /** The line's text after its time stamp (with the leading blank). */
  rest: string;
  /** Told the time (process.hrtime.bigint) just after the write that holds the line returned. */
  onWritten?: (writtenAt: bigint) => void;
}

export interface StreamOptions {
  path: string;
  /** Lines per second, injected ones included. */
  rate: number;
  seconds: number;
  background: BackgroundLines;
  /** Sorted by atMs; lines planned after the end are not written. */
  injected: readonly InjectedLine[];
  /** Time between two appends (default 10 ms): small appends keep the rate smooth. */
  intervalMs?: number;
}

export interface StreamResult {
  lines: number;
  injected: number;
  seconds: number;
  linesPerSecond: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
}

/** The lines of one append: the injected ones due by `elapsed`, then background up to the rate. */
function dueLines(
  options: StreamOptions,
  elapsed: number,
  written: number,
  next: { injected: number },
): { rests: string[]; notify: InjectedLine[] } {
  const rests: string[] = [];
  const notify: InjectedLine[] = [];
  while (next.injected < options.injected.length && options.injected[next.injected]!.atMs <= elapsed) {
    const line = options.injected[next.injected++]!;
    rests.push(line.rest);
    if (line.onWritten) notify.push(line);
  }
  const due = Math.floor((elapsed / 1000) * options.rate) - written - rests.length;
  for (let i = 0; i < due; i++) rests.push(options.background.take());
  return { rests, notify };
}

/**
 * Appends lines to `path` at `rate` lines/s for `seconds`, every line stamped
 * with the wall-clock time of its append. The number due is computed from the
 * time elapsed, so a late timer makes a larger append rather than a lower rate.
 */
export async function streamLog(options: StreamOptions): Promise<StreamResult> {
  const interval = options.intervalMs ?? 10;
  const durationMs = options.seconds * 1000;
  const fd = openSync(options.path, 'a');
  const began = performance.now();
  const next = { injected: 0 };
  let written = 0;
  try {
    for (let tick = 1; ; tick++) {
      const elapsed = Math.min(performance.now() - began, durationMs);
      const { rests, notify } = dueLines(options, elapsed, written, next);
      if (rests.length > 0) {
        const stamp = rfc3339Stamp(performance.timeOrigin + performance.now());
        writeAll(fd, rests.map((rest) => `${stamp}${rest}\n`).join(''));
      }
      const writtenAt = process.hrtime.bigint();
      for (const line of notify) line.onWritten!(writtenAt);
      written += rests.length;
      if (elapsed >= durationMs) break;
      await sleep(Math.max(0, began + tick * interval - performance.now()));
    }
  } finally {
    closeSync(fd);
  }
  const seconds = (performance.now() - began) / 1000;
  return { lines: written, injected: next.injected, seconds, linesPerSecond: written / seconds };
}

/** A Postfix submission SASL failure, as `mailwarden events` classifies it: sasl-auth-failure. */
export function saslFailure(address: string, pid: number): string {
  return ` mail postfix/submission/smtpd[${pid}]: warning: unknown[${address}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`;
}

/**
 * The n-th (0-based) address of 198.18.0.0/15 (RFC 2544 benchmarking), hosts .1 to .250:
 * public to the watcher (not among the private ranges it never bans) and never produced
 * by the log generator.
 */
export function benchmarkAddress(n: number): string {
  const block = Math.floor(n / 250); // the /24 within the /15
  if (block > 511) throw new Error(`benchmark address ${n}: outside 198.18.0.0/15`);
  return `198.${18 + (block >> 8)}.${block & 255}.${1 + (n % 250)}`;
}

// --- the watcher's side -----------------------------------------------------

/** A loopback TCP port nobody listens on, the first free one of [from, to] when given. */
export async function freeLoopbackPort(from = 0, to = from): Promise<number> {
  for (let port = from; port <= to; port++) {
    const bound = await new Promise<number | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const found = address && typeof address === 'object' ? address.port : null;
        server.close(() => resolve(found));
      });
    });
    if (bound !== null) return bound;
  }
  throw new Error(`no free loopback port in ${from}-${to}`);
}

/** A field of /proc/PID/status in KiB (VmRSS, VmHWM), or null when the process is gone. */
export function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) : null;
}

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

export async function fetchMetrics(port: number): Promise<MetricSample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}

/** mailwarden_lines_total of one source, summed over the outcomes. */
export function linesAccounted(samples: readonly MetricSample[], source: string): number {
  return samples
    .filter((s) => s.name === 'mailwarden_lines_total' && s.labels['source'] === source)
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * Waits until the watcher has accounted for `expected` lines of `source`, or
 * until the count stood still for `quietMs` (then it never will), or until
 * `timeoutMs`; returns the last count.
 */
export async function settledLineCount(
  port: number,
  source: string,
  expected: number,
  { quietMs = 3000, timeoutMs = 60_000 } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const count = linesAccounted(await fetchMetrics(port), source);
    if (count === expected) return count;
    if (count !== last) {
      last = count;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange >= quietMs || Date.now() >= deadline) return count;
    await sleep(250);
  }
}

export interface WatchSettingsOptions {
  dir: string;
  metricsPort: number;
  /** Networks never banned (settings `allow`). */
  allow?: readonly string[];
}

/** One rule (5 SASL failures in 10 minutes), no subnet escalation, the stdout action. */
export function watchSettingsToml({ dir, metricsPort, allow = [] }: WatchSettingsOptions): string {
  return `state = ${JSON.stringify(join(dir, 'state.db'))}
tick = "1s"
decision_log = ${JSON.stringify(join(dir, 'decisions.jsonl'))}
allow = ${JSON.stringify(allow)}

[[rules]]
name = "login-brute-force"
classes = ["sasl-auth-failure"]
count = 5
window = "10m"

[bans]
subnet_min = 0

[actions]
enabled = ["stdout"]

[metrics]
listen = "127.0.0.1:${metricsPort}"
`;
}

/** A `mailwarden watch` process whose ban lines are timed as they arrive on its standard output. */
class TimedWatcher {
  stderr = '';
  /** When the first ban line of each target arrived (process.hrtime.bigint). */
  readonly banArrivals = new Map<string, bigint>();
  private pending = '';
  private readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static start(mailwarden: string, args: string[]): TimedWatcher {
    const child = spawn(process.execPath, [mailwarden, 'watch', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new TimedWatcher(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  private onStdout(chunk: string): void {
    const arrived = process.hrtime.bigint();
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const record = JSON.parse(line) as { action?: unknown; target?: unknown };
      if (
        record.action === 'ban' &&
        typeof record.target === 'string' &&
        !this.banArrivals.has(record.target)
      )
        this.banArrivals.set(record.target, arrived);
    }
  }

  async waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.child.exitCode !== null)
        throw new Error(`watch exited while waiting for ${what}:\n${this.stderr}`);
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
    return true;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}

// --- the measurement --------------------------------------------------------

export interface WatchLatencyOptions {
  /** bin/mailwarden. */
  mailwarden: string;
  /** A generated RFC 3339 log whose lines are replayed as the background. */
  backgroundLog: string;
  rate: number;
  seconds: number;
  probeIntervalMs: number;
  /** How long to wait after the stream for the last bans and lines. */
  drainMs?: number;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface WatchLatencyResult {
  command: string;
  /** The settings file the watcher ran with (its paths were in a temporary directory). */
  settings: string;
  backgroundLog: string;
  targetRate: number;
  seconds: number;
  probeIntervalMs: number;
  /** Probes whose fifth failure was written. */
  probes: number;
  /** Probes whose ban arrived. */
  banned: number;
  latencyMs: LatencySummary | null;
  linesWritten: number;
  writeSeconds: number;
  linesPerSecond: number;
  /** mailwarden_lines_total of the followed file, summed over outcomes, at the end. */
  linesAccounted: number;
  /** Bans of addresses from the background (its public attackers), besides the probes. */
  backgroundBans: number;
  /** VmHWM of the watcher at the end. */
  peakRssMiB: number | null;
  targetMs: number;
  /** p99 under targetMs, every probe banned and every line accounted. */
  targetMet: boolean;
}

/** The issue's target: a decision under 100 ms after the line is written, at a sustained 10k lines/s. */
export const LATENCY_TARGET_MS = 100;
const FAILURES_PER_PROBE = 5;
const FAILURE_SPACING_MS = 30;

interface Probe {
  address: string;
  writtenAt: bigint | null;
}

/** Probe k makes its five failures 30 ms apart, the fifth at (k + 1) * interval. */
function planProbes(options: WatchLatencyOptions): { probes: Probe[]; lines: InjectedLine[] } {
  const probes: Probe[] = [];
  const lines: InjectedLine[] = [];
  const durationMs = options.seconds * 1000;
  for (let k = 0; (k + 1) * options.probeIntervalMs <= durationMs; k++) {
    const probe: Probe = { address: benchmarkAddress(k), writtenAt: null };
    probes.push(probe);
    const fifthAt = (k + 1) * options.probeIntervalMs;
    for (let j = 0; j < FAILURES_PER_PROBE; j++) {
      const last = j === FAILURES_PER_PROBE - 1;
      lines.push({
        atMs: fifthAt - (FAILURES_PER_PROBE - 1 - j) * FAILURE_SPACING_MS,
        rest: saslFailure(probe.address, 20_000 + k),
        ...(last ? { onWritten: (t: bigint) => (probe.writtenAt = t) } : {}),
      });
    }
  }
  return { probes, lines };
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarise(latencies: number[]): LatencySummary | null {
  if (latencies.length === 0) return null;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1)!,
  };
}

function probeLatencies(probes: readonly Probe[], arrivals: ReadonlyMap<string, bigint>): number[] {
  const latencies: number[] = [];
  for (const probe of probes) {
    const arrived = arrivals.get(probe.address);
    if (probe.writtenAt !== null && arrived !== undefined)
      latencies.push(Number(arrived - probe.writtenAt) / 1e6);
  }
  return latencies;
}

export async function measureWatchLatency(options: WatchLatencyOptions): Promise<WatchLatencyResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mailwarden-watch-latency-'));
  const log = join(dir, 'mail.log');
  const settings = join(dir, 's.toml');
  writeFileSync(log, '');
  const metricsPort = await freeLoopbackPort();
  const settingsText = watchSettingsToml({ dir, metricsPort });
  writeFileSync(settings, settingsText);
  const background = BackgroundLines.load(options.backgroundLog);
  const { probes, lines } = planProbes(options);
  const args = [log, '--settings', settings];
  const watcher = TimedWatcher.start(options.mailwarden, args);
  try {
    const started = await watcher.waitFor(
      'the start',
      () => /mailwarden: watching/.test(watcher.stderr),
      30_000,
    );
    if (!started) throw new Error(`watch did not start:\n${watcher.stderr}`);
    const stream = await streamLog({
      path: log,
      rate: options.rate,
      seconds: options.seconds,
      background,
      injected: lines,
    });
    const drainMs = options.drainMs ?? 10_000;
    const written = probes.filter((p) => p.writtenAt !== null);
    await watcher.waitFor(
      'the probes',
      () => written.every((p) => watcher.banArrivals.has(p.address)),
      drainMs,
    );
    const accounted = await settledLineCount(metricsPort, log, stream.lines);
    const hwm = procStatusKiB(watcher.pid, 'VmHWM');
    const latencyMs = summarise(probeLatencies(probes, watcher.banArrivals));
    const banned = written.filter((p) => watcher.banArrivals.has(p.address)).length;
    const probeAddresses = new Set(probes.map((p) => p.address));
    return {
      command: `mailwarden watch ${args.join(' ')}`,
      settings: settingsText,
      backgroundLog: options.backgroundLog,
      targetRate: options.rate,
      seconds: options.seconds,
      probeIntervalMs: options.probeIntervalMs,
      probes: written.length,
      banned,
      latencyMs,
      linesWritten: stream.lines,
      writeSeconds: stream.seconds,
      linesPerSecond: stream.linesPerSecond,
      linesAccounted: accounted,
      backgroundBans: [...watcher.banArrivals.keys()].filter((t) => !probeAddresses.has(t)).length,
      peakRssMiB: hwm === null ? null : hwm / 1024,
      targetMs: LATENCY_TARGET_MS,
      targetMet:
        latencyMs !== null &&
        latencyMs.p99 < LATENCY_TARGET_MS &&
        banned === written.length &&
        accounted === stream.lines,
    };
  } finally {
    await watcher.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The result as the bench prints it. */
export function formatWatchLatency(r: WatchLatencyResult): string[] {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const row = (label: string, value: string) => `  ${label.padEnd(26)} ${value}`;
  const l = r.latencyMs;
  const missing = r.linesWritten - r.linesAccounted;
  return [
    `watch latency (a probe every ${r.probeIntervalMs} ms, ${r.seconds} s at ${r.targetRate} lines/s):`,
    row(
      'written',
      `${r.linesWritten} lines in ${r.writeSeconds.toFixed(1)} s (${Math.round(r.linesPerSecond)} lines/s)`,
    ),
    row(
      'accounted by the watcher',
      `${r.linesAccounted} lines${missing === 0 ? '' : ` (${missing} missing)`}`,
    ),
    row('probes banned', `${r.banned} of ${r.probes} (besides ${r.backgroundBans} background attackers)`),
    row(
      'fifth failure to ban line',
      l ? `p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}, max ${ms(l.max)}` : 'no probe was banned',
    ),
    row('peak RSS (VmHWM)', r.peakRssMiB === null ? 'unknown' : `${r.peakRssMiB.toFixed(0)} MiB`),
    row(
      `target: p99 < ${r.targetMs} ms`,
      `${r.targetMet ? 'met' : 'NOT met'} (with every probe banned and every line accounted)`,
    ),
  ];
}
