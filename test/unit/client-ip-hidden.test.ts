// Real daemon output seen through a Docker gateway: every client address becomes
// the gateway's, and the audit must say that bans cannot work there.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runAudit } from '../../src/audit/run-audit.js';
import { repoRoot } from '../support/paths.js';

const recorded = join(repoRoot, 'test', 'fixtures', 'real', 'debian12', 'syslog', 'mail.log');

test('clients all appearing as the Docker gateway are reported; the same log with real addresses is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-gateway-'));
  try {
    // The harness's clients are 127.x.y.z (the server itself is 127.0.0.1); behind Docker's proxy they all read 172.18.0.1.
    const gatewayed = readFileSync(recorded, 'utf8').replace(
      /\b127\.(?!0\.0\.1\b)\d{1,3}\.\d{1,3}\.\d{1,3}\b/g,
      '172.18.0.1',
    );
    const file = join(dir, 'mail.log');
    writeFileSync(file, gatewayed);
    const behind = (await runAudit([file], { tz: 'UTC' })).report;
    const finding = behind.findings.find((f) => f.id === 'client-ip-hidden');
    assert.ok(finding, `found: ${behind.findings.map((f) => f.id).join(', ')}`);
    assert.equal(finding.metrics['address'], '172.18.0.1');
    assert.ok(finding.evidence.length > 0 && finding.evidence.every((e) => e.line.includes('172.18.0.1')));
    const direct = (await runAudit([recorded], { tz: 'UTC' })).report;
    assert.equal(
      direct.findings.find((f) => f.id === 'client-ip-hidden'),
      undefined,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
