// Compares what `mailwarden events` read from the real daemons' logs with what
// the attack driver did (its ground truth, never read back from the logs).
import type { RunStats, SecurityEvent } from '../../src/index.js';
import type { GroundTruth, ScenarioTruth } from './ground-truth.js';

/** How many events of a class one scenario must produce, in terms of what the driver recorded. */
const COUNT_RULES: Record<string, (s: ScenarioTruth) => number | null> = {
  'tls-handshake-failure': (s) => s.connections,
  pregreet: (s) => s.attempts,
  'postscreen-bare-newline': (s) => s.attempts,
  'postscreen-pipelining': (s) => s.attempts,
  'postscreen-non-smtp': (s) => s.attempts,
  'sasl-auth-failure': (s) => (s.attemptUnit === 'smtp-auth' ? s.attempts : null),
  'auth-unknown-user': (s) => (s.attemptUnit === 'smtp-auth' ? s.attempts : null),
  'auth-password-mismatch': (s) => (s.attemptUnit === 'smtp-auth' ? s.attempts : null),
  'mail-login-failure': (s) => (s.attemptUnit === 'mailbox-login' ? s.connections : null),
  'relay-denied': (s) => s.attempts,
  'unknown-recipient': (s) => s.attempts,
};

/** Kinds in the ground truth that are findings of later stages, not event classes. */
const DETECTION_KINDS = new Set(['account-compromise']);

export interface Comparison {
  problems: string[];
  /** Per class: events seen from the scenarios' addresses, and what the driver's record says. */
  figures: { cls: string; expected: number | string; seen: number }[];
}

export function compareWithTruth(events: SecurityEvent[], stats: RunStats, truth: GroundTruth): Comparison {
  const problems: string[] = [];
  const figures: Comparison['figures'] = [];
  const byClass = new Map<string, SecurityEvent[]>();
  for (const e of events) {
    const list = byClass.get(e.class) ?? [];
    list.push(e);
    byClass.set(e.class, list);
  }

  // Nothing the daemons wrote may be left unrecognised or malformed.
  if (stats.totals.unrecognised > 0 || stats.totals.malformed > 0) {
    problems.push(
      `unrecognised ${stats.totals.unrecognised}, malformed ${stats.totals.malformed}: ${stats.unrecognisedShapes.map((s) => `${s.shape} (${s.example})`).join('; ')}`,
    );
  }

  // Each event class the driver provoked comes from exactly the addresses that provoked it.
  const kinds = new Set(
    truth.scenarios.flatMap((s) => s.expectedKind).filter((k) => !DETECTION_KINDS.has(k)),
  );
  for (const kind of kinds) {
    const expected = new Set(
      truth.scenarios.filter((s) => s.expectedKind.includes(kind as never)).flatMap((s) => s.addresses),
    );
    const seen = new Set((byClass.get(kind) ?? []).map((e) => e.ip ?? '(none)'));
    const missing = [...expected].filter((a) => !seen.has(a));
    const extra = [...seen].filter((a) => !expected.has(a));
    if (missing.length > 0) problems.push(`${kind}: no event from ${missing.join(', ')}`);
    if (extra.length > 0)
      problems.push(`${kind}: events from addresses the driver did not use for it: ${extra.join(', ')}`);
  }

  // Counts, scenario by scenario.
  for (const scenario of truth.scenarios) {
    const addresses = new Set(scenario.addresses);
    for (const kind of scenario.expectedKind) {
      if (DETECTION_KINDS.has(kind)) continue;
      const rule = COUNT_RULES[kind];
      const expected = rule ? rule(scenario) : null;
      const seen = (byClass.get(kind) ?? []).filter((e) => e.ip !== undefined && addresses.has(e.ip));
      figures.push({ cls: `${scenario.id} ${kind}`, expected: expected ?? 'at least 1', seen: seen.length });
      if (expected === null) {
        if (seen.length === 0) problems.push(`${scenario.id}: no ${kind} event`);
      } else if (seen.length !== expected) {
        problems.push(`${scenario.id}: ${seen.length} ${kind} events, the driver made ${expected}`);
      }
      if (kind === 'mail-login-failure' && scenario.attemptUnit === 'mailbox-login') {
        const attempts = seen.reduce((sum, e) => sum + Number(e.detail ?? 0), 0);
        if (attempts !== scenario.attempts)
          problems.push(
            `${scenario.id}: failed-login attempts logged ${attempts}, the driver made ${scenario.attempts}`,
          );
      }
    }
    if (scenario.expectedKind.includes('account-compromise'))
      problems.push(...checkCompromise(scenario, events));
  }

  // The innocent are left alone.
  const legitimate = new Set(truth.legitimateAddresses);
  for (const e of events) {
    if (e.tier === 'attack' && e.ip !== undefined && legitimate.has(e.ip)) {
      problems.push(`legitimate ${e.ip} appears in an attack event: ${e.class} at ${e.source}`);
    }
  }
  const legitSuccesses = events.filter(
    (e) =>
      e.ip !== undefined &&
      legitimate.has(e.ip) &&
      (e.class === 'sasl-auth-success' || e.class === 'mail-login-success' || e.class === 'smtp-client'),
  );
  if (legitSuccesses.length === 0)
    problems.push('no benign event from the legitimate clients: was --all set?');

  // Times lie within the run (a clock-zone or year mistake would move them by hours or years).
  const from = Date.parse(truth.startedAt) - 2000;
  const to = Date.parse(truth.finishedAt) + 5000;
  const outside = events.filter(
    (e) => !e.class.startsWith('fail2ban') && (Date.parse(e.ts) < from || Date.parse(e.ts) > to),
  );
  if (outside.length > 0)
    problems.push(
      `${outside.length} events outside the run's time window, e.g. ${outside[0]!.ts} at ${outside[0]!.source}`,
    );

  return { problems, figures };
}

/** The compromised account: failures for the user from the address, then a success for the same user. */
function checkCompromise(scenario: ScenarioTruth, events: SecurityEvent[]): string[] {
  const address = scenario.addresses[0]!;
  const user = scenario.users?.[0];
  const mine = events.filter((e) => e.ip === address);
  const firstSuccess = mine.findIndex(
    (e) => (e.class === 'sasl-auth-success' || e.class === 'mail-login-success') && e.user === user,
  );
  if (firstSuccess < 0) return [`${scenario.id}: no successful login of ${user} from ${address}`];
  const failuresBefore = mine
    .slice(0, firstSuccess)
    .filter((e) => e.tier === 'attack' && (e.user === undefined || e.user === user));
  return failuresBefore.length === 0
    ? [`${scenario.id}: no failure before the successful login of ${user}`]
    : [];
}
