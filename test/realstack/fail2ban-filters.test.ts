// The fail2ban filters `mailwarden mitigate` generates for the attack classes no
// fail2ban release covers, checked by the real fail2ban on the real daemons' logs:
// each matches exactly the lines of its class (and so none of a legitimate
// client's), and the real fail2ban-client accepts their jails.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  filterName,
  GENERATED_FILTERS,
  renderFilter,
  renderJail,
} from '../../src/mitigate/fail2ban-filters.js';
import { runAttacks } from './driver.js';
import { classesOf, fail2banRegexMatches } from './fail2ban-regex.js';
import { run } from './processes.js';
import { waitForSettledLogs } from './settle.js';
import { realStackTest } from './skip-policy.js';
import { startStack } from './stack.js';
import { readLines } from './wait.js';

realStackTest(
  'generated fail2ban filters match exactly their class in the real logs',
  { timeout: 300_000 },
  async () => {
    const stack = await startStack({ layout: 'files', basePort: 26000 });
    try {
      const truth = await runAttacks(stack);
      await waitForSettledLogs(truth, stack.logs);
      const inputs = [stack.logs.postfix, stack.logs.dovecot];
      const conf = stack.fail2ban.configDir;
      const present = new Set<string>();
      const classified = new Map<string, { lines: string[]; classes: string[] }>();
      for (const log of inputs) {
        const lines = await readLines(log);
        const classes = classesOf(lines, log);
        classified.set(log, { lines, classes });
        for (const c of classes) present.add(c);
      }
      const generatedFor = Object.keys(GENERATED_FILTERS).filter((c) => present.has(c));
      assert.ok(generatedFor.length >= 4, `classes with generated filters: ${generatedFor.join(', ')}`);
      const jails: string[] = [];
      for (const cls of generatedFor) {
        await writeFile(
          join(conf, 'filter.d', `${filterName(cls)}.conf`),
          renderFilter(cls, { lines: 0, addresses: 0, first: null, last: null }, 'the filter test'),
        );
        const expected: string[] = [];
        const matched: string[] = [];
        for (const log of inputs) {
          const { lines, classes } = classified.get(log)!;
          expected.push(...lines.filter((_, i) => classes[i] === cls));
          matched.push(...fail2banRegexMatches(conf, log, filterName(cls)));
        }
        console.log(
          `[filters] ${filterName(cls)}: ${matched.length} lines matched, ${expected.length} of the class`,
        );
        assert.deepEqual(matched.sort(), expected.sort(), `${filterName(cls)}: exactly the ${cls} lines`);
        jails.push(
          renderJail(cls, {
            maxretry: 3,
            findtime: '10m',
            bantime: '24h',
            ignoreip: ['127.0.0.1/32', '192.0.2.0/24'],
            logpaths: inputs,
            backend: 'polling',
          }),
        );
      }
      await writeFile(join(conf, 'jail.d', 'mailwarden.local'), jails.join('\n'));
      // run() rejects with the output when the exit status is not 0.
      const check = await run('fail2ban-client', ['-c', conf, '-t']);
      assert.match(`${check.stdout}${check.stderr}`, /OK: configuration test is successful/);
    } finally {
      await stack.stop();
    }
  },
);
