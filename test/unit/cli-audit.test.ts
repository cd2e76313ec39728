import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/paths.js';
import { runCli } from '../support/run-cli.js';

const run = runCli;

const logs = join(repoRoot, 'test', 'fixtures', 'real', 'debian12', 'syslog');

test('audit writes Markdown by default, JSON and HTML on request', async () => {
  const md = await run(['audit', '--tz', 'UTC', logs]);
  assert.equal(md.status, 0);
  assert.match(md.out, /^# /m);
  assert.match(md.out, /tls-handshake-campaign/);
  const json = await run(['audit', '--format', 'json', '--tz', 'UTC', logs]);
  const report = JSON.parse(json.out);
  assert.equal(report.schemaVersion, 1);
  assert.ok(report.findings.some((f: { id: string }) => f.id === 'account-compromise-suspected'));
  const html = await run(['audit', '--format', 'html', '--tz', 'UTC', logs]);
  assert.match(html.out, /^<!DOCTYPE html>/i);
});

test('-o writes the report atomically and leaves no temporary file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-audit-out-'));
  const out = join(dir, 'report.json');
  const r = await run(['audit', '--format', 'json', '-o', out, '--tz', 'UTC', logs]);
  assert.equal(r.status, 0);
  assert.equal(r.out, '');
  assert.ok(existsSync(out));
  JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(readdirSync(dir), ['report.json']);
  assert.match(r.err, /wrote .*report\.json \(\d+ issues, \d+ positive findings\)/);
});

test('--fail-on makes the exit status 1 when an open finding is that severe, for cron and CI', async () => {
  const critical = await run(['audit', '--format', 'json', '--fail-on', 'critical', '--tz', 'UTC', logs]);
  assert.equal(critical.status, 1, 'the compromised account is critical and open');
  assert.match(critical.err, /--fail-on critical/);
  const clean = await run([
    'audit',
    '--format',
    'json',
    '--fail-on',
    'critical',
    '--tz',
    'UTC',
    join(repoRoot, 'test', 'fixtures', 'hand-written.log'),
  ]);
  assert.equal(clean.status, 0, clean.err);
  const bad = await run(['audit', '--fail-on', 'urgent', logs]);
  assert.equal(bad.status, 2);
  assert.match(bad.err, /--fail-on/);
});

test('bad flags and missing inputs are clear errors', async () => {
  assert.equal((await run(['audit'])).status, 2);
  assert.match((await run(['audit', '--format', 'pdf', logs])).err, /--format/);
  assert.match((await run(['audit', '--subnet-min', '0', logs])).err, /--subnet-min/);
  const missing = await run(['audit', '--format', 'json', join(logs, 'nope.log')]);
  assert.equal(missing.status, 2);
  assert.match(missing.err, /could not read/);
});

test('no progress bar when stderr is not a terminal', async () => {
  const r = await run(['audit', '--format', 'json', '--tz', 'UTC', logs]);
  assert.ok(!/reading logs \[/.test(r.err));
  assert.ok(!r.err.includes('\u001b['));
});

const example = join(repoRoot, 'examples', 'docker-mailserver');

test('audit --config adds the configuration findings, and works without logs', async () => {
  const both = await run([
    'audit',
    '--format',
    'json',
    '--tz',
    'UTC',
    '--config',
    join(example, 'config'),
    join(example, 'mail-logs'),
  ]);
  assert.equal(both.status, 0, both.err);
  const report = JSON.parse(both.out);
  const ids = report.findings.map((f: { id: string }) => f.id);
  for (const id of [
    'quota-config-empty',
    'cidr-map-not-wired',
    'fail2ban-filter-not-installed',
    'tls-handshake-campaign',
  ])
    assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
  assert.equal(report.configuration.kind, 'docker-mailserver');
  assert.ok(report.configuration.notes.some((n: string) => n.includes('--resolver')));
  const configOnly = await run(['audit', '--config', join(example, 'config')]);
  assert.equal(configOnly.status, 0, configOnly.err);
  assert.match(configOnly.out, /## Appendix: Configuration Read/);
  assert.match(configOnly.out, /quota/i);
});

test('audit --config names the file and line it cannot parse, and refuses what is not a configuration', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-audit-config-'));
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(join(dir, 'postfix'));
  writeFileSync(join(dir, 'postfix', 'main.cf'), 'myhostname = a.example\nbroken line\n');
  const broken = await run(['audit', '--config', dir]);
  assert.equal(broken.status, 2);
  assert.match(
    broken.err,
    new RegExp(`${join(dir, 'postfix', 'main.cf').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: missing '='`),
  );
  const empty = mkdtempSync(join(tmpdir(), 'mw-audit-empty-'));
  const unknown = await run(['audit', '--config', empty]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.err, /no docker-mailserver files/);
  const misplaced = await run(['audit', '--resolver', '127.0.0.1', logs]);
  assert.equal(misplaced.status, 2);
  assert.match(misplaced.err, /go with --config/);
});
