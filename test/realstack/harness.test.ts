// Checks the real-stack harness itself, once per log layout: the stack starts,
// every scenario leaves daemon lines naming its source addresses, the versions
// are recorded, and afterwards nothing is left behind (no process, no temp
// directory, no busy port, no /dev/log on the host).
import assert from 'node:assert/strict';
import { existsSync, lstatSync } from 'node:fs';
import { runAttacks } from './driver.js';
import { evidenceFile, SCENARIO_EVIDENCE } from './evidence.js';
import { allEntries, EVENT_KINDS, type GroundTruth } from './ground-truth.js';
import { LOG_LAYOUTS, type LogLayout } from './log-layout.js';
import { assertPortsFree } from './ports.js';
import { processesReferencing } from './processes.js';
import { formatVersions } from './requirements.js';
import { addressPattern, waitForSettledLogs } from './settle.js';
import { realStackTest } from './skip-policy.js';
import { type Stack, startStack } from './stack.js';
import { readLines, waitFor } from './wait.js';

function devLogState(): string {
  try {
    const st = lstatSync('/dev/log');
    return `present dev=${st.dev} ino=${st.ino} mode=${st.mode.toString(8)}`;
  } catch {
    return 'absent';
  }
}

const RFC3339_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d mail [^\s:]+(?:\[\d+\])?: /;
const TRADITIONAL_LINE = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d mail [^\s:]+(?:\[\d+\])?: /;
const DOVECOT_FILE_LINE =
  /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d [^\s:]+(?:\([^)]*\)(?:<[^>]*>)*)?: (?:Info|Warning|Error|Fatal|Panic): /;

