// The record parsing behind the DNS checks, and resolvers that cannot be used.
// The checks against a real DNS server are in test/realstack/dns.test.ts.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { dkimKeyRecords, publishedForm, publishedKeyMatches } from '../../src/audit/dns/dkim-key.js';
import { zoneTxt } from '../../src/audit/dns/dns-finding.js';
import { checkDns, parseResolver } from '../../src/audit/dns/index.js';
import { reverseName } from '../../src/audit/dns/lookup.js';
import { spfPolicy, spfRecords } from '../../src/audit/dns/spf-record.js';
import { parseTagList } from '../../src/audit/dns/tag-list.js';
import { freeUdpPort } from '../support/dns-server.js';

test('--resolver takes ADDR, ADDR:PORT and [IPv6]:PORT, and nothing else', () => {
  assert.equal(parseResolver('192.0.2.53').server, '192.0.2.53:53');
  assert.equal(parseResolver('127.0.0.1:5353').server, '127.0.0.1:5353');
  assert.equal(parseResolver('2001:db8::53').server, '[2001:db8::53]:53');
  assert.deepEqual(parseResolver('[::1]:5353'), { address: '::1', port: 5353, server: '[::1]:5353' });
  for (const bad of [
    'dns.example',
    '127.0.0.1:',
    '127.0.0.1:0',
    '127.0.0.1:70000',
    '127.0.0.1:0x35',
    '[::1',
    '[127.0.0.1]:53',
    '::1]:53',
    '',
  ])
    assert.throws(() => parseResolver(bad), /is not ADDR\[:PORT\]/, bad);
});

test('tag lists tolerate spaces and a trailing ";", and refuse duplicate tags', () => {
  const parsed = parseTagList(' v = DKIM1 ;k=rsa;  p = MIIB AQAB ; ');
  assert.ok(parsed.ok);
  assert.deepEqual(
    [...parsed.tags],
    [
      ['v', 'DKIM1'],
      ['k', 'rsa'],
      ['p', 'MIIB AQAB'],
    ],
  );
  assert.deepEqual(parseTagList('p=a; p=b'), { ok: false, reason: 'tag "p" occurs twice' });
  assert.equal(parseTagList('no tags here').ok, false);
  assert.equal(parseTagList('9p=x').ok, false);
});

test('DKIM key records: v=DKIM1 must come first when present; p= keeps no whitespace', () => {
  const keys = dkimKeyRecords([
    'k=rsa; p=AB CD\tEF;',
    'p=X; v=DKIM1',
    'v=DKIM2; p=Y',
    'v=spf1 -all',
    'v=DKIM1; p=',
  ]);
  assert.deepEqual(
    keys.map((k) => k.publicKey),
    ['ABCDEF', ''],
  );
});

test('a published key matches in either RSA encoding and as a raw Ed25519 key, never a different key', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  const spki = rsa.export({ type: 'spki', format: 'der' }).toString('base64');
  const pkcs1 = rsa.export({ type: 'pkcs1', format: 'der' }).toString('base64');
  const other = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .publicKey.export({ type: 'spki', format: 'der' })
    .toString('base64');
  assert.ok(publishedKeyMatches(spki, spki));
  assert.ok(publishedKeyMatches(pkcs1, spki));
  assert.ok(!publishedKeyMatches(other, spki));
  assert.ok(!publishedKeyMatches('', spki));
  // Characters base64 decoding would skip do not make another text equal to the key.
  assert.ok(!publishedKeyMatches(`${spki.slice(0, 20)}!!${spki.slice(20)}`, spki));

  const ed = generateKeyPairSync('ed25519').publicKey;
  const edSpki = ed.export({ type: 'spki', format: 'der' }).toString('base64');
  const form = publishedForm(edSpki);
  assert.equal(form.keyType, 'ed25519');
  assert.equal(Buffer.from(form.p, 'base64').length, 32);
  assert.ok(publishedKeyMatches(form.p, edSpki));
  assert.ok(!publishedKeyMatches(form.p, spki));
});

test('SPF: only v=spf1 records count; the all qualifier and redirect= are read', () => {
  assert.deepEqual(
    spfRecords(['v=spf1 -all', 'V=SPF1 mx', 'v=spf10 -all', 'google-site-verification=x', 'v=spf1']),
    ['v=spf1 -all', 'V=SPF1 mx', 'v=spf1'],
  );
  assert.deepEqual(spfPolicy('v=spf1 mx -all'), { all: '-', redirect: null });
  assert.deepEqual(spfPolicy('v=spf1 mx  ALL'), { all: '+', redirect: null });
  assert.deepEqual(spfPolicy('v=spf1 ?all'), { all: '?', redirect: null });
  assert.deepEqual(spfPolicy('v=spf1 include:_spf.example.net ~all'), { all: '~', redirect: null });
  assert.deepEqual(spfPolicy('v=spf1 mx'), { all: null, redirect: null });
  assert.deepEqual(spfPolicy('v=spf1 redirect=_spf.example.net'), {
    all: null,
    redirect: '_spf.example.net',
  });
  // redirect= is ignored when the record has an all mechanism (RFC 7208 6.1).
  assert.deepEqual(spfPolicy('v=spf1 redirect=_spf.example.net -all'), { all: '-', redirect: null });
  assert.deepEqual(spfPolicy('v=spf1 mx xall'), { all: null, redirect: null });
});

test('reverse names and zone-file TXT strings', () => {
  assert.equal(reverseName('192.0.2.7'), '7.2.0.192.in-addr.arpa');
  assert.equal(
    reverseName('2001:db8::1'),
    '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
  );
  assert.equal(reverseName('mail.example.test'), null);
  const long = 'x'.repeat(600);
  assert.equal(
    zoneTxt('k._domainkey.example.test', long),
    `k._domainkey.example.test. IN TXT ( "${'x'.repeat(255)}" "${'x'.repeat(255)}" "${'x'.repeat(90)}" )`,
  );
});

const input = {
  hostname: 'mail.example.test',
  serverAddresses: ['192.0.2.25'],
  domains: [{ domain: 'example.test', dkim: null }],
};

test('a resolver port nothing listens on: no findings, a note saying the checks were skipped and why', async () => {
  const port = await freeUdpPort();
  const result = await checkDns(input, `127.0.0.1:${port}`, { timeoutMs: 2_000 });
  assert.deepEqual(result.findings, []);
  assert.equal(result.notes.length, 1);
  assert.match(
    result.notes[0]!,
    new RegExp(`^DNS checks skipped: the resolver 127\\.0\\.0\\.1:${port} gave no usable answer`),
  );
  assert.match(result.notes[0]!, /connection refused|no answer within the timeout/);
});

test('a resolver that never answers: the skip note comes when the timeout ends', async () => {
  const silent = createSocket('udp4');
  let queries = 0;
  silent.on('message', () => {
    queries++;
  });
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
  try {
    const result = await checkDns(input, `127.0.0.1:${silent.address().port}`, { timeoutMs: 300 });
    assert.deepEqual(result.findings, []);
    assert.equal(result.notes.length, 1);
    assert.match(result.notes[0]!, /^DNS checks skipped: .*no answer within the timeout/);
    assert.ok(queries > 0, 'the query reached the silent server');
  } finally {
    silent.close();
  }
});

test('a resolver that is no address: a note, not an exception', async () => {
  const result = await checkDns(input, 'dns.example.test');
  assert.deepEqual(result.findings, []);
  assert.match(result.notes[0]!, /^DNS checks skipped: resolver "dns\.example\.test" is not ADDR\[:PORT\]/);
});
