import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregate, aggregationLevels, type Tally } from '../../src/mitigate/aggregate.js';
import {
  type Cidr,
  contains,
  formatCidr,
  formatShort,
  hostCidr,
  overlaps,
  parseCidr,
  supernet,
} from '../../src/mitigate/cidr.js';
import { mynetworksRanges, ProtectedSet, parseAllowlist } from '../../src/mitigate/protect.js';

const T0 = Date.UTC(2025, 9, 10, 1, 0, 0);

function tally(events: number, cls = 'sasl-auth-failure', offset = 0): Tally {
  return { events, first: T0 + offset, last: T0 + offset + 60_000, classes: { [cls]: events } };
}

const opts = { subnetMin: 3, minEvents: 5, maxPrefix4: 24, maxPrefix6: 48 };
const none = () => undefined;
const nets = (entries: { cidr: Cidr }[]) => entries.map((e) => formatCidr(e.cidr));

test('CIDR reading: addresses, networks, bracketed IPv6, IPv4-mapped; host bits cleared; junk refused', () => {
  assert.equal(formatCidr(parseCidr('192.0.2.7')!), '192.0.2.7/32');
  assert.equal(formatCidr(parseCidr('192.0.2.77/24')!), '192.0.2.0/24');
  assert.equal(formatCidr(parseCidr('[2001:DB8::1]/64')!), '2001:db8::/64');
  assert.equal(formatCidr(parseCidr('::ffff:198.51.100.9')!), '198.51.100.9/32');
  assert.equal(formatCidr(parseCidr('::ffff:198.51.100.0/120')!), '198.51.100.0/24');
  assert.equal(formatShort(parseCidr('2001:db8::7/128')!), '2001:db8::7');
  for (const bad of ['127.1', 'mail.example.org', 'hash:/etc/postfix/x', '192.0.2.0/33', '$mynetworks', ''])
    assert.equal(parseCidr(bad), null, bad);
  const net = parseCidr('198.51.100.0/24')!;
  assert.ok(contains(net, hostCidr('198.51.100.200')!));
  assert.ok(!contains(net, hostCidr('198.51.101.1')!));
  assert.ok(overlaps(hostCidr('198.51.100.5')!, net));
  assert.ok(!overlaps(parseCidr('2001:db8::/32')!, net), 'families never overlap');
  assert.equal(formatCidr(supernet(hostCidr('2001:db8:1:2:3::9')!, 48)), '2001:db8:1::/48');
});

test('aggregation levels: the audit unit, then 8 bits at a time down to the maximum', () => {
  assert.deepEqual(aggregationLevels(4, 24), [24]);
  assert.deepEqual(aggregationLevels(4, 16), [24, 16]);
  assert.deepEqual(aggregationLevels(4, 20), [24, 20]);
  assert.deepEqual(aggregationLevels(4, 28), [28], 'a maximum narrower than /24 becomes the unit');
  assert.deepEqual(aggregationLevels(4, 32), [32]);
  assert.deepEqual(aggregationLevels(6, 48), [64, 56, 48]);
  assert.deepEqual(aggregationLevels(6, 64), [64]);
  assert.deepEqual(aggregationLevels(6, 96), [96]);
});

test('a /24 is blocked whole from --subnet-min attacking addresses; fewer stay single addresses', () => {
  const t = new Map<string, Tally>([
    ['198.51.100.1', tally(1, 'tls-handshake-failure')],
    ['198.51.100.2', tally(2, 'tls-handshake-failure')],
    ['198.51.100.3', tally(2, 'tls-handshake-failure')],
    ['203.0.113.7', tally(6)],
    ['203.0.113.8', tally(4)],
  ]);
  const r = aggregate(t, none, opts);
  assert.deepEqual(nets(r.entries), ['198.51.100.0/24', '203.0.113.7/32']);
  assert.deepEqual(r.entries[0]!.addresses, ['198.51.100.1', '198.51.100.2', '198.51.100.3']);
  assert.equal(r.entries[0]!.tally.events, 5);
  assert.deepEqual(r.belowThreshold, ['203.0.113.8']);
});

test('a subnet needs --min-events between its addresses, and the same rule as the audit for --subnet-min', () => {
  const t = new Map<string, Tally>([
    ['198.51.100.1', tally(1)],
    ['198.51.100.2', tally(1)],
    ['198.51.100.3', tally(1)],
  ]);
  assert.deepEqual(nets(aggregate(t, none, opts).entries), [], '3 events < 5');
  assert.deepEqual(nets(aggregate(t, none, { ...opts, minEvents: 3 }).entries), ['198.51.100.0/24']);
  assert.deepEqual(nets(aggregate(t, none, { ...opts, minEvents: 3, subnetMin: 4 }).entries), []);
});

test('never wider than --max-prefix4: a /28 maximum aggregates /28s; /32 turns aggregation off', () => {
  const t = new Map<string, Tally>();
  for (const last of [1, 2, 3, 17, 18]) t.set(`198.51.100.${last}`, tally(5));
  assert.deepEqual(nets(aggregate(t, none, { ...opts, maxPrefix4: 28 }).entries), [
    '198.51.100.0/28',
    '198.51.100.17/32',
    '198.51.100.18/32',
  ]);
  assert.deepEqual(nets(aggregate(t, none, { ...opts, maxPrefix4: 32 }).entries), [
    '198.51.100.1/32',
    '198.51.100.2/32',
    '198.51.100.3/32',
    '198.51.100.17/32',
    '198.51.100.18/32',
  ]);
});

