import type { Fail2banActionSettings } from '../settings/types.js';
import { type ActionOp, allOutcomes, type BanAction, type OpOutcome } from './action.js';
import { commandFailure, runActionCommand } from './run-command.js';

/**
 * Hands bans to fail2ban (`fail2ban-client set JAIL banip ...`), so that
 * fail2ban stays the enforcer where it already is. fail2ban accepts networks
 * too, ignores an address it already holds, and answers 0 for an unban of an
 * address it does not hold: both directions are idempotent. The jail should
 * have `bantime = -1`, so that mailwarden decides when a ban ends.
 */
export class Fail2banAction implements BanAction {
  readonly name = 'fail2ban' as const;

  constructor(
    private readonly settings: Fail2banActionSettings,
    private readonly execPrefix: string | null,
  ) {}

  describe(): string {
    return `fail2ban jail ${this.settings.jail} (${this.settings.command.join(' ')})`;
  }

  private client(args: string[]) {
    return runActionCommand(this.execPrefix, [...this.settings.command, ...args]);
  }

  async check(): Promise<string[]> {
    const r = await this.client(['status', this.settings.jail]);
    if (r.status === 0) return [];
    return [
      `fail2ban: ${commandFailure(r)} (the jail must exist: see docs/watch.md for a [${this.settings.jail}] jail with bantime = -1)`,
    ];
  }

  async perform(ops: readonly ActionOp[]): Promise<OpOutcome[]> {
    const outcomes: OpOutcome[] = new Array(ops.length);
    // Unbans first: a ban replaced in the same batch (unban the old, ban the new) must end banned.
    for (const op of ['unban', 'ban'] as const) {
      const indexes = ops.flatMap((o, i) => (o.op === op ? [i] : []));
      if (indexes.length === 0) continue;
      const targets = [...new Set(indexes.map((i) => ops[i]!.ban.target))];
      const r = await this.client([
        'set',
        this.settings.jail,
        op === 'ban' ? 'banip' : 'unbanip',
        ...targets,
      ]);
      const outcome: OpOutcome =
        r.status === 0 ? { kind: 'done' } : { kind: 'failed', error: commandFailure(r) };
      for (const i of indexes) outcomes[i] = outcome;
    }
    return outcomes.length === ops.length && outcomes.every(Boolean)
      ? outcomes
      : allOutcomes(ops, { kind: 'failed', error: 'internal: not every operation was performed' });
  }

  async held(): Promise<Set<string> | null> {
    const r = await this.client(['get', this.settings.jail, 'banip']);
    if (r.status !== 0) return null;
    return new Set(r.output.split(/\s+/).filter((w) => w !== ''));
  }
}
