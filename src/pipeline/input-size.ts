import { stat } from 'node:fs/promises';
import { expandInputs } from '../ingest/paths.js';

/** Below this many input bytes, starting worker threads costs more than it saves. */
export const PARALLEL_FROM_BYTES = 16 * 1024 * 1024;

/** Total size on disk of the inputs (stdin counts as large: it may be). */
export async function inputBytes(inputs: string[]): Promise<number> {
  if (inputs.includes('-')) return Number.POSITIVE_INFINITY;
  const { files } = await expandInputs(inputs);
  let total = 0;
  for (const f of files) total += f.size ?? (await stat(f.path).catch(() => ({ size: 0 }))).size;
  return total;
}
