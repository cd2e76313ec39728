// When an enabled fail2ban jail can never fire: by its configuration, or
// because its filter matches none of the lines meant for it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { blindJails, jailBlindFinding } from '../../src/audit/fail2ban/coverage-findings.js';
import { type BlindnessContext, jailBlindness } from '../../src/audit/fail2ban/jail-blindness.js';
import { CoverageMatrixBuilder, type JailToEvaluate } from '../../src/detect/fail2ban/coverage-matrix.js';

const plain: BlindnessContext = {
  kind: 'plain',
  daemonLogs: { postfix: [], dovecot: [] },
  checkRoot: null,
  journal: null,
};
const jail = (backend: string, logpaths: string[], filterName = 'postfix') => ({
  name: 'postfix',
  filterName,
  backend,
  logpaths,
});

test('the journal backend inside docker-mailserver reads nothing', () => {
  const why = jailBlindness(jail('systemd', []), { ...plain, kind: 'docker-mailserver', journal: false });
  assert.match(why ?? '', /backend = systemd, but docker-mailserver's container runs no systemd journal/);
  assert.equal(jailBlindness(jail('systemd', []), plain), null, 'unknown journal: not claimed');
});

test('a logpath that does not exist on the audited host, or that the daemons do not write', () => {
  const root = mkdtempSync(join(tmpdir(), 'mw-blind-'));
  writeFileSync(join(root, 'mail.log'), '');
  const onHost = { ...plain, checkRoot: root };
  assert.match(jailBlindness(jail('auto', ['/maillog']), onHost) ?? '', /logpath \/maillog does not exist/);
  assert.equal(jailBlindness(jail('auto', ['/mail.*']), onHost), null, 'a glob that matches');
  const writes = { ...plain, daemonLogs: { postfix: ['/var/log/postfix.log'], dovecot: [] } };
  assert.match(
    jailBlindness(jail('auto', ['/var/log/mail.log']), writes) ?? '',
    /reads \/var\/log\/mail\.log, but Postfix writes to \/var\/log\/postfix\.log/,
  );
  assert.equal(jailBlindness(jail('auto', ['/var/log/postfix.log']), writes), null);
});

function evaluated(name: string, filter: string, matches: boolean): JailToEvaluate {
  return {
    name,
    filter,
    matcher: {
      match: (line) => (matches && line.includes('rip=') ? { timeMs: null, address: '192.0.2.9' } : null),
    },
    error: null,
    warnings: [],
    maxretry: 5,
    findtimeSeconds: 600,
    bantimeSeconds: 600,
    ignoreip: [],
    logpaths: ['/var/log/mail.log'],
    backend: 'auto',
    blind: null,
    definedAt: '/etc/fail2ban/jail.local:12',
  };
}

test('a dovecot jail matching none of the Dovecot 2.4 login failures is blind, and the release is named', () => {
  const b = new CoverageMatrixBuilder([evaluated('dovecot', 'dovecot', false)]);
  for (let i = 0; i < 4; i++)
    b.line(
      'imap-login: Info: Login aborted: Connection closed (auth failed, 3 attempts in 4 secs) (auth_failed): user=<a>, rip=192.0.2.9',
      i * 1000,
      { cls: 'mail-login-failure', address: '192.0.2.9' },
      '',
    );
  const blind = blindJails(b.result(), { version: '1.0.2', source: 'fail2ban-client -V' }, true);
  assert.equal(blind.length, 1);
  assert.match(blind[0]!.why, /matches none of the 4 lines of mail-login-failure/);
  assert.match(blind[0]!.why, /fail2ban 1\.0\.2 \(fail2ban-client -V\) predates Dovecot 2\.4's wording/);
  const finding = jailBlindFinding(blind)!;
  assert.equal(finding.id, 'fail2ban-jail-blind');
  assert.equal(finding.severity, 'high');
  assert.deepEqual(
    finding.evidence.map((e) => e.source),
    ['/etc/fail2ban/jail.local:12'],
  );
});

test('a jail that matches its lines is not blind', () => {
  const b = new CoverageMatrixBuilder([evaluated('dovecot', 'dovecot', true)]);
  b.line(
    'imap-login: Disconnected (auth failed, 1 attempts): rip=192.0.2.9',
    0,
    { cls: 'mail-login-failure', address: '192.0.2.9' },
    '',
  );
  assert.deepEqual(blindJails(b.result(), { version: null, source: null }, false), []);
  assert.equal(jailBlindFinding([]), null);
});
