import assert from 'node:assert/strict';
import { test } from 'node:test';
import ipaddr from 'ipaddr.js';
import { subnetKey, subnetOf } from '../../src/detect/subnets.js';

/** The /64 as ipaddr.js computes and prints it (RFC 5952). */
function reference(ip: string): string {
  const parts = (ipaddr.parse(ip) as ipaddr.IPv6).parts.slice(0, 4);
  return `${ipaddr.IPv6.parse(`${parts.map((p) => p.toString(16)).join(':')}::`).toString()}/64`;
}

test('the /64 of an IPv6 address is the one ipaddr.js gives, on 50,000 random addresses and the edge cases', () => {
  let seed = 3;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const addresses = [
    '::',
    '::1',
    '1::',
    '2001:db8::',
    '0:0:0:1::',
    '0:0:1::',
    '1:0:0:0:0:0:0:8',
    '::ffff:1.2.3.4',
  ];
  for (let i = 0; i < 50_000; i++) {
    // Many zero groups, often in runs, so that every compression case comes up.
    const groups = Array.from({ length: 8 }, () => (random(3) === 0 ? 0 : random(65536)));
    if (random(4) === 0) for (let k = random(8); k < 8 && random(3) > 0; k++) groups[k] = 0;
    addresses.push(ipaddr.IPv6.parse(groups.map((g) => g.toString(16)).join(':')).toString());
  }
  for (const ip of addresses) assert.equal(subnetOf(ip), reference(ip), ip);
  assert.equal(subnetOf('198.51.100.7'), '198.51.100.0/24');
});

test('two addresses share a subnet key exactly when they share a subnet', () => {
  let seed = 11;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    // The high bits: an LCG's low bits repeat with a short period.
    return Math.floor(seed / 65536) % n;
  };
  const addresses: string[] = [
    '2001:db8::1',
    '2001:db8::2',
    '2001:db8:0:1::1',
    '::ffff:1.2.3.4',
    '64:ff9b::1.2.3.4',
  ];
  // Few distinct first octets, so that many pairs share or nearly share a /24.
  for (let i = 0; i < 3000; i++)
    addresses.push(`${[1, 10, 100, 255][random(4)]}.${random(3)}.${random(4)}.${random(256)}`);
  const bySubnet = new Map<string, number | string>();
  const byKey = new Map<number | string, string>();
  for (const ip of addresses) {
    const subnet = subnetOf(ip);
    const key = subnetKey(ip);
    assert.equal(bySubnet.get(subnet) ?? key, key, `${ip}: one subnet, two keys`);
    assert.equal(byKey.get(key) ?? subnet, subnet, `${ip}: one key, two subnets`);
    bySubnet.set(subnet, key);
    byKey.set(key, subnet);
  }
  assert.ok(bySubnet.size >= 50, `${bySubnet.size} subnets`);
});
