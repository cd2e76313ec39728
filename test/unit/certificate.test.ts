// The certificate analysis, on certificates made here with openssl (in a
// temporary directory, removed afterwards: no key is ever committed).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type CertificateFacts,
  certificateFindings,
  describeCertificate,
  readPemCertificates,
} from '../../src/audit/tls/certificate.js';
import { namesCoverHost, parseSubjectAltName } from '../../src/audit/tls/certificate-names.js';
import { opensslOrSkip } from '../support/openssl.js';

const HOST = 'mail.example.test';
const openssl = opensslOrSkip();
let dir = '';

function run(args: string[]): void {
  execFileSync(openssl.require(), args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed certificate valid for `days` from now; returns the PEM path. */
function selfSigned(name: string, days: number, subject: string, san?: string): string {
  const args = ['req', '-x509', ...EC_KEY, '-days', String(days), '-subj', subject];
  if (san) args.push('-addext', `subjectAltName=${san}`);
  run([...args, '-keyout', `${name}.key`, '-out', `${name}.pem`]);
  return join(dir, `${name}.pem`);
}

/** A certificate signed by the test CA, valid for `days` from now. */
function caSigned(name: string, days: number, san: string): string {
  run([
    'req',
    '-x509',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    ...EC_KEY,
    '-days',
    String(days),
    '-subj',
    `/CN=${HOST}`,
    '-addext',
    `subjectAltName=${san}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  ]);
  return join(dir, `${name}.pem`);
}

/**
 * A self-signed certificate that expired on 1 February 2020. `req -x509` only
 * counts days forward from now; `ca -selfsign` takes explicit dates.
 */
function expired(): string {
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = selfsign',
      '[selfsign]',
      'database = index.txt',
      'new_certs_dir = .',
      'serial = serial',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = copy',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'index.txt'), '');
  run([
    'req',
    '-new',
    ...EC_KEY,
    '-subj',
    `/CN=${HOST}`,
    '-addext',
    `subjectAltName=DNS:${HOST}`,
    '-keyout',
    'old.key',
    '-out',
    'old.csr',
  ]);
  run([
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-selfsign',
    '-keyfile',
    'old.key',
    '-in',
    'old.csr',
    '-out',
    'old.pem',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200201000000Z',
    '-notext',
    '-create_serial',
  ]);
  return join(dir, 'old.pem');
}

function facts(path: string, hostname: string | null = HOST, now = new Date()): CertificateFacts {
  const [leaf] = readPemCertificates(path);
  return describeCertificate(leaf!, now, hostname ?? undefined, path);
}

const ids = (findings: { id: string }[]) => findings.map((f) => f.id).sort();

describe('certificate analysis', { skip: openssl.skip }, () => {
  before(() => {
    openssl.require();
    dir = mkdtempSync(join(tmpdir(), 'mailwarden-cert-'));
    selfSigned('ca', 400, '/CN=Mailwarden Test CA');
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a CA-signed certificate for the host with 90 days left is the positive cert-valid', () => {
    const f = facts(caSigned('good', 91, `DNS:${HOST}`));
    assert.equal(f.daysLeft, 90);
    assert.equal(f.selfSigned, false);
    assert.equal(f.defaultCertificate, false);
    assert.equal(f.coversHost, true);
    assert.deepEqual(f.names, [HOST]);
    assert.equal(f.issuer, 'CN=Mailwarden Test CA');
    assert.equal(f.keyType, 'ec');
    assert.equal(f.keyBits, 256);
    assert.match(f.fingerprint256, /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/);
    assert.ok(Date.parse(f.validFrom) < Date.parse(f.validTo));
    const findings = certificateFindings([f], '127.0.0.1:465', HOST);
    assert.deepEqual(ids(findings), ['cert-valid']);
    const [valid] = findings;
    assert.equal(valid!.kind, 'positive');
    assert.equal(valid!.metrics.daysLeft, 90);
    assert.equal(valid!.metrics.issuer, 'CN=Mailwarden Test CA');
    assert.equal(valid!.metrics.names, HOST);
    assert.equal(valid!.metrics.validTo, f.validTo);
    assert.match(valid!.title, /127\.0\.0\.1:465/);
  });

  test('15 days left is cert-expiring at high, 5 days left at critical', () => {
    const in15 = facts(caSigned('in15', 16, `DNS:${HOST}`));
    assert.equal(in15.daysLeft, 15);
    const high = certificateFindings([in15], 'certs/in15.pem', HOST);
    assert.deepEqual(ids(high), ['cert-expiring']);
    assert.equal(high[0]!.severity, 'high');
    assert.equal(high[0]!.metrics.daysLeft, 15);
    assert.match(high[0]!.title, /expires in 15 days/);

    const in5 = facts(caSigned('in5', 6, `DNS:${HOST}`));
    assert.equal(in5.daysLeft, 5);
    const critical = certificateFindings([in5], 'certs/in5.pem', HOST);
    assert.deepEqual(ids(critical), ['cert-expiring']);
    assert.equal(critical[0]!.severity, 'critical');
    assert.ok(critical[0]!.recommendation.plainHost.some((c) => c.includes("-in 'certs/in5.pem'")));
  });

  test('an expired self-signed certificate is critical cert-expiring and self-signed-or-default-cert', () => {
    const f = facts(expired());
    assert.equal(f.validTo, '2020-02-01T00:00:00.000Z');
    assert.ok(f.daysLeft < -365);
    assert.equal(f.selfSigned, true);
    const findings = certificateFindings([f], '127.0.0.1:993', HOST);
    assert.deepEqual(ids(findings), ['cert-expiring', 'self-signed-or-default-cert']);
    const expiring = findings.find((x) => x.id === 'cert-expiring')!;
    assert.equal(expiring.severity, 'critical');
    assert.match(expiring.title, /expired \d+ days ago/);
    assert.equal(expiring.metrics.daysLeft, f.daysLeft);
  });

  test('a self-signed certificate with the right name and a long life is still self-signed-or-default-cert', () => {
    const f = facts(selfSigned('self', 91, `/CN=${HOST}`, `DNS:${HOST}`));
    assert.equal(f.selfSigned, true);
    assert.equal(f.coversHost, true);
    assert.equal(f.defaultCertificate, false);
    const findings = certificateFindings([f], '127.0.0.1:587', HOST);
    assert.deepEqual(ids(findings), ['self-signed-or-default-cert']);
    assert.equal(findings[0]!.severity, 'high');
    assert.equal(findings[0]!.kind, 'issue');
  });

  test('a wildcard covers exactly one label; the bare domain and deeper names are mismatches', () => {
    const path = caSigned('wild', 91, 'DNS:*.example.test');
    assert.equal(facts(path, 'mail.example.test').coversHost, true);
    assert.equal(facts(path, 'MAIL.Example.Test.').coversHost, true);
    assert.equal(facts(path, 'a.mail.example.test').coversHost, false);
    assert.equal(facts(path, 'example.test').coversHost, false);
    const deep = facts(path, 'a.mail.example.test');
    const findings = certificateFindings([deep], '127.0.0.1:465', 'a.mail.example.test');
    assert.deepEqual(ids(findings), ['cert-name-mismatch']);
    assert.equal(findings[0]!.severity, 'high');
    assert.match(findings[0]!.description, /\*\.example\.test/);
  });

  test('a name check given only to certificateFindings is made from the names', () => {
    const f = facts(caSigned('other', 91, 'DNS:www.example.test,DNS:example.test'), null);
    assert.equal(f.coversHost, null);
    assert.deepEqual(ids(certificateFindings([f], 'x.pem', HOST)), ['cert-name-mismatch']);
    const valid = certificateFindings([f], 'x.pem');
    assert.deepEqual(ids(valid), ['cert-valid']);
    assert.match(valid[0]!.description, /not checked/);
  });

  test('the common name counts only without DNS names in the subjectAltName', () => {
    const cnOnly = facts(caSigned('cn', 91, 'IP:192.0.2.7'));
    assert.deepEqual(cnOnly.names, [HOST, '192.0.2.7']);
    assert.equal(cnOnly.coversHost, true);
    const withSan = facts(caSigned('san', 91, 'DNS:other.example.test'));
    assert.deepEqual(withSan.names, ['other.example.test']);
    assert.equal(withSan.coversHost, false);
    assert.equal(facts(caSigned('ip', 91, 'IP:192.0.2.7'), '192.0.2.7').coversHost, true);
  });

  test('default certificates: a container-id name, localhost, a snakeoil path', () => {
    const container = facts(selfSigned('container', 91, '/CN=3f2a9c1b7d4e', 'DNS:3f2a9c1b7d4e'));
    assert.equal(container.defaultCertificate, true);
    const findings = certificateFindings([container], 'config/ssl/cert.pem', HOST);
    assert.deepEqual(ids(findings), ['cert-name-mismatch', 'self-signed-or-default-cert']);
    assert.match(
      findings.find((x) => x.id === 'self-signed-or-default-cert')!.description,
      /short host names/,
    );
    assert.equal(facts(selfSigned('localhost', 91, '/CN=localhost')).defaultCertificate, true);
    const real = selfSigned('named', 91, `/CN=${HOST}`, `DNS:${HOST}`);
    assert.equal(facts(real).defaultCertificate, false);
    const [cert] = readPemCertificates(real);
    assert.equal(
      describeCertificate(cert!, new Date(), HOST, '/etc/ssl/certs/ssl-cert-snakeoil.pem').defaultCertificate,
      true,
    );
  });

  test('readPemCertificates reads every certificate of a key + chain file and names the file in errors', () => {
    const leaf = readFileSync(caSigned('chain', 91, `DNS:${HOST}`), 'utf8');
    const key = readFileSync(join(dir, 'chain.key'), 'utf8');
    const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const combined = join(dir, 'combined.pem');
    writeFileSync(combined, key + leaf + ca);
    const certs = readPemCertificates(combined);
    assert.equal(certs.length, 2);
    assert.equal(certs[0]!.subject, `CN=${HOST}`);
    assert.equal(certs[1]!.subject, 'CN=Mailwarden Test CA');
    assert.throws(() => readPemCertificates(join(dir, 'missing.pem')), /missing\.pem: cannot read .*ENOENT/);
    assert.throws(() => readPemCertificates(join(dir, 'chain.key')), /chain\.key: no PEM certificate/);
    const broken = join(dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    assert.throws(() => readPemCertificates(broken), /broken\.pem: certificate 1 is not valid/);
  });
});

test('RFC 6125 name matching', () => {
  assert.ok(namesCoverHost(['*.example.org'], 'mail.example.org'));
  assert.ok(namesCoverHost(['Mail.Example.Org.'], 'mail.example.org'));
  assert.ok(!namesCoverHost(['*.example.org'], 'example.org'));
  assert.ok(!namesCoverHost(['*.example.org'], 'a.mail.example.org'));
  assert.ok(!namesCoverHost(['*.org'], 'example.org'), 'no wildcard over a one-label suffix');
  assert.ok(!namesCoverHost(['m*.example.org'], 'mail.example.org'), 'no partial wildcard');
  assert.ok(!namesCoverHost(['*.example.org'], '192.0.2.1'));
  assert.ok(namesCoverHost(['192.0.2.1'], '192.0.2.1'));
  assert.ok(namesCoverHost(['0:0:0:0:0:0:0:1'], '::1'));
  assert.ok(!namesCoverHost([], 'mail.example.org'));
});

test("Node's subjectAltName text is split with quoted values read back", () => {
  assert.deepEqual(parseSubjectAltName('DNS:a.example, IP Address:192.0.2.1'), [
    { type: 'DNS', value: 'a.example' },
    { type: 'IP Address', value: '192.0.2.1' },
  ]);
  assert.deepEqual(parseSubjectAltName('DNS:"evil, DNS:mail.example.org", DNS:b.example'), [
    { type: 'DNS', value: 'evil, DNS:mail.example.org' },
    { type: 'DNS', value: 'b.example' },
  ]);
  assert.deepEqual(parseSubjectAltName(undefined), []);
});
