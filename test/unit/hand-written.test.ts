import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LineClassifier, YearResolver } from '../../src/index.js';
import { repoRoot } from '../support/paths.js';

// Each line of the fixture is preceded by `# expect: CLASS [DETAIL] [IP] [USER] | shape: SOURCE`.
test('hand-written lines of daemons the harness cannot run yield their annotated class, address and user', () => {
  const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'hand-written.log'), 'utf8').split('\n');
  const classifier = new LineClassifier(
    { years: new YearResolver(Date.parse('2025-10-11T00:00:00Z'), 'UTC'), zone: 'UTC' },
    'fixture',
  );
  let checked = 0;
  for (let i = 0; i < text.length; i++) {
    const expect = /^# expect: (\S+)((?: \S+)*) \| shape: .+$/.exec(text[i]!);
    if (!expect) continue;
    const line = text[i + 1]!;
    const outcome = classifier.classifyText(line, i + 2);
    assert.ok(outcome.kind === 'event' || outcome.kind === 'benign', `line ${i + 2}: ${outcome.kind}`);
    const e = outcome.event;
    assert.equal(e.class, expect[1], `line ${i + 2}`);
    for (const token of (expect[2] ?? '').trim().split(' ').filter(Boolean)) {
      assert.ok(
        [e.ip, e.user, e.detail].includes(token),
        `line ${i + 2}: ${token} not among ip/user/detail of ${JSON.stringify(e)}`,
      );
    }
    checked++;
  }
  assert.ok(checked >= 20);
});
