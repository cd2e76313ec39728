import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { MAX_LINE_BYTES } from '../../src/ingest/line-splitter.js';
import { FileFollower, type FileFollowerOptions } from '../../src/ingest/live/file-follower.js';
import type { FileCheckpoint, LiveBatch, SourceCheckpoint } from '../../src/ingest/live/source.js';

const POLL_MS = 20;
const WAIT_LIMIT_MS = 10_000;

class Recorder {
  readonly batches: LiveBatch[] = [];
  readonly problems: string[] = [];
  readonly onBatch = (batch: LiveBatch) => {
    this.batches.push(batch);
  };
  readonly onProblem = (message: string) => {
    this.problems.push(message);
  };

  get lines(): string[] {
    return this.batches.flatMap((b) => b.lines);
  }

  /** Each received line with its number in its file. */
  get numbered(): string[] {
    return this.batches.flatMap((b) => b.lines.map((line, i) => `${b.firstLineNo + i}:${line}`));
  }

  get checkpoint(): FileCheckpoint {
    const last = this.batches.at(-1)?.checkpoint;
    assert.ok(last && last.kind === 'file', 'a file checkpoint was received');
    return last;
  }
}

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-follow-'));
  tempDirs.push(dir);
  return dir;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!condition()) {
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(5);
  }
}

async function waitForLine(rec: Recorder, line: string): Promise<void> {
  await waitFor(
    () => rec.lines.includes(line),
    () => `line ${JSON.stringify(line)} (got ${JSON.stringify(rec.lines)})`,
  );
}

/**
 * Absence cannot be waited for: give a repeated or misplaced line several poll
 * intervals to show up before the exact sequence is compared.
 */
async function letStragglersArrive(): Promise<void> {
  await sleep(POLL_MS * 8);
}

async function follow(
  t: TestContext,
  path: string,
  options: Partial<FileFollowerOptions> = {},
  resume?: SourceCheckpoint,
): Promise<{ follower: FileFollower; rec: Recorder }> {
  const follower = new FileFollower(path, { from: 'start', pollMs: POLL_MS, ...options });
  const rec = new Recorder();
  t.after(() => follower.stop());
  await follower.start(rec.onBatch, rec.onProblem, resume);
  return { follower, rec };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function identityOf(path: string): { dev: string; ino: string } {
  const stats = statSync(path, { bigint: true });
  return { dev: String(stats.dev), ino: String(stats.ino) };
}

test('from start: existing lines, then appends in pieces; a partial line waits for its newline', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'one\r\ntwo\n');
  const { follower, rec } = await follow(t, path);
  assert.equal(follower.key, `file:${path}`);
  await waitForLine(rec, 'two');

  appendFileSync(path, 'thr');
  appendFileSync(path, 'ee\nfo');
  await waitForLine(rec, 'three');
  await letStragglersArrive();
  assert.deepEqual(rec.lines, ['one', 'two', 'three'], 'the unfinished "fo" is not handed over');

  appendFileSync(path, 'ur\n');
  appendFileSync(path, 'five \u00e9 \xff\n');
  await waitForLine(rec, 'five \u00e9 \xff');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, ['1:one', '2:two', '3:three', '4:four', '5:five \u00e9 \xff']);
  assert.deepEqual(rec.checkpoint, {
    kind: 'file',
    path,
    ...identityOf(path),
    offset: statSync(path).size,
    firstLineHash: sha256('one'),
    nextLineNo: 6,
  });
  assert.deepEqual(rec.problems, []);
  assert.ok(rec.batches.every((b) => b.origin === path));
});

test('invalid UTF-8 is decoded with replacement characters', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, Buffer.from([0x61, 0xff, 0x62, 0x0a]));
  const { rec } = await follow(t, path);
  await waitFor(() => rec.lines.length === 1, 'one line');
  assert.deepEqual(rec.lines, ['a\ufffdb']);
});

