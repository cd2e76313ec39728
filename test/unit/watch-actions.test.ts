// The watcher's actions and the runner that drives them: the webhook against a
// local HTTP server, retries with a doubling delay and the final failure, a
// crash between performing and recording, the Postfix map's own block and its
// rate-limited reload, and the dry run that changes nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ActionRunner, type TaskReport } from '../../src/act/action-runner.js';
import type { ActionOp, BanAction, OpOutcome } from '../../src/act/actions/action.js';
import { DryRunAction } from '../../src/act/actions/dry-run-action.js';
import { NftablesAction } from '../../src/act/actions/nftables-action.js';
import { PostfixMapAction } from '../../src/act/actions/postfix-map-action.js';
import { WebhookAction } from '../../src/act/actions/webhook-action.js';
import { DEFAULT_SETTINGS } from '../../src/act/settings/defaults.js';
import type { ActionName, WatchSettings, WebhookActionSettings } from '../../src/act/settings/types.js';
import { type BanRecord, StateStore, type TaskOp } from '../../src/act/state/state-store.js';
import { formatShort } from '../../src/mitigate/cidr.js';
import {
  BLOCK_BEGIN,
  BLOCK_END,
  parseMap,
  renderBlock,
  replaceBlock,
  WATCH_BEGIN,
  WATCH_END,
} from '../../src/mitigate/cidr-map.js';

const T0 = Date.UTC(2026, 0, 15, 12);
const HOUR = 3_600_000;

// --- helpers -------------------------------------------------------------

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-actions-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A ban as the state returns it, without a state. */
function banRecord(id: number, target: string, overrides: Partial<BanRecord> = {}): BanRecord {
  return {
    id,
    target,
    origin: 'watch',
    rule: 'login-brute-force',
    reason: '5 login failures in 10m',
    level: 1,
    created: T0,
    expires: T0 + HOUR,
    lifted: null,
    liftReason: null,
    ...overrides,
  };
}

function opsFor(bans: readonly BanRecord[], op: TaskOp = 'ban'): ActionOp[] {
  return bans.map((ban, i) => ({ taskId: i + 1, op, ban }));
}

function addBan(store: StateStore, target: string, actions: readonly string[], now = T0): BanRecord {
  return store.insertBan(
    {
      target,
      origin: 'watch',
      rule: 'login-brute-force',
      reason: 'test',
      level: 1,
      created: now,
      expires: now + HOUR,
    },
    actions,
  );
}

function actionSettings(overrides: Partial<WatchSettings['actions']> = {}): WatchSettings['actions'] {
  return { ...structuredClone(DEFAULT_SETTINGS).actions, ...overrides };
}

interface RunnerLog {
  tasks: TaskReport[];
  drift: string[];
  problems: string[];
}

function runnerFor(
  store: StateStore,
  actions: readonly BanAction[],
  settings: WatchSettings['actions'],
): { runner: ActionRunner; log: RunnerLog } {
  const log: RunnerLog = { tasks: [], drift: [], problems: [] };
  const runner = new ActionRunner(store, actions, settings, {
    onTask: (r) => log.tasks.push(r),
    onDrift: (action, target, op) => log.drift.push(`${action} ${op} ${target}`),
    onProblem: (message) => log.problems.push(message),
  });
  return { runner, log };
}

/** An action whose outcomes a script decides, call by call; it remembers every call. */
class ScriptedAction implements BanAction {
  readonly calls: { ops: ActionOp[]; active: BanRecord[]; now: number }[] = [];

  constructor(
    readonly name: ActionName,
    private readonly script: (call: number, op: ActionOp) => OpOutcome | Error,
    private readonly holds?: () => Set<string> | null,
  ) {}

  describe(): string {
    return `scripted ${this.name}`;
  }

  async perform(ops: readonly ActionOp[], active: readonly BanRecord[], now: number): Promise<OpOutcome[]> {
    this.calls.push({ ops: [...ops], active: [...active], now });
    const outcomes = ops.map((op) => this.script(this.calls.length, op));
    const thrown = outcomes.find((o) => o instanceof Error);
    if (thrown) throw thrown;
    return outcomes.filter((o): o is OpOutcome => !(o instanceof Error));
  }

  get held(): (() => Promise<Set<string> | null>) | undefined {
    const holds = this.holds;
    return holds ? async () => holds() : undefined;
  }
}

const done: OpOutcome = { kind: 'done' };
const failed = (error: string): OpOutcome => ({ kind: 'failed', error });

