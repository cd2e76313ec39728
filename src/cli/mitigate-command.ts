import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_SUBNET_MIN } from '../detect/subnets.js';
import {
  type AppliedChange,
  applyChanges,
  backupStamp,
  restoreChanges,
  writeAtomic,
} from '../mitigate/apply.js';
import { formatCidr } from '../mitigate/cidr.js';
import { DEFAULT_MAX_PREFIX4, DEFAULT_MAX_PREFIX6, DEFAULT_MIN_EVENTS } from '../mitigate/defaults.js';
import { DEFAULT_QUOTA_GIB, type MitigatePlan, planMitigation } from '../mitigate/plan.js';
import { reloadSteps, runStep } from '../mitigate/reload.js';
import { unifiedDiff } from '../mitigate/unified-diff.js';
import type { ReadWarning } from '../pipeline/read-events.js';
import { type CommandIo, readOptionsFromFlags } from './events-command.js';
import { escapeForTerminal } from './terminal-escape.js';

export interface MitigateFlags {
  config?: string;
  out?: string;
  apply?: boolean;
  reload?: boolean;
  execPrefix?: string;
  allow?: string[];
  allowlist?: string;
  minEvents?: string;
  subnetMin?: string;
  maxPrefix4?: string;
  maxPrefix6?: string;
  includePrivate?: boolean;
  quotaDefault?: string;
}

/** Exit statuses of `mailwarden mitigate`. */
export const MITIGATE_EXIT = {
  ok: 0,
  /** Usage errors, unreadable inputs, a configuration mitigate cannot read or write. */
  error: 2,
  /** `postfix check` or `postfix reload` failed on the new files; every file was restored from its backup. */
  rejectedRestored: 3,
  /** As 3, but restoring failed too: the backups named in the output must be copied back by hand. */
  rejectedNotRestored: 4,
} as const;

function wholeNumber(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${flag}: "${value}" is not a whole number from ${min} to ${max}`);
  return n;
}

const t = escapeForTerminal;

function printSummary(plan: MitigatePlan, io: CommandIo): void {
  const w = (s: string) => io.stderr.write(`${s}\n`);
  const fresh = plan.entries.filter((e) => e.state === 'new').length;
  const kept = plan.entries.filter((e) => e.state === 'kept').length;
  w(
    `mailwarden: mitigate (${plan.kind === 'plain' ? 'plain host' : 'docker-mailserver'}, map ${t(plan.mapPath)}): ${plan.entries.length} networks to block (${fresh} new, ${kept} kept from earlier runs), ${plan.removed.length} removed`,
  );
  for (const e of plan.entries)
    w(
      `  ${e.state === 'new' ? 'block' : e.state === 'kept' ? 'keep ' : 'still'} ${formatCidr(e.cidr)}: ${t(e.note)}`,
    );
  for (const r of plan.removed) w(`  remove ${formatCidr(r.cidr)}: ${t(r.why)}`);
  for (const u of plan.unblocked) w(`  left unblocked ${u.address}: ${t(u.reason)}`);
  if (plan.belowThreshold.length > 0)
    w(`  not blocked, fewer attack events than --min-events: ${plan.belowThreshold.join(', ')}`);
  for (const s of plan.split) w(`  not aggregated ${formatCidr(s.cidr)}: ${t(s.why)}`);
  for (const c of plan.wiring)
    w(
      `  wire ${c.service ? `${c.service.name}/${c.service.type} ` : ''}${c.name}: ${c.from === null ? '(default)' : t(c.from)} -> ${t(c.to)}`,
    );
  for (const n of plan.notes) w(`  note: ${t(n)}`);
  if (plan.nft.kind === 'skipped')
    w(`  note: the nftables file was not checked with nft -c: ${t(plan.nft.why)}`);
}

/** `mailwarden mitigate`: see MITIGATE_HELP in help-texts.ts. */
export async function runMitigateCommand(
  logs: string[],
  flags: MitigateFlags,
  io: CommandIo,
): Promise<number> {
  if (flags.config === undefined) throw new Error('give the server configuration with --config DIR');
  if (flags.apply && flags.out !== undefined) throw new Error('--out and --apply exclude each other');
  if (!flags.apply && (flags.reload || flags.execPrefix !== undefined))
    throw new Error('--reload and --exec-prefix go with --apply');
  if (flags.execPrefix !== undefined && !flags.reload) throw new Error('--exec-prefix goes with --reload');
  const minEvents = wholeNumber('--min-events', flags.minEvents, DEFAULT_MIN_EVENTS, 1, 1_000_000);
  const subnetMin = wholeNumber('--subnet-min', flags.subnetMin, DEFAULT_SUBNET_MIN, 2, 65_536);
  const maxPrefix4 = wholeNumber('--max-prefix4', flags.maxPrefix4, DEFAULT_MAX_PREFIX4, 8, 32);
  const maxPrefix6 = wholeNumber('--max-prefix6', flags.maxPrefix6, DEFAULT_MAX_PREFIX6, 16, 128);
  const quotaDefaultGib = wholeNumber('--quota-default', flags.quotaDefault, DEFAULT_QUOTA_GIB, 1, 100_000);
  const warnings: ReadWarning[] = [];
  const read = readOptionsFromFlags({}, io, warnings);
  const plan = await planMitigation({
    logs,
    configDir: flags.config,
    allow: flags.allow ?? [],
    ...(flags.allowlist !== undefined ? { allowlistFile: flags.allowlist } : {}),
    minEvents,
    subnetMin,
    maxPrefix4,
    maxPrefix6,
    includePrivate: flags.includePrivate === true,
    quotaDefaultGib,
    read,
  });
  if (plan.unreadable.length > 0) {
    io.stderr.write(
      `mailwarden: could not read: ${plan.unreadable.map(t).join(', ')}; nothing written (a missed log could hide a user's login)\n`,
    );
    return MITIGATE_EXIT.error;
  }
  printSummary(plan, io);

  if (flags.out !== undefined) {
    const dir = resolve(flags.out);
    await mkdir(dir, { recursive: true });
    for (const f of plan.files) {
      const path = join(dir, f.outName);
      await writeAtomic(path, f.after, f.role === 'commands' || f.role === 'user-patches' ? 0o755 : 0o644);
      io.stderr.write(`mailwarden: wrote ${t(path)}\n`);
    }
    return MITIGATE_EXIT.ok;
  }

  const changes = plan.files.filter(
    (f): f is typeof f & { path: string } => f.path !== null && f.before !== f.after,
  );
  if (!flags.apply) {
    for (const f of changes) io.stdout.write(unifiedDiff(f.path, f.before, f.after));
    io.stderr.write(
      changes.length === 0
        ? 'mailwarden: nothing to change\n'
        : `mailwarden: dry run: ${changes.length} file(s) would change (shown above); --apply writes them, --out DIR writes them elsewhere\n`,
    );
    return MITIGATE_EXIT.ok;
  }

  if (changes.length === 0) {
    io.stderr.write('mailwarden: nothing to change\n');
    return MITIGATE_EXIT.ok;
  }
  const applied = await applyChanges(
    changes.map((f) => ({ path: f.path, before: f.before, after: f.after })),
    backupStamp(new Date()),
  );
  for (const a of applied)
    io.stderr.write(
      `mailwarden: wrote ${t(a.path)}${a.backup ? ` (backup: ${t(a.backup)})` : ' (new file)'}\n`,
    );
  const wiringChanged = changes.some((f) => f.role === 'main' || f.role === 'master');
  const nft = plan.files.find((f) => f.role === 'nftables');
  if (nft?.path)
    io.stderr.write(`mailwarden: nftables: load the same networks with: nft -f ${t(nft.path)}\n`);
  if (plan.kind === 'docker-mailserver' && wiringChanged)
    io.stderr.write(
      'mailwarden: docker-mailserver applies postfix-main.cf and postfix-master.cf when the container starts: restart it (docker compose restart mailserver) for the wiring; a reload is enough for later changes of the map\n',
    );
  if (!flags.reload) {
    io.stderr.write(
      `mailwarden: Postfix reads the new files after: ${reloadSteps(
        plan.kind,
        plan.postfixConfigDir,
        undefined,
        changes.some((f) => f.role === 'fail2ban'),
      )
        .map((s) => s.command)
        .join(' && ')}\n`,
    );
    return MITIGATE_EXIT.ok;
  }
  return reload(plan, applied, flags.execPrefix, io);
}