test('batches hold at most 2000 lines, each with the checkpoint after its last line', async (t) => {
  const path = join(tempDir(), 'mail.log');
  const lines = Array.from({ length: 5000 }, (_, i) => `line ${i + 1}`);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  const { rec } = await follow(t, path);
  await waitForLine(rec, 'line 5000');
  await letStragglersArrive();
  assert.deepEqual(rec.lines, lines);
  let nextLineNo = 1;
  for (const batch of rec.batches) {
    assert.ok(batch.lines.length > 0 && batch.lines.length <= 2000, `batch of ${batch.lines.length} lines`);
    assert.equal(batch.firstLineNo, nextLineNo);
    nextLineNo += batch.lines.length;
    const checkpoint = batch.checkpoint as FileCheckpoint;
    assert.equal(checkpoint.nextLineNo, nextLineNo);
    const bytesBefore = lines.slice(0, nextLineNo - 1).reduce((sum, l) => sum + l.length + 1, 0);
    assert.equal(checkpoint.offset, bytesBefore);
  }
});

test('from end: only lines appended after start, numbered after the existing ones', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'a\nb\nc\npart');
  const { rec } = await follow(t, path, { from: 'end' });
  appendFileSync(path, 'ial\nd\n');
  await waitForLine(rec, 'd');
  await letStragglersArrive();
  assert.deepEqual(
    rec.numbered,
    ['4:partial', '5:d'],
    'the unfinished last line is handed over once complete',
  );
  assert.equal(rec.checkpoint.firstLineHash, sha256('a'));
});

test('from start: the lines already there come first', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'a\nb\nc\npart');
  const { rec } = await follow(t, path, { from: 'start' });
  appendFileSync(path, 'ial\nd\n');
  await waitForLine(rec, 'd');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, ['1:a', '2:b', '3:c', '4:partial', '5:d']);
});

test('a line over MAX_LINE_BYTES is dropped, reported with file and line number, and counted', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, `before\n${'x'.repeat(MAX_LINE_BYTES + 1)}\nafter\n`);
  const { rec } = await follow(t, path);
  await waitForLine(rec, 'after');
  // An oversized line arriving in pieces, spanning reads.
  appendFileSync(path, 'y'.repeat(MAX_LINE_BYTES - 10));
  await sleep(POLL_MS * 3);
  appendFileSync(path, `${'y'.repeat(100)}\nend\n`);
  await waitForLine(rec, 'end');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, ['1:before', '3:after', '5:end']);
  assert.equal(rec.problems.length, 2);
  assert.match(rec.problems[0] ?? '', new RegExp(`${path}: line 2 has ${MAX_LINE_BYTES + 1} bytes`));
  assert.match(rec.problems[1] ?? '', new RegExp(`${path}: line 4 has ${MAX_LINE_BYTES + 90} bytes`));
});

test('rename rotation: the old file is read to its end (unterminated last line too), then the new one', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'old 1\nold 2\n');
  const { rec } = await follow(t, path);
  await waitForLine(rec, 'old 2');

  appendFileSync(path, 'old 3\n');
  renameSync(path, `${path}.1`);
  // The writer has not reopened its log yet: it still appends to the renamed file.
  appendFileSync(`${path}.1`, 'old 4\nold 5 unterminated');
  writeFileSync(path, 'new 1\nnew 2\n');
  await waitForLine(rec, 'new 2');
  appendFileSync(path, 'new 3\n');
  await waitForLine(rec, 'new 3');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, [
    '1:old 1',
    '2:old 2',
    '3:old 3',
    '4:old 4',
    '5:old 5 unterminated',
    '1:new 1',
    '2:new 2',
    '3:new 3',
  ]);
  assert.deepEqual(rec.checkpoint, {
    kind: 'file',
    path,
    ...identityOf(path),
    offset: statSync(path).size,
    firstLineHash: sha256('new 1'),
    nextLineNo: 4,
  });
});

