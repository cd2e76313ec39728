// The watcher's nftables action against the real nft, in a private network
// namespace of its own (`ip netns add`), so that nothing of the host's ruleset
// is read or changed: the table it creates, the sets kept equal to the bans in
// force (a host inside a banned network left out), lifting, reading back what
// the sets hold, and the runner's reconcile bringing back an element deleted
// behind its back.
//
// The sets belong to mailwarden: the action keeps them equal to the bans in
// force, so an element no active ban covers is removed, whoever added it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionRunner } from '../../src/act/action-runner.js';
import type { ActionOp } from '../../src/act/actions/action.js';
import { NftablesAction } from '../../src/act/actions/nftables-action.js';
import { DEFAULT_SETTINGS } from '../../src/act/settings/defaults.js';
import type { NftablesActionSettings } from '../../src/act/settings/types.js';
import { type BanRecord, StateStore } from '../../src/act/state/state-store.js';
import { parseCidr } from '../../src/mitigate/cidr.js';
import { renderNftables } from '../../src/mitigate/nftables.js';
import { onEmergencyExit } from './processes.js';
import { findCommand } from './requirements.js';
import { realStackTest } from './skip-policy.js';

const T0 = Date.UTC(2026, 0, 15, 12);
const HOUR = 3_600_000;
const MAIL_PORTS = '{ 25, 110, 143, 465, 587, 993, 995, 4190 }';

interface Ns {
  name: string;
  /** A scratch directory, removed with the namespace. */
  dir: string;
  /** nft inside the namespace; fails the test when it fails. */
  nft(...args: string[]): string;
  /** The elements of a set as `nft list set` prints them. */
  elements(set: string): string[];
  /** The nftables action's settings, nft run inside the namespace. */
  settings(command?: string[]): NftablesActionSettings;
}

