// The parallel reader must not change a single byte of the output: a generated
// log (about 50 MB) goes through the single-threaded and the parallel paths, with
// tiny pieces so that connections and TLS detail lines cross piece boundaries.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { generateLogs } from '../../bench/generator/generate.js';
import { Analysis } from '../../src/audit/analysis.js';
import { buildReport } from '../../src/audit/report-builder.js';
import { attributeAddress } from '../../src/audit/statistics.js';
import { scanParallel } from '../../src/pipeline/parallel-scan.js';
import { scanInputs } from '../../src/pipeline/read-events.js';

let dir = '';
let log = '';
const options = { tz: 'UTC' as const };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mw-parallel-'));
  const generated = await generateLogs({ out: dir, size: '50MB', seed: 7 });
  assert.deepEqual(
    generated.files.map((f) => f.name),
    ['mail.log'],
  );
  log = join(dir, 'mail.log');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('events: the parallel path writes exactly the NDJSON of one pass', { timeout: 300_000 }, async () => {
  const sequential: string[] = [];
  const one = await scanInputs([log], options, (e) => sequential.push(JSON.stringify(e)));
  const parallel: string[] = [];
  const two = await scanParallel(
    [log],
    { ...options, workers: 2, pieceBytes: 256 * 1024 },
    { mode: 'events', lines: (l) => void parallel.push(...l) },
  );
  assert.equal(parallel.length, sequential.length);
  assert.ok(
    parallel.every((line, i) => line === sequential[i]),
    'the same events in the same order',
  );
  assert.deepEqual(two, one, 'the same line accounting');
  assert.ok(one.totals.lines > 300_000, `a realistic size: ${one.totals.lines} lines`);
});

async function auditInParallel(workers: number, pieceBytes?: number, path: string | string[] = log) {
  const merged = new Analysis();
  const wanted = merged.wantedClasses();
  const run = await scanParallel(
    Array.isArray(path) ? path : [path],
    { ...options, all: true, wanted, workers, ...(pieceBytes ? { pieceBytes } : {}) },
    {
      mode: 'audit',
      state: (s) => merged.merge(s as typeof merged.state),
      lateAddress: (ip, cls) => attributeAddress(merged.state.statistics, ip, cls),
    },
  );
  return buildReport(merged.findings(3), merged.state.statistics, run, {}, reportTime);
}

const reportTime = new Date('2026-01-01T00:00:00Z');

async function auditInOnePass(path: string | string[] = log) {
  const whole = new Analysis();
  const wanted = whole.wantedClasses();
  const run = await scanInputs(
    Array.isArray(path) ? path : [path],
    { ...options, all: true, wanted, forAnalysis: true },
    whole.add,
  );
  return buildReport(whole.findings(3), whole.state.statistics, run, {}, reportTime);
}

test('audit: the parallel path gives exactly the findings and statistics of one pass', {
  timeout: 300_000,
}, async () => {
  const a = await auditInOnePass();
  assert.deepEqual(await auditInParallel(2, 256 * 1024), a, '256 KiB pieces, two workers');
  assert.ok(a.findings.length >= 5);
});

test('audit: one part per thread, the first analysed on the main thread, gives the findings of one pass', {
  timeout: 300_000,
}, async () => {
  const a = await auditInOnePass();
  // 50 MB: two parts of 25 MB, then three of about 16.7 MB (the main thread and two workers).
  assert.deepEqual(await auditInParallel(2), a, 'two threads');
  assert.deepEqual(await auditInParallel(3), a, 'three threads');
});

test('a gzip input, cut into pieces by the reading thread, gives what the workers read in ranges of the plain file', {
  timeout: 300_000,
}, async () => {
  const gz = join(dir, 'copy.log.gz');
  writeFileSync(gz, gzipSync(readFileSync(log), { level: 1 }));
  const collect = async (path: string) => {
    const lines: string[] = [];
    const run = await scanParallel(
      [path],
      { ...options, workers: 2, pieceBytes: 300 * 1024 },
      { mode: 'events', lines: (l) => void lines.push(...l) },
    );
    return {
      lines: lines.map((l) => l.replace(/"source":"[^"]*:(\d+)"/, '"source":"$1"')),
      totals: run.totals,
    };
  };
  const plain = await collect(log);
  const compressed = await collect(gz);
  assert.equal(compressed.lines.length, plain.lines.length);
  assert.ok(
    compressed.lines.every((line, i) => line === plain.lines[i]),
    'the same events, with the same line numbers',
  );
  assert.deepEqual(compressed.totals, plain.totals);
});

test('audit of a gzip input: one part per thread, each decompressing from the start, gives the findings of one pass', {
  timeout: 300_000,
}, async () => {
  const gz = join(dir, 'parts.log.gz');
  writeFileSync(gz, gzipSync(readFileSync(log), { level: 1 }));
  const a = await auditInOnePass(gz);
  assert.deepEqual(await auditInParallel(2, undefined, gz), a, 'two threads');
  assert.deepEqual(await auditInParallel(3, undefined, gz), a, 'three threads');
  assert.equal(a.inputs.lines, (await auditInOnePass()).inputs.lines);
});

test('audit of several inputs: the workers that end after their part are replaced for the next input', {
  timeout: 300_000,
}, async () => {
  const gz = join(dir, 'second.log.gz');
  writeFileSync(gz, gzipSync(readFileSync(log), { level: 1 }));
  const inputs = [log, gz, log];
  assert.deepEqual(await auditInParallel(2, undefined, inputs), await auditInOnePass(inputs));
});
