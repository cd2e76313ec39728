import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_CLASSES, EVENT_CLASSES, LineClassifier, YearResolver } from '../../src/index.js';

const REQUIRED = [
  'tls-handshake-failure',
  'lost-connection',
  'pregreet',
  'postscreen-hangup',
  'postscreen-dnsbl',
  'postscreen-pipelining',
  'postscreen-non-smtp',
  'postscreen-bare-newline',
  'postscreen-limit',
  'postscreen-denylisted',
  'sasl-auth-failure',
  'sasl-auth-error',
  'mail-login-failure',
  'auth-unknown-user',
  'relay-denied',
  'unknown-recipient',
  'non-smtp-command',
  'improper-pipelining',
  'too-many-errors',
  'helo-rejected',
  'client-rejected',
  'sender-rejected',
  'hostname-mismatch',
  'connection-limit',
  'auth-command-abuse',
  'no-decoder',
  'virus-found',
  'spam-blocked',
  'dkim-fail',
  'dmarc-fail',
  'fail2ban-ban',
  'fail2ban-unban',
];

test('the taxonomy holds every class other tools rely on, by its exact name', () => {
  for (const name of REQUIRED) assert.ok(name in EVENT_CLASSES, `missing class ${name}`);
});

test("each class's example line is classified as that class, with the tier of the table", () => {
  const classifier = new LineClassifier(
    { years: new YearResolver(Date.parse('2025-10-11T00:00:00Z'), 'UTC'), zone: 'UTC' },
    'taxonomy',
  );
  for (const cls of ALL_CLASSES) {
    const spec = EVENT_CLASSES[cls];
    const outcome = classifier.classifyText(spec.example, 1);
    assert.ok(
      outcome.kind === 'event' || outcome.kind === 'benign',
      `${cls}: example not classified (${outcome.kind})`,
    );
    assert.equal(outcome.event.class, cls, `${cls}: example classified as ${outcome.event.class}`);
    assert.equal(outcome.event.tier, spec.tier);
  }
});

test('the tiers of the issue hold: what proves an attack, what only signals one', () => {
  const attack = [
    'pregreet',
    'sasl-auth-failure',
    'mail-login-failure',
    'relay-denied',
    'auth-command-abuse',
    'virus-found',
  ];
  const signal = [
    'tls-handshake-failure',
    'lost-connection',
    'postscreen-hangup',
    'improper-pipelining',
    'connection-limit',
    'sasl-auth-error',
    'hostname-mismatch',
  ];
  const info = ['no-decoder', 'spam-blocked', 'dkim-fail', 'dmarc-fail', 'fail2ban-ban', 'fail2ban-unban'];
  for (const c of attack) assert.equal(EVENT_CLASSES[c as keyof typeof EVENT_CLASSES].tier, 'attack', c);
  for (const c of signal) assert.equal(EVENT_CLASSES[c as keyof typeof EVENT_CLASSES].tier, 'signal', c);
  for (const c of info) assert.equal(EVENT_CLASSES[c as keyof typeof EVENT_CLASSES].tier, 'info', c);
});
