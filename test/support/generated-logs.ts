import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLogs } from '../../bench/generator/generate.js';

/** Calls `check` on a generated log in each header format (RFC 3339 from Debian 12, RFC 3164 from Debian 13), then removes them. */
export async function withGeneratedLogs(
  size: string,
  seed: number,
  check: (file: string) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-generated-'));
  try {
    for (const [format, release] of [
      ['rfc3339', 'debian12'],
      ['rfc3164', 'debian13-trixie'],
    ] as const) {
      await generateLogs({ out: join(dir, format), size, seed, format, release });
      check(join(dir, format, 'mail.log'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
