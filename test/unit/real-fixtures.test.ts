// Recorded real daemon output, checked without running the daemons: Debian 12
// (Postfix 3.7, Dovecot 2.3) and Debian 13 (Postfix 3.10, Dovecot 2.4, whose
// wording differs), each in both log layouts, against the driver's ground truth
// recorded in the same run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readEvents, type SecurityEvent } from '../../src/index.js';
import { compareWithTruth } from '../realstack/compare-events.js';
import type { GroundTruth } from '../realstack/ground-truth.js';
import { repoRoot } from '../support/paths.js';

const LAYOUT_INPUTS: Record<string, string[][]> = {
  syslog: [['mail.log', 'fail2ban.log'], ['mail-traditional.log']],
  files: [['postfix.log', 'dovecot.log', 'fail2ban.log']],
};

for (const release of ['debian12', 'debian13-trixie']) {
  for (const [layout, inputSets] of Object.entries(LAYOUT_INPUTS)) {
    for (const names of inputSets) {
      test(`recorded ${release} output, ${names.join(' + ')}: classified completely and as the driver's record says`, async () => {
        const dir = join(repoRoot, 'test', 'fixtures', 'real', release, layout);
        const truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as GroundTruth;
        const stream = readEvents(
          names.map((n) => join(dir, n)),
          { all: true, now: new Date(truth.finishedAt), tz: 'UTC' },
        );
        const events: SecurityEvent[] = [];
        for await (const e of stream) events.push(e);
        const { problems } = compareWithTruth(events, stream.stats, truth);
        assert.deepEqual(problems, []);
      });
    }
  }
}