test('rename rotation: while the new file is empty, lines still written to the old one are read', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'old 1\n');
  const { rec } = await follow(t, path);
  await waitForLine(rec, 'old 1');
  renameSync(path, `${path}.1`);
  writeFileSync(path, '');
  await sleep(POLL_MS * 3);
  appendFileSync(`${path}.1`, 'old 2\n');
  await waitForLine(rec, 'old 2');
  appendFileSync(`${path}.1`, 'old 3\n');
  appendFileSync(path, 'new 1\n');
  await waitForLine(rec, 'new 1');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, ['1:old 1', '2:old 2', '3:old 3', '1:new 1']);
});

test('copytruncate: the copy is not read again, the truncated file is read from its start', async (t) => {
  const path = join(tempDir(), 'mail.log');
  const before = Array.from({ length: 10 }, (_, i) => `line ${i + 1} of the first generation`);
  writeFileSync(path, before.map((l) => `${l}\n`).join(''));
  const { rec } = await follow(t, path);
  await waitForLine(rec, 'line 10 of the first generation');

  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, 'fresh 1\nfresh 2\n');
  await waitForLine(rec, 'fresh 2');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, [...before.map((l, i) => `${i + 1}:${l}`), '1:fresh 1', '2:fresh 2']);
  assert.equal(rec.problems.length, 1);
  assert.match(rec.problems[0] ?? '', /was truncated/);
});

test('plain truncation: reported, then the new content from line 1', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'x 1\nx 2\nx 3\n');
  const { rec } = await follow(t, path);
  await waitForLine(rec, 'x 3');
  truncateSync(path, 0);
  await waitFor(() => rec.problems.some((p) => p.includes('truncated')), 'the truncation to be reported');
  appendFileSync(path, 'y 1\n');
  await waitForLine(rec, 'y 1');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, ['1:x 1', '2:x 2', '3:x 3', '1:y 1']);
});

test('truncated and written past the old offset between two looks: the changed first line tells', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'a 1\na 2\n');
  // Only fs.watch wakes this follower: nothing reads while the file is rewritten below.
  const { rec } = await follow(t, path, { pollMs: 600_000 });
  await waitForLine(rec, 'a 2');
  await letStragglersArrive();
  const fresh = ['b 1 is longer than everything before', 'b 2'];
  writeFileSync(path, fresh.map((l) => `${l}\n`).join(''));
  await waitForLine(rec, 'b 2');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, ['1:a 1', '2:a 2', '1:b 1 is longer than everything before', '2:b 2']);
  assert.match(rec.problems.join('\n'), /truncated and written again/);
});

test('copytruncate while stopped, new content past the old offset: resumed from the start', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'a 1\na 2\n');
  const first = await follow(t, path);
  await waitForLine(first.rec, 'a 2');
  await first.follower.stop();
  const checkpoint = first.rec.checkpoint;

  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, 'b 1 is longer than everything before\nb 2\n');
  assert.equal(identityOf(path).ino, checkpoint.ino, 'copytruncate keeps the inode');

  const second = await follow(t, path, { from: 'end' }, checkpoint);
  await waitForLine(second.rec, 'b 2');
  await letStragglersArrive();
  assert.deepEqual(second.rec.numbered, ['1:b 1 is longer than everything before', '2:b 2']);
  assert.match(second.rec.problems.join('\n'), /truncated or rewritten while not followed/);
});

test('copytruncate while stopped, file now shorter than the offset: resumed from the start', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'a long first line\na 2\n');
  const first = await follow(t, path);
  await waitForLine(first.rec, 'a 2');
  await first.follower.stop();
  truncateSync(path, 0);
  appendFileSync(path, 'b 1\n');
  const second = await follow(t, path, { from: 'end' }, first.rec.checkpoint);
  await waitForLine(second.rec, 'b 1');
  await letStragglersArrive();
  assert.deepEqual(second.rec.numbered, ['1:b 1']);
});

