// `mailwarden watch` against the real stack: a password guesser is banned
// once its fifth failure is written to mail.log; the ban reaches the real
// fail2ban (fail2ban-client banip, seen in `get JAIL banip` and its action's
// file) and the Postfix map (reloaded: postscreen then refuses the address
// while others are still greeted); metrics and health answer; `mailwarden bans
// unban` with the watcher running lifts it everywhere; a restart re-applies
// nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';
import { WatchProcess } from '../support/watch-process.js';
import { stackContext } from './driver.js';
import type { DriverContext } from './driver-context.js';
import { openSmtp } from './driver-context.js';
import { findCommand } from './requirements.js';
import { realStackTest } from './skip-policy.js';
import { type Stack, startStack } from './stack.js';
import { waitForLog } from './wait.js';

const BASE_PORT = 27_000;
const METRICS = `127.0.0.1:${BASE_PORT + 90}`;
const ATTACKER = '127.27.0.5';
const BYSTANDER = '127.27.9.9';
/** A jail whose own filter never sees SMTP AUTH lines: every ban in it is mailwarden's. */
const JAIL = 'dovecot';

function run(name: string, args: string[]) {
  const r = spawnSync(findCommand(name) ?? name, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

const context = (stack: Stack): DriverContext => stackContext(stack);

/** One SMTP AUTH attempt with a wrong password on the submission port. */
async function guess(ctx: DriverContext, from: string, n: number): Promise<void> {
  const s = await openSmtp(ctx, 'submission', from);
  try {
    await s.greeting();
    await s.ehlo('guesser.invalid');
    await s.startTls();
    await s.ehlo('guesser.invalid');
    const reply = await s.authPlain(`alice@${ctx.target.domain}`, `wrong-${n}`);
    assert.equal(reply.code, 535, reply.lines.join(' '));
  } finally {
    s.destroy();
  }
}

async function firstLineAt25(ctx: DriverContext, from: string): Promise<string> {
  const s = await openSmtp(ctx, 'smtp', from);
  try {
    return await s.readLine();
  } catch (error) {
    if ((error as Error).name === 'ConnectionClosedError') return '(closed)';
    throw error;
  } finally {
    s.destroy();
  }
}

function settingsFile(dir: string, stack: Stack): string {
  const client = JSON.stringify([
    findCommand('fail2ban-client') ?? 'fail2ban-client',
    ...stack.fail2ban.clientArgs,
  ]);
  const path = join(dir, 'mailwarden.toml');
  writeFileSync(
    path,
    `state = "${join(dir, 'state.db')}"
tick = "200ms"
include_private = true
allow = ["127.0.0.1"]
decision_log = "${join(dir, 'decisions.jsonl')}"

[[rules]]
name = "login-brute-force"
classes = ["sasl-auth-failure"]
count = 5
window = "10m"

[actions]
enabled = ["stdout", "fail2ban", "postfix-map"]
retry_delay = "1s"

[actions.fail2ban]
jail = "${JAIL}"
command = ${client}

[actions.postfix_map]
reload_interval = "1s"

[metrics]
listen = "${METRICS}"
`,
  );
  return path;
}

function bannedInFail2ban(stack: Stack): string[] {
  const r = run('fail2ban-client', [...stack.fail2ban.clientArgs, 'get', JAIL, 'banip']);
  assert.equal(r.status, 0, r.out);
  return r.out.split(/\s+/).filter(Boolean);
}

realStackTest(
  'watch bans a guesser at its threshold in fail2ban and Postfix, and lifts it on request',
  { timeout: 400_000 },
  async () => {
    const stack = await startStack({ layout: 'syslog', basePort: BASE_PORT });
    const work = mkdtempSync(join(tmpdir(), 'mw-watch-real-'));
    let watch: WatchProcess | undefined;
    try {
      const config = stack.paths.postfix.config;
      const log = stack.logs.mailLog!;
      // Wire the reject map once, as a user would before running the watcher.
      const empty = join(work, 'empty.log');
      writeFileSync(empty, '');
      const wired = await runCli(['mitigate', empty, '--config', config, '--apply', '--reload']);
      assert.equal(wired.status, 0, wired.err);
      const settings = settingsFile(work, stack);
      const args = [log, '--config', config, '--settings', settings];
      watch = WatchProcess.start(args);
      await watch.started();
      assert.doesNotMatch(watch.stderr, /does not read .* yet/, 'the map is wired');
      const ctx = context(stack);

      for (let n = 1; n <= 4; n++) await guess(ctx, ATTACKER, n);
      const failures = () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l.includes(`[${ATTACKER}]: SASL PLAIN authentication failed`)).length;
      await watch.waitFor('four failures in the log', () => failures() >= 4);
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(watch.jsonLines(), [], 'four failures are below the threshold');

      await guess(ctx, ATTACKER, 5);
      await watch.waitFor('the ban line', () =>
        watch!.jsonLines().some((l) => l.action === 'ban' && l.target === ATTACKER),
      );
      const ban = watch.jsonLines().find((l) => l.action === 'ban')!;
      assert.equal(ban.rule, 'login-brute-force');
      assert.equal(ban.origin, 'watch');
      await watch.waitFor('fail2ban to hold the ban', () => bannedInFail2ban(stack).includes(ATTACKER));
      await watch.waitFor('the map entry', () =>
        readFileSync(join(config, 'reject-cidr.cf'), 'utf8').includes(`\n${ATTACKER} REJECT\n`),
      );
      await waitForLog(stack.logs.postfix, /postfix\/master\[\d+\]: reload -- version/, {
        timeoutMs: 30_000,
      });
      const decisions = () =>
        readFileSync(join(work, 'decisions.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      await watch.waitFor('postfix-map to confirm', () =>
        decisions().some(
          (d) => d.kind === 'action-done' && d.action === 'postfix-map' && d.target === ATTACKER,
        ),
      );

      // Refused at port 25 now; someone else is still greeted.
      const refused = await firstLineAt25(ctx, ATTACKER);
      assert.doesNotMatch(refused, /^220/, refused);
      await waitForLog(
        stack.logs.postfix,
        new RegExp(`postscreen\\[\\d+\\]: (DENY|BLACK)LISTED \\[${ATTACKER.replaceAll('.', '\\.')}\\]:\\d+`),
        { timeoutMs: 30_000 },
      );
      assert.match(await firstLineAt25(ctx, BYSTANDER), /^220/);
      assert.equal(
        run('postmap', ['-c', config, '-q', BYSTANDER, `cidr:${join(config, 'reject-cidr.cf')}`]).status,
        1,
      );

      // Metrics and health.
      const metrics = await (await fetch(`http://${METRICS}/metrics`)).text();
      assert.match(metrics, /mailwarden_bans_total\{origin="watch",rule="login-brute-force"\} 1\b/);
      assert.match(metrics, /mailwarden_events_total\{class="sasl-auth-failure"\} [5-9]/);
      assert.match(metrics, /mailwarden_action_tasks_total\{action="fail2ban",op="ban",result="done"\} 1\b/);
      assert.match(metrics, /mailwarden_bans_active 1\b/);
      const health = await fetch(`http://${METRICS}/healthz`);
      assert.equal(health.status, 200, await health.text());

      // fail2ban loses the ban behind the watcher's back (say, a fail2ban restart): a restart of the watcher reconciles.
      assert.deepEqual(await watch.stop('SIGTERM'), { code: 0, signal: null });
      assert.equal(
        run('fail2ban-client', [...stack.fail2ban.clientArgs, 'set', JAIL, 'unbanip', ATTACKER]).status,
        0,
      );
      assert.ok(!bannedInFail2ban(stack).includes(ATTACKER));
      watch = WatchProcess.start(args);
      await watch.started();
      await watch.waitFor('fail2ban to hold the ban again', () => bannedInFail2ban(stack).includes(ATTACKER));
      await watch.waitFor('the reconciliation in the decision log', () =>
        decisions().some((d) => d.kind === 'reconcile' && d.action === 'fail2ban' && d.target === ATTACKER),
      );

      // Lifted by hand while the watcher runs: it applies the unban.
      const unban = await runCli(['bans', 'unban', ATTACKER, '--settings', settings, '--config', config]);
      assert.equal(unban.status, 0, unban.err);
      assert.match(unban.err, /the running watcher \(pid \d+\) applies it/);
      await watch.waitFor('fail2ban to drop the ban', () => !bannedInFail2ban(stack).includes(ATTACKER));
      await watch.waitFor(
        'the map entry to go',
        () => !readFileSync(join(config, 'reject-cidr.cf'), 'utf8').includes(`${ATTACKER} REJECT`),
      );
      await watch.waitFor('the unban line', () =>
        watch!.jsonLines().some((l) => l.action === 'unban' && l.target === ATTACKER),
      );

      // A clean stop, and a restart that re-applies nothing.
      assert.deepEqual(await watch.stop('SIGTERM'), { code: 0, signal: null });
      watch = WatchProcess.start(args);
      await watch.started();
      await new Promise((r) => setTimeout(r, 2000));
      assert.deepEqual(watch.jsonLines(), [], watch.stderr);
      const actionFile = readFileSync(join(stack.fail2ban.bansDir, `${JAIL}.txt`), 'utf8');
      // Banned, unbanned behind the watcher's back, banned again by the reconciliation, unbanned by hand.
      assert.equal(actionFile.split('\n').filter((l) => l === `+${ATTACKER}`).length, 2, actionFile);
      assert.equal(actionFile.split('\n').filter((l) => l === `-${ATTACKER}`).length, 2, actionFile);
      const list = await runCli(['bans', 'list', '--all', '--format', 'json', '--settings', settings]);
      const history = JSON.parse(list.out) as {
        target: string;
        liftReason: string;
        tasks: { state: string }[];
      }[];
      assert.equal(history.length, 1);
      assert.equal(history[0]!.liftReason, 'unbanned by hand');
      assert.ok(
        history[0]!.tasks.every((task) => task.state === 'done'),
        list.out,
      );
    } finally {
      await watch?.stop('SIGTERM');
      await stack.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
);
