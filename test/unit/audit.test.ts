import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Analysis } from '../../src/audit/analysis.js';
import { buildReport } from '../../src/audit/report-builder.js';
import { auditReportSchema } from '../../src/audit/report-schema.js';
import { runAudit } from '../../src/audit/run-audit.js';
import { readEvents, type SecurityEvent } from '../../src/index.js';
import { scanInputs } from '../../src/pipeline/read-events.js';
import { compareAuditWithTruth } from '../realstack/compare-audit.js';
import type { GroundTruth } from '../realstack/ground-truth.js';
import { repoRoot } from '../support/paths.js';

const fixture = (release: string, layout: string) =>
  join(repoRoot, 'test', 'fixtures', 'real', release, layout);
const truthOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as GroundTruth;

for (const [release, layout, files] of [
  ['debian12', 'syslog', ['mail.log', 'fail2ban.log']],
  ['debian12', 'files', ['postfix.log', 'dovecot.log', 'fail2ban.log']],
  ['debian13-trixie', 'syslog', ['mail.log', 'fail2ban.log']],
] as const) {
  test(`audit of recorded ${release} ${layout} logs finds every attacker, names the /24 campaign, flags the compromise, accuses no innocent`, async () => {
    const dir = fixture(release, layout);
    const truth = truthOf(dir);
    const { report } = await runAudit(
      files.map((f) => join(dir, f)),
      { tz: 'UTC', now: new Date(truth.finishedAt) },
    );
    assert.deepEqual(compareAuditWithTruth(report, truth), []);
    const ids = report.findings.map((f) => f.id);
    for (const id of [
      'tls-handshake-campaign',
      'postscreen-violations',
      'auth-brute-force',
      'relay-probing',
      'recipient-harvesting',
      'fail2ban-coverage-gap',
      'postscreen-blocking',
      'no-open-relay',
      'queue-healthy',
    ]) {
      assert.ok(ids.includes(id), `${id} missing from ${ids.join(', ')}`);
    }
    const gap = report.findings.find((f) => f.id === 'fail2ban-coverage-gap')!;
    assert.ok(
      gap.metrics['tls-handshake-failure'] === 12,
      'the TLS campaign is the coverage gap, as in the seed',
    );
  });
}

test('the audit JSON validates against the committed schema, which the code generates, and malformed reports do not', async () => {
  const schema = JSON.parse(readFileSync(join(repoRoot, 'schema', 'audit-report.v1.json'), 'utf8'));
  assert.deepEqual(schema, auditReportSchema());
  const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);
  const dir = fixture('debian12', 'syslog');
  const { report } = await runAudit([dir], { tz: 'UTC', now: new Date(truthOf(dir).finishedAt) });
  const json = JSON.parse(JSON.stringify(report)) as { findings: Record<string, unknown>[] } & Record<
    string,
    unknown
  >;
  assert.ok(validate(json), JSON.stringify(validate.errors?.slice(0, 3)));
  assert.ok(!validate({ ...json, schemaVersion: 2 }));
  assert.ok(!validate({ ...json, findings: [{ ...json.findings[0], severity: 'urgent' }] }));
  assert.ok(!validate({ ...json, findings: [{ ...json.findings[0], id: 'Not Kebab' }] }));
  assert.ok(!validate({ ...json, surprise: true }));
  const { executiveSummary: _e, ...withoutSummary } = json;
  assert.ok(!validate(withoutSummary));
});

test('chunks of a log analysed apart and merged in order give the findings of one pass', async () => {
  const dir = fixture('debian12', 'syslog');
  const truth = truthOf(dir);
  const inputs = [join(dir, 'mail.log'), join(dir, 'fail2ban.log')];
  const options = { tz: 'UTC', now: new Date(truth.finishedAt), all: true };
  const whole = new Analysis();
  const run = await scanInputs(inputs, options, whole.add);
  const events: [SecurityEvent, string, number][] = [];
  await scanInputs(inputs, options, (e, raw, ts) => events.push([e, raw, ts]));
  for (const size of [1, 7, 64, 250]) {
    const merged = new Analysis();
    for (let i = 0; i < events.length; i += size) {
      const chunk = new Analysis();
      for (const [e, raw, ts] of events.slice(i, i + size)) chunk.add(e, raw, ts);
      // Through a structured clone, as a worker thread would send it.
      merged.merge(structuredClone(chunk.state));
    }
    const at = new Date('2026-01-01T00:00:00Z');
    const a = buildReport(whole.findings(3), whole.state.statistics, run, {}, at);
    const b = buildReport(merged.findings(3), merged.state.statistics, run, {}, at);
    assert.deepEqual(b, a, `chunks of ${size} events`);
  }
});

test('--redact masks user names and address tails everywhere, evidence lines included', async () => {
  const dir = fixture('debian12', 'syslog');
  const { report } = await runAudit([dir], {
    tz: 'UTC',
    now: new Date(truthOf(dir).finishedAt),
    redact: true,
  });
  const text = JSON.stringify(report);
  assert.equal(report.redacted, true);
  assert.ok(!/127\.\d+\.\d+\.\d+\b(?!\/)/.test(text), 'a full address survived');
  assert.ok(!text.includes('alice@'), 'a user name survived');
  assert.match(text, /\*\*\*@example\.test/);
  assert.match(text, /127\.81\.30\.x/);
});

test('a log with nothing hostile gives no issue and says so', async () => {
  const events: SecurityEvent[] = [];
  const stream = readEvents([join(fixture('debian12', 'syslog'), 'mail.log')], { all: true, tz: 'UTC' });
  for await (const e of stream) events.push(e);
  const legit = new Set(truthOf(fixture('debian12', 'syslog')).legitimateAddresses);
  const analysis = new Analysis();
  for (const e of events) if (e.ip && legit.has(e.ip)) analysis.add(e, '', Date.parse(e.ts));
  assert.deepEqual(
    analysis.findings(3).filter((f) => f.kind === 'issue'),
    [],
  );
});

test('an authenticated user whose sending jumps far above its own days is flagged critical', () => {
  const analysis = new Analysis();
  const day = (d: number, h: number) => Date.parse(`2025-10-0${d}T${String(h).padStart(2, '0')}:00:00Z`);
  let n = 0;
  const send = (user: string, ts: number) =>
    analysis.add(
      {
        ts: new Date(ts).toISOString(),
        host: 'mail',
        service: 'postfix/submission/smtpd',
        pid: 1,
        class: 'sasl-auth-success',
        tier: 'benign',
        ip: '192.0.2.9',
        user,
        detail: 'QID',
        source: `mail.log:${++n}`,
      },
      'line',
      ts,
    );
  for (const d of [1, 2, 3, 4]) for (let i = 0; i < 5; i++) send('steady@example.test', day(d, 8 + i));
  for (const d of [1, 2, 3]) for (let i = 0; i < 4; i++) send('victim@example.test', day(d, 8 + i));
  for (let i = 0; i < 300; i++) send('victim@example.test', day(4, 0) + i * 60_000);
  const f = analysis.findings(3).find((x) => x.id === 'account-compromise-suspected');
  assert.ok(f, 'finding');
  assert.equal(f.severity, 'critical');
  assert.match(
    f.description,
    /victim@example\.test sent 300 messages on 2025-10-04, against 4 on its usual day/,
  );
  assert.ok(!f.description.includes('steady@'), 'a steady sender is left alone');
});
