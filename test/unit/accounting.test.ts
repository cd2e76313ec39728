import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type ReadWarning, readEvents } from '../../src/index.js';
import { scanParallel } from '../../src/pipeline/parallel-scan.js';

async function drain(paths: string[], options = {}) {
  const warnings: ReadWarning[] = [];
  const stream = readEvents(paths, {
    ...options,
    onWarning: (w) => warnings.push(w),
    tz: 'UTC',
    now: new Date('2025-10-11T00:00:00Z'),
  });
  const events = [];
  for await (const e of stream) events.push(e);
  return { events, stats: stream.stats, warnings };
}

test('every line of a hostile file is accounted for, and reading goes on past each problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-hostile-'));
  const file = join(dir, 'mail.log');
  const good = 'Oct 10 01:33:12 mail postfix/smtpd[1]: lost connection after CONNECT from unknown[192.0.2.1]';
  const parts: Buffer[] = [
    Buffer.from(`${good}\n`),
    Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x10, 0x0a]), // binary garbage
    Buffer.concat([
      Buffer.from('Oct 10 01:33:13 mail postfix/smtpd[1]: lost connection after EHLO from \xff'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('[192.0.2.2]\n'),
    ]),
    Buffer.from(`${'x'.repeat(10 * 1024 * 1024)}\n`), // a 10 MB line
    Buffer.from('Oct 10 01:33:14 mail CRON[5]: (root) CMD (true)\n'), // another program: unrecognised
    Buffer.from('not a log line at all\n'), // malformed
    Buffer.from('\n'), // blank
    Buffer.from('Oct 10 01:33:15 mail postfix/smtpd[1]: connect from unknown[192.0.2.3]\n'), // benign
    Buffer.from(`${good.replace('192.0.2.1', '192.0.2.4')}`), // last line, no newline
  ];
  writeFileSync(file, Buffer.concat(parts));
  const { events, stats, warnings } = await drain([file]);
  const f = stats.files[0]!;
  assert.equal(f.lines, 9);
  assert.equal(f.classified + f.benign + f.unrecognised + f.malformed, f.lines);
  assert.equal(f.classified, 3);
  assert.equal(f.malformed, 3); // binary, oversized, no timestamp
  assert.equal(f.unrecognised, 1);
  assert.equal(f.benign, 2); // connect, blank
  assert.deepEqual(
    events.map((e) => e.ip),
    ['192.0.2.1', '192.0.2.2', '192.0.2.4'],
  );
  assert.ok(warnings.some((w) => w.line === 2 && /binary/.test(w.message)));
  assert.ok(warnings.some((w) => w.line === 3 && /UTF-8/.test(w.message)));
  assert.ok(warnings.some((w) => w.line === 4 && /exceeds/.test(w.message)));
  assert.ok(warnings.some((w) => w.line === 6 && /timestamp/.test(w.message)));
  assert.equal(stats.totals.unreadable, 0);
});

test('a truncated gzip member keeps the lines before the cut and says where it stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-gz-'));
  const lines = Array.from(
    { length: 2000 },
    (_, i) =>
      `Oct 10 01:33:12 mail postfix/smtpd[1]: lost connection after CONNECT from unknown[192.0.2.${i % 250}]`,
  ).join('\n');
  const gz = gzipSync(`${lines}\n`);
  const file = join(dir, 'mail.log.2.gz');
  writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
  const { events, stats, warnings } = await drain([file]);
  assert.ok(events.length > 0 && events.length < 2000, `read ${events.length} events`);
  assert.ok(warnings.some((w) => /truncated gzip/.test(w.message)));
  const f = stats.files[0]!;
  assert.equal(f.classified + f.benign + f.unrecognised + f.malformed, f.lines);
  assert.equal(f.error, undefined);
});

test('an unreadable input is reported as such, and the others are still read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-unreadable-'));
  const good = join(dir, 'mail.log');
  writeFileSync(
    good,
    'Oct 10 01:33:12 mail postfix/smtpd[1]: lost connection after CONNECT from unknown[192.0.2.1]\n',
  );
  const missing = join(dir, 'absent.log');
  const { events, stats } = await drain([missing, good]);
  assert.equal(events.length, 1);
  assert.equal(stats.totals.unreadable, 1);
  assert.match(stats.files.find((f) => f.file === missing)?.error ?? '', /no such file/);
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked.log');
    writeFileSync(locked, 'x\n');
    chmodSync(locked, 0);
    const r = await drain([locked]);
    assert.equal(r.stats.totals.unreadable, 1);
  }
});

test('unrecognised lines are grouped by shape with addresses and numbers masked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-shape-'));
  const file = join(dir, 'mail.log');
  writeFileSync(
    file,
    [1, 2, 3]
      .map(
        (n) =>
          `Oct 10 01:33:1${n} mail postfix/smtpd[${n}]: warning: something new from unknown[192.0.2.${n}] code ${n}00`,
      )
      .join('\n'),
  );
  const { stats } = await drain([file]);
  assert.equal(stats.unrecognisedShapes.length, 1);
  assert.equal(stats.unrecognisedShapes[0]!.count, 3);
  assert.match(stats.unrecognisedShapes[0]!.shape, /unknown\[ADDR\] code N/);
});

test('a damaged line among thousands of clean ones is still caught, in one pass and in parallel', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-damaged-'));
  const file = join(dir, 'mail.log');
  const clean = (i: number) =>
    Buffer.from(
      `Oct 10 01:33:12 mail postfix/smtpd[1]: connect from unknown[10.0.${(i >> 8) & 255}.${i & 255}]\n`,
    );
  const parts: Buffer[] = [];
  for (let i = 1; i <= 60_000; i++) {
    if (i === 30_001)
      parts.push(Buffer.from('Oct 10 01:33:12 mail postfix/smtpd[1]: connect from \u0000[10.9.9.9]\n'));
    else if (i === 45_001)
      parts.push(
        Buffer.concat([
          Buffer.from('Oct 10 01:33:13 mail postfix/smtpd[1]: lost connection after EHLO from '),
          Buffer.from([0xc3, 0x28]),
          Buffer.from('[192.0.2.7]\n'),
        ]),
      );
    else parts.push(clean(i));
  }
  writeFileSync(file, Buffer.concat(parts));
  const check = (
    stats: { files: { lines: number; malformed: number; classified: number }[] },
    warnings: ReadWarning[],
  ) => {
    const f = stats.files[0]!;
    assert.equal(f.lines, 60_000);
    assert.equal(f.malformed, 1, 'the NUL line is binary data');
    assert.equal(f.classified, 1, 'the line with invalid UTF-8 is still classified');
    assert.ok(warnings.some((w) => w.line === 30_001 && /binary/.test(w.message)));
    assert.ok(warnings.some((w) => w.line === 45_001 && /UTF-8/.test(w.message)));
  };
  const single = await drain([file]);
  check(single.stats, single.warnings);
  assert.deepEqual(
    single.events.filter((e) => e.tier !== 'benign').map((e) => e.ip),
    ['192.0.2.7'],
  );
  const warnings: ReadWarning[] = [];
  const parallel = await scanParallel(
    [file],
    {
      tz: 'UTC',
      now: new Date('2025-10-11T00:00:00Z'),
      workers: 2,
      pieceBytes: 64 * 1024,
      onWarning: (w) => warnings.push(w),
    },
    { mode: 'events', lines: () => {} },
  );
  check(parallel, warnings);
});
