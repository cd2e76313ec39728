import { prefixedCommand } from '../../mitigate/command-line.js';
import { runStep, type StepResult } from '../../mitigate/reload.js';

/** Runs an action's command (argv, each word quoted) behind the optional exec prefix. */
export function runActionCommand(
  execPrefix: string | null,
  argv: readonly string[],
  timeoutMs = 30_000,
): Promise<StepResult & { command: string }> {
  const command = prefixedCommand(execPrefix ?? undefined, argv);
  return runStep(command, timeoutMs).then((r) => ({ ...r, command }));
}

/** A failed command as one line for the state and the decision log. */
export function commandFailure(result: StepResult & { command: string }): string {
  const output = result.output.replace(/\s+/g, ' ').trim().slice(0, 400);
  return `${result.command}: exit ${result.status}${output ? `: ${output}` : ''}`;
}
