// The configuration audit on the layouts it reads: each mistake of the fixtures
// is found, with the file and line that causes it, and a corrected configuration
// yields no issue at all.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { auditConfiguration } from '../../src/audit/config/config-audit.js';
import { loadServerConfig } from '../../src/config/load-config.js';
import { ConfigParseError } from '../../src/config/source.js';
import type { Finding } from '../../src/findings/finding.js';
import { dovecotConf23 } from '../realstack/dovecot-config.js';
import { stackLogs } from '../realstack/log-layout.js';
import { stackPaths } from '../realstack/paths.js';
import { stackPorts } from '../realstack/ports.js';
import { postfixMainCf, postfixMasterCf } from '../realstack/postfix-config.js';
import { realStackTest } from '../realstack/skip-policy.js';
import { repoRoot } from '../support/paths.js';
import { caSigned, rsaKey, selfSigned } from '../support/test-keys.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'config');
const NOW = new Date();
let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'mw-config-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const ids = (findings: Finding[], kind: Finding['kind'] = 'issue') =>
  findings
    .filter((f) => f.kind === kind)
    .map((f) => f.id)
    .sort();
const find = (findings: Finding[], id: string): Finding => {
  const f = findings.find((x) => x.id === id);
  assert.ok(f, `finding ${id} expected among ${findings.map((x) => x.id).join(', ')}`);
  return f;
};

/** A copy of the docker-mailserver fixture, with a DKIM key of `bits` for example.test and the certificate `cert` makes. */
function dmsCopy(name: string, bits: number, cert: (sslDir: string) => void): string {
  const dir = join(root, name);
  cpSync(join(fixtures, 'docker-mailserver'), dir, { recursive: true });
  rsaKey(join(dir, 'config', 'opendkim', 'keys', 'example.test', 'mail.private'), bits);
  mkdirSync(join(dir, 'config', 'ssl'), { recursive: true });
  cert(join(dir, 'config', 'ssl'));
  return join(dir, 'config');
}

test('docker-mailserver: every mistake of the fixture is found, with where it comes from', () => {
  const dir = dmsCopy('dms-insecure', 1024, (ssl) => {
    const { cert, key } = selfSigned(join(root, 'insecure-cert'), 'mail.example.test', 5);
    writeFileSync(
      join(ssl, 'mail.example.test-full.pem'),
      readFileSync(key, 'utf8') + readFileSync(cert, 'utf8'),
    );
  });
  const config = loadServerConfig(dir);
  assert.equal(config.kind, 'docker-mailserver');
  assert.equal(config.hostname, 'mail.example.test');
  assert.deepEqual(config.domains, ['example.org', 'example.test']);
  const findings = auditConfiguration(config, { now: NOW });
  assert.deepEqual(ids(findings), [
    'cert-expiring',
    'cidr-map-not-wired',
    'dkim-key-missing',
    'dkim-key-weak',
    'dmarc-milter-off',
    'dnsbl-with-public-resolver',
    'fail2ban-filter-not-installed',
    'open-relay-risk',
    'quota-config-empty',
    'self-signed-or-default-cert',
    'spoof-protection-off',
    'weak-tls-protocols',
  ]);
  const tls = find(findings, 'weak-tls-protocols');
  assert.equal(tls.severity, 'medium', 'OpenSSL 3 still refuses TLS 1.0 without @SECLEVEL=0');
  assert.ok(
    tls.evidence.some((e) => e.source === `${join(dir, 'postfix-main.cf')}:4`),
    JSON.stringify(tls.evidence),
  );
  assert.ok(
    tls.evidence.some(
      (e) => e.source === `${join(dir, 'postfix-main.cf')}:5` && e.line.includes('!SSLv2, !SSLv3'),
    ),
  );
  assert.match(find(findings, 'cidr-map-not-wired').description, /postfix-reject-cidr\.cf/);
  assert.match(find(findings, 'fail2ban-filter-not-installed').description, /fail2ban-postfix-ssl\.cf/);
  assert.match(find(findings, 'fail2ban-filter-not-installed').description, /postfix-ssl/);
  assert.match(find(findings, 'dkim-key-missing').title, /example\.org/);
  assert.match(find(findings, 'dkim-key-weak').description, /1024-bit/);
  assert.match(find(findings, 'open-relay-risk').description, /PERMIT_DOCKER=connected-networks/);
  assert.equal(find(findings, 'cert-expiring').severity, 'critical');
  assert.ok(
    find(findings, 'dnsbl-with-public-resolver').evidence.some((e) => e.line === 'nameserver 8.8.8.8'),
  );
  assert.ok(find(findings, 'quota-config-empty').evidence.some((e) => e.line === 'ENABLE_QUOTAS=1'));
  assert.ok(ids(findings, 'positive').includes('fail2ban-enabled'));
  assert.ok(ids(findings, 'positive').includes('postscreen-enabled'));
});

