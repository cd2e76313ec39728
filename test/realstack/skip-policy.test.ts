// The real-stack skip policy itself; needs no daemon.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INSTALL_COMMAND, MissingPackagesError, missingPackages } from './requirements.js';
import { realStackStatus, SKIP_ENV } from './skip-policy.js';

const absent = [{ debianPackage: 'no-such-package', candidates: ['/nonexistent/mailwarden/daemon'] }];
const present = [{ debianPackage: 'coreutils', candidates: ['/bin/sh'] }];

test('a missing daemon is reported with its Debian package and the install command', () => {
  assert.deepEqual(missingPackages(absent), ['no-such-package']);
  assert.deepEqual(missingPackages(present), []);
  const status = realStackStatus({}, absent);
  assert.equal(status.kind, 'fail');
  assert.ok(status.kind === 'fail' && status.error instanceof MissingPackagesError);
  assert.match(status.error.message, /no-such-package/);
  assert.ok(status.error.message.includes(INSTALL_COMMAND));
});

test(`${SKIP_ENV}=1 turns a missing daemon into a skip that names the package`, () => {
  const status = realStackStatus({ [SKIP_ENV]: '1' }, absent);
  assert.equal(status.kind, 'skip');
  assert.ok(status.kind === 'skip' && status.reason.includes('no-such-package'));
  assert.ok(status.kind === 'skip' && status.reason.includes(INSTALL_COMMAND));
});

test(`${SKIP_ENV}=1 skips even when everything is installed; any other value does not`, () => {
  assert.equal(realStackStatus({ [SKIP_ENV]: '1' }, present).kind, 'skip');
  assert.notEqual(realStackStatus({ [SKIP_ENV]: '0' }, present).kind, 'skip');
});
