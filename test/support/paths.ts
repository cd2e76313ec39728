import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from the compiled test's location (dist/test/...). */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test directory');
    dir = up;
  }
  return dir;
})();

/** ../shared beside the checkout: fail2ban's corpus is read there, never copied. */
export const sharedDir = resolve(repoRoot, process.env.MAILWARDEN_SHARED_DIR ?? '../shared');

export const fail2banCorpusDir = join(sharedDir, 'corpus', 'fail2ban', 'logs');