test('a file that does not exist yet is waited for (reported once) and read from its start', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'mail.log');
  const { rec } = await follow(t, path, { from: 'end' });
  await sleep(POLL_MS * 5);
  assert.equal(rec.problems.length, 1);
  assert.match(rec.problems[0] ?? '', /does not exist \(yet\); waiting/);
  writeFileSync(path, 'first\nsecond\n');
  await waitForLine(rec, 'second');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, ['1:first', '2:second']);
  assert.equal(rec.problems.length, 1);
});

test('a file in a directory that does not exist yet is found by polling', async (t) => {
  const dir = join(tempDir(), 'later');
  const path = join(dir, 'mail.log');
  const { rec } = await follow(t, path, { from: 'end' });
  mkdirSync(dir);
  writeFileSync(path, 'first\n');
  await waitForLine(rec, 'first');
  appendFileSync(path, 'second\n');
  await waitForLine(rec, 'second');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, ['1:first', '2:second']);
});

test('stop, append, resume from the last checkpoint: nothing repeated, nothing lost', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'l 1\nl 2\npar');
  const first = await follow(t, path);
  await waitForLine(first.rec, 'l 2');
  await first.follower.stop();
  const receivedBeforeStop = first.rec.batches.length;

  appendFileSync(path, 'tial\nl 4\n');
  const second = await follow(t, path, { from: 'end' }, first.rec.checkpoint);
  await waitForLine(second.rec, 'l 4');
  appendFileSync(path, 'l 5\n');
  await waitForLine(second.rec, 'l 5');
  await letStragglersArrive();
  assert.deepEqual(first.rec.numbered, ['1:l 1', '2:l 2']);
  assert.equal(first.rec.batches.length, receivedBeforeStop, 'no batch after stop resolved');
  assert.deepEqual(second.rec.numbered, ['3:partial', '4:l 4', '5:l 5']);
  assert.deepEqual(second.rec.problems, []);
});

for (const rotatedName of ['mail.log.1', 'mail.log-20251010']) {
  test(`rename rotation while stopped: the rest of ${rotatedName}, then the new file`, async (t) => {
    const dir = tempDir();
    const path = join(dir, 'mail.log');
    writeFileSync(path, 'r 1\nr 2\n');
    writeFileSync(join(dir, 'mail.log.2'), 'an older rotation\n');
    const first = await follow(t, path);
    await waitForLine(first.rec, 'r 2');
    await first.follower.stop();

    appendFileSync(path, 'r 3\nr 4 unterminated');
    renameSync(path, join(dir, rotatedName));
    writeFileSync(path, 'n 1\nn 2\n');
    const second = await follow(t, path, { from: 'end' }, first.rec.checkpoint);
    await waitForLine(second.rec, 'n 2');
    await letStragglersArrive();
    assert.deepEqual(second.rec.numbered, ['3:r 3', '4:r 4 unterminated', '1:n 1', '2:n 2']);
    assert.deepEqual(second.rec.problems, []);
    assert.equal(second.rec.checkpoint.ino, identityOf(path).ino);
  });
}

test('resume when the file read before cannot be found: the current file from its start, loss reported', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'mail.log');
  writeFileSync(path, 'r 1\n');
  const first = await follow(t, path);
  await waitForLine(first.rec, 'r 1');
  await first.follower.stop();
  renameSync(path, join(dir, 'archived.log'));
  writeFileSync(path, 'n 1\n');
  const second = await follow(t, path, { from: 'end' }, first.rec.checkpoint);
  await waitForLine(second.rec, 'n 1');
  await letStragglersArrive();
  assert.deepEqual(second.rec.numbered, ['1:n 1']);
  assert.match(second.rec.problems.join('\n'), /may be lost/);
});

