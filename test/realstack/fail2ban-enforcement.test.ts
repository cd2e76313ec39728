// A real fail2ban whose ban action cannot run (its firewall command is not
// installed, as when nftables is missing or a container lacks the tool): fail2ban
// logs the ban, then the failure. The audit must say the ban was never enforced,
// and must not count the address as banned; a second jail with a working action
// shows that only the failing jail is blamed.
import assert from 'node:assert/strict';
import { appendFile, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAudit } from '../../src/audit/run-audit.js';
import { startDaemon } from './processes.js';
import { findCommand } from './requirements.js';
import { realStackTest } from './skip-policy.js';
import { waitForLog } from './wait.js';

const FAILING = '127.9.0.7';
const WORKING = '127.9.0.8';

/** A syslog line in the traditional format with the current local time, as rsyslog writes it. */
function saslFailure(address: string, pid: number): string {
  const now = new Date();
  const month = now.toLocaleString('en-US', { month: 'short' });
  const day = String(now.getDate()).padStart(2, ' ');
  const time = now.toTimeString().slice(0, 8);
  return `${month} ${day} ${time} mail postfix/submission/smtpd[${pid}]: warning: unknown[${address}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6\n`;
}

realStackTest('bans whose action fails are reported as not enforced', { timeout: 90_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'mw-f2b-enforce-'));
  const conf = join(root, 'etc');
  const mailLog = join(root, 'mail.log');
  const fail2banLog = join(root, 'fail2ban.log');
  await cp('/etc/fail2ban', conf, { recursive: true, dereference: true });
  for (const dir of ['jail.d', 'fail2ban.d'])
    for (const name of await readdir(join(conf, dir)).catch(() => [] as string[]))
      await rm(join(conf, dir, name), { force: true, recursive: true });
  await mkdir(join(root, 'bans'));
  await writeFile(mailLog, '');
  await writeFile(
    join(conf, 'action.d', 'missing-firewall.conf'),
    [
      '[Definition]',
      'actionstart =',
      'actionban = mailwarden-test-missing-firewall add <ip>',
      'actionunban = mailwarden-test-missing-firewall delete <ip>',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(conf, 'fail2ban.local'),
    [
      '[Definition]',
      'loglevel = INFO',
      `logtarget = ${fail2banLog}`,
      `socket = ${join(root, 'fail2ban.sock')}`,
      `pidfile = ${join(root, 'fail2ban.pid')}`,
      'dbfile = :memory:',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(conf, 'jail.local'),
    [
      '[DEFAULT]',
      'ignoreself = false',
      'backend = polling',
      'usedns = no',
      'maxretry = 3',
      'findtime = 10m',
      'bantime = 10m',
      '',
      '[postfix-sasl]',
      'enabled = true',
      `logpath = ${mailLog}`,
      `ignoreip = ${WORKING}`,
      'action = missing-firewall',
      '',
      '[postfix-sasl-file]',
      'enabled = true',
      'filter = postfix[mode=auth]',
      `logpath = ${mailLog}`,
      `ignoreip = ${FAILING}`,
      `action = dummy[name=%(__name__)s, target="${join(root, 'bans')}/%(__name__)s.txt"]`,
      '',
    ].join('\n'),
  );
  const server = startDaemon(
    'fail2ban',
    findCommand('fail2ban-server') ?? 'fail2ban-server',
    ['-xf', '-c', conf, 'start'],
    { outputFile: join(root, 'fail2ban.out') },
  );
  try {
    await waitForLog(fail2banLog, /Jail 'postfix-sasl-file' started/, { timeoutMs: 30_000 });
    for (let i = 0; i < 3; i++) {
      await appendFile(mailLog, saslFailure(FAILING, 4100 + i));
      await appendFile(mailLog, saslFailure(WORKING, 4200 + i));
    }
    await waitForLog(fail2banLog, /Failed to execute ban jail 'postfix-sasl'/, { timeoutMs: 30_000 });
    await waitForLog(
      fail2banLog,
      new RegExp(`\\[postfix-sasl-file\\] Ban ${WORKING.replaceAll('.', '\\.')}`),
      {
        timeoutMs: 30_000,
      },
    );
  } finally {
    await server.stop();
  }

  const { report } = await runAudit([mailLog, fail2banLog], {});
  const notEnforced = report.findings.filter((f) => f.id === 'fail2ban-bans-not-enforced');
  assert.equal(notEnforced.length, 1, report.findings.map((f) => f.id).join(', '));
  const finding = notEnforced[0]!;
  assert.equal(finding.severity, 'high');
  assert.deepEqual(
    finding.sources.map((s) => s.source),
    [FAILING],
  );
  assert.match(finding.description, /postfix-sasl: 1 of 1 bans failed \(action missing-firewall/);
  assert.match(finding.description, /mailwarden-test-missing-firewall: not found/);
  assert.doesNotMatch(finding.description, /postfix-sasl-file/);
  assert.match(finding.rootCause, /not installed/);
  assert.ok(finding.evidence.some((e) => e.line.includes("Failed to execute ban jail 'postfix-sasl'")));

  // Only the address whose ban worked counts as banned.
  const banning = report.findings.find((f) => f.id === 'fail2ban-banning');
  assert.ok(banning, 'the working jail banned');
  assert.match(banning.description, /banned 1 addresses/);
  const gap = report.findings.find((f) => f.id === 'fail2ban-coverage-gap');
  assert.ok(gap, 'the address whose ban failed is a repeat attacker never banned');
  assert.deepEqual(
    gap.sources.map((s) => s.source),
    [FAILING],
  );
  await rm(root, { recursive: true, force: true });
});
