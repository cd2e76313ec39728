// The DNS checks of the configuration audit against a real DNS server: dnsmasq
// on loopback serving one zone where everything is right and one where each
// check fails in its own domain. The DKIM keys are generated here.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { checkDns, type DnsCheckInput } from '../../src/audit/dns/index.js';
import type { Finding } from '../../src/findings/finding.js';
import { type DnsRecords, type DnsServer, startDnsServer } from '../support/dns-server.js';
import { realStackTest } from './skip-policy.js';

function rsaKey(): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

const dkimOnDisk = (domain: string, selector: string, publicKeyBase64: string) => ({
  selector,
  publicKeyBase64,
  keyFile: `/etc/opendkim/keys/${domain}/${selector}.private`,
});

/** A domain with everything right: MX to the mail host, SPF -all, DMARC reject, and its DKIM key when given. */
type DomainRecords = Required<Pick<DnsRecords, 'txt' | 'mx'>>;

function rightDomain(domain: string, mailHost: string, key?: string): DomainRecords {
  return {
    txt: [
      { name: domain, strings: ['v=spf1 mx -all'] },
      { name: `_dmarc.${domain}`, strings: [`v=DMARC1; p=reject; rua=mailto:postmaster@${domain}`] },
      ...(key ? [{ name: `mail._domainkey.${domain}`, strings: [`v=DKIM1; k=rsa; p=${key}`] }] : []),
    ],
    mx: [{ domain, host: mailHost, preference: 10 }],
  };
}

function merge(...parts: DnsRecords[]): DnsRecords {
  return {
    txt: parts.flatMap((p) => p.txt ?? []),
    mx: parts.flatMap((p) => p.mx ?? []),
    hosts: parts.flatMap((p) => p.hosts ?? []),
    ptr: parts.flatMap((p) => p.ptr ?? []),
    unanswered: parts.flatMap((p) => p.unanswered ?? []),
  };
}

/** Drops the records at `name` of one type from a domain's right records. */
function without(records: DomainRecords, type: 'txt' | 'mx', name: string): DnsRecords {
  return type === 'txt'
    ? { ...records, txt: records.txt.filter((r) => r.name !== name) }
    : { ...records, mx: records.mx.filter((r) => r.domain !== name) };
}

const byId = (findings: readonly Finding[], id: string): Finding => {
  const found = findings.filter((f) => f.id === id);
  assert.equal(found.length, 1, `exactly one ${id} expected, got ${found.length}`);
  return found[0]!;
};

/** The domains (or addresses) a finding lists: the `- name: ...` items of its description. */
function listed(finding: Finding): string[] {
  return finding.description
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2).split(': ')[0]!)
    .sort();
}

