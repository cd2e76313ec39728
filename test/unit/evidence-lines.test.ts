import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fillEvidenceLines } from '../../src/audit/evidence-lines.js';
import type { Finding } from '../../src/findings/finding.js';

/** Line `n` of the test file: long enough that 3,000 of them cross several 1 MiB read chunks. */
const lineText = (n: number) => `line ${n} ${'é'.repeat(n % 7)}${'x'.repeat(1200 + (n % 13))}`;

function finding(sources: string[]): Finding {
  return { evidence: sources.map((source) => ({ line: '', source })) } as unknown as Finding;
}

test('evidence lines kept as file:line are read back, across read chunks, CRLF endings and a last line without newline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-evidence-'));
  try {
    const total = 3000;
    const text = Array.from({ length: total }, (_, i) => lineText(i + 1)).join('\r\n');
    const plain = join(dir, 'mail.log');
    const gz = join(dir, 'mail.log.2.gz');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    // The lines that hold the ends of the 1 MiB read chunks, and the last line, without newline.
    const crossing = (offset: number) =>
      Buffer.from(text).subarray(0, offset).toString('latin1').split('\n').length;
    const wanted = [1, crossing(1 << 20), crossing(2 << 20), crossing(3 << 20), 2999, 3000];
    assert.ok(wanted[1]! > 1 && wanted[3]! < 2999, `chunk ends inside the file: ${wanted}`);
    for (const file of [plain, gz]) {
      const f = finding([...wanted.map((n) => `${file}:${n}`), `${file}:3001`, `${file}:${wanted[1]}`]);
      await fillEvidenceLines([f]);
      assert.deepEqual(
        f.evidence.map((e) => e.line),
        [...wanted.map(lineText), '', lineText(wanted[1]!)],
        file,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
