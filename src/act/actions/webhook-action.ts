import type { WebhookActionSettings } from '../settings/types.js';
import { type ActionOp, type BanAction, banJson, type OpOutcome } from './action.js';

/**
 * POSTs each ban and unban as JSON. The `Idempotency-Key` header (and the `id`
 * in the body) is the same when a delivery is repeated after a failure or a
 * crash, so the receiver can tell a repeat from a new ban.
 */
export class WebhookAction implements BanAction {
  readonly name = 'webhook' as const;

  constructor(private readonly settings: WebhookActionSettings) {}

  describe(): string {
    return `webhook ${new URL(this.settings.url).origin}`;
  }

  async perform(ops: readonly ActionOp[]): Promise<OpOutcome[]> {
    const outcomes: OpOutcome[] = [];
    for (const op of ops) outcomes.push(await this.deliver(op));
    return outcomes;
  }

  private async deliver({ op, ban }: ActionOp): Promise<OpOutcome> {
    const body = JSON.stringify({
      event: op,
      id: `${ban.id}-${op}`,
      ban: banJson(ban),
    });
    try {
      const response = await fetch(this.settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'mailwarden-watch',
          'idempotency-key': `mailwarden-${ban.id}-${op}`,
          ...this.settings.headers,
        },
        body,
        signal: AbortSignal.timeout(this.settings.timeout),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { kind: 'done' };
      return { kind: 'failed', error: `webhook answered ${response.status} ${response.statusText}` };
    } catch (error) {
      const cause = (error as { cause?: Error }).cause;
      return {
        kind: 'failed',
        error: `webhook: ${(error as Error).message}${cause ? `: ${cause.message}` : ''}`,
      };
    }
  }
}
