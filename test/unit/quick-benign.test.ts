// The byte-level shortcut for common benign lines must never disagree with the
// full classifier: checked on every line of real daemon output and of a generated log.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LineClassifier, YearResolver } from '../../src/index.js';
import { quickBenign, quickBenignAt } from '../../src/pipeline/quick-benign.js';
import { withGeneratedLogs } from '../support/generated-logs.js';
import { forEachLine } from '../support/log-lines.js';
import { repoRoot } from '../support/paths.js';

function check(file: string, counts: { quick: number; lines: number }): void {
  const classifier = new LineClassifier(
    { years: new YearResolver(Date.parse('2026-12-01T00:00:00Z'), 'UTC'), zone: 'UTC' },
    file,
  );
  forEachLine(file, (bytes, lineNo) => {
    counts.lines++;
    const quick = quickBenign(bytes);
    if (quick !== null) {
      counts.quick++;
      const full = classifier.classifyText(bytes.toString('utf8'), lineNo);
      assert.ok(
        full.kind === 'benign' && full.event.class === quick,
        `${file}:${lineNo}: quick ${quick}, full ${full.kind === 'benign' || full.kind === 'event' ? full.event.class : full.kind}`,
      );
    }
  });
}

test('on real daemon output and generated logs, the shortcut agrees with the full classifier', async () => {
  const counts = { quick: 0, lines: 0 };
  for (const release of ['debian12', 'debian13-trixie']) {
    for (const layout of ['syslog', 'files']) {
      const dir = join(repoRoot, 'test', 'fixtures', 'real', release, layout);
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.log'))) check(join(dir, name), counts);
    }
  }
  check(join(repoRoot, 'examples', 'docker-mailserver', 'mail-logs', 'mail.log'), counts);
  await withGeneratedLogs('3MB', 5, (file) => check(file, counts));
  assert.ok(
    counts.quick > counts.lines / 5,
    `the shortcut takes a good share of lines: ${counts.quick} of ${counts.lines}`,
  );
});

test('malformed stamps, no-host lines and warnings are left to the full parser', () => {
  const lines = [
    '2025-13-xxT01:33:12.123456+00:00 mail postfix/qmgr[1]: 4ABC123: removed',
    'Oct 10 01:33:12 postfix/qmgr[1]: 4ABC123: removed',
    '2025-10-10T01:33:12.123456+00:00 mail postfix/qmgr[1]: warning: something odd',
    '2025-10-10T01:33:12.123456+00:00 mail postfix/submission/smtpd[1]: 4ABC123: client=unknown[192.0.2.1], sasl_method=PLAIN, sasl_username=a@b',
    // 21 characters: longer than any queue id the full parser strips.
    '2025-10-10T01:33:12.123456+00:00 mail postfix/smtpd[1]: 0123456789ABCDEF01234: client=unknown[192.0.2.1]',
    '2025-10-10T01:33:12.123456+00:00 mail postfix/cleanup[1]: 4ABC123: milter-reject: END-OF-MESSAGE from x[192.0.2.1]: 5.7.1 rejected by DMARC policy',
  ];
  for (const l of lines) assert.equal(quickBenign(Buffer.from(l)), null, l);
  assert.equal(
    quickBenign(Buffer.from('2025-10-10T01:33:12.123456+00:00 mail postfix/qmgr[1]: 4ABC123: removed')),
    'queue-activity',
  );
});

test('a line read in place inside a block is judged on its own bytes, never on the lines after it', () => {
  const cases: [string, string, ReturnType<typeof quickBenign>][] = [
    // The next line holds what would make this one something else.
    [
      '2025-10-10T01:33:12.123456+00:00 mail postfix/smtpd[1]: 4ABC123: client=unknown[192.0.2.1]',
      'sasl_username=a@b',
      'smtp-client',
    ],
    [
      '2025-10-10T01:33:12.123456+00:00 mail postfix/smtpd[1]: disconnect from unknown[192.0.2.1] ehlo=1 quit=1',
      'auth=0/1',
      'smtp-disconnect',
    ],
    // The next line holds what this one lacks.
    ['2025-10-10T01:33:12.123456+00:00 mail dovecot: imap(alice', ')<1><s>: Disconnected: Logged out', null],
    ['2025-10-10T01:33:12.123456+00:00 mail postfix/smtpd[1', ']: connect from x[192.0.2.1]', null],
    ['2025-10-10T01:33:12.123456+00:00 mail postfix/qmgr[1]:', ' 4ABC123: removed', null],
    ['2025-10-10T01:33:12', '.123456+00:00 mail postfix/qmgr[1]: 4ABC123: removed', null],
  ];
  for (const [line, next, expected] of cases) {
    const block = Buffer.from(`junk before\n${line}\n${next}\n`);
    const start = block.indexOf('\n') + 1;
    const end = start + Buffer.byteLength(line);
    assert.equal(quickBenignAt(block, start, end), expected, line);
    assert.equal(quickBenign(Buffer.from(line)), expected, `${line} (alone)`);
  }
});
