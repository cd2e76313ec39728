import { maxOf } from '../detect/extremes.js';
import type { Finding } from '../findings/finding.js';
import { openChunks } from '../ingest/chunks.js';

/**
 * Fills in evidence lines that detectors kept only as `file:line` (to stay small
 * while most candidates turn out innocent), by reading those lines back.
 */
export async function fillEvidenceLines(findings: Finding[]): Promise<void> {
  const wanted = new Map<string, Map<number, { line: string }[]>>();
  for (const f of findings) {
    for (const ev of f.evidence) {
      if (ev.line !== '') continue;
      const colon = ev.source.lastIndexOf(':');
      const file = ev.source.slice(0, colon);
      const lineNo = Number(ev.source.slice(colon + 1));
      if (!file || !Number.isInteger(lineNo) || file === '(stdin)') continue;
      const lines = wanted.get(file) ?? new Map();
      lines.set(lineNo, [...(lines.get(lineNo) ?? []), ev]);
      wanted.set(file, lines);
    }
  }
  for (const [file, lines] of wanted) {
    const last = maxOf(lines.keys());
    let lineNo = 0;
    let carry = '';
    try {
      for await (const chunk of await openChunks(file)) {
        const parts = (carry + chunk.toString('utf8')).split('\n');
        carry = parts.pop() ?? '';
        for (const text of parts) {
          lineNo++;
          for (const ev of lines.get(lineNo) ?? []) ev.line = text.replace(/\r$/, '');
        }
        if (lineNo >= last) break;
      }
      if (carry && lineNo + 1 <= last) for (const ev of lines.get(lineNo + 1) ?? []) ev.line = carry;
    } catch {
      // The file changed or vanished since it was read: the evidence keeps its file:line.
    }
  }
  for (const f of findings) f.evidence = f.evidence.filter((e) => e.line !== '' || e.source !== '');
}
