import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { unifiedDiff } from '../../src/mitigate/unified-diff.js';
import { realStackTest } from '../realstack/skip-policy.js';

test('unified diff: headers, hunk ranges and context as diff -u writes them', () => {
  const lines = 'abcdefghijklmnop'.split('');
  const before = `${lines.join('\n')}\n`;
  const after = `${lines.map((l) => (l === 'c' ? 'C' : l)).join('\n')}\nq\n`;
  assert.equal(
    unifiedDiff('main.cf', before, after),
    [
      '--- main.cf',
      '+++ main.cf',
      '@@ -1,6 +1,6 @@',
      ' a',
      ' b',
      '-c',
      '+C',
      ' d',
      ' e',
      ' f',
      '@@ -14,3 +14,4 @@',
      ' n',
      ' o',
      ' p',
      '+q',
      '',
    ].join('\n'),
  );
});

// GNU diff and patch are the reference: missing, the test fails with the policy's message.
realStackTest('the hunks are the ones GNU diff -u prints', {}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-gnudiff-'));
  const body = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`);
  const cases: [string, string][] = [
    [
      `${body(30).join('\n')}\n`,
      `${body(30)
        .filter((_, i) => i !== 3 && i !== 20)
        .join('\n')}\nend\n`,
    ],
    ['a\nb\n', 'a\nb\nc\n'],
    ['x\n', 'y'],
  ];
  cases.forEach(([before, after], i) => {
    const a = join(dir, `a${i}`);
    const b = join(dir, `b${i}`);
    writeFileSync(a, before);
    writeFileSync(b, after);
    const gnu = spawnSync('diff', ['-u', a, b], { encoding: 'utf8' }).stdout;
    const hunks = (text: string) =>
      text
        .split('\n')
        .slice(2)
        // GNU writes a range of one line without its count: "-5" for "-5,1".
        .map((l) => l.replace(/^@@ -(\d+)(?:,1)? \+(\d+)(?:,1)? @@$/, '@@ -$1 +$2 @@'))
        .join('\n');
    assert.equal(hunks(unifiedDiff(a, before, after)), hunks(gnu), `case ${i}`);
  });
});

test('a new file is diffed against /dev/null with an empty range at line 0; equal files give nothing', () => {
  assert.equal(
    unifiedDiff('x.cf', null, 'one\ntwo\n'),
    '--- /dev/null\n+++ x.cf\n@@ -0,0 +1,2 @@\n+one\n+two\n',
  );
  assert.equal(unifiedDiff('x.cf', 'same\n', 'same\n'), '');
  assert.equal(unifiedDiff('x.cf', '', ''), '');
});

test('a missing newline at the end is marked as diff -u marks it', () => {
  assert.equal(
    unifiedDiff('m.cf', 'a = 1', 'a = 1\nb = 2\n'),
    '--- m.cf\n+++ m.cf\n@@ -1,1 +1,2 @@\n-a = 1\n\\ No newline at end of file\n+a = 1\n+b = 2\n',
  );
});

realStackTest('patch(1) turns the old file into the new one with every diff', {}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-diff-'));
  const cases: [string, string][] = [
    ['', 'new\nfile\n'],
    ['a\nb\nc\n', 'a\nc\n'],
    ['keep\n'.repeat(20), `${'keep\n'.repeat(5)}inserted\n${'keep\n'.repeat(15)}changed at the end`],
    ['no newline', 'no newline\n'],
    [
      '# user comment\n192.0.2.0/24 REJECT\n# >>> block\n198.51.100.7/32 REJECT\n# <<< block\n# after\n',
      '# user comment\n192.0.2.0/24 REJECT\n# >>> block\n198.51.100.0/24 REJECT\n203.0.113.9/32 REJECT\n# <<< block\n# after\n',
    ],
  ];
  cases.forEach(([before, after], i) => {
    const file = join(dir, `f${i}`);
    writeFileSync(file, before);
    const diff = unifiedDiff(file, before, after);
    const r = spawnSync('patch', ['-s', '-f', file], { input: diff });
    assert.equal(r.status, 0, `case ${i}: ${r.stdout}${r.stderr}\n${diff}`);
    assert.equal(readFileSync(file, 'utf8'), after, `case ${i}`);
  });
});
