// The openssl command for tests that make their own certificates. Missing, it
// fails those tests naming the Debian package, unless real-component tests are
// being skipped (MAILWARDEN_SKIP_REALSTACK=1).
import { findCommand, INSTALL_COMMAND } from '../realstack/requirements.js';
import { SKIP_ENV, skipRequested } from '../realstack/skip-policy.js';

export interface OpensslCommand {
  /** Absolute path; undefined when not installed. */
  path: string | undefined;
  /** A skip reason for node:test, or false. */
  skip: string | false;
  /** Throws, naming the package, when openssl is missing. */
  require(): string;
}

export function opensslOrSkip(): OpensslCommand {
  const path = findCommand('openssl');
  const skip = path === undefined && skipRequested() ? `${SKIP_ENV}=1 and openssl is not installed` : false;
  return {
    path,
    skip,
    require() {
      if (path === undefined)
        throw new Error(
          `these tests need the Debian package openssl; install it with: ${INSTALL_COMMAND} (or apt-get install openssl)`,
        );
      return path;
    },
  };
}