function ip(...args: string[]): { status: number; output: string } {
  const r = spawnSync(findCommand('ip') ?? 'ip', args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Runs `fn` with a fresh network namespace, deleted afterwards whatever happens. */
async function withNamespace(fn: (ns: Ns) => Promise<void>): Promise<void> {
  if (findCommand('ip') === undefined)
    throw new Error('this test needs `ip` (Debian package iproute2) to create a private network namespace');
  const name = `mw-nft-${randomBytes(4).toString('hex')}`;
  const created = ip('netns', 'add', name);
  assert.equal(created.status, 0, `ip netns add ${name}: ${created.output}`);
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const cleanup = () => {
    ip('netns', 'delete', name);
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = onEmergencyExit(cleanup);
  const nft = (...args: string[]) => {
    const r = ip('netns', 'exec', name, 'nft', ...args);
    assert.equal(r.status, 0, `nft ${args.join(' ')}: ${r.output}`);
    return r.output;
  };
  try {
    await fn({
      name,
      dir,
      nft,
      elements: (set) => {
        const text = nft('list', 'set', 'inet', 'mailwarden', set);
        const m = /elements = \{([^}]*)\}/.exec(text);
        return m
          ? m[1]!
              .split(',')
              .map((e) => e.trim())
              .filter((e) => e !== '')
          : [];
      },
      settings: (command = ['ip', 'netns', 'exec', name, 'nft']) => ({
        ...structuredClone(DEFAULT_SETTINGS).actions.nftables,
        // The name mitigate's file uses: one test loads that file into this namespace.
        table: 'mailwarden',
        command,
      }),
    });
  } finally {
    unregister();
    cleanup();
  }
}

/** A state in memory holding these bans, each with a pending nftables task. */
function stateWith(targets: readonly string[]): { store: StateStore; bans: BanRecord[] } {
  const store = new StateStore(':memory:');
  const bans = targets.map((target) =>
    store.insertBan(
      {
        target,
        origin: parseCidr(target)?.prefix === 24 ? 'subnet' : 'watch',
        rule: 'login-brute-force',
        reason: 'test',
        level: 1,
        created: T0,
        expires: T0 + HOUR,
      },
      ['nftables'],
    ),
  );
  return { store, bans };
}

const opsFor = (bans: readonly BanRecord[], op: 'ban' | 'unban' = 'ban'): ActionOp[] =>
  bans.map((ban, i) => ({ taskId: i + 1, op, ban }));

const TARGETS = ['198.51.100.7', '2001:db8::7', '203.0.113.0/24', '203.0.113.9'];

realStackTest(
  'nftables: check() creates the table with interval sets and drop rules for the mail ports, once',
  { timeout: 60_000 },
  async () => {
    await withNamespace(async (ns) => {
      const action = new NftablesAction(ns.settings(), null);
      assert.deepEqual(await action.check(), []);
      assert.deepEqual(await action.check(), [], 'an existing table is fine');
      const table = ns.nft('list', 'table', 'inet', 'mailwarden');
      for (const [set, type] of [
        ['blocked4', 'ipv4_addr'],
        ['blocked6', 'ipv6_addr'],
      ] as const)
        assert.match(table, new RegExp(`set ${set} \\{\\s+type ${type}\\s+flags interval\\s+\\}`), table);
      for (const chain of ['input', 'forward']) {
        const body = table.split(/\n\s*chain /).find((part) => part.startsWith(`${chain} {`));
        assert.ok(body, `chain ${chain} in:\n${table}`);
        assert.match(body, new RegExp(`type filter hook ${chain} priority filter - 10; policy accept;`));
        assert.ok(body.includes(`ip saddr @blocked4 tcp dport ${MAIL_PORTS} drop`), body);
        assert.ok(body.includes(`ip6 saddr @blocked6 tcp dport ${MAIL_PORTS} drop`), body);
      }
      assert.equal(table.split(' drop').length - 1, 4, 'the second check added no rule');
      assert.deepEqual(await action.held(), new Set());
    });
  },
);

realStackTest(
  'nftables: perform() keeps the sets equal to the bans in force',
  { timeout: 60_000 },
  async () => {
    await withNamespace(async (ns) => {
      const action = new NftablesAction(ns.settings(), null);
      assert.deepEqual(await action.check(), []);
      const { store, bans } = stateWith(TARGETS);
      const [host4, host6, net, inside] = bans as [BanRecord, BanRecord, BanRecord, BanRecord];

      const outcomes = await action.perform(opsFor(bans), bans);
      assert.deepEqual(
        outcomes.map((o) => o.kind),
        ['done', 'done', 'done', 'done'],
      );
      // The host inside the banned /24 is left out: interval sets refuse overlapping elements.
      assert.deepEqual(ns.elements('blocked4'), ['198.51.100.7', '203.0.113.0/24']);
      assert.deepEqual(ns.elements('blocked6'), ['2001:db8::7']);
      assert.deepEqual(await action.held(), new Set(['198.51.100.7', '203.0.113.0/24', '2001:db8::7']));

      // Again, with the sets already right: only reads, no change.
      const calls = join(ns.dir, 'nft-calls.log');
      const spy = new NftablesAction(
        ns.settings([
          'sh',
          '-c',
          `printf '%s\\n' "$*" >> ${calls}; exec ip netns exec ${ns.name} nft "$@"`,
          'nft',
        ]),
        null,
      );
      assert.deepEqual(
        (await spy.perform(opsFor([host4]), bans)).map((o) => o.kind),
        ['done'],
      );
      const lines = readFileSync(calls, 'utf8').trim().split('\n');
      assert.deepEqual(lines, [
        '-j list set inet mailwarden blocked4',
        '-j list set inet mailwarden blocked6',
      ]);
      assert.deepEqual(ns.elements('blocked4'), ['198.51.100.7', '203.0.113.0/24']);

      // Lifting the IPv4 host: it leaves; the rest stays.
      assert.deepEqual(
        (await action.perform(opsFor([host4], 'unban'), [host6, net, inside])).map((o) => o.kind),
        ['done'],
      );
      assert.deepEqual(ns.elements('blocked4'), ['203.0.113.0/24']);
      assert.deepEqual(ns.elements('blocked6'), ['2001:db8::7']);

      // Lifting the network: the host inside it, still banned, takes its place.
      await action.perform(opsFor([net], 'unban'), [host6, inside]);
      assert.deepEqual(ns.elements('blocked4'), ['203.0.113.9']);
      assert.deepEqual(await action.held(), new Set(['203.0.113.9', '2001:db8::7']));

      // Nothing in force: both sets empty, the table and its rules kept.
      await action.perform(opsFor([host6, inside], 'unban'), []);
      assert.deepEqual(ns.elements('blocked4'), []);
      assert.deepEqual(ns.elements('blocked6'), []);
      assert.deepEqual(await action.held(), new Set());
      assert.equal(ns.nft('list', 'table', 'inet', 'mailwarden').split(' drop').length - 1, 4);
      store.close();
    });
  },
);

realStackTest(
  "nftables: the runner's reconcile re-queues a ban deleted from the set behind its back",
  { timeout: 60_000 },
  async () => {
    await withNamespace(async (ns) => {
      const action = new NftablesAction(ns.settings(), null);
      assert.deepEqual(await action.check(), []);
      const { store, bans } = stateWith(TARGETS);
      const drift: string[] = [];
      const problems: string[] = [];
      const runner = new ActionRunner(store, [action], structuredClone(DEFAULT_SETTINGS).actions, {
        onTask: () => {},
        onDrift: (name, target, op) => drift.push(`${name} ${op} ${target}`),
        onProblem: (message) => problems.push(message),
      });
      const states = () =>
        bans.map((b) =>
          store
            .tasksOf(b.id)
            .map((x) => `${x.op} ${x.state}`)
            .join(),
        );

      assert.equal(await runner.runDue(T0), 4);
      assert.deepEqual(states(), ['ban done', 'ban done', 'ban done', 'ban done']);
      await runner.reconcile(T0 + 1_000, false);
      assert.deepEqual(drift, [], 'nothing to reconcile while the sets hold every ban');

      ns.nft('delete', 'element', 'inet', 'mailwarden', 'blocked4', '{ 198.51.100.7 }');
      assert.deepEqual(ns.elements('blocked4'), ['203.0.113.0/24']);

      await runner.reconcile(T0 + 60_000, false);
      assert.deepEqual(drift, ['nftables ban 198.51.100.7']);
      assert.deepEqual(problems, []);
      assert.deepEqual(states(), ['ban pending', 'ban done', 'ban done', 'ban done']);
      const decision = store.decisionsAfter(0).find((d) => d.kind === 'reconcile');
      assert.deepEqual(
        [decision?.target, decision?.detail.why],
        ['198.51.100.7', 'the enforcer no longer holds this ban'],
      );

      assert.equal(await runner.runDue(T0 + 60_000), 1);
      assert.deepEqual(ns.elements('blocked4'), ['198.51.100.7', '203.0.113.0/24']);
      assert.deepEqual(states(), ['ban done', 'ban done', 'ban done', 'ban done']);
      await runner.reconcile(T0 + 120_000, false);
      assert.deepEqual(drift, ['nftables ban 198.51.100.7'], 'in step again');
      store.close();
    });
  },
);

realStackTest(
  'nftables: an existing table is used as it is; elements no ban covers are removed (the sets are mailwarden’s)',
  { timeout: 60_000 },
  async () => {
    await withNamespace(async (ns) => {
      // The table as mitigate's mailwarden-blocklist.nft loads it, with entries of its own.
      const file = join(ns.dir, 'mailwarden-blocklist.nft');
      const loaded = ['192.0.2.55', '203.0.113.0/25', '2001:db8:bad::/48'].map((t) => parseCidr(t)!);
      writeFileSync(file, renderNftables(loaded, ['loaded by hand']));
      ns.nft('-f', file);
      ns.nft('add', 'element', 'inet', 'mailwarden', 'blocked6', '{ 2001:db8::99 }');

      const action = new NftablesAction(ns.settings(), null);
      assert.deepEqual(await action.check(), []);
      assert.deepEqual(ns.elements('blocked4'), ['192.0.2.55', '203.0.113.0/25'], 'check() changes nothing');
      assert.deepEqual(
        await action.held(),
        new Set(['192.0.2.55', '203.0.113.0/25', '2001:db8:bad::/48', '2001:db8::99']),
      );

      // Wanted: the /24 that overlaps the /25 already there (removed first, in the same nft call),
      // and a host; everything else goes.
      const { store, bans } = stateWith(['203.0.113.0/24', '198.51.100.7', '2001:db8:bad::/48']);
      assert.deepEqual(
        (await action.perform(opsFor(bans), bans)).map((o) => o.kind),
        ['done', 'done', 'done'],
      );
      assert.deepEqual(ns.elements('blocked4'), ['198.51.100.7', '203.0.113.0/24']);
      assert.deepEqual(ns.elements('blocked6'), ['2001:db8:bad::/48']);
      assert.equal(ns.nft('list', 'table', 'inet', 'mailwarden').split(' drop').length - 1, 4);
      store.close();
    });
  },
);

realStackTest(
  'nftables: a range element in the set (added by hand) is seen and removed like any other',
  { timeout: 60_000 },
  async (t) => {
    await withNamespace(async (ns) => {
      const action = new NftablesAction(ns.settings(), null);
      assert.deepEqual(await action.check(), []);
      ns.nft('add', 'element', 'inet', 'mailwarden', 'blocked4', '{ 192.0.2.10-192.0.2.20 }');
      const { store, bans } = stateWith(['192.0.2.15']);
      const outcomes = await action.perform(opsFor(bans), bans);
      assert.deepEqual(
        outcomes.map((o) => (o.kind === 'failed' ? o.error : o.kind)),
        ['done'],
      );
      assert.deepEqual(ns.elements('blocked4'), ['192.0.2.15']);
      store.close();
    });
  },
);

realStackTest(
  'nftables: check() reports a table of that name without the sets or the drop rules',
  { timeout: 60_000 },
  async (t) => {
    await withNamespace(async (ns) => {
      ns.nft('add', 'table', 'inet', 'mailwarden');
      const action = new NftablesAction(ns.settings(), null);
      const problems = await action.check();
      assert.equal(problems.length, 2, 'each missing set is a problem at start');
      assert.match(problems[0]!, /^nftables: table inet mailwarden exists without a usable set blocked4/);
      assert.match(problems[1]!, /^nftables: table inet mailwarden exists without a usable set blocked6/);
      // The sets, but no rule that drops them: bans would change nothing.
      ns.nft('add', 'set', 'inet', 'mailwarden', 'blocked4', '{ type ipv4_addr; flags interval; }');
      ns.nft('add', 'set', 'inet', 'mailwarden', 'blocked6', '{ type ipv6_addr; flags interval; }');
      const unused = await action.check();
      assert.deepEqual(
        unused.map((p) => /uses @(\w+)/.exec(p)?.[1]),
        ['blocked4', 'blocked6'],
        unused.join('\n'),
      );
    });
  },
);
