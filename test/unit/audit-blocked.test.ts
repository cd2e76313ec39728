// The audit's rule for blocks that hold: a finding is mitigated when postscreen's
// access list refused every one of its addresses (DENYLISTED) and none attacked
// again after that, as an access map such as mitigate's shows in the logs.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runAudit } from '../../src/audit/run-audit.js';
import { blockHeld } from '../../src/detect/blocked.js';

const T0 = Date.UTC(2025, 9, 9, 22, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace('Z', '+00:00');
const tls = (ip: string, s: number) =>
  `${at(s)} mail postfix/submissions/smtpd[477]: SSL_accept error from unknown[${ip}]: lost connection`;
const denylisted = (ip: string, s: number) =>
  `${at(s)} mail postfix/postscreen[780]: DENYLISTED [${ip}]:40003`;
const relay = (ip: string, s: number) =>
  `${at(s)} mail postfix/smtpd[8738]: NOQUEUE: reject: RCPT from unknown[${ip}]: 554 5.7.1 <x@example.net>: Relay access denied; from=<a@example.com> to=<x@example.net> proto=SMTP helo=<x>`;
const sasl = (ip: string, s: number) =>
  `${at(s)} mail postfix/submission/smtpd[500]: warning: unknown[${ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`;
const imap = (ip: string, s: number) =>
  `${at(s)} mail dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<bob>, method=PLAIN, rip=${ip}, lip=192.0.2.194, TLS`;

async function statusOf(lines: string[], id: string): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-blocked-'));
  const file = join(dir, 'mail.log');
  writeFileSync(file, `${[...lines].sort().join('\n')}\n`);
  const { report } = await runAudit([file], { threads: 1 });
  const f = report.findings.find((x) => x.id === id);
  if (f?.status === 'mitigated')
    assert.match(f.description, /refused by postscreen's access list \(DENYLISTED\)/);
  return f?.status;
}

test('blockHeld: every address refused at or after its last attack; none, or no block, is not held', () => {
  const d = new Map([
    ['192.0.2.1', 100],
    ['192.0.2.2', 50],
  ]);
  assert.equal(blockHeld([['192.0.2.1', 90]], d), true);
  assert.equal(blockHeld([['192.0.2.1', 100]], d), true, 'the same second counts (syslog has whole seconds)');
  assert.equal(blockHeld([['192.0.2.2', 60]], d), false, 'attacked again after the block');
  assert.equal(
    blockHeld(
      [
        ['192.0.2.1', 90],
        ['192.0.2.3', 10],
      ],
      d,
    ),
    false,
    'one address never refused',
  );
  assert.equal(blockHeld([], d), false);
  assert.equal(blockHeld([['192.0.2.1', 90]], undefined), false);
});

test('TLS probing: mitigated once postscreen refuses every prober and none probes again', async () => {
  const attacks = [tls('198.51.100.1', 10), tls('198.51.100.2', 20), tls('198.51.100.2', 30)];
  assert.equal(await statusOf(attacks, 'tls-handshake-campaign'), 'open');
  const refused = [denylisted('198.51.100.1', 100), denylisted('198.51.100.2', 110)];
  assert.equal(await statusOf([...attacks, ...refused], 'tls-handshake-campaign'), 'mitigated');
  assert.equal(
    await statusOf([...attacks, refused[0]!], 'tls-handshake-campaign'),
    'open',
    'one not refused',
  );
  assert.equal(
    await statusOf([...attacks, ...refused, tls('198.51.100.2', 200)], 'tls-handshake-campaign'),
    'open',
    'probing again after the block',
  );
});

test('fixed, once the blocked probers have not even been refused for a day before the logs end', async () => {
  const attacks = [tls('198.51.100.1', 10), tls('198.51.100.2', 20)];
  const refused = [denylisted('198.51.100.1', 100), denylisted('198.51.100.2', 110)];
  // Some other traffic two days later ends the period; the probers stayed away.
  const later = `${at(2 * 86_400)} mail postfix/smtpd[9]: connect from mx.example.net[192.0.2.77]`;
  assert.equal(await statusOf([...attacks, ...refused, later], 'tls-handshake-campaign'), 'fixed');
  // Still knocking (and refused) within the last day: mitigated, not fixed.
  assert.equal(
    await statusOf(
      [...attacks, ...refused, denylisted('198.51.100.2', 2 * 86_400 - 60), later],
      'tls-handshake-campaign',
    ),
    'mitigated',
  );
});

test('relay probing: the same rule', async () => {
  const lines = [relay('203.0.113.4', 10), relay('203.0.113.4', 11)];
  assert.equal(await statusOf(lines, 'relay-probing'), 'open');
  assert.equal(await statusOf([...lines, denylisted('203.0.113.4', 60)], 'relay-probing'), 'mitigated');
});

test('password guessing: only SMTP AUTH is covered by a Postfix block, not IMAP or POP3', async () => {
  const smtp = [sasl('203.0.113.9', 10), sasl('203.0.113.9', 11), sasl('203.0.113.9', 12)];
  assert.equal(await statusOf(smtp, 'auth-brute-force'), 'open');
  assert.equal(await statusOf([...smtp, denylisted('203.0.113.9', 60)], 'auth-brute-force'), 'mitigated');
  assert.equal(
    await statusOf(
      [...smtp, imap('203.0.113.10', 20), denylisted('203.0.113.9', 60), denylisted('203.0.113.10', 61)],
      'auth-brute-force',
    ),
    'open',
    'the IMAP guesser is not stopped by Postfix',
  );
});
