// Parts of a gzip file cut at uncompressed offsets tile it exactly, as regions of a
// plain file do, whatever the offsets: inside a long line, past the end, several in
// one line; each knows the lines before it; a truncated file fails in one part only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { gzipDeclaredSize, readGzipPart } from '../../src/ingest/gzip-parts.js';
import type { ChunkJob } from '../../src/pipeline/chunk-job.js';
import { runAnyJob } from '../../src/pipeline/chunk-runner.js';

let dir = '';
let data = Buffer.alloc(0);
let file = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-gzip-parts-'));
  const lines: string[] = [];
  for (let i = 0; i < 30_000; i++) lines.push(`line ${i} ${'x'.repeat((i * 7919) % 300)}`);
  lines.splice(12_345, 0, 'y'.repeat(200_000));
  data = Buffer.from(`${lines.join('\n')}\nlast line without a newline`);
  file = join(dir, 'two-members.log.gz');
  // Two gzip members, as concatenated rotations or some compressors write.
  const half = data.indexOf(10, data.length >> 1) + 1;
  writeFileSync(file, Buffer.concat([gzipSync(data.subarray(0, half)), gzipSync(data.subarray(half))]));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function read(path: string, from: number, to: number | null) {
  const blocks: Buffer[] = [];
  let linesBefore = -1;
  const outcome = await readGzipPart(
    path,
    { from, to },
    {
      start: (n) => {
        linesBefore = n;
      },
      block: (b) => blocks.push(Buffer.from(b)),
    },
  );
  return { bytes: Buffer.concat(blocks), linesBefore, outcome };
}

function newlinesBefore(end: number): number {
  let n = 0;
  for (let i = data.indexOf(10); i >= 0 && i < end; i = data.indexOf(10, i + 1)) n++;
  return n;
}

test('parts cut at any offsets tile the decompressed file and count the lines before them', async () => {
  const longLine = data.indexOf('yyyy');
  const cutSets = [
    [data.length >> 1],
    [1, 2, 3],
    [longLine + 10, longLine + 20, longLine + 150_000],
    [100_000, 2_000_000, data.length - 5, data.length + 1000],
    [data.length - 1],
    // Just after a newline: that newline ends the part before.
    [data.indexOf(10, 5000) + 1, data.indexOf(10, 900_000) + 1],
  ];
  for (const cuts of cutSets) {
    const offsets = [0, ...cuts];
    let joined = Buffer.alloc(0);
    for (let i = 0; i < offsets.length; i++) {
      const part = await read(file, offsets[i]!, offsets[i + 1] ?? null);
      assert.equal(part.outcome.error, undefined);
      if (part.outcome.started)
        assert.equal(part.linesBefore, newlinesBefore(joined.length), `cuts ${cuts}: part ${i}`);
      assert.equal(
        part.outcome.ended,
        part.outcome.started && joined.length + part.bytes.length === data.length,
      );
      if (part.bytes.length > 0)
        assert.equal(data[joined.length - 1] ?? 10, 10, 'a part starts at a line start');
      joined = Buffer.concat([joined, part.bytes]);
    }
    assert.ok(joined.equals(data), `cuts ${cuts}: the parts make up the file`);
  }
});

test('a truncated file fails in the part that holds the cut, and only there', async () => {
  const whole = gzipSync(data);
  const truncated = join(dir, 'truncated.log.gz');
  writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const middle = Math.floor(data.length * 0.3);
  const first = await read(truncated, 0, middle);
  assert.equal(first.outcome.error, undefined, 'the first part ends before the damage');
  const second = await read(truncated, middle, null);
  assert.ok(second.outcome.started && second.outcome.error !== undefined, 'the second part reaches it');
  assert.ok(
    second.bytes.length > 0 &&
      data.subarray(first.bytes.length).subarray(0, second.bytes.length).equals(second.bytes),
  );
  const beyond = await read(truncated, Math.floor(data.length * 0.9), null);
  assert.equal(beyond.outcome.started, false, 'a part past the damage never starts, and reports nothing');
});

test('the declared size is the uncompressed size of a one-member file', async () => {
  const one = join(dir, 'one.log.gz');
  writeFileSync(one, gzipSync(data));
  assert.equal(await gzipDeclaredSize(one), data.length);
});

test('an audit job on the damaged part reads the lines before the damage and says it is truncated', async () => {
  const whole = gzipSync(data);
  const truncated = join(dir, 'truncated-job.log.gz');
  writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const job = (from: number, to: number | null): ChunkJob => ({
    id: 0,
    mode: 'audit',
    file: truncated,
    gzipPart: { path: truncated, from, to },
    firstLine: 0,
    final: to === null,
    reference: Date.parse('2026-01-01T00:00:00Z'),
    all: true,
    sinceMs: Number.NEGATIVE_INFINITY,
    untilMs: Number.POSITIVE_INFINITY,
    maxWarnings: 10,
  });
  const middle = Math.floor(data.length * 0.3);
  const first = await runAnyJob(job(0, middle));
  const second = await runAnyJob(job(middle, null));
  assert.equal(first.readError, undefined);
  assert.deepEqual(second.readError?.truncated, true);
  assert.equal(second.linesBefore, first.account.lines);
  const sequential = (await read(truncated, 0, null)).bytes;
  const lines = sequential.toString('latin1').split('\n').length;
  assert.equal(
    first.account.lines + second.account.lines,
    lines,
    'every line before the damage, the cut one too',
  );
});