const STEP_LABELS = { check: 'postfix check', reload: 'postfix reload', fail2ban: 'fail2ban-client reload' };

async function reload(
  plan: MitigatePlan,
  applied: AppliedChange[],
  execPrefix: string | undefined,
  io: CommandIo,
): Promise<number> {
  const fail2banChanged = applied.some((a) =>
    plan.files.some((f) => f.role === 'fail2ban' && f.path === a.path),
  );
  for (const step of reloadSteps(plan.kind, plan.postfixConfigDir, execPrefix, fail2banChanged)) {
    io.stderr.write(`mailwarden: running ${t(step.command)}\n`);
    const result = await runStep(step.command);
    if (result.output !== '') io.stderr.write(`${t(result.output)}\n`);
    if (result.status === 0) continue;
    io.stderr.write(
      `mailwarden: ${STEP_LABELS[step.name]} failed (exit ${result.status}): restoring the previous files\n`,
    );
    const problems = await restoreChanges(applied);
    if (problems.length > 0) {
      io.stderr.write(`mailwarden: restoring failed: ${problems.map(t).join('; ')}\n`);
      for (const a of applied)
        io.stderr.write(
          `mailwarden:   ${t(a.path)}: ${a.backup ? `copy back ${t(a.backup)}` : 'remove it (it is new)'}\n`,
        );
      return MITIGATE_EXIT.rejectedNotRestored;
    }
    io.stderr.write(
      `mailwarden: restored ${applied.length} file(s) as they were; ${step.name === 'fail2ban' ? 'fail2ban' : 'Postfix'} rejected the new configuration (exit status ${MITIGATE_EXIT.rejectedRestored})\n`,
    );
    return MITIGATE_EXIT.rejectedRestored;
  }
  io.stderr.write(
    `mailwarden: Postfix reloaded: ${plan.entries.length} networks blocked${fail2banChanged ? `; fail2ban reloaded with jails for ${plan.fail2banClasses.join(', ')}` : ''}\n`,
  );
  return MITIGATE_EXIT.ok;
}
