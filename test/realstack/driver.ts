// Plays the attack scenarios and the legitimate traffic against a running
// stack, one scenario after the other, and returns the ground truth.
import { ATTACK_SCENARIOS, type Scenario } from './attack-scenarios.js';
import type { DriverContext } from './driver-context.js';
import { stockJailUnderstands } from './fail2ban-config.js';
import { compareAddresses, type GroundTruth, type ScenarioTruth } from './ground-truth.js';
import { LEGITIMATE_SCENARIOS } from './legit-scenarios.js';
import type { Stack } from './stack.js';

export interface DriverOptions {
  /** Deadline of each network read/connect (default 10 s). */
  timeoutMs?: number;
  /** Called after each scenario. */
  progress?: (truth: ScenarioTruth) => void;
}

async function runAll(
  scenarios: readonly Scenario[],
  ctx: DriverContext,
  progress: (t: ScenarioTruth) => void,
): Promise<ScenarioTruth[]> {
  const out: ScenarioTruth[] = [];
  for (const scenario of scenarios) {
    const truth = await scenario(ctx);
    progress(truth);
    out.push(truth);
  }
  return out;
}

/** What a client needs to talk to the stack. */
export function stackContext(stack: Stack, timeoutMs = 10_000): DriverContext {
  return {
    target: {
      listenAddress: stack.listenAddress,
      hostname: stack.hostname,
      domain: stack.domain,
      ports: stack.ports,
      users: stack.users,
    },
    timeoutMs,
  };
}

export async function runAttacks(stack: Stack, options: DriverOptions = {}): Promise<GroundTruth> {
  const ctx = stackContext(stack, options.timeoutMs);
  const progress = options.progress ?? (() => {});
  const startedAt = new Date().toISOString();
  const scenarios = (await runAll(ATTACK_SCENARIOS, ctx, progress)).map((truth) => {
    const jail = truth.expectedFail2banJail;
    if (jail && !stockJailUnderstands(jail, stack.dovecotSyntax)) delete truth.expectedFail2banJail;
    return truth;
  });
  const legitimate = await runAll(LEGITIMATE_SCENARIOS, ctx, progress);
  const legitimateAddresses = [...new Set(legitimate.flatMap((l) => l.addresses))].sort(compareAddresses);
  const attackAddresses = new Set(scenarios.flatMap((s) => s.addresses));
  const shared = legitimateAddresses.filter((a) => attackAddresses.has(a));
  if (shared.length > 0)
    throw new Error(`legitimate and attack traffic share addresses: ${shared.join(', ')}`);
  return {
    formatVersion: 1,
    layout: stack.layout,
    startedAt,
    finishedAt: new Date().toISOString(),
    stack: {
      hostname: stack.hostname,
      domain: stack.domain,
      listenAddress: stack.listenAddress,
      ports: stack.ports,
      versions: stack.versions,
      trustedNetworks: ['127.0.0.1/32'],
    },
    scenarios,
    legitimate,
    legitimateAddresses,
  };
}
