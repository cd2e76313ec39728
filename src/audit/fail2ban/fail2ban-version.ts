/**
 * Which fail2ban release runs, from whatever is at hand: the `Starting Fail2ban
 * vX` line of fail2ban.log (the release that really ran), `fail2ban-client -V`
 * on the audited host itself, or the installed package files of a copied root.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JailVersion } from './coverage-findings.js';

const PACKAGE_FILES = [
  'usr/lib/python3/dist-packages/fail2ban/version.py',
  'usr/local/lib/python3/dist-packages/fail2ban/version.py',
];

function fromPackage(root: string): JailVersion | null {
  for (const rel of PACKAGE_FILES) {
    try {
      const text = readFileSync(join(root, rel), 'utf8');
      const m = /^version\s*=\s*["']([\w.-]+)["']/m.exec(text);
      if (m) return { version: m[1]!, source: join(root, rel) };
    } catch {
      // not there
    }
  }
  return null;
}

function fromClient(): JailVersion | null {
  const out = spawnSync('fail2ban-client', ['-V'], { encoding: 'utf8', timeout: 10_000 });
  const m = out.status === 0 ? /^v?(\d+\.\d+[\w.-]*)/m.exec(out.stdout.trim()) : null;
  return m ? { version: m[1]!, source: 'fail2ban-client -V' } : null;
}

/**
 * @param fromLog the version of the newest `Starting Fail2ban` line, if any
 * @param hostRoot `/` when the configuration audited is this host's own, a copied root, or null (a container)
 */
export function fail2banVersion(fromLog: string | null, hostRoot: string | null): JailVersion {
  if (fromLog) return { version: fromLog, source: 'the Starting Fail2ban line of fail2ban.log' };
  if (hostRoot !== null) {
    const found = (hostRoot === '/' ? fromClient() : null) ?? fromPackage(hostRoot);
    if (found) return found;
  }
  return { version: null, source: null };
}
