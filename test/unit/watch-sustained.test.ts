// `mailwarden watch` under a sustained stream: the benchmark's generated mail
// log replayed into a followed file at 5,000 lines/s for 15 s, every line
// stamped with the time it is written, with a few attackers injected at known
// times. Every attacker that crosses the rule is banned exactly once and nobody
// else is, every line written is accounted in the metrics, and the watcher's
// memory does not grow with the lines read. Nothing here measures latency: the
// benchmark does (bench/watch-latency.ts).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AddressPools } from '../../bench/generator/addresses.js';
import { generateLogs } from '../../bench/generator/generate.js';
import {
  BackgroundLines,
  benchmarkAddress,
  fetchMetrics,
  freeLoopbackPort,
  type InjectedLine,
  procStatusKiB,
  type StreamResult,
  saslFailure,
  settledLineCount,
  streamLog,
  watchSettingsToml,
} from '../../bench/watch-latency.js';
import { WatchProcess } from '../support/watch-process.js';

const RATE = 5000;
const SECONDS = 15;

/**
 * The generator's public addresses: its campaign /24s (RFC 5737) and all of its
 * IPv6 (2001:db8::/32). Its other addresses (100.64.0.0/10, 10.0.0.0/8, loopback)
 * are private, which the watcher never bans, so with these allowed only the
 * injected attackers can be banned.
 */
const GENERATOR_PUBLIC = [0, 1, 2]
  .map((n) => `${AddressPools.campaignNetwork(n)}.0/24`)
  .concat('2001:db8::/32');

interface Attacker {
  address: string;
  /** When each SASL failure is written, in ms after the stream's start. */
  failuresAt: number[];
}

const at = (startMs: number, count: number, spacingMs: number) =>
  Array.from({ length: count }, (_, i) => startMs + i * spacingMs);

/** 198.18.0.0/15 and 3fff::/20 (documentation): public, and never in the generated log. */
const CROSSING: Attacker[] = [
  { address: benchmarkAddress(1), failuresAt: at(2000, 5, 300) },
  { address: benchmarkAddress(2), failuresAt: at(1000, 5, 3000) }, // spread over 12 s
  { address: benchmarkAddress(3), failuresAt: at(5000, 12, 200) }, // goes on after its ban
  { address: benchmarkAddress(4), failuresAt: at(11_000, 5, 0) }, // one burst
  { address: '3fff:0:1::7', failuresAt: at(8000, 5, 250) },
];
const BELOW_THRESHOLD: Attacker[] = [
  { address: benchmarkAddress(5), failuresAt: at(3000, 4, 500) },
  { address: benchmarkAddress(6), failuresAt: at(1500, 4, 3500) },
];

function injectedLines(attackers: readonly Attacker[]): InjectedLine[] {
  return attackers
    .flatMap((a, i) =>
      a.failuresAt.map((atMs, j) => ({ atMs, rest: saslFailure(a.address, 30_000 + 100 * i + j) })),
    )
    .sort((x, y) => x.atMs - y.atMs);
}

/** VmRSS of `pid` in MiB, once a second until stopped. */
function sampleRss(pid: number): { samples: number[]; stop: () => void } {
  const samples: number[] = [];
  const timer = setInterval(() => {
    const kib = procStatusKiB(pid, 'VmRSS');
    if (kib !== null) samples.push(kib / 1024);
  }, 1000);
  return { samples, stop: () => clearInterval(timer) };
}

function tally(targets: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of targets) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

async function decisionLogBans(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { kind: string; target?: string })
    .filter((d) => d.kind === 'ban')
    .map((d) => d.target!);
}

