// `mailwarden watch` as a process, on a log file that is rotated under it:
// by rename, by copytruncate (docker-mailserver's logrotate default), by plain
// truncation, and across a clean stop and a kill -9 in the middle of attacks.
// Every attacker crosses the threshold across the event; each must be banned
// exactly once, nothing already in the file at the first start counts, and
// nothing is counted twice after a restart.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WatchProcess } from '../support/watch-process.js';

function failure(ip: string, pid: number): string {
  const now = new Date().toISOString().replace('Z', '+00:00');
  return `${now} mail postfix/submission/smtpd[${pid}]: warning: unknown[${ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6\n`;
}

function noise(pid: number): string {
  const now = new Date().toISOString().replace('Z', '+00:00');
  return `${now} mail postfix/smtpd[${pid}]: connect from unknown[192.0.2.200]\n`;
}

test('rotation, truncation and restarts: every attacker banned exactly once', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-watch-rotate-'));
  const log = join(dir, 'mail.log');
  const settings = join(dir, 'mailwarden.toml');
  writeFileSync(
    settings,
    `state = "${join(dir, 'state.db')}"
tick = "100ms"
decision_log = "${join(dir, 'decisions.jsonl')}"

[[rules]]
name = "login-brute-force"
classes = ["sasl-auth-failure"]
count = 5
window = "10m"

[bans]
subnet_min = 0

[metrics]
listen = ""
`,
  );
  let pid = 1000;
  const fail = (ip: string, times: number) => {
    for (let i = 0; i < times; i++) appendFileSync(log, noise(pid++) + failure(ip, pid++));
  };
  const outputs: WatchProcess[] = [];
  const bans = () =>
    outputs
      .flatMap((w) => w.jsonLines())
      .filter((l) => l.action === 'ban')
      .map((l) => l.target as string);
  const start = async () => {
    const w = WatchProcess.start([log, '--settings', settings]);
    outputs.push(w);
    await w.started();
    return w;
  };
  const settle = () => new Promise((r) => setTimeout(r, 1200));

  try {
    // Already in the file before the first start: not counted (the watcher starts at the end).
    fail('203.0.113.99', 10);
    let watch = await start();

    // Rename rotation in the middle of an attack.
    fail('198.51.100.1', 3);
    await settle();
    renameSync(log, `${log}.1`);
    fail('198.51.100.1', 2);
    await watch.waitFor('the ban across the rename', () => bans().includes('198.51.100.1'));

    // copytruncate in the middle of an attack.
    fail('198.51.100.2', 3);
    await settle();
    copyFileSync(log, `${log}.2`);
    truncateSync(log, 0);
    fail('198.51.100.2', 2);
    await watch.waitFor('the ban across copytruncate', () => bans().includes('198.51.100.2'));

    // A clean stop in the middle of an attack; the rest written while stopped.
    fail('198.51.100.3', 3);
    await settle();
    assert.deepEqual(await watch.stop('SIGTERM'), { code: 0, signal: null });
    fail('198.51.100.3', 2);
    watch = await start();
    await watch.waitFor('the ban across a restart', () => bans().includes('198.51.100.3'));

    // kill -9 in the middle of an attack, with a rename rotation while it is down.
    fail('198.51.100.4', 4);
    await settle();
    assert.equal((await watch.stop('SIGKILL')).signal, 'SIGKILL');
    renameSync(log, `${log}.1`);
    fail('198.51.100.4', 1);
    watch = await start();
    await watch.waitFor('the ban across kill -9 and rotation', () => bans().includes('198.51.100.4'));

    // Plain truncation.
    truncateSync(log, 0);
    await settle();
    fail('198.51.100.5', 5);
    await watch.waitFor('the ban after truncation', () => bans().includes('198.51.100.5'));

    await settle();
    assert.deepEqual(await watch.stop('SIGTERM'), { code: 0, signal: null });
    assert.deepEqual(bans().sort(), [
      '198.51.100.1',
      '198.51.100.2',
      '198.51.100.3',
      '198.51.100.4',
      '198.51.100.5',
    ]);
  } finally {
    for (const w of outputs) await w.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