test('IPv4 widening past /24 only when --max-prefix4 allows it, from --subnet-min blocked entries', () => {
  const t = new Map<string, Tally>();
  for (const c of [1, 2, 3]) for (const d of [1, 2, 3]) t.set(`198.51.${c}.${d}`, tally(5));
  assert.deepEqual(nets(aggregate(t, none, opts).entries), [
    '198.51.1.0/24',
    '198.51.2.0/24',
    '198.51.3.0/24',
  ]);
  assert.deepEqual(nets(aggregate(t, none, { ...opts, maxPrefix4: 16 }).entries), ['198.51.0.0/16']);
});

test('IPv6: /64 from the audit unit, then /56 and /48 from --subnet-min blocked entries, never past the maximum', () => {
  const t = new Map<string, Tally>();
  // Three /64s of one /56, each with three attackers.
  for (const sub of ['2001:db8:1:1', '2001:db8:1:2', '2001:db8:1:3'])
    for (const host of ['1', '2', '3']) t.set(`${sub}::${host}`, tally(5));
  // One lone address elsewhere in the same /48, in another /56.
  t.set('2001:db8:1:ff00::9', tally(5));
  const r = aggregate(t, none, opts);
  assert.deepEqual(nets(r.entries), ['2001:db8:1::/56', '2001:db8:1:ff00::9/128']);
  assert.equal(r.entries[0]!.addresses.length, 9);
  assert.deepEqual(nets(aggregate(t, none, { ...opts, maxPrefix6: 64 }).entries), [
    '2001:db8:1:1::/64',
    '2001:db8:1:2::/64',
    '2001:db8:1:3::/64',
    '2001:db8:1:ff00::9/128',
  ]);
  // Two /56s of blocked entries and the lone one: three entries share the /48.
  for (const sub of ['2001:db8:1:201', '2001:db8:1:202', '2001:db8:1:203'])
    for (const host of ['1', '2', '3']) t.set(`${sub}::${host}`, tally(5));
  assert.deepEqual(nets(aggregate(t, none, opts).entries), ['2001:db8:1::/48']);
});

test('a subnet that would hold a protected address is not formed: its members stay single addresses', () => {
  const t = new Map<string, Tally>([
    ['198.51.100.1', tally(6)],
    ['198.51.100.2', tally(6)],
    ['198.51.100.3', tally(1)],
  ]);
  const set = new ProtectedSet();
  set.add(parseCidr('198.51.100.50')!, 'allowlisted');
  const r = aggregate(t, (c) => set.find(c), opts);
  assert.deepEqual(nets(r.entries), ['198.51.100.1/32', '198.51.100.2/32']);
  assert.deepEqual(r.belowThreshold, ['198.51.100.3']);
  assert.equal(formatCidr(r.split[0]!.cidr), '198.51.100.0/24');
  assert.equal(r.split[0]!.protection.reason, 'allowlisted');
  // The same when widening: an IPv6 /48 holding a protected /64.
  const v6 = new Map<string, Tally>();
  for (const sub of ['2001:db8:1:1', '2001:db8:1:2', '2001:db8:1:3']) v6.set(`${sub}::1`, tally(5));
  const guard = new ProtectedSet();
  guard.add(parseCidr('2001:db8:1:9::/64')!, 'mynetworks');
  assert.deepEqual(nets(aggregate(v6, (c) => guard.find(c), opts).entries), [
    '2001:db8:1:1::1/128',
    '2001:db8:1:2::1/128',
    '2001:db8:1:3::1/128',
  ]);
  assert.deepEqual(nets(aggregate(v6, none, opts).entries), ['2001:db8:1::/56']);
});

test('the result is sorted and does not depend on the order addresses came in', () => {
  const ips = ['203.0.113.9', '2001:db8::5', '192.0.2.1', '198.51.100.4', '2001:db8::1:0:0:3'];
  const forward = new Map(ips.map((ip) => [ip, tally(5)] as const));
  const backward = new Map([...ips].reverse().map((ip) => [ip, tally(5)] as const));
  const a = nets(aggregate(forward, none, opts).entries);
  assert.deepEqual(a, nets(aggregate(backward, none, opts).entries));
  assert.deepEqual(a, [
    '192.0.2.1/32',
    '198.51.100.4/32',
    '203.0.113.9/32',
    '2001:db8::5/128',
    '2001:db8::1:0:0:3/128',
  ]);
});

test('allowlist files and mynetworks are read into networks', () => {
  const list = parseAllowlist('# office\n192.0.2.0/24  # the VPN\n\n2001:db8::/48\n', 'allow.txt');
  assert.deepEqual(
    list.map((e) => [formatCidr(e.cidr), e.line]),
    [
      ['192.0.2.0/24', 2],
      ['2001:db8::/48', 4],
    ],
  );
  assert.throws(
    () => parseAllowlist('192.0.2.0/24\nnot-an-address\n', 'allow.txt'),
    /allow\.txt:2: "not-an-address"/,
  );
  const { cidrs, unread } = mynetworksRanges(
    '127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128, 192.0.2.5 hash:/etc/postfix/network_table',
  );
  assert.deepEqual(cidrs.map(formatCidr), ['127.0.0.0/8', '127.0.0.0/8', '::1/128', '192.0.2.5/32']);
  assert.deepEqual(unread, ['hash:/etc/postfix/network_table']);
});
