// fail2ban's log of a ban whose nftables action could not run (real output, see
// the fixture's README): the audit reports the ban as not enforced.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAudit } from '../../src/audit/run-audit.js';

const LOG = 'test/fixtures/real/debian12/fail2ban-action-error/fail2ban.log';

test('a ban whose nftables action failed is not enforced, and not counted as a ban', async () => {
  const { report } = await runAudit([LOG], {});
  const ids = report.findings.map((f) => f.id);
  assert.ok(ids.includes('fail2ban-bans-not-enforced'), ids.join(', '));
  assert.ok(!ids.includes('fail2ban-banning'), 'no positive finding for a ban that never happened');
  const finding = report.findings.find((f) => f.id === 'fail2ban-bans-not-enforced')!;
  assert.equal(finding.metrics?.failedBans, 1);
  assert.equal(finding.sources[0]?.source, '127.9.0.7');
  assert.match(finding.description, /nftables-multiport/);
  // The shell's line numbers are dropped so one message is said once.
  assert.match(finding.description, /stderr: '\/bin\/sh: nft: not found'; returned 127/);
  assert.ok(finding.recommendation.plainHost.includes('apt-get install -y nftables'));
});