test('docker-mailserver: the corrected configuration has no issue, and says what is right', () => {
  const dir = dmsCopy('dms-fixed', 2048, (ssl) => {
    const { full } = caSigned(join(root, 'fixed-cert'), 'mail.example.test', 90);
    writeFileSync(join(ssl, 'mail.example.test-full.pem'), readFileSync(full, 'utf8'));
  });
  rsaKey(join(dir, 'opendkim', 'keys', 'example.org', 'mail.private'), 2048);
  appendFileSync(
    join(dir, 'opendkim', 'KeyTable'),
    'mail._domainkey.example.org example.org:mail:/etc/opendkim/keys/example.org/mail.private\n',
  );
  writeFileSync(
    join(dir, 'dovecot-quotas.cf'),
    'user1@example.test:5G\nuser2@example.test:5G\nadmin@example.org:10G\n',
  );
  writeFileSync(
    join(dir, 'postfix-main.cf'),
    [
      'smtpd_tls_protocols = >=TLSv1.2',
      'smtpd_tls_mandatory_protocols = >=TLSv1.2',
      'postscreen_access_list = permit_mynetworks, cidr:/tmp/docker-mailserver/postfix-reject-cidr.cf',
      '',
    ].join('\n'),
  );
  appendFileSync(
    join(dir, 'user-patches.sh'),
    'cp /tmp/docker-mailserver/fail2ban-postfix-ssl.cf /etc/fail2ban/filter.d/postfix-ssl.conf\n',
  );
  const env = readFileSync(join(dir, '..', 'mailserver.env'), 'utf8')
    .replace('ENABLE_OPENDMARC=0', 'ENABLE_OPENDMARC=1')
    .replace('SPOOF_PROTECTION=0', 'SPOOF_PROTECTION=1')
    .replace('PERMIT_DOCKER=connected-networks', 'PERMIT_DOCKER=none')
    .replace('ENABLE_DNSBL=1', 'ENABLE_DNSBL=0');
  writeFileSync(join(dir, '..', 'mailserver.env'), env);
  const findings = auditConfiguration(loadServerConfig(dir), { now: NOW });
  assert.deepEqual(ids(findings), []);
  for (const id of [
    'cert-valid',
    'dkim-keys-present',
    'dmarc-milter-on',
    'fail2ban-enabled',
    'postscreen-enabled',
    'quotas-configured',
    'relay-restricted',
    'spoof-protection-on',
    'tls-config-modern',
  ])
    assert.ok(
      ids(findings, 'positive').includes(id),
      `positive ${id} in ${ids(findings, 'positive').join(', ')}`,
    );
});

test('docker-mailserver: the environment comes from --env (or /etc/dms-settings) when given', () => {
  const dir = dmsCopy('dms-settings', 2048, () => {});
  mkdirSync(join(root, 'exported'), { recursive: true });
  const settings = join(root, 'exported', 'dms-settings');
  writeFileSync(settings, "ENABLE_FAIL2BAN='0'\nSSL_TYPE=''\nOVERRIDE_HOSTNAME='mx.example.test'\n");
  const config = loadServerConfig(dir, { env: settings });
  assert.equal(config.hostname, 'mx.example.test');
  const findings = auditConfiguration(config, { now: NOW });
  assert.ok(ids(findings).includes('fail2ban-disabled'));
  assert.ok(ids(findings).includes('plaintext-auth-allowed'), 'no SSL_TYPE: plaintext authentication');
  assert.ok(ids(findings).includes('self-signed-or-default-cert'), 'no SSL_TYPE: the snakeoil certificate');
});

