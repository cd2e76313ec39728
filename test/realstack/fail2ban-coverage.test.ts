// The fail2ban coverage matrix against the real thing: the harness's daemons are
// attacked, its real fail2ban (stock Debian filters, docker-mailserver's
// `mode = extra`) reads their logs, and mailwarden evaluates the same jails on
// the same logs. For every jail and every class, the lines it matches must be
// the lines the real fail2ban-regex matches, and the addresses it would ban must
// be the addresses the real fail2ban banned.
import assert from 'node:assert/strict';
import { auditFail2banCoverage } from '../../src/audit/fail2ban/coverage-audit.js';
import { loadFail2banConfiguration } from '../../src/config/fail2ban/index.js';
import { loadServerConfig } from '../../src/config/load-config.js';
import { runAttacks } from './driver.js';
import { classesOf, fail2banRegexMatches } from './fail2ban-regex.js';
import { waitForSettledLogs } from './settle.js';
import { realStackTest } from './skip-policy.js';
import { startStack } from './stack.js';
import { readLines } from './wait.js';

const tally = (items: string[]) => {
  const out: Record<string, number> = {};
  for (const x of items) out[x] = (out[x] ?? 0) + 1;
  return out;
};

realStackTest(
  'the coverage matrix agrees with fail2ban-regex line for line and with the real fail2ban ban for ban',
  { timeout: 300_000 },
  async () => {
    const stack = await startStack({ layout: 'files', basePort: 25000 });
    try {
      const truth = await runAttacks(stack);
      await waitForSettledLogs(truth, stack.logs);
      const inputs = [stack.logs.postfix, stack.logs.dovecot];
      const f2b = loadFail2banConfiguration(stack.fail2ban.configDir);
      const config = loadServerConfig(stack.paths.postfix.config);
      const { matrix, findings } = await auditFail2banCoverage(config, f2b.jails, inputs);
      const enabled = f2b.jails.filter((j) => j.enabled).map((j) => j.name);
      assert.deepEqual(matrix.jails.map((j) => j.name).sort(), [...enabled].sort());

      // Line for line: per jail and class, what fail2ban-regex matches.
      for (const jail of matrix.jails) {
        assert.equal(jail.error, null, `${jail.name}: ${jail.error}`);
        const expected: Record<string, number> = {};
        for (const log of jail.logpaths) {
          const lines = fail2banRegexMatches(stack.fail2ban.configDir, log, jail.filter);
          for (const [cls, n] of Object.entries(tally(classesOf(lines, log))))
            expected[cls] = (expected[cls] ?? 0) + n;
        }
        const seen: Record<string, number> = { ...(matrix.otherMatches[jail.name] ?? {}) };
        for (const c of matrix.classes) {
          const cell = c.byJail[jail.name];
          if (cell) seen[c.class] = (seen[c.class] ?? 0) + cell.lines;
        }
        console.log(`[coverage] ${jail.name} (${jail.filter}): ${JSON.stringify(seen)}`);
        assert.deepEqual(seen, expected, `${jail.name}: lines per class, mailwarden vs fail2ban-regex`);
        assert.equal(
          jail.linesMatched,
          Object.values(expected).reduce((a, b) => a + b, 0),
        );
      }

      // Ban for ban: the addresses the real fail2ban banned, per jail.
      const banLines = (await readLines(stack.logs.fail2ban)).filter((l) => / Ban \S+$/.test(l));
      for (const jail of matrix.jails) {
        const real = [
          ...new Set(
            banLines
              .filter((l) => l.includes(`[${jail.name}] Ban `))
              .map((l) => l.slice(l.lastIndexOf(' ') + 1)),
          ),
        ].sort();
        assert.deepEqual(jail.bannedAddresses, real, `${jail.name}: banned addresses`);
      }

      // The classes no stock rule covers are never banned, and said so.
      const tls = matrix.classes.find((c) => c.class === 'tls-handshake-failure');
      assert.ok(tls, 'the TLS garbage campaign is in the matrix');
      assert.equal(tls.banned, 0);
      assert.ok(tls.neverBanned['no-rule'] > 0);
      const gap = findings.find((f) => f.id === 'fail2ban-coverage-gap');
      assert.ok(gap, findings.map((f) => f.id).join(', '));
      assert.match(
        gap.description,
        /tls-handshake-failure: .*no jail matches their lines.*no fail2ban release has a rule/,
      );
      assert.ok(!findings.some((f) => f.id === 'fail2ban-jail-blind'), 'every harness jail reads its log');
    } finally {
      await stack.stop();
    }
  },
);
