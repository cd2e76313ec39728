// The watcher's decisions, on a clock the test drives: sliding windows (fast
// and slow), the safety rules, subnet escalation, repeat offenders, expiry,
// and counting that survives a restart through the state file.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Decider, type Decision } from '../../src/act/decide/decider.js';
import { DEFAULT_SETTINGS } from '../../src/act/settings/defaults.js';
import type { WatchSettings } from '../../src/act/settings/types.js';
import { StateStore } from '../../src/act/state/state-store.js';
import type { SecurityEvent } from '../../src/classify/event.js';
import { parseCidr } from '../../src/mitigate/cidr.js';
import { addPrivateRanges, ProtectedSet } from '../../src/mitigate/protect.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const LOGIN_FAILURES = ['sasl-auth-failure', 'auth-password-mismatch'] as const;

function settings(overrides: Partial<WatchSettings['bans']> = {}): WatchSettings {
  const base = structuredClone(DEFAULT_SETTINGS);
  return {
    ...base,
    state: ':memory:',
    rules: [
      { name: 'login-brute-force', classes: [...LOGIN_FAILURES], count: 5, window: 10 * MIN },
      { name: 'slow-brute-force', classes: [...LOGIN_FAILURES], count: 20, window: 24 * HOUR },
    ],
    bans: { ...base.bans, ...overrides },
  };
}

function event(cls: SecurityEvent['class'], ip: string): SecurityEvent {
  return {
    ts: '',
    host: null,
    service: 'postfix/smtpd',
    pid: 1,
    class: cls,
    tier: 'attack',
    ip,
    source: 't:1',
  };
}

interface Rig {
  decider: Decider;
  store: StateStore;
  decisions: Decision[];
  clock: { now: number };
  fail(ip: string, times?: number, every?: number): void;
}

function rig(
  options: {
    bans?: Partial<WatchSettings['bans']>;
    protect?: string[];
    store?: StateStore;
    start?: number;
  } = {},
): Rig {
  const store = options.store ?? new StateStore(':memory:');
  const protections = new ProtectedSet();
  addPrivateRanges(protections);
  for (const p of options.protect ?? []) protections.add(parseCidr(p)!, `allowlisted (${p})`);
  const clock = { now: options.start ?? Date.UTC(2026, 10, 25, 12) };
  const decisions: Decision[] = [];
  const decider = new Decider({
    settings: settings(options.bans),
    store,
    protections,
    actions: ['stdout'],
    onDecision: (d) => decisions.push(d),
    now: () => clock.now,
  });
  return {
    decider,
    store,
    decisions,
    clock,
    fail(ip, times = 1, every = 1000) {
      for (let i = 0; i < times; i++) {
        clock.now += every;
        store.transaction(() => decider.observe(event('sasl-auth-failure', ip), clock.now));
      }
    },
  };
}

const bans = (r: Rig) => r.decisions.filter((d) => d.kind === 'ban').map((d) => d.target);

test('five failures within ten minutes ban; four do not, nor five spread wider', () => {
  const r = rig();
  r.fail('198.51.100.7', 4, MIN);
  assert.deepEqual(bans(r), []);
  r.fail('198.51.100.7', 1, MIN);
  assert.deepEqual(bans(r), ['198.51.100.7']);
  const ban = r.decisions[0]!.ban!;
  assert.equal(ban.expires - ban.created, HOUR);
  assert.equal(ban.rule, 'login-brute-force');
  // Five in 12 minutes: never five inside any ten-minute window.
  r.fail('198.51.100.8', 5, 3 * MIN);
  assert.deepEqual(bans(r), ['198.51.100.7']);
  assert.equal(r.store.activeBans().length, 1);
  assert.equal(r.store.tasksOf(ban.id).length, 1, 'one task per enabled action');
});

test('a slow attack under the short window is caught by the long one', () => {
  const r = rig();
  r.fail('203.0.113.9', 19, 40 * MIN);
  assert.deepEqual(bans(r), []);
  r.fail('203.0.113.9', 1, 40 * MIN);
  assert.deepEqual(bans(r), ['203.0.113.9']);
  assert.equal(r.decisions[0]!.rule, 'slow-brute-force');
});

test('events of a banned address are not counted again', () => {
  const r = rig();
  r.fail('198.51.100.7', 30, 1000);
  assert.deepEqual(bans(r), ['198.51.100.7']);
});

