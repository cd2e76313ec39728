#!/usr/bin/env node
// Runs the whole test suite from the compiled tree with Node's own test runner.
// Only `*.test.js` files are test files (Node 20 would otherwise run every module
// under a test/ folder). The real-stack tests start daemons on fixed loopback
// ports, so test files run one at a time.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(path));
    else if (entry.name.endsWith('.test.js')) found.push(path);
  }
  return found.sort();
}

if (!existsSync('dist/test')) {
  console.error('run-tests: dist/test is missing; run "npm run build" first');
  process.exit(2);
}
const extra = process.argv.slice(2);
const files = extra.length > 0 ? extra : testFiles('dist/test');
const args = ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
if (process.env.MAILWARDEN_SKIP_REALSTACK === '1') {
  console.error(
    '\n!!! MAILWARDEN_SKIP_REALSTACK=1: the real-stack tests were SKIPPED; this run proves nothing about real daemons !!!\n',
  );
}
process.exit(result.status ?? 1);