async function checkScenarios(stack: Stack, truth: GroundTruth): Promise<void> {
  const daemonLines = [
    ...(await readLines(stack.logs.postfix)),
    ...(stack.logs.dovecot === stack.logs.postfix ? [] : await readLines(stack.logs.dovecot)),
  ];
  const problems: string[] = [];
  for (const entry of allEntries(truth)) {
    assert.ok(entry.addresses.length > 0, `${entry.id} used no address`);
    assert.ok(entry.connections > 0 && entry.attempts > 0, `${entry.id} made no connection or attempt`);
    for (const address of entry.addresses) {
      if (!daemonLines.some((line) => addressPattern(address).test(line))) {
        problems.push(`${entry.id}: no daemon line mentions ${address}`);
      }
    }
    const evidence = SCENARIO_EVIDENCE[entry.id];
    if (!evidence) {
      problems.push(`${entry.id}: no evidence pattern defined`);
      continue;
    }
    for (const e of evidence) {
      const lines = await readLines(evidenceFile(stack.logs, e));
      for (const address of entry.addresses) {
        if (!lines.some((line) => e.pattern(address).test(line))) {
          problems.push(`${entry.id}: ${address} left no line matching ${e.pattern(address)}`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
}

function checkGroundTruth(truth: GroundTruth, layout: LogLayout): void {
  assert.equal(truth.layout, layout);
  assert.deepEqual(JSON.parse(JSON.stringify(truth)), truth, 'ground truth must survive JSON');
  const seen = new Map<string, string>();
  for (const entry of allEntries(truth)) {
    for (const kind of entry.expectedKind)
      assert.ok(EVENT_KINDS.includes(kind), `${entry.id}: unknown kind ${kind}`);
    assert.ok(Date.parse(entry.start) <= Date.parse(entry.end), `${entry.id}: start after end`);
    for (const address of entry.addresses) {
      assert.match(address, /^127\.\d+\.\d+\.\d+$/);
      assert.notEqual(address, '127.0.0.1', `${entry.id} attacks from the trusted 127.0.0.1`);
      const other = seen.get(address);
      assert.equal(other, undefined, `${address} is used by both ${other} and ${entry.id}`);
      seen.set(address, entry.id);
    }
  }
  assert.ok(truth.scenarios.every((s) => s.expectedKind.length > 0));
  assert.ok(truth.legitimate.every((l) => l.expectedKind.length === 0));
  const kinds = new Set(truth.scenarios.flatMap((s) => s.expectedKind));
  assert.deepEqual(
    [...EVENT_KINDS].filter((k) => !kinds.has(k)),
    [],
    'every event kind has a scenario',
  );
  assert.deepEqual(
    [...truth.legitimateAddresses].sort(),
    [...new Set(truth.legitimate.flatMap((l) => l.addresses))].sort(),
  );
}

async function checkFormats(stack: Stack): Promise<void> {
  const { logs } = stack;
  if (logs.layout === 'syslog') {
    const combined = await readLines(logs.mailLog!);
    assert.ok(combined.length > 100, `only ${combined.length} lines in ${logs.mailLog}`);
    assert.deepEqual(
      combined.filter((l) => !RFC3339_LINE.test(l)),
      [],
    );
    assert.ok(combined.some((l) => / postfix\/submission\/smtpd\[\d+\]: /.test(l)));
    assert.ok(combined.some((l) => / postfix\/submissions\/smtpd\[\d+\]: /.test(l)));
    assert.ok(combined.some((l) => / dovecot: (?:auth|imap-login|pop3-login): /.test(l)));
    // Both files carry the same messages; rsyslog may still be writing the second.
    await waitFor('the traditional file to catch up', async () =>
      (await readLines(logs.mailLogTraditional!)).length === combined.length ? true : undefined,
    );
    assert.deepEqual(
      (await readLines(logs.mailLogTraditional!)).filter((l) => !TRADITIONAL_LINE.test(l)),
      [],
    );
    const stray = (await readLines(logs.otherSyslog!)).filter((l) => /postfix|dovecot/.test(l));
    assert.deepEqual(stray, [], 'no daemon line outside facility mail');
  } else {
    const postfix = await readLines(logs.postfix);
    assert.ok(postfix.length > 100, `only ${postfix.length} lines in ${logs.postfix}`);
    assert.deepEqual(
      postfix.filter((l) => !TRADITIONAL_LINE.test(l)),
      [],
    );
    const dovecot = await readLines(logs.dovecot);
    assert.ok(dovecot.length > 20, `only ${dovecot.length} lines in ${logs.dovecot}`);
    assert.deepEqual(
      dovecot.filter((l) => !DOVECOT_FILE_LINE.test(l)),
      [],
    );
  }
}

async function checkFail2ban(stack: Stack, truth: GroundTruth): Promise<void> {
  const lines = await readLines(stack.fail2ban.log);
  for (const jail of stack.fail2ban.jails) {
    assert.ok(
      lines.some((l) => l.includes(`Jail '${jail}' started`)),
      `jail ${jail} did not start`,
    );
  }
  const banned = lines.filter((l) => / Ban \d/.test(l));
  for (const address of truth.legitimateAddresses) {
    assert.deepEqual(
      banned.filter((l) => addressPattern(address).test(l)),
      [],
      `legitimate ${address} was banned`,
    );
  }
  const expected = truth.scenarios.filter((s) => s.expectedFail2banJail).flatMap((s) => s.addresses);
  assert.ok(expected.length >= 4, 'the brute-force scenarios expect bans');
  for (const address of expected) {
    assert.ok(
      banned.some((l) => addressPattern(address).test(l)),
      `${address} was not banned`,
    );
  }
}

for (const layout of LOG_LAYOUTS) {
  realStackTest(`real stack, ${layout} log layout`, { timeout: 180_000 }, async (t) => {
    const devLogBefore = devLogState();
    const t0 = Date.now();
    const stack = await startStack({ layout });
    const { root, ports, processes } = stack;
    try {
      await t.test('records the versions of the daemons', () => {
        const v = stack.versions;
        assert.match(v.postfix, /^\d+\.\d+/);
        assert.match(v.dovecot, /^\d+\.\d+/);
        assert.match(v.fail2ban, /Fail2Ban v\d+\.\d+/i);
        assert.match(v.openssl, /^OpenSSL \d/);
        assert.match(v.rsyslog, /rsyslogd\s+\d+\./);
        const summary = `versions: ${formatVersions(v)}; Dovecot config syntax ${stack.dovecotSyntax}`;
        t.diagnostic(summary);
        console.log(`[realstack ${layout}] ${summary}`);
      });

      await t.test('keeps the host /dev/log untouched while running', () => {
        assert.equal(devLogState(), devLogBefore);
      });

      const truth = await runAttacks(stack);
      await waitForSettledLogs(truth, stack.logs);
      t.diagnostic(
        `stack started, ${truth.scenarios.length + truth.legitimate.length} scenarios played and logs settled in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );

      await t.test('produces a consistent, JSON-serialisable ground truth', () =>
        checkGroundTruth(truth, layout),
      );
      await t.test('every scenario leaves daemon lines naming its addresses', () =>
        checkScenarios(stack, truth),
      );
      await t.test(`writes the ${layout} layout's formats`, () => checkFormats(stack));
      await t.test('fail2ban bans the brute-force attackers and no legitimate address', () =>
        checkFail2ban(stack, truth),
      );
    } finally {
      await stack.stop();
    }

    await t.test('cleans up after itself', async () => {
      assert.ok(stack.stopped);
      await stack.stop(); // a second stop is harmless
      assert.equal(existsSync(root), false, `${root} still exists`);
      assert.ok(processes.length >= 3);
      assert.deepEqual(stack.survivors(), []);
      assert.deepEqual(processesReferencing(root), [], `processes still use ${root}`);
      await assertPortsFree(ports);
      assert.equal(devLogState(), devLogBefore, '/dev/log changed on the host');
      if (devLogBefore === 'absent') assert.equal(existsSync('/dev/log'), false);
    });
  });
}