async function withServer(records: DnsRecords, body: (server: DnsServer) => Promise<void>): Promise<void> {
  const server = await startDnsServer(records);
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

realStackTest(
  'a zone where everything is right gives the positive findings only',
  { timeout: 120_000 },
  async () => {
    const goodKey = rsaKey();
    const listsKey = rsaKey();
    const records = merge(
      rightDomain('good.test', 'mail.good.test', goodKey),
      {
        // A subdomain mail domain: SPF through redirect=, DMARC inherited from good.test, and
        // its DKIM key written as several strings with spaces and a trailing ";".
        txt: [
          { name: 'lists.good.test', strings: ['v=spf1 redirect=_spf.good.test'] },
          { name: '_spf.good.test', strings: ['v=spf1 ip4:127.0.0.10 ~all'] },
          {
            name: 's2024._domainkey.lists.good.test',
            strings: ['v=DKIM1 ; k=rsa ;', ` p=${listsKey.slice(0, 180)} `, `${listsKey.slice(180)} ;`],
          },
        ],
        mx: [{ domain: 'lists.good.test', host: 'mail.good.test', preference: 10 }],
      },
      { hosts: [{ name: 'mail.good.test', addresses: ['127.0.0.10', '::10'] }] },
    );
    await withServer(records, async (server) => {
      // The setup must exercise the joining: a 2048-bit key record is longer than one TXT string.
      const raw = new dns.Resolver();
      raw.setServers([server.address]);
      const [dkimTxt] = await raw.resolveTxt('mail._domainkey.good.test');
      assert.ok(
        dkimTxt && dkimTxt.length > 1,
        'dnsmasq should return the long DKIM record as several strings',
      );

      const input: DnsCheckInput = {
        hostname: 'mail.good.test',
        serverAddresses: [],
        domains: [
          { domain: 'good.test', dkim: dkimOnDisk('good.test', 'mail', goodKey) },
          { domain: 'lists.good.test', dkim: dkimOnDisk('lists.good.test', 's2024', listsKey) },
        ],
      };
      const result = await checkDns(input, server.address, { timeoutMs: 5_000 });
      assert.deepEqual(result.notes, []);
      assert.deepEqual(result.findings.map((f) => `${f.kind} ${f.id}`).sort(), [
        'positive dkim-published',
        'positive dmarc-enforced',
        'positive mx-published',
        'positive ptr-confirmed',
        'positive spf-enforced',
      ]);
      assert.deepEqual(listed(byId(result.findings, 'dkim-published')), ['good.test', 'lists.good.test']);
      // Both addresses of the host name were found from its A/AAAA and confirmed, IPv6 by its ip6.arpa name.
      assert.deepEqual(listed(byId(result.findings, 'ptr-confirmed')), ['127.0.0.10', '::10']);
      const spf = byId(result.findings, 'spf-enforced');
      assert.match(spf.description, /lists\.good\.test: ~all .*redirect= to _spf\.good\.test/);
      assert.match(byId(result.findings, 'dmarc-enforced').description, /inherited from _dmarc\.good\.test/);
      for (const f of result.findings) assert.equal(f.severity, 'info');
    });
  },
);

realStackTest(
  'each broken record gives its finding, naming the domain and quoting the record',
  { timeout: 180_000 },
  async () => {
    const host = 'mail.bad.test';
    const keys = { keydiff: rsaKey(), published: rsaKey(), nodkim: rsaKey(), revoked: rsaKey() };
    const records = merge(
      rightDomain('keydiff.test', host, keys.published),
      rightDomain('nodkim.test', host),
      without(rightDomain('revoked.test', host), 'txt', 'mail._domainkey.revoked.test'),
      { txt: [{ name: 'mail._domainkey.revoked.test', strings: ['v=DKIM1; k=rsa; p='] }] },
      without(rightDomain('plusall.test', host), 'txt', 'plusall.test'),
      { txt: [{ name: 'plusall.test', strings: ['v=spf1 mx +all'] }] },
      rightDomain('twospf.test', host),
      { txt: [{ name: 'twospf.test', strings: ['v=spf1 ip4:192.0.2.1 -all'] }] },
      without(rightDomain('dmarcnone.test', host), 'txt', '_dmarc.dmarcnone.test'),
      { txt: [{ name: '_dmarc.dmarcnone.test', strings: ['v=DMARC1; p=none'] }] },
      without(rightDomain('nodmarc.test', host), 'txt', '_dmarc.nodmarc.test'),
      without(rightDomain('nomx.test', host), 'mx', 'nomx.test'),
      { hosts: [{ name: 'nomx.test', addresses: ['127.0.0.24'] }] },
      {
        hosts: [
          { name: host, addresses: ['127.0.0.22'] },
          // 127.0.0.20's PTR names another host (which does resolve back to it).
          { name: 'other.example.net', addresses: ['127.0.0.20'] },
        ],
        // 127.0.0.23's PTR names the mail host, whose A does not hold 127.0.0.23.
        ptr: [{ address: '127.0.0.23', name: host }],
      },
    );
    await withServer(records, async (server) => {
      const input: DnsCheckInput = {
        hostname: host,
        serverAddresses: ['127.0.0.22', '127.0.0.20', '127.0.0.23'],
        domains: [
          { domain: 'keydiff.test', dkim: dkimOnDisk('keydiff.test', 'mail', keys.keydiff) },
          { domain: 'nodkim.test', dkim: dkimOnDisk('nodkim.test', 'mail', keys.nodkim) },
          { domain: 'revoked.test', dkim: dkimOnDisk('revoked.test', 'mail', keys.revoked) },
          ...['plusall.test', 'twospf.test', 'dmarcnone.test', 'nodmarc.test', 'nomx.test'].map((domain) => ({
            domain,
            dkim: null,
          })),
        ],
      };
      const { findings, notes } = await checkDns(input, server.address, { timeoutMs: 5_000 });
      assert.deepEqual(notes, []);
      assert.deepEqual(findings.map((f) => `${f.kind} ${f.id}`).sort(), [
        'issue dkim-dns-mismatch',
        'issue dmarc-missing',
        'issue dmarc-policy-none',
        'issue mx-missing',
        'issue ptr-mismatch',
        'issue spf-missing',
        'issue spf-too-permissive',
      ]);

      const dkim = byId(findings, 'dkim-dns-mismatch');
      assert.equal(dkim.severity, 'high');
      assert.deepEqual(listed(dkim), ['keydiff.test', 'nodkim.test', 'revoked.test']);
      assert.match(
        dkim.description,
        /keydiff\.test: the key published at mail\._domainkey\.keydiff\.test is not the key in/,
      );
      assert.match(dkim.description, /nodkim\.test: no TXT record at mail\._domainkey\.nodkim\.test/);
      assert.match(dkim.description, /revoked\.test: .*empty p=/);
      assert.equal(dkim.metrics['TXT mail._domainkey.keydiff.test'], `v=DKIM1; k=rsa; p=${keys.published}`);
      assert.equal(dkim.metrics['TXT mail._domainkey.nodkim.test'], '(none)');
      // The fix publishes the key on disk, not the one found in DNS.
      assert.ok(dkim.recommendation.summary.includes(keys.keydiff.slice(0, 200)));
      assert.ok(!dkim.recommendation.summary.includes(keys.published.slice(0, 200)));

      const spfMissing = byId(findings, 'spf-missing');
      assert.equal(spfMissing.severity, 'medium');
      assert.deepEqual(listed(spfMissing), ['twospf.test']);
      assert.match(spfMissing.description, /2 SPF records .*more than one is a permanent error/);

      const permissive = byId(findings, 'spf-too-permissive');
      assert.equal(permissive.severity, 'high');
      assert.deepEqual(listed(permissive), ['plusall.test']);
      assert.equal(permissive.metrics['TXT plusall.test'], 'v=spf1 mx +all');

      const dmarcMissing = byId(findings, 'dmarc-missing');
      assert.equal(dmarcMissing.severity, 'medium');
      assert.deepEqual(listed(dmarcMissing), ['nodmarc.test']);

      const none = byId(findings, 'dmarc-policy-none');
      assert.deepEqual(listed(none), ['dmarcnone.test']);
      assert.equal(none.severity, 'medium', 'p=none without rua= reports is medium');
      assert.equal(none.metrics['TXT _dmarc.dmarcnone.test'], 'v=DMARC1; p=none');

      const ptr = byId(findings, 'ptr-mismatch');
      assert.equal(ptr.severity, 'medium');
      assert.deepEqual(listed(ptr), ['127.0.0.20', '127.0.0.23']);
      assert.match(
        ptr.description,
        /127\.0\.0\.20: the PTR names "other\.example\.net", not mail\.bad\.test/,
      );
      assert.match(ptr.description, /127\.0\.0\.23: .*forward-confirmed reverse DNS fails/);

      const mx = byId(findings, 'mx-missing');
      assert.equal(mx.severity, 'high');
      assert.deepEqual(listed(mx), ['nomx.test']);
      assert.match(mx.description, /implicit MX.*127\.0\.0\.24.*not one of this server’s addresses/);
    });
  },
);

realStackTest(
  'p=none with reports is low; an MX elsewhere is informational; a null MX is missing',
  { timeout: 120_000 },
  async () => {
    const host = 'mail.third.test';
    const records = merge(
      without(rightDomain('monitoring.test', host), 'txt', '_dmarc.monitoring.test'),
      {
        txt: [
          { name: '_dmarc.monitoring.test', strings: ['v=DMARC1; p=none; rua=mailto:dmarc@monitoring.test'] },
        ],
      },
      rightDomain('gateway.test', 'mx.filter.example.net'),
      without(rightDomain('nullmx.test', host), 'mx', 'nullmx.test'),
      { mx: [{ domain: 'nullmx.test', host: '', preference: 0 }] },
      {
        hosts: [
          { name: host, addresses: ['127.0.0.30'] },
          { name: 'mx.filter.example.net', addresses: ['127.0.0.99'] },
        ],
      },
    );
    await withServer(records, async (server) => {
      const { findings, notes } = await checkDns(
        {
          hostname: host,
          serverAddresses: ['127.0.0.30'],
          domains: ['monitoring.test', 'gateway.test', 'nullmx.test'].map((domain) => ({
            domain,
            dkim: null,
          })),
        },
        server.address,
      );
      assert.deepEqual(notes, []);
      const none = byId(findings, 'dmarc-policy-none');
      assert.equal(none.severity, 'low');
      assert.deepEqual(listed(none), ['monitoring.test']);
      const elsewhere = byId(findings, 'mx-not-this-server');
      assert.equal(elsewhere.severity, 'info');
      assert.equal(elsewhere.kind, 'issue');
      assert.deepEqual(listed(elsewhere), ['gateway.test']);
      const missing = byId(findings, 'mx-missing');
      assert.deepEqual(listed(missing), ['nullmx.test']);
      assert.match(missing.description, /null MX/);
      assert.ok(!findings.some((f) => f.id === 'mx-published'));
    });
  },
);

realStackTest(
  'lookups that get no answer leave notes, not findings that claim a record is missing',
  { timeout: 60_000 },
  async () => {
    const host = 'mail.answered.test';
    const records = merge(rightDomain('answered.test', host), {
      hosts: [{ name: host, addresses: ['127.0.0.40'] }],
      unanswered: ['silent.test'],
    });
    await withServer(records, async (server) => {
      const { findings, notes } = await checkDns(
        {
          hostname: host,
          serverAddresses: ['127.0.0.40'],
          domains: [
            { domain: 'answered.test', dkim: null },
            { domain: 'silent.test', dkim: dkimOnDisk('silent.test', 'mail', rsaKey()) },
          ],
        },
        server.address,
        { timeoutMs: 1_000 },
      );
      // Every check of silent.test is undecided and says so; answered.test and the PTR are judged.
      for (const check of ['DKIM', 'SPF', 'DMARC', 'MX'])
        assert.ok(
          notes.some(
            (n) =>
              n.startsWith(`${check} of silent.test not checked:`) &&
              n.includes('no answer within the timeout'),
          ),
          `a note for the ${check} of silent.test in ${JSON.stringify(notes)}`,
        );
      for (const f of findings)
        assert.ok(!f.description.includes('silent.test'), `${f.id} judged silent.test`);
      assert.deepEqual(findings.map((f) => `${f.kind} ${f.id}`).sort(), ['positive ptr-confirmed']);
    });
  },
);
