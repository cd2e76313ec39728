import { stat } from 'node:fs/promises';
import { expandInputs } from '../ingest/paths.js';

/** Below this many input bytes, starting worker threads costs more than it saves. */
export const PARALLEL_FROM_BYTES = 16 * 1024 * 1024;

/** Mail logs compress about eight to one: a .gz file stands for this much text. */
const GZIP_RATIO = 8;

/** Approximate text size of the inputs (stdin counts as large: it may be). */
export async function inputBytes(inputs: string[]): Promise<number> {
  if (inputs.includes('-')) return Number.POSITIVE_INFINITY;
  const { files } = await expandInputs(inputs);
  let total = 0;
  for (const f of files) {
    const size = f.size ?? (await stat(f.path).catch(() => ({ size: 0 }))).size;
    total += f.path.endsWith('.gz') ? size * GZIP_RATIO : size;
  }
  return total;
}