/**
 * Memory must not grow with the lines read. On a 2-core machine the watcher's
 * RSS in this stream levels off at 90-97 MiB within two seconds, and the last
 * third's peak stayed 1-3 MiB above the first third's, idle as with two or four
 * CPU- and allocation-heavy processes beside it (GC in the watcher is driven by
 * its own allocations, which the load does not change). The limit, 1.1x the
 * early peak plus 12 MiB (about 115 MiB), leaves some 20 MiB for collection
 * timing. A leak raises the early peak too, so a mostly proportional limit
 * would let it through: with 1.5x + 30 MiB, a watcher made to keep about 1.3 KiB
 * per line read (RSS +100 MiB in the 15 s) still passed; with this one, keeping
 * 0.8 KiB per line (+37 MiB between the thirds) fails. Slower leaks need a
 * longer run than a unit test takes.
 */
function assertMemoryBounded(samples: readonly number[]): void {
  assert.ok(samples.length >= 9, `too few RSS samples: ${samples.length}`);
  const third = Math.floor(samples.length / 3);
  const early = Math.max(...samples.slice(0, third));
  const late = Math.max(...samples.slice(-third));
  const limit = 1.1 * early + 12;
  assert.ok(
    late <= limit,
    `RSS grew from ${early.toFixed(0)} MiB (first third) to ${late.toFixed(0)} MiB (last third), over the ${limit.toFixed(0)} MiB allowed; samples: ${samples.map((s) => s.toFixed(0)).join(' ')}`,
  );
}

test(`a sustained ${RATE} lines/s: attackers banned once each, every line accounted, memory bounded`, {
  timeout: 180_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mw-watch-sustained-'));
  const log = join(dir, 'mail.log');
  const settings = join(dir, 'mailwarden.toml');
  let watch: WatchProcess | null = null;
  try {
    // About 80k lines: the stream needs 75k, so few lines come round twice.
    const generated = await generateLogs({ size: '12MB', seed: 5, out: join(dir, 'generated') });
    const generatedLog = join(generated.dir, 'mail.log');
    assert.doesNotMatch(await readFile(generatedLog, 'utf8'), /\[(?:198\.1[89]\.|3fff:)/);
    const background = BackgroundLines.load(generatedLog);
    const port = await freeLoopbackPort(28500, 28599);
    await writeFile(settings, watchSettingsToml({ dir, metricsPort: port, allow: GENERATOR_PUBLIC }));
    await writeFile(log, '');

    watch = WatchProcess.start([log, '--settings', settings]);
    await watch.started();
    const rss = sampleRss(watch.child.pid!);
    let stream: StreamResult;
    try {
      const injected = injectedLines([...CROSSING, ...BELOW_THRESHOLD]);
      stream = await streamLog({ path: log, rate: RATE, seconds: SECONDS, background, injected });
    } finally {
      rss.stop();
    }
    const w = watch;
    const bans = () => w.jsonLines().filter((l) => l.action === 'ban');
    await w.waitFor('every attacker banned', () =>
      CROSSING.every((a) => bans().some((b) => b.target === a.address)),
    );
    const accounted = await settledLineCount(port, log, stream.lines);
    const lag = (await fetchMetrics(port)).filter(
      (s) => s.name === 'mailwarden_source_lag_seconds' && s.labels['source'] === log,
    );
    assert.deepEqual(await w.stop(), { code: 0, signal: null });

    assert.ok(stream.lines >= RATE * SECONDS * 0.99, `only ${stream.lines} lines written`);
    assert.equal(accounted, stream.lines, 'lines accounted (mailwarden_lines_total) against lines written');
    assert.equal(lag.length, 1, 'mailwarden_source_lag_seconds of the followed file');
    assert.ok(lag[0]!.value >= 0 && Number.isFinite(lag[0]!.value), `lag ${lag[0]!.value}`);

    const expected = new Map(CROSSING.map((a) => [a.address, 1]));
    assert.deepEqual(tally(bans().map((b) => b.target as string)), expected, 'bans on standard output');
    assert.deepEqual(tally(await decisionLogBans(join(dir, 'decisions.jsonl'))), expected, 'bans decided');
    assertMemoryBounded(rss.samples);
  } finally {
    await watch?.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
