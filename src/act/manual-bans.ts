import type { Writable } from 'node:stream';
import { loadServerConfig } from '../config/load-config.js';
import type { ServerConfig } from '../config/server-config.js';
import { contains, formatShort, hostCidr, parseCidr } from '../mitigate/cidr.js';
import { staticProtections } from '../mitigate/static-protections.js';
import { ActionRunner, type TaskReport } from './action-runner.js';
import { buildActions } from './actions/build-actions.js';
import { banLength } from './decide/ban-length.js';
import type { WatchSettings } from './settings/types.js';
import type { BanRecord, StateStore } from './state/state-store.js';
import { watcherAlive } from './watcher.js';

/** Marks decisions made by `mailwarden bans`, so a running watcher takes them up. */
export const BY_BANS_COMMAND = 'bans-command';

export interface ManualContext {
  settings: WatchSettings;
  store: StateStore;
  configDir?: string;
  stdout: Writable;
  stderr: Writable;
  now: number;
}

export type Applied =
  | { by: 'watcher'; pid: number }
  | { by: 'self'; reports: TaskReport[] }
  | { by: 'nobody'; why: string };

/** Refusals a user can fix: the message says how. */
export class ManualBanError extends Error {}

function configOf(ctx: ManualContext): ServerConfig | null {
  return ctx.configDir !== undefined ? loadServerConfig(ctx.configDir) : null;
}

/** Why `target` may not be banned, or null: the watcher's own safety rules. */
function protectionOf(ctx: ManualContext, target: string, config: ServerConfig | null): string | null {
  const cidr = parseCidr(target)!;
  const built = buildActions(ctx.settings, {
    ...(ctx.configDir !== undefined ? { configDir: ctx.configDir } : {}),
    config,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    dryRun: true,
  });
  const { protections } = staticProtections({
    allow: ctx.settings.allow,
    allowLabel: 'allow (settings)',
    allowlistFile: ctx.settings.allowlist,
    postfix: config?.postfix ?? null,
    mapEntries: built.mapEntries,
    ...(built.mapPath ? { mapPath: built.mapPath } : {}),
    includePrivate: ctx.settings.includePrivate,
  });
  const p = protections.find(cidr);
  if (p) return p.reason;
  if (ctx.settings.protectLogins)
    for (const [address, first] of ctx.store.loginAddresses()) {
      const a = hostCidr(address);
      if (a && contains(cidr, a))
        return `${address} logged in successfully (first at ${new Date(first).toISOString()})`;
    }
  return null;
}

/** A target as the state writes it: `192.0.2.7`, `198.51.100.0/24`. */
export function normalTarget(text: string): string {
  const cidr = parseCidr(text);
  if (!cidr) throw new ManualBanError(`"${text}" is not an address or a network (ADDRESS or ADDRESS/PREFIX)`);
  if (cidr.prefix === 0) throw new ManualBanError(`${text}: banning every address is not a ban`);
  return formatShort(cidr);
}

/**
 * Records a manual ban (replacing an active ban of the same target) with
 * one task per enabled action, unless the target is protected and not forced.
 */
export function recordBan(
  ctx: ManualContext,
  text: string,
  options: { length?: number; reason?: string; force?: boolean },
): BanRecord {
  const target = normalTarget(text);
  const config = configOf(ctx);
  const protection = protectionOf(ctx, target, config);
  if (protection !== null && !options.force)
    throw new ManualBanError(`${target} is protected: ${protection}; give --force to ban it anyway`);
  const { store, settings, now } = ctx;
  const level = 1 + store.bansSince(target, now - settings.bans.repeatMemory);
  const length = options.length ?? banLength(level, settings.bans);
  const reason = options.reason ?? 'banned by hand (mailwarden bans ban)';
  return store.transaction(() => {
    const current = store.activeBan(target);
    if (current) store.liftBan(current.id, 'replaced by a manual ban', now);
    const ban = store.insertBan(
      { target, origin: 'manual', rule: null, reason, level, created: now, expires: now + length },
      settings.actions.enabled,
    );
    store.addDecision(now, 'ban', target, ban.id, {
      by: BY_BANS_COMMAND,
      origin: 'manual',
      reason,
      expires: new Date(ban.expires).toISOString(),
      ...(protection !== null ? { forced: protection } : {}),
    });
    return ban;
  });
}

/** Lifts the active ban of exactly `text` and forgets what was counted against it. */
export function recordUnban(ctx: ManualContext, text: string): BanRecord {
  const target = normalTarget(text);
  const { store, now } = ctx;
  const ban = store.activeBan(target);
  if (!ban) {
    const cidr = parseCidr(target)!;
    const covering = store.activeBans().filter((b) => {
      const c = parseCidr(b.target);
      return c !== null && contains(c, cidr);
    });
    throw new ManualBanError(
      covering.length > 0
        ? `${target} has no ban of its own; it is inside ${covering.map((b) => b.target).join(', ')} (unban that)`
        : `${target} is not banned`,
    );
  }
  store.transaction(() => {
    store.liftBan(ban.id, 'unbanned by hand', now);
    store.clearStrikes(target);
    store.addDecision(now, 'unban', target, ban.id, { by: BY_BANS_COMMAND, reason: 'unbanned by hand' });
  });
  return store.ban(ban.id)!;
}

/**
 * With a watcher running on this state, it applies the decision on its next
 * tick; with none, the due tasks are performed here, once (what fails stays
 * due, for the next watcher or the next `mailwarden bans` call).
 */
export async function applyNowOrLater(ctx: ManualContext): Promise<Applied> {
  const claim = ctx.store.watcher();
  if (claim && watcherAlive(claim, Math.max(3 * ctx.settings.tick, 60_000)))
    return { by: 'watcher', pid: claim.pid };
  if (ctx.settings.actions.enabled.length === 0) return { by: 'nobody', why: 'no action is enabled' };
  const { actions } = buildActions(ctx.settings, {
    ...(ctx.configDir !== undefined ? { configDir: ctx.configDir } : {}),
    config: configOf(ctx),
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    dryRun: false,
  });
  const reports: TaskReport[] = [];
  const runner = new ActionRunner(ctx.store, actions, ctx.settings.actions, {
    onTask: (r) => reports.push(r),
    onDrift: () => {},
    onProblem: (m) => ctx.stderr.write(`mailwarden: ${m}\n`),
  });
  await runner.runDue(ctx.now);
  return { by: 'self', reports };
}
