// `mailwarden watch` as a process, fed by syslog through the real `logger`:
// a ban at the threshold, SIGHUP taking new rules without a restart, and
// --dry-run deciding without writing any state.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolTest } from '../realstack/skip-policy.js';
import { WatchProcess } from '../support/watch-process.js';

const PORT = 28_420;

function send(ip: string, times: number): void {
  for (let i = 0; i < times; i++) {
    const r = spawnSync(
      'logger',
      [
        '--rfc3164',
        '-d',
        '-n',
        '127.0.0.1',
        '-P',
        String(PORT),
        '-t',
        'postfix/submission/smtpd',
        `--id=${4000 + i}`,
        `warning: unknown[${ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, `logger: ${r.error?.message ?? r.stderr}`);
  }
}

function settings(dir: string, count: number): string {
  const path = join(dir, 'mailwarden.toml');
  writeFileSync(
    path,
    `state = "state.db"
tick = "100ms"

[[rules]]
name = "guessing"
classes = ["sasl-auth-failure"]
count = ${count}
window = "10m"

[metrics]
listen = ""
`,
  );
  return path;
}

const bansOf = (w: WatchProcess) =>
  w
    .jsonLines()
    .filter((l) => l.action === 'ban')
    .map((l) => l.target);

toolTest(['bsdutils'], 'syslog in, a ban out; SIGHUP applies new rules', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-watch-cli-'));
  const file = settings(dir, 5);
  const watch = WatchProcess.start(['--syslog', `udp://127.0.0.1:${PORT}`, '--settings', file]);
  try {
    await watch.started();
    assert.ok(existsSync(join(dir, 'state.db')), 'the state path is read relative to the settings file');
    // A second watcher on the same state is refused: two would apply every ban twice.
    const second = WatchProcess.start(['/dev/null', '--settings', file]);
    assert.deepEqual(await second.exited(), { code: 2, signal: null });
    assert.match(second.stderr, /another watcher \(pid \d+ on .*\) uses this state/);
    send('198.51.100.20', 4);
    await new Promise((r) => setTimeout(r, 800));
    assert.deepEqual(bansOf(watch), []);
    send('198.51.100.20', 1);
    await watch.waitFor('the ban', () => bansOf(watch).includes('198.51.100.20'));

    settings(dir, 2);
    watch.child.kill('SIGHUP');
    await watch.waitFor('the reload', () => /SIGHUP: settings read again/.test(watch.stderr));
    send('203.0.113.21', 2);
    await watch.waitFor('the ban under the new rule', () => bansOf(watch).includes('203.0.113.21'));
    assert.match(watch.stderr, /"kind":"reload"/);

    // Broken settings on SIGHUP: the old ones stay, and the error names the line.
    writeFileSync(file, 'tick = "soon"\n');
    watch.child.kill('SIGHUP');
    await watch.waitFor('the refusal', () => /SIGHUP: the settings were not changed/.test(watch.stderr));
    assert.match(watch.stderr, /mailwarden\.toml:1: tick:/);
    send('192.0.2.22', 2);
    await watch.waitFor('a ban under the kept rule', () => bansOf(watch).includes('192.0.2.22'));
    assert.deepEqual(await watch.stop('SIGTERM'), { code: 0, signal: null });
    assert.deepEqual(bansOf(watch), ['198.51.100.20', '203.0.113.21', '192.0.2.22']);
  } finally {
    await watch.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

toolTest(
  ['bsdutils'],
  '--dry-run decides and reports, and writes no state',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-watch-dry-'));
    const file = settings(dir, 3);
    writeFileSync(
      file,
      `${'state = "state.db"\ntick = "100ms"\n[[rules]]\nname = "guessing"\nclasses = ["sasl-auth-failure"]\ncount = 3\nwindow = "10m"\n'}[actions]\nenabled = ["stdout", "fail2ban"]\n[actions.fail2ban]\njail = "mailwarden"\ncommand = ["false"]\n[metrics]\nlisten = ""\n`,
    );
    const watch = WatchProcess.start([
      '--syslog',
      `udp://127.0.0.1:${PORT}`,
      '--settings',
      file,
      '--dry-run',
    ]);
    try {
      await watch.started();
      send('198.51.100.30', 3);
      await watch.waitFor('the dry-run line', () =>
        /dry run: would ban 198\.51\.100\.30 through fail2ban/.test(watch.stderr),
      );
      assert.deepEqual(bansOf(watch), ['198.51.100.30'], 'the stdout action still reports');
      assert.doesNotMatch(watch.stderr, /could not ban/);
      assert.deepEqual(await watch.stop('SIGTERM'), { code: 0, signal: null });
      assert.ok(!existsSync(join(dir, 'state.db')), 'no state file in a dry run');
    } finally {
      await watch.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
