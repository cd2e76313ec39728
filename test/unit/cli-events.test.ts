import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/run-cli.js';

const run = runCli;
const classesOf = (ndjson: string) =>
  ndjson
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).class);

const SAMPLE = [
  'Oct 10 01:33:12 mail postfix/submissions/smtpd[477]: SSL_accept error from unknown[192.0.2.134]: lost connection',
  'Oct 10 01:33:13 mail postfix/smtpd[478]: connect from unknown[192.0.2.9]',
  'Oct 10 01:33:14 mail dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<\u001b[31mroot>, method=PLAIN, rip=192.0.2.77, lip=192.0.2.1',
].join('\n');

test('events prints NDJSON with the documented fields, benign lines only with --all', async () => {
  const r = await run(['events', '--now', '2025-10-11T00:00:00Z', '--tz', 'UTC', '-'], SAMPLE);
  assert.equal(r.status, 0);
  const events = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    events.map((e) => e.class),
    ['tls-handshake-failure', 'mail-login-failure'],
  );
  assert.deepEqual(Object.keys(events[0]), [
    'ts',
    'host',
    'service',
    'pid',
    'class',
    'tier',
    'ip',
    'detail',
    'source',
  ]);
  assert.equal(events[0].ts, '2025-10-10T01:33:12.000Z');
  assert.equal(events[1].user, '\u001b[31mroot');
  assert.ok(!r.out.includes('\u001b'), 'the escape character stays escaped in JSON');
  const all = await run(['events', '--all', '--now', '2025-10-11T00:00:00Z', '-'], SAMPLE);
  assert.equal(all.out.trim().split('\n').length, 3);
});

test('--format table escapes control characters and prints the accounting', async () => {
  const r = await run(['events', '--format', 'table', '--now', '2025-10-11T00:00:00Z', '-'], SAMPLE);
  assert.equal(r.status, 0);
  assert.ok(!r.out.includes('\u001b'), 'no raw escape reaches the terminal');
  assert.match(r.out, /\\x1b\[31mroot/);
  assert.match(r.err, /total \(1 input\)/);
});

test('--since and --until select by event time', async () => {
  const r = await run(
    ['events', '--tz', 'UTC', '--now', '2025-10-11T00:00:00Z', '--since', '2025-10-10T01:33:13Z', '-'],
    SAMPLE,
  );
  assert.deepEqual(classesOf(r.out), ['mail-login-failure']);
  const u = await run(
    ['events', '--tz', 'UTC', '--now', '2025-10-11T00:00:00Z', '--until', '2025-10-10T01:33:13Z', '-'],
    SAMPLE,
  );
  assert.deepEqual(classesOf(u.out), ['tls-handshake-failure']);
});

test('exit status is non-zero only when an input cannot be read at all, and says which', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-cli-'));
  const good = join(dir, 'mail.log');
  writeFileSync(good, `${SAMPLE}\nnot a log line\n`);
  const ok = await run(['events', good]);
  assert.equal(ok.status, 0);
  assert.match(ok.err, /mail\.log:4: malformed line/);
  const bad = await run(['events', good, join(dir, 'missing.log')]);
  assert.equal(bad.status, 2);
  assert.match(bad.err, /could not read: .*missing\.log/);
  assert.equal(bad.out.trim().split('\n').length, 2, 'the readable file was still read');
});

test('bad flags are errors with a message', async () => {
  const r = await run(['events', '--format', 'xml', '-'], '');
  assert.equal(r.status, 2);
  assert.match(r.err, /--format/);
  const z = await run(['events', '--tz', 'Mars/Olympus', '-'], '');
  assert.equal(z.status, 2);
  assert.match(z.err, /time zone/);
});
