// The header split on bytes must agree with parseHeader wherever it is taken:
// checked on every line of real daemon output, fail2ban's corpus and generated logs,
// and on hostile variations of the header.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseHeader } from '../../src/parse/header.js';
import { ByteClock, NameCache, newByteHeader, splitHeaderAt } from '../../src/parse/header-bytes.js';
import { YearResolver } from '../../src/parse/time.js';
import { withGeneratedLogs } from '../support/generated-logs.js';
import { forEachLine } from '../support/log-lines.js';
import { fail2banCorpusDir, repoRoot } from '../support/paths.js';

const ctx = {
  years: new YearResolver(Date.parse('2026-12-01T00:00:00Z'), 'Europe/Berlin'),
  zone: 'Europe/Berlin',
};

interface Counts {
  split: number;
  lines: number;
}

/** Splits `line` (inside a block, with other bytes after it) both ways; returns whether the byte split was taken. */
function agree(line: Buffer, where: string, clock: ByteClock, names: NameCache): boolean {
  const block = Buffer.concat([
    Buffer.from('x\n'),
    line,
    Buffer.from('\n: [1] 2025-01-01T00:00:00Z host tag: '),
  ]);
  const start = 2;
  const end = start + line.length;
  const h = newByteHeader();
  if (!splitHeaderAt(block, start, end, h)) return false;
  const text = line.toString('utf8');
  const full = parseHeader(text, ctx);
  assert.ok(
    !('error' in full),
    `${where}: split on bytes, but parseHeader says ${'error' in full ? full.error : ''}`,
  );
  assert.deepEqual(
    {
      ts: clock.time(block, start, h),
      host: names.text(block, h.hostStart, h.hostEnd),
      program: names.text(block, h.nameStart, h.nameEnd),
      pid: h.pid < 0 ? null : h.pid,
      tagArgs: null,
      message: text.slice(h.messageStart - start),
    },
    full,
    where,
  );
  return true;
}

function checkFile(file: string, counts: Counts): void {
  const clock = new ByteClock(ctx);
  const names = new NameCache();
  forEachLine(file, (line, lineNo) => {
    counts.lines++;
    if (agree(line, `${file}:${lineNo}`, clock, names)) counts.split++;
  });
}

function logsUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? logsUnder(path) : [path];
  });
}

test('on real daemon output, fail2ban corpus and generated logs, the byte split agrees with parseHeader', async () => {
  const counts = { split: 0, lines: 0 };
  for (const file of logsUnder(join(repoRoot, 'test', 'fixtures', 'real')).filter((f) => f.endsWith('.log')))
    checkFile(file, counts);
  for (const file of logsUnder(fail2banCorpusDir)) checkFile(file, counts);
  await withGeneratedLogs('2MB', 9, (file) => checkFile(file, counts));
  assert.ok(
    counts.split > counts.lines / 2,
    `most lines are split on bytes: ${counts.split} of ${counts.lines}`,
  );
});

test('hostile and unusual headers are left to parseHeader or split the same way', () => {
  const clock = new ByteClock(ctx);
  const names = new NameCache();
  const taken = (line: string) => agree(Buffer.from(line), line, clock, names);
  const stamp = '2025-10-10T01:33:12.123456+02:00';
  // Taken: the common shapes, with every stamp variant the split accepts.
  for (const line of [
    `${stamp} mail postfix/smtpd[123]: connect from x[192.0.2.1]`,
    '2025-10-10T01:33:12Z mail postfix/smtpd[1]: x',
    '2025-10-10T01:33:12.5-05:30 mail dovecot: imap-login: Login: user=<a>',
    '2025-12-31T23:59:59.999999999+14:00 mx-1.example.org postfix/qmgr[9]: 4ABC123: removed',
    'Oct  1 01:33:12 mail postfix/smtpd[1]: x',
    'Dec 31 23:59:59 mail postfix/smtpd[1]: x',
    `${stamp} mail postfix/smtpd[1]:`,
    `${stamp} mail postfix/smtpd[1]: ü and other text`,
    `${stamp} mail dovecot: imap(user)<1><s>: the message holds the nested tag`,
  ])
    assert.ok(taken(line), `taken: ${line}`);
  // Left to the full parser.
  for (const line of [
    `${stamp}  mail postfix/smtpd[1]: two spaces`,
    `${stamp} mail  postfix/smtpd[1]: two spaces`,
    `${stamp} postfix/smtpd[1]: no host`,
    `${stamp} mail imap(user)<1><s>: tag arguments`,
    `${stamp} mail dovecot(x): tag arguments`,
    `${stamp} mail postfix/smtpd[12a]: bad pid`,
    `${stamp} mail postfix/smtpd[]: empty pid`,
    `${stamp} mail postfix/smtpd[1]:no space`,
    `${stamp} m:il postfix/smtpd[1]: host with a colon`,
    `${stamp} mäil postfix/smtpd[1]: host not ASCII`,
    `${stamp} fail2ban.actions postfix[1]: fail2ban's own header`,
    '2025-10-10 01:33:12,657 fail2ban.actions        [765]: NOTICE  [postfix] Ban 192.0.2.1',
    '2025-10-10T01:33:12.123456 mail postfix/smtpd[1]: no zone',
    '2025-10-10T01:33:12,123+02:00 mail postfix/smtpd[1]: comma',
    '2025-10-10T01:33:12.1234567890+02:00 mail postfix/smtpd[1]: ten digits',
    '2025-10-10T01:33:12+0200 mail postfix/smtpd[1]: offset without colon',
    '2025-1O-10T01:33:12Z mail postfix/smtpd[1]: letter in the date',
    'Okt 10 01:33:12 mail postfix/smtpd[1]: no such month',
    'Oct 10 01:33:12.123 mail postfix/smtpd[1]: fraction',
    '<22>Oct 10 01:33:12 mail postfix/smtpd[1]: priority',
    `${stamp}`,
    '',
  ])
    assert.ok(!taken(line), `left: ${line}`);
});

test('the clock reads each minute once yet gives every line its own instant', () => {
  const clock = new ByteClock(ctx);
  const h = newByteHeader();
  const at = (line: string) => {
    const b = Buffer.from(line);
    assert.ok(splitHeaderAt(b, 0, b.length, h));
    return clock.time(b, 0, h);
  };
  assert.equal(at('2025-10-10T01:33:12.5+02:00 m p[1]: x'), Date.parse('2025-10-09T23:33:12.500Z'));
  assert.equal(at('2025-10-10T01:33:13.25+02:00 m p[1]: x'), Date.parse('2025-10-09T23:33:13.250Z'));
  assert.equal(at('2025-10-10T01:33:14.001-01:00 m p[1]: x'), Date.parse('2025-10-10T02:33:14.001Z'));
  assert.equal(at('2025-10-10T01:34:00Z m p[1]: x'), Date.parse('2025-10-10T01:34:00Z'));
  assert.equal(at('Oct 10 01:34:00 m p[1]: x'), Date.parse('2026-10-09T23:34:00Z'));
});
