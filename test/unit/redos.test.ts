import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineClassifier, YearResolver } from '../../src/index.js';

// Lines shaped to make backtracking regular expressions explode. They must be
// classified (or rejected) at once; the timeout turns a hang into a failure.
const prefixes = [
  'Oct 10 01:33:12 mail postfix/smtpd[1]: ',
  'Oct 10 01:33:12 mail postfix/postscreen[1]: ',
  'Oct 10 01:33:12 mail dovecot: imap-login: ',
  'Oct 10 01:33:12 mail dovecot: auth: ',
  'Oct 10 01:33:12 mail amavis[1]: ',
  '2025-10-10T01:33:12.000000+00:00 mail postfix/submission/smtpd[1]: warning: ',
  '',
];
const bodies = [
  '['.repeat(60_000),
  'a'.repeat(60_000),
  'a: '.repeat(20_000),
  `${'reject: RCPT from '.repeat(3000)}[`,
  `Disconnected: ${'a: '.repeat(20_000)}(auth failed`,
  `${'SASL LOGIN authentication failed: '.repeat(1500)}`,
  `pam(${'('.repeat(30_000)}`,
  `<${'1'.repeat(50_000)}`,
  `{${'"a":'.repeat(15_000)}`,
  `Oct ${' '.repeat(50_000)}`,
  `${'fail2ban.x '.repeat(5000)}[`,
  `postfix-mailcow-1${' '.repeat(50_000)}|`,
];

test('hostile lines cannot make classification backtrack', { timeout: 20_000 }, () => {
  const classifier = new LineClassifier(
    { years: new YearResolver(Date.now(), 'UTC'), zone: 'UTC' },
    'hostile',
  );
  let n = 0;
  for (const prefix of prefixes) {
    for (const body of bodies) {
      const outcome = classifier.classifyText(prefix + body, ++n);
      assert.ok(
        outcome.kind !== 'event' ||
          outcome.event.tier !== 'attack' ||
          outcome.event.ip === undefined ||
          outcome.event.ip.length < 40,
      );
    }
  }
});

test("the dovecot ReDoS samples of fail2ban's advisory are not attacks unless they say so", () => {
  const classifier = new LineClassifier({ years: new YearResolver(Date.now(), 'UTC'), zone: 'UTC' }, 'redos');
  const negative = classifier.classifyText(
    `Aug 31 16:06:06 host dovecot: imap-login: Disconnected: ${'a: '.repeat(5000)}test no match`,
    1,
  );
  assert.ok(negative.kind !== 'event' || negative.event.tier !== 'attack');
});
