// The audit against a generated log whose ground truth is known: campaigns named
// as their subnets, slow attacks and the compromised account found, no attacker
// lost and no innocent address accused.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type GeneratedLogs, generateLogs } from '../../bench/generator/generate.js';
import { Analysis } from '../../src/audit/analysis.js';
import { runAudit } from '../../src/audit/run-audit.js';
import { EVENT_CLASSES, type EventClass } from '../../src/index.js';
import { scanInputs } from '../../src/pipeline/read-events.js';
import type { AuditReport } from '../../src/report/model.js';

let dir = '';
let generated: GeneratedLogs;
let report: AuditReport;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mw-audit-gen-'));
  generated = await generateLogs({
    out: dir,
    size: '6MB',
    seed: 11,
    days: 3,
    slowAttacks: 2,
    compromisedAccounts: 1,
    campaigns: 3,
  });
  ({ report } = await runAudit([join(dir, 'mail.log')], { tz: 'UTC', threads: 1 }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('each campaign is named as its subnet in a finding', () => {
  const t = generated.truth;
  assert.ok(t.campaigns.length >= 1);
  for (const c of t.campaigns) {
    const named = report.findings.some(
      (f) => f.kind === 'issue' && f.sources.some((s) => s.kind === 'subnet' && s.source === c.subnet),
    );
    assert.ok(named, `campaign ${c.subnet} (${c.scenario}) not named`);
  }
});

test('slow attacks under fail2ban\u2019s window are reported with their addresses', () => {
  const brute = report.findings.find((f) => f.id === 'auth-brute-force');
  assert.ok(brute, 'auth-brute-force finding');
  assert.ok(
    Number(brute.metrics['slowAttackers']) >= generated.truth.slowAttacks.length,
    JSON.stringify(brute.metrics),
  );
  for (const s of generated.truth.slowAttacks)
    assert.ok(brute.description.includes(s.address), `${s.address} not named as slow`);
});

test('the compromised account is flagged critical with its address and user', () => {
  const f = report.findings.find((x) => x.id === 'account-compromise-suspected');
  assert.ok(f);
  assert.equal(f.severity, 'critical');
  for (const c of generated.truth.compromisedAccounts) {
    assert.ok(
      f.sources.some((s) => s.source === c.address && (s.users ?? []).includes(c.user)),
      `${c.user} from ${c.address}`,
    );
  }
});

test('no attacker is lost and no innocent address is counted as one', async () => {
  const analysis = new Analysis();
  await scanInputs(
    [join(dir, 'mail.log')],
    { tz: 'UTC', all: true, wanted: analysis.wantedClasses() },
    analysis.add,
  );
  const seen = analysis.state.statistics.byAddress;
  const attackers = new Set<string>();
  for (const [cls, addrs] of Object.entries(generated.truth.attackerAddresses)) {
    if (EVENT_CLASSES[cls as EventClass]?.tier === 'attack') for (const a of addrs) attackers.add(a);
  }
  for (const a of attackers) assert.ok(seen.has(a), `attacker ${a} lost`);
  const legit = readFileSync(join(dir, generated.truth.legitimateAddressesFile), 'utf8')
    .split('\n')
    .filter(Boolean);
  assert.ok(legit.length > 10);
  for (const ip of legit) {
    const s = seen.get(ip);
    const attack = s
      ? Object.keys(s.classes).filter((c) => EVENT_CLASSES[c as EventClass]?.tier === 'attack')
      : [];
    assert.deepEqual(attack, [], `innocent ${ip} has attack events`);
    for (const f of report.findings.filter((x) => x.kind === 'issue')) {
      assert.ok(!f.sources.some((src) => src.source === ip), `innocent ${ip} accused in ${f.id}`);
    }
  }
});
