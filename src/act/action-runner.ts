import { contains, parseCidr } from '../mitigate/cidr.js';
import type { ActionOp, BanAction, OpOutcome } from './actions/action.js';
import type { WatchSettings } from './settings/types.js';
import type { StateStore, TaskRecord } from './state/state-store.js';

export interface TaskReport {
  action: string;
  op: 'ban' | 'unban';
  target: string;
  banId: number;
  outcome: 'done' | 'retry' | 'failed' | 'deferred';
  attempts: number;
  error?: string;
}

export interface RunnerEvents {
  onTask(report: TaskReport): void;
  /** The enforcer no longer held a ban (or still held a lifted one): the task was queued again. */
  onDrift(action: string, target: string, op: 'ban' | 'unban'): void;
  onProblem(message: string): void;
}

/**
 * Performs what the state says the actions owe: each due task once per tick,
 * batched per action, outcomes written back in one transaction. A failed task
 * is retried with a doubling delay, then marked failed and reported; nothing
 * is marked done that the action did not confirm.
 */
export class ActionRunner {
  constructor(
    private readonly store: StateStore,
    private readonly actions: readonly BanAction[],
    private readonly settings: WatchSettings['actions'],
    private readonly events: RunnerEvents,
  ) {}

  private backoff(attempts: number): number {
    return Math.min(this.settings.retryDelay * 2 ** Math.max(0, attempts - 1), this.settings.retryMaxDelay);
  }

  /** Runs every due task of the enabled actions; returns how many were due. */
  async runDue(now: number): Promise<number> {
    const due = this.store.dueTasks(now);
    if (due.length === 0) return 0;
    const active = this.store.activeBans();
    let count = 0;
    for (const action of this.actions) {
      const tasks = due.filter((t) => t.action === action.name);
      if (tasks.length === 0) continue;
      count += tasks.length;
      const ops: ActionOp[] = tasks.map((t) => ({ taskId: t.id, op: t.op, ban: this.store.ban(t.banId)! }));
      let outcomes: OpOutcome[];
      try {
        outcomes = await action.perform(ops, active, now);
      } catch (error) {
        outcomes = ops.map(() => ({ kind: 'failed', error: (error as Error).message }));
      }
      this.record(tasks, outcomes, now);
    }
    return count;
  }

  private record(tasks: readonly TaskRecord[], outcomes: readonly OpOutcome[], now: number): void {
    const reports: TaskReport[] = [];
    this.store.transaction(() => {
      tasks.forEach((t, i) => {
        const outcome = outcomes[i] ?? { kind: 'failed', error: 'no outcome' };
        const base = {
          action: t.action,
          op: t.op,
          target: t.target,
          banId: t.banId,
          attempts: t.attempts + 1,
        };
        if (outcome.kind === 'done') {
          this.store.taskDone(t.id, now);
          reports.push({ ...base, outcome: 'done' });
        } else if (outcome.kind === 'deferred') {
          this.store.taskDeferred(t.id, outcome.until);
          reports.push({ ...base, attempts: t.attempts, outcome: 'deferred' });
        } else if (t.attempts + 1 > this.settings.retries) {
          this.store.taskFailed(t.id, outcome.error);
          this.store.addDecision(now, 'action-failed', t.target, t.banId, {
            action: t.action,
            op: t.op,
            attempts: t.attempts + 1,
            error: outcome.error,
          });
          reports.push({ ...base, outcome: 'failed', error: outcome.error });
        } else {
          this.store.taskRetry(t.id, outcome.error, now + this.backoff(t.attempts + 1));
          reports.push({ ...base, outcome: 'retry', error: outcome.error });
        }
      });
    });
    for (const r of reports) this.events.onTask(r);
  }

  /**
   * Brings every action in step with the state: actions that keep a whole set
   * (the map, nftables) are given the bans in force; actions that can say
   * what their enforcer holds are compared with what they were told, and
   * every difference becomes a task again.
   */
  async reconcile(now: number, full: boolean): Promise<void> {
    const active = this.store.activeBans();
    for (const action of this.actions) {
      if (full && (action.name === 'postfix-map' || action.name === 'nftables')) {
        const [outcome] = await action
          .perform([], active, now)
          .catch((error: Error) => [{ kind: 'failed', error: error.message } as OpOutcome]);
        if (outcome?.kind === 'failed') this.events.onProblem(`${action.name}: ${outcome.error}`);
      }
      if (!action.held) continue;
      const held = await action.held().catch(() => null);
      if (held === null) {
        this.events.onProblem(`${action.name}: could not read what it holds; reconciling later`);
        continue;
      }
      const heldCidrs = [...held].map((t) => parseCidr(t)).filter((c) => c !== null);
      const holds = (target: string) => {
        if (held.has(target)) return true;
        const cidr = parseCidr(target);
        return cidr !== null && heldCidrs.some((h) => contains(h, cidr));
      };
      const drift: { banId: number; target: string; op: 'ban' | 'unban' }[] = [];
      for (const a of this.store.appliedBy(action.name)) {
        if (a.active && !holds(a.target)) drift.push({ banId: a.banId, target: a.target, op: 'ban' });
        else if (!a.active && held.has(a.target))
          drift.push({ banId: a.banId, target: a.target, op: 'unban' });
      }
      if (drift.length === 0) continue;
      this.store.transaction(() => {
        for (const d of drift) {
          this.store.redoTask(d.banId, action.name, d.op, now);
          this.store.addDecision(now, 'reconcile', d.target, d.banId, {
            action: action.name,
            op: d.op,
            why:
              d.op === 'ban'
                ? 'the enforcer no longer holds this ban'
                : 'the enforcer still holds a lifted ban',
          });
        }
      });
      for (const d of drift) this.events.onDrift(action.name, d.target, d.op);
    }
  }
}
