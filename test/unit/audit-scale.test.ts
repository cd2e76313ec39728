import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runAudit } from '../../src/audit/run-audit.js';

/** 100.64.0.0/10 (shared address space): `i` as an address of it. */
function address(i: number): string {
  return `100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`;
}

test('an audit of 150,000 attacking addresses of one class completes and counts them all', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-scale-'));
  try {
    const log = join(dir, 'mail.log');
    const n = 150_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const stamp = new Date(Date.UTC(2025, 9, 10) + i * 500).toISOString().replace('Z', '000+00:00');
      lines.push(
        `${stamp} mail postfix/submissions/smtpd[477]: SSL_accept error from unknown[${address(i)}]: lost connection`,
      );
    }
    writeFileSync(log, `${lines.join('\n')}\n`);
    const { report } = await runAudit([log], { threads: 1, now: new Date('2025-10-11T00:00:00Z') });
    const tls = report.findings.find((f) => f.id === 'tls-handshake-campaign');
    assert.ok(tls, 'the TLS handshake finding is reported');
    assert.equal(report.statistics.eventsByClass['tls-handshake-failure'], n);
    // 150,000 addresses fill 586 subnets of 256: every one is named as a subnet.
    assert.ok(tls.sources.every((s) => s.kind === 'subnet'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
