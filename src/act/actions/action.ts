import type { ActionName } from '../settings/types.js';
import type { BanRecord, TaskOp } from '../state/state-store.js';

/** One thing an action must do: apply or lift one ban. */
export interface ActionOp {
  taskId: number;
  op: TaskOp;
  ban: BanRecord;
}

export type OpOutcome =
  | { kind: 'done' }
  /** Not attempted yet (a batched action waiting for its interval): try again at `until`, no attempt counted. */
  | { kind: 'deferred'; until: number }
  | { kind: 'failed'; error: string };

/**
 * Where bans are enforced or announced. `perform` gets every due operation of
 * this action at once, so that an action can batch (one fail2ban-client call,
 * one map write and one reload), and the bans in force, for actions that keep
 * a whole set in step. Operations must be idempotent: after a crash the same
 * operation may be performed again.
 */
export interface BanAction {
  readonly name: ActionName;
  perform(ops: readonly ActionOp[], active: readonly BanRecord[], now: number): Promise<OpOutcome[]>;
  /** The targets the enforcer holds now, or null when this action cannot tell. */
  held?(): Promise<Set<string> | null>;
  /** A one-line description for the start-up message. */
  describe(): string;
  /** Checks, at start, that the action can work (the jail exists, the table can be read); returns problems. */
  check?(): Promise<string[]>;
}

/**
 * The same outcome for every operation; with no operation (a sync of a
 * set-keeping action at start) the one outcome, so a failure is still seen.
 */
export function allOutcomes(ops: readonly ActionOp[], outcome: OpOutcome): OpOutcome[] {
  return ops.length === 0 ? [outcome] : ops.map(() => outcome);
}

/** A ban as the stdout line and the webhook carry it. */
export function banJson(ban: BanRecord): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: ban.id,
    target: ban.target,
    origin: ban.origin,
    rule: ban.rule,
    reason: ban.reason,
    level: ban.level,
    created: iso(ban.created),
    expires: iso(ban.expires),
    lifted: iso(ban.lifted),
    liftReason: ban.liftReason,
  };
}
