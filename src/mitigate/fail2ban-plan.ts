/**
 * The fail2ban half of a mitigation: for every attack class in the logs that
 * no enabled jail bans and no fail2ban release has a rule for, a filter and a
 * jail, placed where the daemon really reads them. docker-mailserver never
 * copies filters from its config directory: the filters go into a folder of
 * it and user-patches.sh (run at every container start, before the daemons)
 * copies them into /etc/fail2ban/filter.d.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressActivity } from './activity.js';
import { filterName, GENERATED_FILTERS, renderFilter, renderJail } from './fail2ban-filters.js';
import { withBlock } from './marked-block.js';

export const DMS_FILTER_DIR = 'mailwarden-fail2ban';

export interface Fail2banPlanInput {
  kind: 'docker-mailserver' | 'plain';
  /** docker-mailserver's config directory, or the plain host's /etc (or a copy). */
  dir: string;
  activity: ReadonlyMap<string, AddressActivity>;
  /** Classes the configured jails leave unbanned, when the coverage matrix is known; else every class seen. */
  uncovered: ReadonlySet<string> | null;
  /** What fail2ban must never ban: the allowlist, mynetworks, loopback. */
  ignoreip: string[];
  /** The log file(s) the daemons write, as fail2ban sees them. */
  logpaths: string[];
  thresholds: { maxretry: number; findtime: string; bantime: string };
}

export interface Fail2banFile {
  path: string;
  outName: string;
  before: string | null;
  after: string;
}

export interface Fail2banPlan {
  files: Fail2banFile[];
  /** Lines for docker-mailserver's user-patches.sh (installing the filters at start). */
  userPatches: string[];
  classes: string[];
  notes: string[];
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : null);

function provenance(cls: string, activity: ReadonlyMap<string, AddressActivity>) {
  let lines = 0;
  let addresses = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const a of activity.values()) {
    const n = a.classes[cls] ?? 0;
    if (n === 0) continue;
    lines += n;
    addresses++;
    first = Math.min(first, a.first);
    last = Math.max(last, a.last);
  }
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  return { lines, addresses, first: iso(first), last: iso(last) };
}

export function planFail2ban(input: Fail2banPlanInput): Fail2banPlan {
  const seen = new Set<string>();
  for (const a of input.activity.values()) for (const cls of Object.keys(a.classes)) seen.add(cls);
  const classes = Object.keys(GENERATED_FILTERS)
    .filter((cls) => seen.has(cls) && (input.uncovered === null || input.uncovered.has(cls)))
    .sort();
  if (classes.length === 0) return { files: [], userPatches: [], classes, notes: [] };
  const generator = '`mailwarden mitigate`';
  const jailSettings = {
    ...input.thresholds,
    ignoreip: input.ignoreip,
    logpaths: input.logpaths,
    backend: 'auto',
  };
  const jails = classes.map((cls) => renderJail(cls, jailSettings));
  const files: Fail2banFile[] = [];
  const notes: string[] = [];
  if (input.kind === 'docker-mailserver') {
    for (const cls of classes) {
      const path = join(input.dir, DMS_FILTER_DIR, `${filterName(cls)}.conf`);
      files.push({
        path,
        outName: `${filterName(cls)}.conf`,
        before: read(path),
        after: renderFilter(cls, provenance(cls, input.activity), generator),
      });
    }
    const jailPath = join(input.dir, 'fail2ban-jail.cf');
    files.push({
      path: jailPath,
      outName: 'fail2ban-jail.cf',
      before: read(jailPath),
      after: withBlock(read(jailPath), 'fail2ban jails', jails),
    });
    const userPatches = [
      '# docker-mailserver copies fail2ban-jail.cf but never filters: install the generated ones.',
      `cp /tmp/docker-mailserver/${DMS_FILTER_DIR}/*.conf /etc/fail2ban/filter.d/`,
    ];
    notes.push(
      `fail2ban: filters for ${classes.join(', ')} go to ${DMS_FILTER_DIR}/, which user-patches.sh copies into /etc/fail2ban/filter.d at every container start (docker-mailserver does not copy filters itself); the jails go into fail2ban-jail.cf. Restart the container to load them.`,
    );
    return { files, userPatches, classes, notes };
  } else {
    const fail2banDir = join(input.dir, 'fail2ban');
    if (!existsSync(join(fail2banDir, 'jail.conf'))) {
      notes.push(
        `fail2ban: no fail2ban configuration at ${fail2banDir}: no filters written for ${classes.join(', ')}`,
      );
      return { files: [], userPatches: [], classes: [], notes };
    }
    for (const cls of classes) {
      const path = join(fail2banDir, 'filter.d', `${filterName(cls)}.conf`);
      files.push({
        path,
        outName: `${filterName(cls)}.conf`,
        before: read(path),
        after: renderFilter(cls, provenance(cls, input.activity), generator),
      });
    }
    const jailPath = join(fail2banDir, 'jail.d', 'mailwarden.local');
    files.push({
      path: jailPath,
      outName: 'mailwarden.local',
      before: read(jailPath),
      after: [
        `# Written by ${generator}: jails for attack classes no stock filter covers.`,
        '',
        ...jails,
      ].join('\n'),
    });
    notes.push(
      `fail2ban: filters and jails for ${classes.join(', ')} in ${fail2banDir}; fail2ban-client reload loads them`,
    );
  }
  return { files, userPatches: [], classes, notes };
}
