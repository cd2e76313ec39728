import type { Writable } from 'node:stream';
import { escapeForTerminal } from '../../cli/terminal-escape.js';
import type { ActionOp, BanAction, OpOutcome } from './action.js';

/** `watch --dry-run`: says what an action would do, and does nothing. */
export class DryRunAction implements BanAction {
  readonly name;

  constructor(
    private readonly inner: BanAction,
    private readonly out: Writable,
  ) {
    this.name = inner.name;
  }

  describe(): string {
    return `${this.inner.describe()} (dry run: nothing is changed)`;
  }

  async perform(ops: readonly ActionOp[]): Promise<OpOutcome[]> {
    for (const { op, ban } of ops)
      this.out.write(
        `mailwarden: dry run: would ${op} ${escapeForTerminal(ban.target)} through ${escapeForTerminal(this.inner.describe())}\n`,
      );
    return ops.map(() => ({ kind: 'done' }) as const);
  }
}