test('allowlisted, private and logged-in addresses are spared, with the reason', () => {
  const r = rig({ protect: ['192.0.2.0/28'] });
  r.store.transaction(() => r.decider.observe(event('sasl-auth-success', '198.51.100.50'), r.clock.now));
  r.fail('192.0.2.5', 5);
  r.fail('10.1.2.3', 5);
  r.fail('198.51.100.50', 5);
  assert.deepEqual(bans(r), []);
  const spared = r.decisions.filter((d) => d.kind === 'spared');
  assert.deepEqual(
    spared.map((d) => d.target),
    ['192.0.2.5', '10.1.2.3', '198.51.100.50'],
  );
  assert.match(spared[0]!.reason, /allowlisted \(192\.0\.2\.0\/28\)/);
  assert.match(spared[1]!.reason, /private or loopback range 10\.0\.0\.0\/8/);
  assert.match(spared[2]!.reason, /logged in successfully/);
  // Reported once per address and hour, not on every further threshold.
  r.fail('192.0.2.5', 5);
  assert.equal(r.decisions.filter((d) => d.kind === 'spared').length, 3);
});

test('three banned addresses of one /24 within the hour ban the /24', () => {
  const r = rig();
  r.fail('198.51.100.1', 5);
  r.fail('198.51.100.2', 5);
  assert.deepEqual(bans(r), ['198.51.100.1', '198.51.100.2']);
  r.fail('198.51.100.3', 5);
  assert.deepEqual(bans(r), ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.0/24']);
  const subnet = r.decisions.at(-1)!.ban!;
  assert.equal(subnet.origin, 'subnet');
  assert.match(subnet.reason, /3 addresses of 198\.51\.100\.0\/24 banned within 1h/);
  // A fourth address of the subnet is already covered.
  r.fail('198.51.100.4', 5);
  assert.equal(bans(r).length, 4);
});

test('no subnet ban when the bans are far apart, or the subnet holds a protected network or a user', () => {
  const apart = rig();
  apart.fail('198.51.100.1', 5);
  apart.fail('198.51.100.2', 5, 20 * MIN);
  apart.clock.now += 2 * HOUR;
  apart.fail('198.51.100.3', 5);
  assert.ok(!bans(apart).includes('198.51.100.0/24'));

  const guarded = rig({ protect: ['198.51.100.200'] });
  for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) guarded.fail(ip, 5);
  assert.ok(!bans(guarded).includes('198.51.100.0/24'));
  assert.match(guarded.decisions.at(-1)!.reason, /holds a protected network/);

  const user = rig();
  user.store.transaction(() =>
    user.decider.observe(event('mail-login-success', '198.51.100.77'), user.clock.now),
  );
  for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) user.fail(ip, 5);
  assert.ok(!bans(user).includes('198.51.100.0/24'));
  assert.match(user.decisions.at(-1)!.reason, /198\.51\.100\.77 in it logged in successfully/);
});

test('subnet escalation is off with subnet_min 0, and never wider than the cap', () => {
  const off = rig({ bans: { subnetMin: 0 } });
  for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) off.fail(ip, 5);
  assert.equal(bans(off).length, 3);
  const capped = rig({ bans: { subnetPrefix4: 16, maxPrefix4: 24 } });
  for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) capped.fail(ip, 5);
  assert.equal(bans(capped).length, 3);
});

test('repeat offenders are banned longer each time, up to the cap', () => {
  const r = rig({ bans: { maxDuration: 10 * HOUR } });
  const lengths: number[] = [];
  for (let i = 0; i < 4; i++) {
    r.fail('203.0.113.50', 5);
    const ban = r.decisions.filter((d) => d.kind === 'ban').at(-1)!.ban!;
    lengths.push(ban.expires - ban.created);
    r.clock.now = ban.expires;
    r.store.transaction(() => r.decider.expire(r.clock.now));
  }
  assert.deepEqual(lengths, [HOUR, 4 * HOUR, 10 * HOUR, 10 * HOUR]);
  const unbans = r.decisions.filter((d) => d.kind === 'unban');
  assert.equal(unbans.length, 4);
  assert.ok(unbans.every((d) => d.reason === 'expired'));
  assert.equal(r.store.activeBans().length, 0);
});

test('counting survives a restart: the strikes are in the state file', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mw-decider-')), 'state.db');
  const first = rig({ store: new StateStore(path) });
  first.fail('198.51.100.9', 3, MIN);
  first.store.close();
  const second = rig({ store: new StateStore(path), start: first.clock.now });
  second.fail('198.51.100.9', 1, MIN);
  assert.deepEqual(bans(second), []);
  second.fail('198.51.100.9', 1, MIN);
  assert.deepEqual(bans(second), ['198.51.100.9']);
  second.store.close();
});