test('mailcow: read from mailcow.conf and data/conf, container paths mapped back', () => {
  const dir = join(root, 'mailcow');
  cpSync(join(fixtures, 'mailcow'), dir, { recursive: true });
  const { cert } = caSigned(join(dir, 'data', 'assets', 'ssl-make'), 'mx.mailcow.test', 60);
  mkdirSync(join(dir, 'data', 'assets', 'ssl'), { recursive: true });
  writeFileSync(join(dir, 'data', 'assets', 'ssl', 'cert.pem'), readFileSync(cert, 'utf8'));
  const config = loadServerConfig(dir);
  assert.equal(config.kind, 'mailcow');
  assert.equal(config.hostname, 'mx.mailcow.test');
  assert.equal(config.postfix?.value('myhostname'), 'mx.mailcow.test', 'extra.cf wins over main.cf');
  assert.ok(
    config.files.some((f) => f.endsWith('data/conf/dovecot/extra.conf')),
    'the include was mapped into data/conf/dovecot',
  );
  const findings = auditConfiguration(config, { now: NOW });
  assert.deepEqual(ids(findings), []);
  for (const id of [
    'tls-config-modern',
    'postscreen-enabled',
    'spoof-protection-on',
    'quotas-configured',
    'relay-restricted',
    'cert-valid',
  ])
    assert.ok(
      ids(findings, 'positive').includes(id),
      `positive ${id} in ${ids(findings, 'positive').join(', ')}`,
    );
  assert.ok(config.notes.some((n) => /Redis/.test(n)));
});

test('a line the daemon could not read either is an error naming the file and line', () => {
  const dir = join(root, 'broken-etc');
  mkdirSync(join(dir, 'postfix'), { recursive: true });
  writeFileSync(
    join(dir, 'postfix', 'main.cf'),
    'myhostname = mail.example.test\n\nthis line has no equals sign\n',
  );
  assert.throws(
    () => loadServerConfig(dir),
    (err: unknown) =>
      err instanceof ConfigParseError && err.message.startsWith(`${join(dir, 'postfix', 'main.cf')}:3:`),
  );
  const dms = join(root, 'broken-dms');
  cpSync(join(fixtures, 'docker-mailserver'), dms, { recursive: true });
  writeFileSync(join(dms, 'config', 'postfix-master.cf'), 'submission/inet/ no equals here\n');
  assert.throws(() => loadServerConfig(join(dms, 'config')), /postfix-master\.cf:1:/);
});

function harnessEtc(name: string): string {
  const etc = join(root, name, 'etc');
  const paths = stackPaths(join(root, name, 'stack'));
  const ports = stackPorts(20_000);
  const logs = stackLogs('syslog', paths.logs);
  mkdirSync(join(etc, 'postfix'), { recursive: true });
  mkdirSync(join(etc, 'dovecot'), { recursive: true });
  writeFileSync(
    join(etc, 'postfix', 'main.cf'),
    postfixMainCf({ paths, ports, layout: 'syslog', logs, cacheMapType: 'btree' }),
  );
  writeFileSync(join(etc, 'postfix', 'master.cf'), postfixMasterCf({ ports }));
  writeFileSync(
    join(etc, 'dovecot', 'dovecot.conf'),
    dovecotConf23({ paths, ports, logs, syntax: '2.3', instanceName: 'config-test' }),
  );
  return etc;
}

test('plain host: the real-stack harness configuration, read from an /etc copy', () => {
  const etc = harnessEtc('plain');
  const config = loadServerConfig(etc);
  assert.equal(config.kind, 'plain');
  assert.equal(config.hostname, 'mail.example.test');
  const findings = auditConfiguration(config, { now: NOW });
  assert.ok(
    ids(findings).includes('plaintext-auth-allowed'),
    'the harness allows cleartext logins for its attacks',
  );
  assert.match(find(findings, 'plaintext-auth-allowed').description, /disable_plaintext_auth = no/);
  assert.ok(ids(findings, 'positive').includes('postscreen-enabled'));
});

realStackTest(
  'plain host: saved postconf -n / -M output gives the same findings as the files',
  { timeout: 60_000 },
  () => {
    const etc = harnessEtc('saved');
    const saved = join(root, 'postconf.txt');
    const dir = join(etc, 'postfix');
    writeFileSync(
      saved,
      execFileSync('postconf', ['-c', dir, '-n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) +
        execFileSync('postconf', ['-c', dir, '-M'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
    );
    const fromFiles = auditConfiguration(loadServerConfig(etc), { now: NOW });
    mkdirSync(join(root, 'saved-only'), { recursive: true });
    const fromSaved = auditConfiguration(
      loadServerConfig(join(root, 'saved-only'), {
        postconf: [saved],
        doveconf: join(etc, 'dovecot', 'dovecot.conf'),
      }),
      { now: NOW },
    );
    assert.deepEqual(
      fromSaved.map((f) => [f.id, f.severity]),
      fromFiles.map((f) => [f.id, f.severity]),
    );
  },
);
