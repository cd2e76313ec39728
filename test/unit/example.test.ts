// The bundled example: every scenario woven into its logs is found.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { runAudit } from '../../src/audit/run-audit.js';
import type { AuditReport } from '../../src/report/model.js';
import { repoRoot } from '../support/paths.js';

const example = join(repoRoot, 'examples', 'docker-mailserver');
const truth = JSON.parse(readFileSync(join(example, 'truth.json'), 'utf8'));
let report: AuditReport;

before(async () => {
  ({ report } = await runAudit([join(example, 'mail-logs')], {
    tz: 'UTC',
    config: { dir: join(example, 'config') },
  }));
});

const finding = (id: string) => {
  const f = report.findings.find((x) => x.id === id);
  assert.ok(f, `${id} missing; found ${report.findings.map((x) => x.id).join(', ')}`);
  return f;
};

test('the slow brute force is found with its address', () => {
  const f = finding('auth-brute-force');
  assert.ok(truth.slowAttacks.length > 0);
  for (const s of truth.slowAttacks) assert.ok(f.description.includes(s.address), `slow ${s.address}`);
});

test('password spraying and the distributed attack on one account are found', () => {
  const f = finding('auth-brute-force');
  assert.ok(Number(f.metrics['passwordSprayers']) >= 1);
  assert.ok(Number(f.metrics['distributedTargets']) >= 1);
  assert.match(f.description, /password spraying: .* tried \d+\+? users/);
  assert.match(f.description, /distributed attack: \S+ from \d+\+? addresses/);
});

test('the campaign is named as its /24 and the compromised account is flagged', () => {
  for (const c of truth.campaigns) {
    assert.ok(
      report.findings.some((f) => f.sources.some((s) => s.kind === 'subnet' && s.source === c.subnet)),
      c.subnet,
    );
  }
  const f = finding('account-compromise-suspected');
  for (const c of truth.compromisedAccounts)
    assert.ok(f.sources.some((s) => s.source === c.address && s.users?.includes(c.user)));
});

test('the seed\u2019s other findings are there: missing decoder, unbanned TLS probes, postscreen at work', () => {
  assert.match(finding('missing-archive-decoder').title, /\.zst/);
  assert.ok(Number(finding('fail2ban-coverage-gap').metrics['tls-handshake-failure']) > 0);
  finding('tls-handshake-campaign');
  assert.equal(finding('postscreen-violations').status, 'mitigated');
  finding('postscreen-blocking');
  finding('fail2ban-banning');
});

test('the seed\u2019s configuration findings are there, each pointing at its file', () => {
  assert.match(finding('quota-config-empty').description, /dovecot-quotas\.cf/);
  assert.ok(
    finding('cidr-map-not-wired').evidence.some((e) => e.source.endsWith('config/postfix-reject-cidr.cf:1')),
  );
  assert.match(finding('fail2ban-filter-not-installed').description, /fail2ban-filter\.cf/);
  finding('spoof-protection-off');
  finding('dkim-keys-present');
  assert.equal(report.configuration?.kind, 'docker-mailserver');
  const schema = JSON.parse(readFileSync(join(repoRoot, 'schema', 'audit-report.v1.json'), 'utf8'));
  const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(schema);
  assert.ok(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors?.slice(0, 3)));
  assert.ok(
    report.configuration?.notes.some((n) => /letsencrypt/.test(n)),
    'the certificate is only in the container',
  );
});

test("docker-mailserver's own jails, replayed on the logs, leave the TLS probers and postscreen's offenders unbanned", () => {
  const m = report.fail2banCoverage;
  assert.ok(m, 'the coverage matrix of the configured jails');
  assert.deepEqual(
    m.jails.map((j) => `${j.name} ${j.filter} ${j.maxretry}/${j.findtimeSeconds}s`),
    ['postfix postfix[mode=extra] 6/604800s', 'dovecot dovecot[mode=normal] 6/604800s'],
  );
  const row = (cls: string) => m.classes.find((c) => c.class === cls)!;
  assert.equal(row('tls-handshake-failure').banned, 0);
  assert.equal(row('tls-handshake-failure').neverBanned['no-rule'], row('tls-handshake-failure').addresses);
  assert.equal(
    row('pregreet').neverBanned['no-rule'],
    row('pregreet').addresses,
    'extra mode has no PREGREET rule',
  );
  assert.ok(row('sasl-auth-failure').banned > 0);
  const gap = finding('fail2ban-coverage-gap');
  assert.match(gap.title, /The configured jails \(postfix, dovecot\) would never ban \d+ attackers/);
  assert.match(gap.description, /pregreet: .*stock fail2ban covers it with postfix\[mode=ddos\]/);
  assert.equal(gap.metrics.neverBanned, m.neverBanned);
});

test('no innocent client is accused', () => {
  const innocent = new Set<string>(truth.legitimateAddressList);
  for (const f of report.findings.filter((x) => x.kind === 'issue')) {
    for (const s of f.sources) assert.ok(!innocent.has(s.source), `${s.source} in ${f.id}`);
  }
});
