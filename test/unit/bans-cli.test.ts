// `mailwarden bans list|ban|unban` through the CLI, on a state of its own: with
// no watcher running it applies decisions itself through the enabled actions;
// with one running it only records them. Protected addresses need --force.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StateStore } from '../../src/act/state/state-store.js';
import { runCli } from '../support/run-cli.js';

const HOUR = 3_600_000;

interface Rig {
  settings: string;
  state: string;
  run(...args: string[]): Promise<{ status: number; out: string; err: string }>;
  /** Opens the state, hands it to `fn`, closes it. */
  withStore<T>(fn: (store: StateStore) => T): T;
}

function rig(t: { after(fn: () => void): void }, actionsToml = 'enabled = ["stdout"]'): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bans-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const state = join(dir, 'state', 'state.db');
  const settings = join(dir, 'mailwarden.toml');
  writeFileSync(settings, `state = ${JSON.stringify(state)}\n\n[actions]\n${actionsToml}\n`);
  return {
    settings,
    state,
    run: (...args) => runCli(['bans', ...args, '--settings', settings]),
    withStore: (fn) => {
      const store = new StateStore(state);
      try {
        return fn(store);
      } finally {
        store.close();
      }
    },
  };
}

interface ListedBan {
  id: number;
  target: string;
  origin: string;
  reason: string;
  created: string;
  expires: string;
  lifted: string | null;
  liftReason: string | null;
  tasks: { action: string; op: string; state: string; attempts: number; lastError: string | null }[];
}

async function listJson(r: Rig, ...extra: string[]): Promise<ListedBan[]> {
  const listed = await r.run('list', '--format', 'json', ...extra);
  assert.equal(listed.status, 0, listed.err);
  return JSON.parse(listed.out) as ListedBan[];
}

