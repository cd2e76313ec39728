// The compromise detector's pairs merge across pieces: however a run of logins is cut
// in two, the merged state gives the findings of one pass over it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecurityEvent } from '../../src/classify/event.js';
import type { EventClass } from '../../src/classify/taxonomy.js';
import { accountCompromise } from '../../src/detect/account-compromise.js';
import type { DetectContext } from '../../src/detect/detector.js';

const ctx: DetectContext = {
  subnetMin: 3,
  banned: new Set(),
  fail2banSeen: false,
  periodFrom: null,
  periodTo: null,
  denylisted: new Map(),
  denylistedLast: new Map(),
};

function event(n: number, cls: EventClass, ip: string, user?: string, detail?: string): SecurityEvent {
  const e: SecurityEvent = {
    ts: new Date(Date.UTC(2025, 0, 1) + n * 60_000).toISOString(),
    host: 'mail',
    service: 'postfix/submission/smtpd',
    pid: 1,
    class: cls,
    tier: cls.endsWith('success') ? 'benign' : 'attack',
    ip,
    source: `${n < 12 ? 'mail.log.1' : 'mail.log'}:${n + 1}`,
  };
  if (user !== undefined) e.user = user;
  if (detail !== undefined) e.detail = detail;
  return e;
}

// Two guessed passwords (one after failures split over both files), a typo, a login
// that failed only after succeeding, and failures that name no user.
const events: SecurityEvent[] = [
  event(0, 'sasl-auth-failure', '198.51.100.7', 'alice@example.org'),
  event(1, 'auth-password-mismatch', '198.51.100.7', 'alice@example.org'),
  event(2, 'mail-login-failure', '203.0.113.9', 'bob@example.org', '3'),
  event(3, 'sasl-auth-failure', '198.51.100.7', 'alice@example.org'),
  event(4, 'sasl-auth-success', '192.0.2.10', 'carol@example.org'),
  event(5, 'sasl-auth-failure', '192.0.2.10', 'carol@example.org'),
  event(6, 'auth-password-mismatch', '198.51.100.7'),
  event(7, 'sasl-auth-failure', '192.0.2.20', 'dave@example.org'),
  event(8, 'mail-login-success', '203.0.113.9', 'bob@example.org'),
  event(9, 'auth-password-mismatch', '198.51.100.7'),
  event(10, 'sasl-auth-failure', '198.51.100.7', 'alice@example.org'),
  event(11, 'auth-password-mismatch', '198.51.100.7'),
  event(12, 'sasl-auth-success', '192.0.2.20', 'dave@example.org'),
  event(13, 'sasl-auth-success', '198.51.100.7', 'alice@example.org'),
  event(14, 'sasl-auth-failure', '198.51.100.7', 'alice@example.org'),
  event(15, 'sasl-auth-success', '198.51.100.7', 'alice@example.org'),
];

function findingsOf(parts: SecurityEvent[][]) {
  const states = parts.map((list) => {
    const s = accountCompromise.create();
    for (const e of list) accountCompromise.add(s, e, Date.parse(e.ts), '');
    return s;
  });
  const [first, ...rest] = states;
  for (const later of rest) accountCompromise.merge(first!, later);
  return accountCompromise.findings(first!, ctx);
}

test('cut anywhere, or in three, the merged pairs give the findings of one pass', () => {
  const whole = findingsOf([events]);
  assert.equal(whole.length, 1);
  assert.deepEqual(
    whole[0]!.sources.map((s) => [s.source, s.users ?? [], s.count]),
    [
      ['203.0.113.9', ['bob@example.org'], 3],
      ['198.51.100.7', [], 3],
      ['198.51.100.7', ['alice@example.org'], 3],
    ],
  );
  for (let cut = 0; cut <= events.length; cut++)
    assert.deepEqual(findingsOf([events.slice(0, cut), events.slice(cut)]), whole, `cut at ${cut}`);
  for (let a = 1; a < events.length; a += 3)
    for (let b = a; b < events.length; b += 4)
      assert.deepEqual(
        findingsOf([events.slice(0, a), events.slice(a, b), events.slice(b)]),
        whole,
        `cuts at ${a} and ${b}`,
      );
});
