// What a real-stack test does when the daemons cannot run here:
//  - MAILWARDEN_SKIP_REALSTACK=1: the test is skipped, and a loud message at
//    the end of the file says how many real-stack tests were skipped;
//  - otherwise, with a package missing (or not root): the test FAILS with a
//    message naming the packages and the install command.
// Use realStackTest() instead of node:test's test() for every such test.
import { after, type TestContext, test } from 'node:test';
import {
  INSTALL_COMMAND,
  isRoot,
  MissingPackagesError,
  missingPackages,
  NotRootError,
  REQUIREMENTS,
  type Requirement,
} from './requirements.js';

export const SKIP_ENV = 'MAILWARDEN_SKIP_REALSTACK';

export type RealStackStatus =
  | { kind: 'ready' }
  | { kind: 'skip'; reason: string }
  | { kind: 'fail'; error: Error };

export function skipRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[SKIP_ENV] === '1';
}

export function realStackStatus(
  env: NodeJS.ProcessEnv = process.env,
  requirements: readonly Requirement[] = REQUIREMENTS,
): RealStackStatus {
  const missing = missingPackages(requirements);
  if (skipRequested(env)) {
    const why =
      missing.length > 0 ? ` (missing: ${missing.join(', ')}; install with: ${INSTALL_COMMAND})` : '';
    return { kind: 'skip', reason: `${SKIP_ENV}=1: real-stack test skipped${why}` };
  }
  if (missing.length > 0) return { kind: 'fail', error: new MissingPackagesError(missing) };
  if (!isRoot()) return { kind: 'fail', error: new NotRootError() };
  return { kind: 'ready' };
}

let skippedCount = 0;
let reportRegistered = false;

function registerSkipReport(): void {
  if (reportRegistered) return;
  reportRegistered = true;
  after(() => {
    if (skippedCount === 0) return;
    const bar = '!'.repeat(78);
    process.stderr.write(
      `\n${bar}\n!!! ${skippedCount} REAL-STACK TEST(S) SKIPPED because ${SKIP_ENV}=1.\n` +
        `!!! Nothing in this file was checked against real Postfix/Dovecot/fail2ban output.\n` +
        `!!! To run them: unset ${SKIP_ENV} and install the daemons with: ${INSTALL_COMMAND}\n${bar}\n\n`,
    );
  });
}

export interface RealStackTestOptions {
  timeout?: number;
}

/** node:test's test() with the real-stack skip policy applied. */
export function realStackTest(
  name: string,
  options: RealStackTestOptions,
  fn: (t: TestContext) => Promise<void> | void,
): void {
  const status = realStackStatus();
  if (status.kind === 'skip') {
    skippedCount += 1;
    registerSkipReport();
    test(name, { skip: status.reason }, () => {});
    return;
  }
  if (status.kind === 'fail') {
    test(name, options, () => {
      throw status.error;
    });
    return;
  }
  test(name, options, fn);
}

/** How many tests this process skipped under the policy so far. */
export function skippedRealStackTests(): number {
  return skippedCount;
}

/**
 * A test that needs some of the real tools (say util-linux's `logger`) but not
 * the daemons or root: fails naming the missing packages, unless the skip is
 * asked for, in which case it is skipped and counted like the others.
 */
export function toolTest(
  debianPackages: readonly string[],
  name: string,
  options: RealStackTestOptions,
  fn: (t: TestContext) => Promise<void> | void,
): void {
  const missing = missingPackages(REQUIREMENTS.filter((r) => debianPackages.includes(r.debianPackage)));
  if (missing.length === 0) {
    test(name, options, fn);
    return;
  }
  if (skipRequested()) {
    skippedCount += 1;
    registerSkipReport();
    test(name, { skip: `${SKIP_ENV}=1 and ${missing.join(', ')} missing` }, () => {});
    return;
  }
  test(name, options, () => {
    throw new MissingPackagesError(missing);
  });
}
