import type { Finding } from '../findings/finding.js';
import { openBlocks } from '../ingest/chunks.js';

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
    const numbers = [...lines.keys()].sort((a, b) => a - b);
    let next = 0;
    let lineNo = 0;
    let carry: Buffer[] = [];
    const found = (bytes: Buffer) => {
      const text = bytes.toString('utf8');
      for (const ev of lines.get(lineNo)!) ev.line = text.endsWith('\r') ? text.slice(0, -1) : text;
      next++;
    };
    try {
      // Newlines are counted on the bytes; only the wanted lines are decoded.
      for await (const chunk of await openBlocks(file)) {
        let start = 0;
        for (let nl = chunk.indexOf(10); nl >= 0 && next < numbers.length; nl = chunk.indexOf(10, start)) {
          lineNo++;
          if (lineNo === numbers[next]) found(Buffer.concat([...carry, chunk.subarray(start, nl)]));
          carry = [];
          start = nl + 1;
        }
        if (next >= numbers.length) break;
        if (start < chunk.length) carry.push(Buffer.from(chunk.subarray(start)));
      }
      lineNo++;
      if (next < numbers.length && lineNo === numbers[next] && carry.length > 0) found(Buffer.concat(carry));
    } catch {
      // The file changed or vanished since it was read: the evidence keeps its file:line.
    }
  }
  for (const f of findings) f.evidence = f.evidence.filter((e) => e.line !== '' || e.source !== '');
}