test('resume when the same content came back under a new inode: continued at the offset', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'mail.log');
  writeFileSync(path, 'c 1\nc 2\n');
  const first = await follow(t, path);
  await waitForLine(first.rec, 'c 2');
  await first.follower.stop();
  const copy = join(dir, 'restore.tmp');
  copyFileSync(path, copy);
  appendFileSync(copy, 'c 3\n');
  renameSync(copy, path);
  assert.notEqual(identityOf(path).ino, first.rec.checkpoint.ino);
  const second = await follow(t, path, { from: 'end' }, first.rec.checkpoint);
  await waitForLine(second.rec, 'c 3');
  await letStragglersArrive();
  assert.deepEqual(second.rec.numbered, ['3:c 3']);
  assert.deepEqual(second.rec.problems, []);
});

test('fs.watch alone brings appends and rotation within moments', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, '');
  const { rec } = await follow(t, path, { pollMs: 600_000 });
  const appendedAt = Date.now();
  appendFileSync(path, 'quick\n');
  await waitForLine(rec, 'quick');
  assert.ok(Date.now() - appendedAt < 2000, `took ${Date.now() - appendedAt} ms`);
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'after rotation\n');
  await waitForLine(rec, 'after rotation');
  assert.deepEqual(rec.lines, ['quick', 'after rotation']);
});

test('a path that is not a file is reported, not thrown, and followed once it becomes one', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'mail.log');
  mkdirSync(path);
  const { rec } = await follow(t, path, { from: 'start' });
  await waitFor(() => rec.problems.length > 0, 'a problem report');
  assert.match(rec.problems[0] ?? '', /not a regular file/);
  await sleep(POLL_MS * 5);
  assert.equal(rec.problems.length, 1, 'the same failure is reported once');
  rmdirSync(path);
  writeFileSync(path, 'finally\n');
  appendFileSync(path, 'more\n');
  await waitForLine(rec, 'more');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, ['1:finally', '2:more']);
});

/**
 * Root reads any file whatever its mode, so as root the follower runs in a
 * child process as nobody; the child prints what it is told, one JSON line each.
 */
function followAsNobody(path: string): { output: () => string; stop: () => void } {
  const module = new URL('../../src/ingest/live/file-follower.js', import.meta.url).href;
  const script = `
    const { FileFollower } = await import(${JSON.stringify(module)});
    const f = new FileFollower(${JSON.stringify(path)}, { from: 'start', pollMs: 50 });
    await f.start(
      (b) => b.lines.forEach((l, i) => console.log(JSON.stringify({ line: (b.firstLineNo + i) + ':' + l }))),
      (m) => console.log(JSON.stringify({ problem: m })),
    );
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534 });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  return { output: () => out, stop: () => child.kill('SIGKILL') };
}

test('a file without read permission is reported and read once permitted', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'mail.log');
  writeFileSync(path, 'secret 1\n');
  chmodSync(path, 0o000);
  if (process.getuid?.() === 0) {
    chmodSync(dir, 0o755);
    const child = followAsNobody(path);
    t.after(child.stop);
    await waitFor(() => /"problem":"[^"]*EACCES/.test(child.output()), 'a problem report from the child');
    chmodSync(path, 0o644);
    await waitFor(() => child.output().includes('{"line":"1:secret 1"}'), `the line, in:\n${child.output()}`);
    return;
  }
  const { rec } = await follow(t, path, { from: 'start' });
  await waitFor(() => rec.problems.length > 0, 'a problem report');
  assert.match(rec.problems[0] ?? '', /EACCES/);
  chmodSync(path, 0o644);
  await waitForLine(rec, 'secret 1');
  await letStragglersArrive();
  assert.deepEqual(rec.numbered, ['1:secret 1']);
});

test('stop resolves with nothing delivered afterwards', async (t) => {
  const path = join(tempDir(), 'mail.log');
  writeFileSync(path, 'a\n');
  const { follower, rec } = await follow(t, path);
  await waitForLine(rec, 'a');
  await follower.stop();
  const delivered = rec.batches.length;
  appendFileSync(path, 'b\n');
  await letStragglersArrive();
  assert.equal(rec.batches.length, delivered);
  assert.equal(readFileSync(path, 'utf8'), 'a\nb\n');
});