/** The JSON lines the stdout action printed. */
function stdoutLines(out: string): Record<string, unknown>[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('bans ban with no watcher running: the stdout action applies it at once', async (t) => {
  const r = rig(t);
  const banned = await r.run('ban', '198.51.100.7', '--for', '2h');
  assert.equal(banned.status, 0, banned.err);
  const lines = stdoutLines(banned.out);
  assert.equal(lines.length, 1);
  assert.deepEqual(
    [lines[0]!.action, lines[0]!.target, lines[0]!.origin, lines[0]!.lifted],
    ['ban', '198.51.100.7', 'manual', null],
  );
  assert.match(banned.err, /banned 198\.51\.100\.7 until \S+Z \(ban \d+\)/);
  assert.match(banned.err, /stdout: ban 198\.51\.100\.7 done/);

  const listed = await listJson(r);
  assert.equal(listed.length, 1);
  const [ban] = listed;
  assert.equal(ban!.target, '198.51.100.7');
  assert.equal(ban!.id, lines[0]!.id, 'the printed line carries the ban id');
  assert.equal(Date.parse(ban!.expires) - Date.parse(ban!.created), 2 * HOUR);
  assert.deepEqual(
    ban!.tasks.map((x) => [x.action, x.op, x.state, x.attempts]),
    [['stdout', 'ban', 'done', 1]],
  );

  const table = await r.run('list');
  assert.equal(table.status, 0);
  assert.match(
    table.out,
    /^198\.51\.100\.7 {2}manual {2}level 1 {2}since \S+ {2}expires \S+ \(in (2h|1h 59m)\)/,
  );
  assert.match(table.out, /stdout ban done/);
});

test('bans ban refuses a private address unless --force', async (t) => {
  const r = rig(t);
  const refused = await r.run('ban', '10.0.0.5');
  assert.equal(refused.status, 2);
  assert.equal(refused.out, '');
  assert.match(
    refused.err,
    /10\.0\.0\.5 is protected: private or loopback range 10\.0\.0\.0\/8 .*; give --force to ban it anyway/,
  );
  assert.deepEqual(await listJson(r), []);

  const forced = await r.run('ban', '10.0.0.5', '--force');
  assert.equal(forced.status, 0, forced.err);
  assert.equal(stdoutLines(forced.out)[0]!.target, '10.0.0.5');
  const decision = r.withStore((s) => s.decisionsAfter(0).find((d) => d.kind === 'ban'));
  assert.match(String(decision?.detail.forced), /private or loopback range 10\.0\.0\.0\/8/);
});

test('bans ban refuses a network where an address logged in successfully', async (t) => {
  const r = rig(t);
  r.withStore((s) => s.recordLogin('192.0.2.7', Date.UTC(2026, 0, 2, 3, 4, 5)));
  const refused = await r.run('ban', '192.0.2.0/24');
  assert.equal(refused.status, 2);
  assert.match(
    refused.err,
    /192\.0\.2\.0\/24 is protected: 192\.0\.2\.7 logged in successfully \(first at 2026-01-02T03:04:05\.000Z\)/,
  );
  assert.equal(refused.out, '');
  assert.deepEqual(await listJson(r), []);
  // A neighbouring network is not protected by that login.
  assert.equal((await r.run('ban', '192.0.3.0/24')).status, 0);
});

test('bans unban lifts the ban and the stdout action says so', async (t) => {
  const r = rig(t);
  assert.equal((await r.run('ban', '198.51.100.7')).status, 0);
  const lifted = await r.run('unban', '198.51.100.7');
  assert.equal(lifted.status, 0, lifted.err);
  const lines = stdoutLines(lifted.out);
  assert.equal(lines.length, 1);
  assert.deepEqual(
    [lines[0]!.action, lines[0]!.target, lines[0]!.liftReason],
    ['unban', '198.51.100.7', 'unbanned by hand'],
  );
  assert.match(lifted.err, /lifted ban \d+ of 198\.51\.100\.7/);
  assert.deepEqual(await listJson(r), []);
  const history = await listJson(r, '--all');
  assert.deepEqual(
    history.map((b) => [b.target, b.liftReason, b.tasks.map((x) => `${x.op} ${x.state}`).join(', ')]),
    [['198.51.100.7', 'unbanned by hand', 'ban done, unban done']],
  );
  assert.equal((await r.run('list')).out, 'no bans in force\n');
});

test('bans unban of what is not banned, or of a host inside a banned network, is refused', async (t) => {
  const r = rig(t);
  const nothing = await r.run('unban', '203.0.113.50');
  assert.equal(nothing.status, 2);
  assert.match(nothing.err, /203\.0\.113\.50 is not banned/);

  assert.equal((await r.run('ban', '203.0.113.0/24')).status, 0);
  const inside = await r.run('unban', '203.0.113.9');
  assert.equal(inside.status, 2);
  assert.match(
    inside.err,
    /203\.0\.113\.9 has no ban of its own; it is inside 203\.0\.113\.0\/24 \(unban that\)/,
  );
  assert.equal(inside.out, '');
  assert.deepEqual(
    (await listJson(r)).map((b) => b.target),
    ['203.0.113.0/24'],
  );
});

test('bans ban of something that is not an address, or with a bad --for, is refused', async (t) => {
  const r = rig(t);
  const word = await r.run('ban', 'not-an-address');
  assert.equal(word.status, 2);
  assert.match(word.err, /"not-an-address" is not an address or a network/);
  const everything = await r.run('ban', '0.0.0.0/0', '--force');
  assert.equal(everything.status, 2);
  assert.match(everything.err, /banning every address is not a ban/);
  const duration = await r.run('ban', '198.51.100.7', '--for', 'soon');
  assert.equal(duration.status, 2);
  assert.match(duration.err, /--for: "soon" is not a duration/);
  assert.deepEqual(await listJson(r), []);
});

test('bans list escapes control characters of a --reason', async (t) => {
  const r = rig(t);
  const reason = 'phishing \u001b[31mRED\u001b[0m\u0007 sender';
  const banned = await r.run('ban', '198.51.100.7', '--reason', reason);
  assert.equal(banned.status, 0, banned.err);
  assert.ok(!banned.out.includes('\u001b'), 'the JSON line carries no raw ESC');
  assert.equal(stdoutLines(banned.out)[0]!.reason, reason, 'but the reason itself, intact');

  const table = await r.run('list');
  assert.equal(table.status, 0);
  assert.ok(!table.out.includes('\u001b'), 'no raw ESC reaches the terminal');
  assert.ok(!table.out.includes('\u0007'), 'no raw BEL reaches the terminal');
  assert.ok(table.out.includes('phishing \\x1b[31mRED\\x1b[0m\\x07 sender'), table.out);
  assert.equal((await listJson(r))[0]!.reason, reason, 'the state keeps the reason as given');
});

test('bans ban with a live watcher on the state only records; the watcher applies it', async (t) => {
  const r = rig(t);
  // This process poses as the watcher: its pid is alive and its heartbeat fresh.
  r.withStore((s) => s.claimWatcher(Date.now(), () => true));
  const banned = await r.run('ban', '198.51.100.7');
  assert.equal(banned.status, 0, banned.err);
  assert.equal(banned.out, '', 'no stdout line: the watcher prints it when it applies the ban');
  assert.match(
    banned.err,
    new RegExp(`the running watcher \\(pid ${process.pid}\\) applies it on its next tick`),
  );
  assert.deepEqual(
    (await listJson(r))[0]!.tasks.map((x) => [x.action, x.op, x.state, x.attempts]),
    [['stdout', 'ban', 'pending', 0]],
  );

  // Once the watcher is gone, the next bans command applies what is still due.
  r.withStore((s) => s.releaseWatcher());
  const next = await r.run('ban', '198.51.100.8');
  assert.deepEqual(
    stdoutLines(next.out).map((l) => [l.action, l.target]),
    [
      ['ban', '198.51.100.7'],
      ['ban', '198.51.100.8'],
    ],
  );
});

test('bans ban exits 1 when an action fails; the task stays due', async (t) => {
  const server = createServer((_req, res) => res.writeHead(503).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const r = rig(t, `enabled = ["webhook"]\n\n[actions.webhook]\nurl = "http://127.0.0.1:${port}/bans"`);
  const banned = await r.run('ban', '198.51.100.7');
  assert.equal(banned.status, 1, banned.err);
  assert.match(
    banned.err,
    /webhook: ban 198\.51\.100\.7 failed \(retried by the next watcher or bans command\): webhook answered 503/,
  );
  assert.deepEqual(
    (await listJson(r))[0]!.tasks.map((x) => [x.action, x.state, x.attempts, x.lastError]),
    [['webhook', 'pending', 1, 'webhook answered 503 Service Unavailable']],
  );
});

test('bans ban with no action enabled records the ban and says nothing applied it', async (t) => {
  const r = rig(t, 'enabled = []');
  const banned = await r.run('ban', '198.51.100.7');
  assert.equal(banned.status, 0);
  assert.equal(banned.out, '');
  assert.match(banned.err, /recorded; not applied: no action is enabled/);
  assert.deepEqual(
    (await listJson(r)).map((b) => [b.target, b.tasks.length]),
    [['198.51.100.7', 0]],
  );
});

test('bans ban of an address already banned replaces its ban: the old one lifted, the new one a level up', async (t) => {
  const r = rig(t);
  const first = stdoutLines((await r.run('ban', '198.51.100.7', '--for', '1h')).out);
  const again = await r.run('ban', '198.51.100.7', '--for', '7d', '--reason', 'phishing');
  assert.equal(again.status, 0, again.err);
  const lines = stdoutLines(again.out);
  assert.deepEqual(
    lines.map((l) => [l.action, l.id, l.level]),
    [
      ['unban', first[0]!.id, 1],
      ['ban', Number(first[0]!.id) + 1, 2],
    ],
  );
  const active = await listJson(r);
  assert.deepEqual(
    active.map((b) => [b.target, b.reason, Date.parse(b.expires) - Date.parse(b.created)]),
    [['198.51.100.7', 'phishing', 7 * 24 * HOUR]],
  );
  assert.deepEqual(
    (await listJson(r, '--all')).map((b) => b.liftReason),
    [null, 'replaced by a manual ban'],
  );
});

/** A stand-in for fail2ban-client that keeps its jail's addresses in a file. */
function fakeFail2banClient(t: { after(fn: () => void): void }): { command: string[]; held(): string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'mw-f2b-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const held = join(dir, 'held');
  const script = join(dir, 'fail2ban-client');
  writeFileSync(held, '');
  writeFileSync(
    script,
    [
      `held=${held}`,
      'case "$1 $3" in',
      '  "set banip") shift 3; for a; do grep -qxF "$a" "$held" || echo "$a" >> "$held"; done ;;',
      '  "set unbanip") shift 3; for a; do grep -vxF "$a" "$held" > "$held.new"; mv "$held.new" "$held"; done ;;',
      '  "get banip") tr "\\n" " " < "$held" ;;',
      'esac',
      '',
    ].join('\n'),
  );
  return {
    command: ['sh', script],
    held: () =>
      readFileSync(held, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
  };
}

test('bans ban of an address already banned keeps it banned in fail2ban', async (t) => {
  const client = fakeFail2banClient(t);
  const r = rig(
    t,
    `enabled = ["fail2ban"]\n\n[actions.fail2ban]\ncommand = ${JSON.stringify(client.command)}`,
  );
  assert.equal((await r.run('ban', '198.51.100.7', '--for', '1h')).status, 0);
  assert.deepEqual(client.held(), ['198.51.100.7']);
  // The administrator extends the ban.
  const again = await r.run('ban', '198.51.100.7', '--for', '7d');
  assert.equal(again.status, 0, again.err);
  assert.deepEqual(
    (await listJson(r)).map((b) => b.target),
    ['198.51.100.7'],
  );
  assert.deepEqual(client.held(), ['198.51.100.7'], 'the jail still holds the address the state bans');
});
