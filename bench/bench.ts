// `npm run bench`: generates a realistic mail log and times mailwarden against the
// tools an administrator would otherwise use, on the same file in the same run,
// reporting ratios (absolute times on a shared machine vary; ratios much less);
// then the latency of `mailwarden watch` from a line written to its ban, under a
// sustained write rate (watch-latency.ts).
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { commandExists, type Measurement, measure } from './measure.js';
import { formatWatchLatency, measureWatchLatency, type WatchLatencyResult } from './watch-latency.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mailwarden = join(root, 'bin', 'mailwarden');

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1GB' },
    seed: { type: 'string', default: '1' },
    input: { type: 'string' },
    out: { type: 'string', default: join(root, 'bench', 'out') },
    gzip: { type: 'boolean', default: false },
    'peer-lines': { type: 'string', default: '1000000' },
    'skip-watch': { type: 'boolean', default: false },
    'watch-only': { type: 'boolean', default: false },
    'watch-rate': { type: 'string', default: '10000' },
    'watch-seconds': { type: 'string', default: '20' },
    'watch-size': { type: 'string', default: '30MB' },
  },
});

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let i = chunk.indexOf(10);
    while (i >= 0) {
      n++;
      i = chunk.indexOf(10, i + 1);
    }
  }
  return n;
}

function sh(command: string): void {
  const r = spawnSync('/bin/bash', ['-c', command], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`failed: ${command}`);
}

/** The plain Node loop of the issue: split lines, test one regular expression, extract and count the address. */
function nodeLoopScript(path: string): string {
  return [
    "const fs=require('fs');",
    'const re=/(?:SSL_accept error from|PREGREET \\d+ after \\S+ from|authentication failed)[^\\[]*\\[([0-9a-fA-F:.]+)\\]/;',
    'const counts=new Map();let rest="";',
    `const s=fs.createReadStream(${JSON.stringify(path)},{encoding:'latin1',highWaterMark:1<<20});`,
    "s.on('data',d=>{const lines=(rest+d).split('\\n');rest=lines.pop();for(const l of lines){const m=re.exec(l);if(m)counts.set(m[1],(counts.get(m[1])||0)+1);}});",
    "s.on('end',()=>console.log(counts.size));",
  ].join('');
}

/** bench/out/gen-SIZE-seedN/mail.log, generated the first time it is asked for. */
function generatedLog(size: string, seed: string): string {
  const dir = join(values.out!, `gen-${size}-seed${seed}`);
  const log = join(dir, 'mail.log');
  if (!existsSync(log)) {
    console.error(`generating ${size} (seed ${seed}) in ${dir} ...`);
    sh(
      `node ${join(root, 'dist', 'bench', 'generator', 'cli.js')} --size ${size} --seed ${seed} --out ${dir}`,
    );
  }
  return log;
}

function positive(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!(value > 0)) throw new Error(`--${name}: not a positive number: ${text}`);
  return value;
}

interface Throughput {
  input: { path: string; lines: number; bytes: number };
  results: Measurement[];
  ratios: Record<string, Record<string, number>>;
}

