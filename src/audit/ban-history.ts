import { StateStore } from '../act/state/state-store.js';
import type { Finding } from '../findings/finding.js';

/** One ban of the watcher's state, as the report shows it. */
export interface BanHistoryEntry {
  target: string;
  origin: 'watch' | 'subnet' | 'manual';
  rule: string | null;
  reason: string;
  level: number;
  created: string;
  expires: string;
  lifted: string | null;
  liftReason: string | null;
  /** What each action did with it: `fail2ban ban done`, `postfix-map ban failed (5 attempts: ...)`. */
  actions: {
    action: string;
    op: 'ban' | 'unban';
    state: string;
    attempts: number;
    lastError: string | null;
  }[];
}

/** `audit --state FILE`: what `mailwarden watch` decided, and whether its actions carried it out. */
export interface BanHistory {
  state: string;
  total: number;
  active: number;
  /** The newest bans, at most HISTORY_SHOWN. */
  bans: BanHistoryEntry[];
}

export const HISTORY_SHOWN = 500;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Reads the history from a watcher's state file without changing it. */
export function readBanHistory(path: string): BanHistory {
  const store = new StateStore(path, { readonly: true });
  try {
    const { total, active } = store.banCounts();
    const bans = store.history(HISTORY_SHOWN).map((b) => ({
      target: b.target,
      origin: b.origin,
      rule: b.rule,
      reason: b.reason,
      level: b.level,
      created: iso(b.created),
      expires: iso(b.expires),
      lifted: b.lifted === null ? null : iso(b.lifted),
      liftReason: b.liftReason,
      actions: store
        .tasksOf(b.id)
        .filter((t) => t.state !== 'cancelled')
        .map(({ action, op, state, attempts, lastError }) => ({ action, op, state, attempts, lastError })),
    }));
    return { state: path, total, active, bans };
  } finally {
    store.close();
  }
}

/**
 * A finding when bans in force were never applied by an action that gave up
 * (the same failure as fail2ban's unenforced bans, for the watcher).
 */
export function banHistoryFindings(history: BanHistory): Finding[] {
  const failing = history.bans.filter(
    (b) => b.lifted === null && b.actions.some((a) => a.op === 'ban' && a.state === 'failed'),
  );
  if (failing.length === 0) return [];
  const actions = [
    ...new Set(failing.flatMap((b) => b.actions.filter((a) => a.state === 'failed').map((a) => a.action))),
  ];
  const errors = [
    ...new Set(
      failing.flatMap((b) => b.actions.map((a) => a.lastError).filter((e): e is string => e !== null)),
    ),
  ];
  return [
    {
      id: 'watch-bans-not-enforced',
      kind: 'issue',
      title: `${failing.length} bans of mailwarden watch were never applied (${actions.join(', ')})`,
      severity: 'high',
      severityRule:
        'high: the watcher decided the ban but the action gave up after its retries, so the attacker is not blocked',
      status: 'open',
      description: [
        `${failing.length} ban${failing.length === 1 ? '' : 's'} in force in ${history.state} ${failing.length === 1 ? 'has' : 'have'} an action that failed every retry:`,
        ...failing.slice(0, 20).map(
          (b) =>
            `- ${b.target}: ${b.actions
              .filter((a) => a.state === 'failed')
              .map((a) => `${a.action} after ${a.attempts} attempts`)
              .join(', ')}`,
        ),
        ...(errors.length > 0 ? ['', `Last errors: ${errors.slice(0, 5).join('; ')}.`] : []),
      ].join('\n'),
      sources: failing.map((b) => ({
        source: b.target,
        kind: b.target.includes('/') ? 'subnet' : 'address',
        count: 1,
        first: b.created,
        last: b.created,
      })),
      evidence: [],
      evidenceFrom: 'configuration',
      rootCause:
        'An action command failed on every attempt (a missing jail, a command not installed, a map the watcher may not write, a webhook that refuses).',
      recommendation: {
        summary:
          'Fix what the last error names, then restart the watcher: at start it queues every ban in force again for every enabled action.',
        dockerMailserver: ['mailwarden bans list', 'systemctl restart mailwarden-watch'],
        plainHost: ['mailwarden bans list', 'systemctl restart mailwarden-watch'],
      },
      metrics: { bansNotApplied: failing.length, bansInForce: history.active },
    },
  ];
}
