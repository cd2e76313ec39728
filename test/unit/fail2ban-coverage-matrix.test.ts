// fail2ban's counting replayed on log time, and the coverage matrix built from it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CoverageMatrixBuilder,
  type JailToEvaluate,
  type LineMatcher,
} from '../../src/detect/fail2ban/coverage-matrix.js';
import { jailReaders } from '../../src/detect/fail2ban/coverage-pass.js';
import { FailManager, pythonRound } from '../../src/detect/fail2ban/fail-manager.js';

test('Python rounding sends halves to the even neighbour', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(pythonRound), [0, 2, 2, 4, 2, 3]);
});

test('maxretry failures within findtime ban; the count then starts again', () => {
  const m = new FailManager(3, 600, 3600);
  assert.equal(m.fail('192.0.2.1', 0), null);
  assert.equal(m.fail('192.0.2.1', 100), null);
  assert.deepEqual(m.fail('192.0.2.1', 200), { address: '192.0.2.1', atSeconds: 200 });
  // Banned for an hour: further lines do not count.
  assert.equal(m.fail('192.0.2.1', 300), null);
  assert.equal(m.pending('192.0.2.1'), 0);
});

test('failures further apart than findtime never add up', () => {
  const m = new FailManager(3, 600, 600);
  for (let t = 0; t < 100_000; t += 601) assert.equal(m.fail('192.0.2.2', t), null);
  assert.equal(m.pending('192.0.2.2'), 1);
});

test('a counted interval longer than findtime is rescaled to the rate, as fail2ban does', () => {
  // Failures every 400 s with findtime 600: at 400 the count is 2; at 800 the
  // interval (800 s) exceeds findtime: round(2 / 800 * 600) = round(1.5) = 2, plus one = 3.
  const m = new FailManager(10, 600, 600);
  m.fail('192.0.2.3', 0);
  m.fail('192.0.2.3', 400);
  assert.equal(m.pending('192.0.2.3'), 2);
  m.fail('192.0.2.3', 800);
  assert.equal(m.pending('192.0.2.3'), 3);
});

test('bantime -1 bans for ever', () => {
  const m = new FailManager(1, 600, -1);
  assert.ok(m.fail('192.0.2.4', 0));
  assert.equal(m.fail('192.0.2.4', 10 ** 9), null);
});

/** A filter that matches `fail from ADDRESS` (and `soft from ADDRESS` as a non-attack line). */
const matcher: LineMatcher = {
  match(line) {
    const m = /^(?:fail|soft) from (\S+)$/.exec(line);
    return m ? { timeMs: null, address: m[1]! } : null;
  },
};

function jail(name: string, extra: Partial<JailToEvaluate> = {}): JailToEvaluate {
  return {
    name,
    filter: name,
    matcher,
    error: null,
    warnings: [],
    maxretry: 3,
    findtimeSeconds: 600,
    bantimeSeconds: 600,
    ignoreip: [],
    logpaths: ['/var/log/mail.log'],
    backend: 'auto',
    blind: null,
    definedAt: 'jail.local:1',
    ...extra,
  };
}

test('the matrix says which attackers are banned, and why the others never are', () => {
  const b = new CoverageMatrixBuilder([jail('j1', { ignoreip: ['198.51.100.0/24'] })]);
  let t = 0;
  const line = (text: string, cls: string | null, address: string) => {
    t += 1000;
    b.line(text, t, cls ? { cls, address } : null, 'benign');
  };
  // Banned: three matched failures within findtime.
  for (let i = 0; i < 3; i++) line('fail from 192.0.2.10', 'sasl-auth-failure', '192.0.2.10');
  // Under the threshold: two.
  for (let i = 0; i < 2; i++) line('fail from 192.0.2.11', 'sasl-auth-failure', '192.0.2.11');
  // Ignored: in ignoreip.
  for (let i = 0; i < 5; i++) line('fail from 198.51.100.7', 'sasl-auth-failure', '198.51.100.7');
  // No rule: lines the filter does not match.
  for (let i = 0; i < 4; i++) line('handshake from 203.0.113.9', 'tls-handshake-failure', '203.0.113.9');
  // Matched, but not an attack line here.
  line('soft from 192.0.2.50', null, '192.0.2.50');
  const m = b.result();
  const sasl = m.classes.find((c) => c.class === 'sasl-auth-failure')!;
  assert.equal(sasl.addresses, 3);
  assert.equal(sasl.banned, 1);
  assert.deepEqual(sasl.neverBanned, { 'no-rule': 0, 'under-threshold': 1, ignored: 1, 'jail-blind': 0 });
  assert.deepEqual(sasl.byJail.j1, { lines: 10, addresses: 3, banned: 1 });
  const tls = m.classes.find((c) => c.class === 'tls-handshake-failure')!;
  assert.deepEqual(tls.neverBanned, { 'no-rule': 1, 'under-threshold': 0, ignored: 0, 'jail-blind': 0 });
  assert.equal(tls.examples[0]?.events, 4);
  assert.deepEqual(m.otherMatches, { j1: { benign: 1 } });
  assert.equal(m.jails[0]!.linesMatched, 11);
  assert.equal(m.jails[0]!.addressesBanned, 1);
});

test('a blind jail bans nobody; what it would have banned is said as such', () => {
  const b = new CoverageMatrixBuilder([jail('j1', { blind: 'backend = systemd, no journal' })]);
  for (let i = 0; i < 3; i++)
    b.line('fail from 192.0.2.20', i * 1000, { cls: 'sasl-auth-failure', address: '192.0.2.20' }, '');
  const m = b.result();
  assert.equal(m.jails[0]!.addressesBanned, 0);
  assert.equal(m.jails[0]!.wouldBanIfSighted, 1);
  assert.deepEqual(m.classes[0]!.neverBanned, {
    'no-rule': 0,
    'under-threshold': 0,
    ignored: 0,
    'jail-blind': 1,
  });
});

test('a filter that cannot be compiled matches nothing and is reported as such', () => {
  const b = new CoverageMatrixBuilder([jail('j1', { matcher: null, error: 'conditional group' })]);
  b.line('fail from 192.0.2.30', 0, { cls: 'sasl-auth-failure', address: '192.0.2.30' }, '');
  const m = b.result();
  assert.equal(m.jails[0]!.error, 'conditional group');
  assert.equal(m.classes[0]!.neverBanned['no-rule'], 1);
});

test('each jail reads the inputs its logpath names, their rotations, else copies by name, else everything', () => {
  const inputs = [
    '/srv/logs/mail.log',
    '/srv/logs/mail.log.1',
    '/srv/logs/mail.log.2.gz',
    '/srv/logs/fail2ban.log',
  ];
  const readers = jailReaders(inputs, [
    jail('by-name', { logpaths: ['/var/log/mail.log'] }),
    jail('exact', { logpaths: ['/srv/logs/mail.log'] }),
    jail('glob', { logpaths: ['/srv/logs/fail2ban.*'] }),
    jail('elsewhere', { logpaths: ['/var/log/dovecot.log'] }),
  ]);
  assert.deepEqual(
    inputs.map((p) => readers.get(p)),
    [
      [true, true, false, true],
      [true, true, false, true],
      [true, true, false, true],
      [false, false, true, true],
    ],
  );
});