/** The batch commands and their peers on one log: lines/s, MB/s, peak RSS and ratios. */
async function throughput(): Promise<Throughput> {
  const log = values.input ?? generatedLog(values.size!, values.seed!);
  const bytes = statSync(log).size;
  const lines = await countLines(log);
  console.error(`input ${log}: ${lines} lines, ${(bytes / 1e6).toFixed(0)} MB`);
  sh(`cat ${log} > /dev/null`); // warm the page cache

  const results: Measurement[] = [];
  const run = (name: string, command: string, n = lines, b = bytes, note?: string) => {
    const m = measure(name, command, n, b, note);
    console.error(
      `${name.padEnd(32)} ${m.seconds.toFixed(2).padStart(8)} s ${(m.linesPerSecond / 1e6).toFixed(2).padStart(7)} M lines/s ${m.peakRssMiB.toFixed(0).padStart(6)} MiB`,
    );
    results.push(m);
  };

  run('wc -l', `wc -l < ${log}`);
  // grep stops at the first match when its output is /dev/null: the pipe makes it read everything.
  run(
    'grep -cE (3 attack keywords)',
    `LC_ALL=C grep -cE 'SSL_accept|PREGREET|authentication failed' ${log} | cat`,
  );
  const loopFile = join(values.out!, 'node-loop.cjs');
  writeFileSync(loopFile, nodeLoopScript(log));
  run('node loop (split, regex, Map)', `node ${loopFile}`);
  run('mailwarden events', `${mailwarden} events --no-summary ${log}`);
  if (existsSync(join(root, 'dist', 'src', 'cli', 'audit-command.js')))
    run('mailwarden audit --format json', `${mailwarden} audit --format json ${log}`);

  const peerLines = Math.min(lines, Number(values['peer-lines']));
  const prefix = join(values.out!, 'prefix.log');
  sh(`head -n ${peerLines} ${log} > ${prefix}`);
  const prefixBytes = statSync(prefix).size;
  const prefixNote =
    peerLines < lines ? `on the first ${peerLines} lines: a full run would take too long` : undefined;
  if (commandExists('pflogsumm'))
    run('pflogsumm', `pflogsumm ${peerLines < lines ? prefix : log}`, peerLines, prefixBytes, prefixNote);
  else console.error('pflogsumm not installed: skipped');
  if (commandExists('fail2ban-regex')) {
    run(
      'fail2ban-regex postfix',
      `fail2ban-regex ${peerLines < lines ? prefix : log} /etc/fail2ban/filter.d/postfix.conf`,
      peerLines,
      prefixBytes,
      prefixNote,
    );
  } else console.error('fail2ban-regex not installed: skipped');

  if (values.gzip) {
    const gz = `${log}.gz`;
    if (!existsSync(gz)) sh(`gzip -kc ${log} > ${gz}`);
    const gzBytes = statSync(gz).size;
    run('zcat > /dev/null', `zcat ${gz}`, lines, gzBytes);
    run('mailwarden events (gzip)', `${mailwarden} events --no-summary ${gz}`, lines, gzBytes);
    if (existsSync(join(root, 'dist', 'src', 'cli', 'audit-command.js')))
      run('mailwarden audit --format json (gzip)', `${mailwarden} audit --format json ${gz}`, lines, gzBytes);
  }

  const ratios: Record<string, Record<string, number>> = {};
  for (const ours of results.filter((r) => r.name.startsWith('mailwarden'))) {
    ratios[ours.name] = {};
    for (const ref of results.filter((r) => !r.name.startsWith('mailwarden'))) {
      ratios[ours.name]![ref.name] = ours.linesPerSecond / ref.linesPerSecond;
    }
  }
  console.log('\nlines/s ratio (mailwarden / reference; above 1 means mailwarden is faster):');
  for (const [ours, refs] of Object.entries(ratios)) {
    console.log(`  ${ours}`);
    for (const [ref, ratio] of Object.entries(refs))
      console.log(`    vs ${ref.padEnd(32)} ${ratio.toFixed(2)}x`);
  }
  return { input: { path: log, lines, bytes }, results, ratios };
}

async function watchLatency(): Promise<WatchLatencyResult> {
  const seconds = positive('watch-seconds', values['watch-seconds']);
  const rate = positive('watch-rate', values['watch-rate']);
  const backgroundLog = generatedLog(values['watch-size']!, values.seed!);
  console.error(`watch latency: ${rate} lines/s for ${seconds} s, background from ${backgroundLog} ...`);
  const result = await measureWatchLatency({
    mailwarden,
    backgroundLog,
    rate,
    seconds,
    probeIntervalMs: 200,
  });
  console.log(`\n${formatWatchLatency(result).join('\n')}`);
  return result;
}

async function main(): Promise<void> {
  mkdirSync(values.out!, { recursive: true });
  if (values['skip-watch'] && values['watch-only'])
    throw new Error('--skip-watch and --watch-only exclude each other');
  const batch = values['watch-only'] ? null : await throughput();
  const watch = values['skip-watch'] ? null : await watchLatency();
  const report = {
    date: new Date().toISOString(),
    commit: spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim(),
    node: process.version,
    ...batch,
    watch,
  };
  const outFile = join(values.out!, `bench-${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten ${outFile}`);
}

await main();
