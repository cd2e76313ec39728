import type { Writable } from 'node:stream';
import { type ActionOp, type BanAction, banJson, type OpOutcome } from './action.js';

/**
 * A JSON line on standard output per ban applied or lifted, for scripts that
 * read the watcher's output. The line carries the ban's id: after a crash the
 * same line may be printed again, and the id tells a reader it is the same ban.
 */
export class StdoutAction implements BanAction {
  readonly name = 'stdout' as const;

  constructor(private readonly out: Writable) {}

  describe(): string {
    return 'a JSON line on standard output per ban and unban';
  }

  async perform(ops: readonly ActionOp[]): Promise<OpOutcome[]> {
    for (const { op, ban } of ops) this.out.write(`${JSON.stringify({ action: op, ...banJson(ban) })}\n`);
    return ops.map(() => ({ kind: 'done' }) as const);
  }
}
