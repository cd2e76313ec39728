#!/usr/bin/env node
// Runs the whole test suite from the compiled tree with Node's own test runner.
// The real-stack tests start daemons on fixed loopback ports, so test files run
// one at a time; inside a file, tests may still run concurrently.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('dist/test')) {
  console.error('run-tests: dist/test is missing; run "npm run build" first');
  process.exit(2);
}
const extra = process.argv.slice(2);
const args = ['--test', '--test-concurrency=1', '--test-reporter=spec', ...(extra.length ? extra : ['dist/test/'])];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
if (process.env.MAILWARDEN_SKIP_REALSTACK === '1') {
  console.error('\n!!! MAILWARDEN_SKIP_REALSTACK=1: the real-stack tests were SKIPPED; this run proves nothing about real daemons !!!\n');
}
process.exit(result.status ?? 1);
