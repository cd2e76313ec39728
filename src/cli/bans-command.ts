import { formatLength } from '../act/decide/ban-length.js';
import {
  type Applied,
  applyNowOrLater,
  type ManualContext,
  recordBan,
  recordUnban,
} from '../act/manual-bans.js';
import { parseDuration } from '../act/settings/duration.js';
import type { BanRecord, StateStore } from '../act/state/state-store.js';
import { StateStore as Store } from '../act/state/state-store.js';
import type { CommandIo } from './events-command.js';
import { escapeForTerminal } from './terminal-escape.js';
import { settingsFromFlags } from './watch-command.js';

export interface BansFlags {
  settings?: string;
  state?: string;
  config?: string;
  format?: string;
  all?: boolean;
  for?: string;
  reason?: string;
  force?: boolean;
  execPrefix?: string;
}

const t = escapeForTerminal;
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

async function open(flags: BansFlags, io: CommandIo): Promise<ManualContext> {
  const settings = await settingsFromFlags(flags);
  const store = new Store(settings.state);
  return {
    settings,
    store,
    ...(flags.config !== undefined ? { configDir: flags.config } : {}),
    stdout: io.stdout,
    stderr: io.stderr,
    now: Date.now(),
  };
}

function taskSummary(store: StateStore, ban: BanRecord): string {
  return store
    .tasksOf(ban.id)
    .map(
      (task) =>
        `${task.action} ${task.op} ${task.state}${task.state !== 'done' && task.attempts > 0 ? ` (${task.attempts} attempts${task.lastError ? `: ${task.lastError}` : ''})` : ''}`,
    )
    .join('; ');
}

function list(ctx: ManualContext, flags: BansFlags, io: CommandIo): number {
  const bans = flags.all ? ctx.store.history(10_000) : ctx.store.activeBans();
  if (flags.format === 'json') {
    io.stdout.write(
      `${JSON.stringify(
        bans.map((b) => ({
          ...b,
          created: iso(b.created),
          expires: iso(b.expires),
          lifted: b.lifted === null ? null : iso(b.lifted),
          tasks: ctx.store.tasksOf(b.id).map(({ action, op, state, attempts, lastError }) => ({
            action,
            op,
            state,
            attempts,
            lastError,
          })),
        })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (flags.format !== undefined && flags.format !== 'table')
    throw new Error(`--format: "${flags.format}" is not table or json`);
  if (bans.length === 0) {
    io.stdout.write(flags.all ? 'no bans recorded\n' : 'no bans in force\n');
    return 0;
  }
  for (const b of bans) {
    const left =
      b.lifted === null
        ? `expires ${iso(b.expires)} (in ${formatLength(Math.max(0, b.expires - ctx.now))})`
        : `lifted ${iso(b.lifted)} (${b.liftReason})`;
    io.stdout.write(
      `${t(b.target)}  ${b.origin}${b.rule ? `/${t(b.rule)}` : ''}  level ${b.level}  since ${iso(b.created)}  ${left}\n    ${t(b.reason)}\n    ${t(taskSummary(ctx.store, b))}\n`,
    );
  }
  return 0;
}

function report(applied: Applied, io: CommandIo): number {
  if (applied.by === 'watcher') {
    io.stderr.write(
      `mailwarden: recorded; the running watcher (pid ${applied.pid}) applies it on its next tick\n`,
    );
    return 0;
  }
  if (applied.by === 'nobody') {
    io.stderr.write(`mailwarden: recorded; not applied: ${applied.why}\n`);
    return 0;
  }
  let failed = 0;
  for (const r of applied.reports) {
    if (r.outcome === 'done') io.stderr.write(`mailwarden: ${r.action}: ${r.op} ${t(r.target)} done\n`);
    else if (r.outcome === 'deferred')
      io.stderr.write(`mailwarden: ${r.action}: ${r.op} ${t(r.target)} waits for its interval\n`);
    else {
      failed++;
      io.stderr.write(
        `mailwarden: ${r.action}: ${r.op} ${t(r.target)} failed${r.outcome === 'retry' ? ' (retried by the next watcher or bans command)' : ''}: ${t(r.error ?? '')}\n`,
      );
    }
  }
  return failed > 0 ? 1 : 0;
}

/** `mailwarden bans list|ban|unban`: see BANS_HELP in help-texts.ts. */
export async function runBansCommand(
  verb: string,
  target: string | undefined,
  flags: BansFlags,
  io: CommandIo,
): Promise<number> {
  if (!['list', 'ban', 'unban'].includes(verb)) throw new Error(`bans: "${verb}" is not list, ban or unban`);
  if (verb !== 'list' && target === undefined)
    throw new Error(`bans ${verb}: give ADDRESS or ADDRESS/PREFIX`);
  const ctx = await open(flags, io);
  try {
    if (verb === 'list') return list(ctx, flags, io);
    if (verb === 'ban') {
      let length: number | undefined;
      if (flags.for !== undefined) {
        const parsed = parseDuration(flags.for);
        if (parsed === null || parsed <= 0)
          throw new Error(`--for: "${flags.for}" is not a duration (90s, 10m, 24h, 7d, 1w)`);
        length = parsed;
      }
      const ban = recordBan(ctx, target!, {
        ...(length !== undefined ? { length } : {}),
        ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
        force: flags.force === true,
      });
      io.stderr.write(`mailwarden: banned ${t(ban.target)} until ${iso(ban.expires)} (ban ${ban.id})\n`);
    } else {
      const ban = recordUnban(ctx, target!);
      io.stderr.write(`mailwarden: lifted ban ${ban.id} of ${t(ban.target)}\n`);
    }
    return report(await applyNowOrLater(ctx), io);
  } finally {
    ctx.store.close();
  }
}
