// `mailwarden events` and `mailwarden audit` against the real daemons: every attack the driver makes is
// classified with exactly its source addresses and counts, in every log layout
// (RFC 3339 mail.log, traditional mail.log, Postfix's maillog_file with Dovecot's
// log_path), nothing the daemons write is left unrecognised, and no legitimate
// client ever appears in an attack event.
import assert from 'node:assert/strict';
import { runAudit } from '../../src/audit/run-audit.js';
import { readEvents, type SecurityEvent } from '../../src/index.js';
import { compareAuditWithTruth } from './compare-audit.js';
import { compareWithTruth } from './compare-events.js';
import { runAttacks } from './driver.js';
import { LOG_LAYOUTS } from './log-layout.js';
import { formatVersions } from './requirements.js';
import { waitForSettledLogs } from './settle.js';
import { realStackTest } from './skip-policy.js';
import { startStack } from './stack.js';

async function readAll(paths: string[]) {
  const stream = readEvents(paths, { all: true });
  const events: SecurityEvent[] = [];
  for await (const e of stream) events.push(e);
  return { events, stats: stream.stats };
}

for (const layout of LOG_LAYOUTS) {
  realStackTest(
    `events from real daemons, ${layout} layout, match the driver's ground truth`,
    { timeout: 240_000 },
    async () => {
      const stack = await startStack({ layout, basePort: 21000 });
      try {
        const truth = await runAttacks(stack);
        await waitForSettledLogs(truth, stack.logs);
        console.log(`[realstack ${layout}] ${formatVersions(stack.versions)}`);
        const inputs =
          layout === 'syslog'
            ? {
                'mail.log (RFC 3339)': [stack.logs.mailLog!, stack.logs.fail2ban],
                'mail.log (traditional)': [stack.logs.mailLogTraditional!],
              }
            : { 'maillog_file + log_path': [stack.logs.postfix, stack.logs.dovecot, stack.logs.fail2ban] };
        for (const [name, paths] of Object.entries(inputs)) {
          const { events, stats } = await readAll(paths);
          const { problems, figures } = compareWithTruth(events, stats, truth);
          console.log(
            `[realstack ${layout} / ${name}] lines ${stats.totals.lines}, events ${events.length}, unrecognised ${stats.totals.unrecognised}`,
          );
          for (const f of figures) console.log(`  ${f.cls}: seen ${f.seen}, driver ${f.expected}`);
          assert.deepEqual(problems, [], `${name}`);
          const { report } = await runAudit(paths, {});
          assert.deepEqual(compareAuditWithTruth(report, truth), [], `audit of ${name}`);
          if (paths.some((p: string) => p.endsWith('fail2ban.log'))) {
            const banned = new Set(events.filter((e) => e.class === 'fail2ban-ban').map((e) => e.ip));
            for (const s of truth.scenarios.filter((x) => x.expectedFail2banJail)) {
              for (const a of s.addresses)
                assert.ok(banned.has(a), `${s.id}: fail2ban's ban of ${a} not read from fail2ban.log`);
            }
          }
        }
      } finally {
        await stack.stop();
      }
    },
  );
}