/** Collects what is written to it. */
function sink(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

// --- (a) the webhook -----------------------------------------------------

interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local receiver answering the n-th request (from 1) with `answer(n)`, or never with 'hang'. */
async function receiver(
  t: { after(fn: () => Promise<void>): void },
  answer: (n: number) => number | 'hang',
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const status = answer(received.length);
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/bans`, received };
}

function hook(url: string, overrides: Partial<WebhookActionSettings> = {}): WebhookActionSettings {
  return { url, timeout: 5_000, headers: {}, ...overrides };
}

test('webhook: POSTs the ban as JSON with the custom headers', async (t) => {
  const { url, received } = await receiver(t, () => 200);
  const action = new WebhookAction(
    hook(url, { headers: { authorization: 'Bearer s3cret', 'x-mail-server': 'mx1' } }),
  );
  const ban = banRecord(42, '198.51.100.7', { level: 2 });
  assert.deepEqual(await action.perform(opsFor([ban])), [done]);

  assert.equal(received.length, 1);
  const [request] = received;
  assert.equal(request!.method, 'POST');
  assert.equal(request!.headers['content-type'], 'application/json');
  assert.equal(request!.headers.authorization, 'Bearer s3cret');
  assert.equal(request!.headers['x-mail-server'], 'mx1');
  assert.equal(request!.headers['idempotency-key'], 'mailwarden-42-ban');
  assert.deepEqual(JSON.parse(request!.body), {
    event: 'ban',
    id: '42-ban',
    ban: {
      id: 42,
      target: '198.51.100.7',
      origin: 'watch',
      rule: 'login-brute-force',
      reason: '5 login failures in 10m',
      level: 2,
      created: '2026-01-15T12:00:00.000Z',
      expires: '2026-01-15T13:00:00.000Z',
      lifted: null,
      liftReason: null,
    },
  });
});

test('webhook: the unban of a ban is a delivery of its own (another idempotency key)', async (t) => {
  const { url, received } = await receiver(t, () => 204);
  const action = new WebhookAction(hook(url));
  const ban = banRecord(7, '203.0.113.0/24', { lifted: T0 + 60_000, liftReason: 'expired' });
  assert.deepEqual(await action.perform(opsFor([ban], 'unban')), [done]);
  const body = JSON.parse(received[0]!.body) as { event: string; id: string; ban: { lifted: string } };
  assert.equal(body.event, 'unban');
  assert.equal(body.id, '7-unban');
  assert.equal(body.ban.lifted, '2026-01-15T12:01:00.000Z');
  assert.equal(received[0]!.headers['idempotency-key'], 'mailwarden-7-unban');
});

test('webhook: a 500 is a failed outcome naming the status', async (t) => {
  const { url } = await receiver(t, () => 500);
  const action = new WebhookAction(hook(url));
  const ban = banRecord(1, '198.51.100.7');
  assert.deepEqual(await action.perform(opsFor([ban])), [
    failed('webhook answered 500 Internal Server Error'),
  ]);
});

test('webhook: a retry through the runner carries the same idempotency key and body', async (t) => {
  const { url, received } = await receiver(t, (n) => (n === 1 ? 503 : 200));
  const store = new StateStore(':memory:');
  t.after(() => store.close());
  const ban = addBan(store, '198.51.100.7', ['webhook']);
  const { runner, log } = runnerFor(
    store,
    [new WebhookAction(hook(url))],
    actionSettings({ retryDelay: 1_000, retryMaxDelay: 60_000 }),
  );

  assert.equal(await runner.runDue(T0), 1);
  assert.equal(await runner.runDue(T0 + 999), 0, 'the retry waits for its delay');
  assert.equal(await runner.runDue(T0 + 1_000), 1);

  assert.deepEqual(
    log.tasks.map((r) => [r.outcome, r.attempts]),
    [
      ['retry', 1],
      ['done', 2],
    ],
  );
  assert.equal(received.length, 2);
  assert.equal(received[0]!.headers['idempotency-key'], `mailwarden-${ban.id}-ban`);
  assert.equal(received[1]!.headers['idempotency-key'], received[0]!.headers['idempotency-key']);
  assert.equal(received[1]!.body, received[0]!.body);
});

test('webhook: a receiver that never answers fails after the timeout, with a clear error', async (t) => {
  const { url, received } = await receiver(t, () => 'hang');
  const action = new WebhookAction(hook(url, { timeout: 200 }));
  const ban = banRecord(3, '198.51.100.7');
  const started = Date.now();
  const outcomes = await action.perform(opsFor([ban]));
  const took = Date.now() - started;

  assert.equal(received.length, 1, 'the request reached the receiver');
  assert.equal(outcomes.length, 1);
  const [outcome] = outcomes;
  assert.equal(outcome!.kind, 'failed');
  assert.match(outcome!.kind === 'failed' ? outcome!.error : '', /^webhook: .*timeout/i);
  assert.ok(took >= 150 && took < 5_000, `gave up after ${took} ms, not about 200 ms`);
});

// --- (b) the runner: retries, failure, deferral, crashes -------------------

test('runner: a task that fails twice is retried after 1x then 2x the delay, then done', async (t) => {
  const store = new StateStore(':memory:');
  t.after(() => store.close());
  const ban = addBan(store, '198.51.100.7', ['webhook']);
  const action = new ScriptedAction('webhook', (call) => (call <= 2 ? failed(`refused ${call}`) : done));
  const { runner, log } = runnerFor(
    store,
    [action],
    actionSettings({ retries: 5, retryDelay: 1_000, retryMaxDelay: 60_000 }),
  );
  const task = () => store.tasksOf(ban.id)[0]!;

  assert.equal(await runner.runDue(T0), 1);
  assert.deepEqual(
    [task().state, task().attempts, task().nextTry, task().lastError],
    ['pending', 1, T0 + 1_000, 'refused 1'],
  );
  assert.equal(await runner.runDue(T0 + 999), 0);
  assert.equal(action.calls.length, 1, 'not performed before its time');

  assert.equal(await runner.runDue(T0 + 1_000), 1);
  assert.deepEqual([task().state, task().attempts, task().nextTry], ['pending', 2, T0 + 1_000 + 2_000]);
  assert.equal(await runner.runDue(T0 + 2_999), 0);

  assert.equal(await runner.runDue(T0 + 3_000), 1);
  assert.deepEqual([task().state, task().attempts, task().lastError], ['done', 3, null]);
  assert.deepEqual(
    log.tasks.map((r) => [r.outcome, r.attempts, r.error ?? null]),
    [
      ['retry', 1, 'refused 1'],
      ['retry', 2, 'refused 2'],
      ['done', 3, null],
    ],
  );
  assert.equal(await runner.runDue(T0 + 10 * HOUR), 0, 'a done task is not performed again');
  assert.equal(action.calls.length, 3);
  assert.equal(store.decisionsAfter(0).length, 0, 'no failure decision for a task that succeeded');
});

test('runner: an action that always fails is tried 1 + retries times, capped delays, then failed and reported', async (t) => {
  const store = new StateStore(':memory:');
  t.after(() => store.close());
  const ban = addBan(store, '198.51.100.7', ['fail2ban']);
  const action = new ScriptedAction('fail2ban', () => failed('fail2ban-client: exit 255: no jail'));
  const settings = actionSettings({ retries: 4, retryDelay: 1_000, retryMaxDelay: 3_000 });
  const { runner, log } = runnerFor(store, [action], settings);
  const task = () => store.tasksOf(ban.id)[0]!;

  const gaps: number[] = [];
  let now = T0;
  while (task().state === 'pending') {
    assert.equal(await runner.runDue(now), 1);
    if (task().state === 'pending') {
      gaps.push(task().nextTry - now);
      now = task().nextTry;
    }
    assert.ok(action.calls.length <= 10, 'the runner gives up');
  }
  assert.deepEqual(
    gaps,
    [1_000, 2_000, 3_000, 3_000],
    'doubling from retry_delay, capped by retry_max_delay',
  );
  assert.equal(action.calls.length, settings.retries + 1);
  assert.deepEqual(
    [task().state, task().attempts, task().lastError],
    ['failed', 5, 'fail2ban-client: exit 255: no jail'],
  );

  const last = log.tasks.at(-1)!;
  assert.deepEqual(
    [last.outcome, last.action, last.op, last.target, last.attempts, last.error],
    ['failed', 'fail2ban', 'ban', '198.51.100.7', 5, 'fail2ban-client: exit 255: no jail'],
  );
  assert.deepEqual(
    log.tasks.map((r) => r.outcome),
    ['retry', 'retry', 'retry', 'retry', 'failed'],
  );
  const decisions = store.decisionsAfter(0);
  assert.equal(decisions.length, 1);
  assert.deepEqual(
    [decisions[0]!.kind, decisions[0]!.target, decisions[0]!.banId, decisions[0]!.ts],
    ['action-failed', '198.51.100.7', ban.id, now],
  );
  assert.deepEqual(decisions[0]!.detail, {
    action: 'fail2ban',
    op: 'ban',
    attempts: 5,
    error: 'fail2ban-client: exit 255: no jail',
  });
  assert.equal(await runner.runDue(now + 10 * HOUR), 0, 'a failed task is not performed again');
});

test('runner: with retries = 0 the first failure is final', async (t) => {
  const store = new StateStore(':memory:');
  t.after(() => store.close());
  const ban = addBan(store, '198.51.100.7', ['fail2ban']);
  const { runner, log } = runnerFor(
    store,
    [new ScriptedAction('fail2ban', () => failed('down'))],
    actionSettings({ retries: 0 }),
  );
  await runner.runDue(T0);
  assert.deepEqual([store.tasksOf(ban.id)[0]!.state, store.tasksOf(ban.id)[0]!.attempts], ['failed', 1]);
  assert.deepEqual(
    log.tasks.map((r) => r.outcome),
    ['failed'],
  );
});

test('runner: a deferred outcome moves the task without counting an attempt, however often', async (t) => {
  const store = new StateStore(':memory:');
  t.after(() => store.close());
  const ban = addBan(store, '198.51.100.7', ['postfix-map']);
  const action = new ScriptedAction('postfix-map', (call) =>
    call <= 3 ? { kind: 'deferred', until: T0 + call * 10_000 } : done,
  );
  const { runner, log } = runnerFor(store, [action], actionSettings({ retries: 1 }));
  const task = () => store.tasksOf(ban.id)[0]!;

  await runner.runDue(T0);
  assert.deepEqual([task().state, task().attempts, task().nextTry], ['pending', 0, T0 + 10_000]);
  assert.equal(await runner.runDue(T0 + 9_999), 0);
  await runner.runDue(T0 + 10_000);
  await runner.runDue(T0 + 20_000);
  assert.deepEqual([task().state, task().attempts, task().nextTry], ['pending', 0, T0 + 30_000]);
  await runner.runDue(T0 + 30_000);
  assert.deepEqual([task().state, task().attempts], ['done', 1]);
  assert.deepEqual(
    log.tasks.map((r) => [r.outcome, r.attempts]),
    [
      ['deferred', 0],
      ['deferred', 0],
      ['deferred', 0],
      ['done', 1],
    ],
  );
  assert.equal(store.decisionsAfter(0).length, 0);
});

test('runner: one perform per action for all its due tasks; a throwing action fails only its own tasks', async (t) => {
  const store = new StateStore(':memory:');
  t.after(() => store.close());
  const a = addBan(store, '198.51.100.7', ['webhook', 'stdout']);
  const b = addBan(store, '203.0.113.0/24', ['webhook', 'stdout']);
  const throwing = new ScriptedAction('webhook', () => new Error('socket hang up'));
  const fine = new ScriptedAction('stdout', () => done);
  const { runner, log } = runnerFor(store, [throwing, fine], actionSettings({ retryDelay: 1_000 }));

  assert.equal(await runner.runDue(T0), 4);
  assert.equal(fine.calls.length, 1);
  assert.deepEqual(
    fine.calls[0]!.ops.map((o) => [o.op, o.ban.target]),
    [
      ['ban', '198.51.100.7'],
      ['ban', '203.0.113.0/24'],
    ],
  );
  assert.deepEqual(
    fine.calls[0]!.active.map((x) => x.id),
    [a.id, b.id],
  );
  assert.deepEqual(
    log.tasks.map((r) => [r.action, r.target, r.outcome, r.error ?? null]),
    [
      ['webhook', '198.51.100.7', 'retry', 'socket hang up'],
      ['webhook', '203.0.113.0/24', 'retry', 'socket hang up'],
      ['stdout', '198.51.100.7', 'done', null],
      ['stdout', '203.0.113.0/24', 'done', null],
    ],
  );
});

test('runner: an action that returns fewer outcomes than operations has the rest failed', async (t) => {
  const store = new StateStore(':memory:');
  t.after(() => store.close());
  addBan(store, '198.51.100.7', ['stdout']);
  addBan(store, '198.51.100.8', ['stdout']);
  const short: BanAction = {
    name: 'stdout',
    describe: () => 'short',
    perform: async () => [done],
  };
  const { runner, log } = runnerFor(store, [short], actionSettings());
  await runner.runDue(T0);
  assert.deepEqual(
    log.tasks.map((r) => [r.target, r.outcome, r.error ?? null]),
    [
      ['198.51.100.7', 'done', null],
      ['198.51.100.8', 'retry', 'no outcome'],
    ],
  );
});

test('runner: a task performed but never recorded (a crash) is performed again exactly once after a restart', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'state.db');
  const first = new StateStore(path);
  const ban = addBan(first, '198.51.100.7', ['stdout']);
  // The process dies between the action's work and the transaction recording it.
  const dying = new ScriptedAction('stdout', () => {
    first.close();
    return done;
  });
  await assert.rejects(runnerFor(first, [dying], actionSettings()).runner.runDue(T0));
  assert.equal(dying.calls.length, 1);

  const second = new StateStore(path);
  t.after(() => second.close());
  assert.deepEqual(
    second.tasksOf(ban.id).map((x) => [x.state, x.attempts]),
    [['pending', 0]],
    'nothing was recorded',
  );
  const again = new ScriptedAction('stdout', () => done);
  const { runner } = runnerFor(second, [again], actionSettings());
  assert.equal(await runner.runDue(T0 + 5_000), 1);
  assert.equal(await runner.runDue(T0 + 10_000), 0);
  assert.equal(await runner.runDue(T0 + 10 * HOUR), 0);
  assert.equal(again.calls.length, 1);
  assert.equal(again.calls[0]!.ops[0]!.ban.id, ban.id, 'the same ban (same id) as before the crash');
  assert.deepEqual(
    second.tasksOf(ban.id).map((x) => [x.state, x.attempts]),
    [['done', 1]],
  );
});

test('runner: reconcile re-queues a ban the enforcer lost and an unban it never took', async (t) => {
  const store = new StateStore(':memory:');
  t.after(() => store.close());
  const kept = addBan(store, '198.51.100.7', ['fail2ban']);
  const lost = addBan(store, '198.51.100.8', ['fail2ban']);
  const covered = addBan(store, '203.0.113.9', ['fail2ban']);
  const lifted = addBan(store, '198.51.100.9', ['fail2ban']);
  let holds = new Set<string>();
  const action = new ScriptedAction(
    'fail2ban',
    (_call, op) => (op.op === 'unban' ? failed('unbanip refused') : done),
    () => holds,
  );
  const { runner, log } = runnerFor(store, [action], actionSettings({ retries: 0 }));
  await runner.runDue(T0);
  store.liftBan(lifted.id, 'expired', T0 + 1);
  await runner.runDue(T0 + 1);
  assert.equal(store.tasksOf(lifted.id).find((x) => x.op === 'unban')?.state, 'failed');

  // The enforcer holds the first ban, a network around the third, and the lifted one.
  holds = new Set(['198.51.100.7', '203.0.113.0/24', '198.51.100.9']);
  await runner.reconcile(T0 + 60_000, false);
  assert.deepEqual(log.drift.sort(), ['fail2ban ban 198.51.100.8', 'fail2ban unban 198.51.100.9']);
  const pending = (id: number) => store.tasksOf(id).filter((x) => x.state === 'pending');
  assert.deepEqual(pending(kept.id), []);
  assert.deepEqual(pending(covered.id), []);
  assert.deepEqual(
    pending(lost.id).map((x) => [x.op, x.attempts, x.nextTry]),
    [['ban', 0, T0 + 60_000]],
  );
  assert.deepEqual(
    pending(lifted.id).map((x) => x.op),
    ['unban'],
  );
  assert.deepEqual(
    store
      .decisionsAfter(0)
      .filter((d) => d.kind === 'reconcile')
      .map((d) => [d.target, d.detail.op])
      .sort(),
    [
      ['198.51.100.8', 'ban'],
      ['198.51.100.9', 'unban'],
    ],
  );

  // An enforcer that cannot say what it holds is a problem, not a reason to re-apply everything.
  holds = new Set();
  const blind = new ScriptedAction(
    'fail2ban',
    () => done,
    () => null,
  );
  const second = runnerFor(store, [blind], actionSettings());
  await second.runner.reconcile(T0 + 120_000, false);
  assert.deepEqual(second.log.drift, []);
  assert.equal(second.log.problems.length, 1);
  assert.match(second.log.problems[0]!, /^fail2ban: could not read what it holds/);
});

test('runner: a full reconcile (at start, on reload) reports a set-keeping action that fails', async (t) => {
  const dir = tempDir(t);
  const store = new StateStore(':memory:');
  t.after(() => store.close());
  addBan(store, '198.51.100.7', ['postfix-map', 'nftables']);
  const map = new PostfixMapAction({
    mapPath: join(dir, 'reject.cidr'),
    reloadCommand: ['sh', '-c', 'echo "postfix: fatal: not running" >&2; exit 1'],
    execPrefix: null,
    reloadInterval: 10_000,
  });
  const nft = new NftablesAction(
    {
      ...structuredClone(DEFAULT_SETTINGS).actions.nftables,
      command: ['sh', '-c', 'echo "Error: No such file or directory" >&2; exit 1', 'nft'],
    },
    null,
  );
  const { runner, log } = runnerFor(store, [map, nft], actionSettings());
  await runner.reconcile(T0, true);
  assert.ok(existsSync(join(dir, 'reject.cidr')), 'the map was brought in step');
  assert.equal(log.problems.length, 3, log.problems.join('\n'));
  assert.match(log.problems[0]!, /^postfix-map: .*exit 1: postfix: fatal: not running/);
  assert.match(log.problems[1]!, /^nftables: .*exit 1: Error: No such file or directory/);
  // Then, as without a full reconcile: the set cannot be read.
  assert.match(log.problems[2]!, /^nftables: could not read what it holds/);
});

// --- (c) the Postfix map -------------------------------------------------

const USER_HEAD = '# my own entries\n192.0.2.1 OK\n198.51.100.0/24 REJECT go away\n\n';
const MITIGATE_BLOCK = `${[
  BLOCK_BEGIN,
  '# written by mailwarden mitigate',
  '#',
  '# 203.0.113.0/24: 40 attack events',
  '203.0.113.0/24 REJECT',
  BLOCK_END,
].join('\n')}\n`;
const USER_TAIL = '2001:db8:bad::/48   REJECT\tbad neighbourhood\n';
const ORIGINAL_MAP = USER_HEAD + MITIGATE_BLOCK + USER_TAIL;

const ACTIVE = [
  banRecord(1, '192.0.2.77'),
  banRecord(2, '2001:db8::7', { rule: null, origin: 'manual', expires: T0 + 2 * HOUR }),
  banRecord(3, '192.0.2.128/25', { origin: 'subnet', rule: null }),
  banRecord(4, '192.0.2.130'),
];

interface MapRig {
  path: string;
  reloadLog: string;
  reloads(): number;
  text(): string;
  action(options?: { interval?: number; command?: string[] }): PostfixMapAction;
}

function mapRig(t: { after(fn: () => void): void }, initial: string | null = ORIGINAL_MAP): MapRig {
  const dir = tempDir(t);
  const path = join(dir, 'mailwarden-reject.cidr');
  const reloadLog = join(dir, 'reloads.log');
  if (initial !== null) writeFileSync(path, initial);
  return {
    path,
    reloadLog,
    reloads: () => (existsSync(reloadLog) ? readFileSync(reloadLog, 'utf8').split('\n').length - 1 : 0),
    text: () => readFileSync(path, 'utf8'),
    action: (options = {}) =>
      new PostfixMapAction({
        mapPath: path,
        reloadCommand: options.command ?? ['sh', '-c', `echo reloaded >> ${reloadLog}`],
        execPrefix: null,
        reloadInterval: options.interval ?? 10_000,
      }),
  };
}

/** The lines of the watcher's block, markers left out; null when there is none. */
function watchBlock(text: string): string[] | null {
  const lines = text.split('\n');
  const begin = lines.indexOf(WATCH_BEGIN);
  const end = lines.indexOf(WATCH_END);
  if (begin < 0) return null;
  assert.ok(end > begin, 'the block has its end line');
  return lines.slice(begin + 1, end);
}

/** Everything but the watcher's block. */
function outsideWatchBlock(text: string): string {
  const lines = text.split('\n');
  const begin = lines.indexOf(WATCH_BEGIN);
  const end = lines.indexOf(WATCH_END);
  return begin < 0 ? text : [...lines.slice(0, begin), ...lines.slice(end + 1)].join('\n');
}

const entries = (block: readonly string[] | null) => (block ?? []).filter((l) => !l.startsWith('#'));

test('postfix-map: the watch block is added after everything else; the rest stays byte for byte', async (t) => {
  const rig = mapRig(t);
  const outcomes = await rig.action().perform(opsFor(ACTIVE), ACTIVE, T0);
  assert.deepEqual(outcomes, [done, done, done, done]);

  const text = rig.text();
  assert.ok(text.startsWith(ORIGINAL_MAP), 'the user lines and mitigate block are untouched');
  const block = watchBlock(text);
  assert.equal(text, `${ORIGINAL_MAP}\n${[WATCH_BEGIN, ...block!, WATCH_END].join('\n')}\n`);
  // The host inside the banned /25 is left out: a narrower entry after a wider one is never reached.
  assert.deepEqual(entries(block), ['192.0.2.77 REJECT', '192.0.2.128/25 REJECT', '2001:db8::7 REJECT']);
  assert.ok(block!.includes('# 192.0.2.77: login-brute-force until 2026-01-15T13:00:00Z'), block!.join('\n'));
  assert.ok(block!.includes('# 2001:db8::7: manual until 2026-01-15T14:00:00Z'), block!.join('\n'));
  assert.equal(rig.reloads(), 1);
});

test('postfix-map: the block is rewritten in place; lines the user added around it stay', async (t) => {
  const rig = mapRig(t);
  const action = rig.action({ interval: 0 });
  await action.perform(opsFor(ACTIVE), ACTIVE, T0);
  // The administrator adds a line after the watcher's block and edits one of theirs.
  const edited = `${rig.text().replace('192.0.2.1 OK', '192.0.2.1   OK')}10.9.9.9 OK\n`;
  writeFileSync(rig.path, edited);

  const fewer = [ACTIVE[3]!];
  assert.deepEqual(await action.perform(opsFor([ACTIVE[0]!], 'unban'), fewer, T0 + 1_000), [done]);
  const text = rig.text();
  assert.equal(outsideWatchBlock(text), outsideWatchBlock(edited));
  assert.deepEqual(entries(watchBlock(text)), ['192.0.2.130 REJECT']);

  // No bans: the block stays, empty, so the file's shape does not flap.
  await action.perform([], [], T0 + 2_000);
  assert.deepEqual(entries(watchBlock(rig.text())), []);
  assert.equal(outsideWatchBlock(rig.text()), outsideWatchBlock(edited));
});

test('postfix-map: one reload per interval however many operations; inside it the outcome is deferred', async (t) => {
  const rig = mapRig(t);
  const action = rig.action({ interval: 10_000 });
  const [a, b, c, d] = ACTIVE as [BanRecord, BanRecord, BanRecord, BanRecord];

  assert.deepEqual(await action.perform(opsFor([a, b, c]), [a, b, c], T0), [done, done, done]);
  assert.equal(rig.reloads(), 1);

  const later = banRecord(5, '198.18.0.9');
  const deferred: OpOutcome = { kind: 'deferred', until: T0 + 10_000 };
  assert.deepEqual(await action.perform(opsFor([later]), [a, b, c, later], T0 + 1_000), [deferred]);
  assert.ok(entries(watchBlock(rig.text())).includes('198.18.0.9 REJECT'), 'the map is written at once');
  assert.deepEqual(await action.perform(opsFor([later, d]), [a, b, c, d, later], T0 + 5_000), [
    deferred,
    deferred,
  ]);
  assert.equal(rig.reloads(), 1, 'no reload inside the interval');

  assert.deepEqual(await action.perform(opsFor([later, d]), [a, b, c, d, later], T0 + 10_000), [done, done]);
  assert.equal(rig.reloads(), 2, 'one reload for everything written during the interval');

  // Nothing changed since the last reload: nothing to reload, whatever the interval.
  assert.deepEqual(await action.perform(opsFor([a]), [a, b, c, d, later], T0 + 10_001), [done]);
  assert.equal(rig.reloads(), 2);
});

test('postfix-map: the first perform after start reloads even when the map is unchanged', async (t) => {
  const rig = mapRig(t);
  await rig.action().perform(opsFor(ACTIVE), ACTIVE, T0);
  assert.equal(rig.reloads(), 1);
  const written = rig.text();

  // A restart: the map may have been written and never reloaded.
  const restarted = rig.action();
  const outcomes = await restarted.perform([], ACTIVE, T0 + 1);
  assert.ok(
    outcomes.every((o) => o.kind === 'done'),
    JSON.stringify(outcomes),
  );
  assert.equal(rig.text(), written, 'the map itself is unchanged');
  assert.equal(rig.reloads(), 2);
  await restarted.perform(opsFor([ACTIVE[0]!]), ACTIVE, T0 + 60_000);
  assert.equal(rig.reloads(), 2, 'only once');
});

test('postfix-map: a failing reload fails every operation, and is tried again at once next time', async (t) => {
  const rig = mapRig(t);
  const broken = join(rig.reloadLog, '..', 'broken');
  writeFileSync(broken, '');
  const action = rig.action({
    interval: 60_000,
    command: [
      'sh',
      '-c',
      `if [ -e ${broken} ]; then echo "postfix/postfix-script: fatal: the Postfix mail system is not running" >&2; exit 1; fi; echo reloaded >> ${rig.reloadLog}`,
    ],
  });
  const outcomes = await action.perform(opsFor(ACTIVE.slice(0, 2)), ACTIVE, T0);
  assert.equal(outcomes.length, 2);
  for (const o of outcomes) {
    assert.equal(o.kind, 'failed');
    assert.match(o.kind === 'failed' ? o.error : '', /exit 1: postfix\/postfix-script: fatal: .*not running/);
  }
  assert.ok(watchBlock(rig.text()) !== null, 'the map was written; only the reload failed');

  rmSync(broken);
  // Inside the interval, yet the reload is owed and none succeeded: it runs.
  assert.deepEqual(await action.perform(opsFor(ACTIVE.slice(0, 2)), ACTIVE, T0 + 1_000), [done, done]);
  assert.equal(rig.reloads(), 1);
});

test("postfix-map: mitigate's parseMap does not take the watch block's entries for the user's", async (t) => {
  const rig = mapRig(t);
  await rig.action().perform(opsFor(ACTIVE), ACTIVE, T0);
  const parsed = parseMap(rig.text(), rig.path);
  assert.deepEqual(
    parsed.userEntries.map((u) => [formatShort(u.cidr), u.result]),
    [
      ['192.0.2.1', 'OK'],
      ['198.51.100.0/24', 'REJECT go away'],
      ['2001:db8:bad::/48', 'REJECT\tbad neighbourhood'],
    ],
  );
  assert.deepEqual(
    parsed.generated.map((g) => formatShort(g.cidr)),
    ['203.0.113.0/24'],
  );

  // And a mitigate run that rewrites its own block keeps the watcher's block as it is.
  const block = watchBlock(rig.text());
  const rewritten = replaceBlock(parsed, renderBlock(['a newer run'], []));
  assert.deepEqual(watchBlock(rewritten), block);
  assert.ok(!rewritten.includes('203.0.113.0/24 REJECT'));
});

test('postfix-map: a watch block placed before the user lines is still not theirs, and stays where it is', async (t) => {
  const rig = mapRig(t, `${WATCH_BEGIN}\n198.18.0.1 REJECT\n${WATCH_END}\n${USER_HEAD}`);
  await rig.action().perform(opsFor([ACTIVE[0]!]), [ACTIVE[0]!], T0);
  const text = rig.text();
  assert.ok(text.startsWith(`${WATCH_BEGIN}\n`));
  assert.ok(text.endsWith(`${WATCH_END}\n${USER_HEAD}`));
  assert.deepEqual(entries(watchBlock(text)), ['192.0.2.77 REJECT']);
  assert.deepEqual(
    parseMap(text, rig.path).userEntries.map((u) => formatShort(u.cidr)),
    ['192.0.2.1', '198.51.100.0/24'],
  );
});

test('postfix-map: a block without its end line is refused, and the file is left alone', async (t) => {
  const broken = `${USER_HEAD}${WATCH_BEGIN}\n192.0.2.99 REJECT\n`;
  const rig = mapRig(t, broken);
  const action = rig.action();
  const problems = await action.check();
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^postfix-map: .*mailwarden-reject\.cidr:5: .*end line/);
  const outcomes = await action.perform(opsFor([ACTIVE[0]!]), [ACTIVE[0]!], T0);
  assert.equal(outcomes[0]?.kind, 'failed');
  assert.equal(rig.text(), broken);
  assert.equal(rig.reloads(), 0);
});

test('postfix-map: a map that does not exist yet is created holding only the block', async (t) => {
  const rig = mapRig(t, null);
  assert.deepEqual(await rig.action().check(), []);
  await rig.action().perform(opsFor([ACTIVE[0]!]), [ACTIVE[0]!], T0);
  const text = rig.text();
  assert.ok(text.startsWith(`${WATCH_BEGIN}\n`));
  assert.ok(text.endsWith(`${WATCH_END}\n`));
  assert.deepEqual(parseMap(text, rig.path).userEntries, []);
});

// --- (d) the dry run -------------------------------------------------------

test('dry run: says what the action would do and changes nothing', async (t) => {
  const rig = mapRig(t, null);
  const out = sink();
  const inner = rig.action();
  const dry = new DryRunAction(inner, out.stream);
  assert.equal(dry.name, 'postfix-map');
  assert.match(dry.describe(), /^Postfix map .* \(dry run: nothing is changed\)$/);

  const outcomes = await dry.perform([...opsFor(ACTIVE.slice(0, 2)), ...opsFor([ACTIVE[2]!], 'unban')]);
  assert.deepEqual(outcomes, [done, done, done]);
  assert.equal(existsSync(rig.path), false, 'no map written');
  assert.equal(rig.reloads(), 0, 'no reload run');
  assert.equal(
    out.text(),
    [
      `mailwarden: dry run: would ban 192.0.2.77 through ${inner.describe()}`,
      `mailwarden: dry run: would ban 2001:db8::7 through ${inner.describe()}`,
      `mailwarden: dry run: would unban 192.0.2.128/25 through ${inner.describe()}`,
      '',
    ].join('\n'),
  );

  // What it wraps is never called, and it does not claim to know what an enforcer holds.
  const scripted = new ScriptedAction(
    'webhook',
    () => failed('must not run'),
    () => new Set(['x']),
  );
  const wrapped = new DryRunAction(scripted, out.stream);
  assert.deepEqual(await wrapped.perform(opsFor([ACTIVE[0]!])), [done]);
  assert.equal(scripted.calls.length, 0);
  const asAction: BanAction = wrapped;
  assert.equal(asAction.held, undefined);
  assert.equal(asAction.check, undefined);
});
