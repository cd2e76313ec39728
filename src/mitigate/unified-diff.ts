import { structuredPatch } from 'diff';

/**
 * A unified diff of one file (3 lines of context), as `diff -u` and git print
 * it and `patch -p0` applies it: `--- a` / `+++ b` headers (`/dev/null` for a
 * file that does not exist yet), `@@ -l,n +l,n @@` hunks, and `\ No newline
 * at end of file` where a side lacks its last newline. Empty when equal.
 */
export function unifiedDiff(path: string, before: string | null, after: string | null): string {
  if (before === after) return '';
  const patch = structuredPatch(path, path, before ?? '', after ?? '', '', '', { context: 3 });
  if (patch.hunks.length === 0) return '';
  const out = [`--- ${before === null ? '/dev/null' : path}`, `+++ ${after === null ? '/dev/null' : path}`];
  for (const h of patch.hunks) {
    // A range of no lines names the line before it (0 at the start of the file).
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`, ...h.lines);
  }
  return `${out.join('\n')}\n`;
}
