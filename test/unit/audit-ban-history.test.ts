// `audit --state FILE`: the watcher's ban history in the report, in every
// format, escaped, valid against the committed schema, and a finding when a
// ban in force was never applied; the state file is only read.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { StateStore } from '../../src/act/state/state-store.js';
import { runAudit } from '../../src/audit/run-audit.js';
import { renderHtml, renderMarkdown } from '../../src/report/index.js';
import { repoRoot } from '../support/paths.js';
import { runCli } from '../support/run-cli.js';

const HOUR = 3_600_000;

function stateWithBans(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mw-history-')), 'state.db');
  const store = new StateStore(path);
  const t0 = Date.UTC(2026, 10, 25, 8);
  const applied = store.insertBan(
    {
      target: '198.51.100.7',
      origin: 'watch',
      rule: 'login-brute-force',
      reason: '5 events of rule login-brute-force within 2m',
      level: 1,
      created: t0,
      expires: t0 + HOUR,
    },
    ['fail2ban'],
  );
  for (const task of store.dueTasks(t0)) store.taskDone(task.id, t0);
  store.liftBan(applied.id, 'expired', t0 + HOUR);
  for (const task of store.dueTasks(t0 + HOUR)) store.taskDone(task.id, t0 + HOUR);
  const failing = store.insertBan(
    {
      target: '203.0.113.0/24',
      origin: 'manual',
      rule: null,
      reason: 'by hand <script>alert(1)</script> | `x`',
      level: 1,
      created: t0 + 2 * HOUR,
      expires: t0 + 50 * HOUR,
    },
    ['fail2ban', 'postfix-map'],
  );
  for (const task of store.tasksOf(failing.id)) {
    if (task.action === 'fail2ban')
      store.taskFailed(task.id, "fail2ban-client: exit 255: Sorry but the jail 'mailwarden' does not exist");
    else store.taskDone(task.id, t0 + 2 * HOUR);
  }
  store.close();
  return path;
}

test('the ban history is in the report, and an unapplied ban in force is a finding', async () => {
  const state = stateWithBans();
  const before = statSync(state).mtimeMs;
  const { report } = await runAudit([], { state });
  assert.equal(statSync(state).mtimeMs, before, 'the state file is not written');
  const history = report.banHistory!;
  assert.equal(history.total, 2);
  assert.equal(history.active, 1);
  assert.deepEqual(
    history.bans.map((b) => [
      b.target,
      b.lifted === null,
      b.actions.map((a) => `${a.action} ${a.op} ${a.state}`),
    ]),
    [
      ['203.0.113.0/24', true, ['fail2ban ban failed', 'postfix-map ban done']],
      ['198.51.100.7', false, ['fail2ban ban done', 'fail2ban unban done']],
    ],
  );
  const finding = report.findings.find((f) => f.id === 'watch-bans-not-enforced');
  assert.ok(finding, report.findings.map((f) => f.id).join(', '));
  assert.equal(finding.severity, 'high');
  assert.deepEqual(
    finding.sources.map((s) => [s.source, s.kind]),
    [['203.0.113.0/24', 'subnet']],
  );
  assert.match(finding.description, /jail 'mailwarden' does not exist/);

  const schema = JSON.parse(readFileSync(join(repoRoot, 'schema', 'audit-report.v1.json'), 'utf8'));
  const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);
  assert.ok(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors));

  const md = renderMarkdown(report);
  assert.match(md, /## Appendix: Ban History \(mailwarden watch\)/);
  assert.match(md, /2 bans recorded in .*state\.db, 1 in force/);
  assert.doesNotMatch(md, /<script>/);
  const html = renderHtml(report);
  assert.match(html, /<section id="ban-history">/);
  assert.doesNotMatch(html, /<script>alert/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

test('audit --state alone is enough, and a missing state file is an error', async () => {
  const state = stateWithBans();
  const ok = await runCli(['audit', '--state', state, '--format', 'json', '--no-summary']);
  assert.equal(ok.status, 0, ok.err);
  assert.equal((JSON.parse(ok.out) as { banHistory: { total: number } }).banHistory.total, 2);
  const missing = await runCli(['audit', '--state', join(tmpdir(), 'mw-no-such-state.db')]);
  assert.equal(missing.status, 2);
  assert.match(missing.err, /cannot read the state database/);
});
