import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail2banCorpusDir } from '../support/paths.js';

/** One log line of fail2ban's sample corpus with the expectation written above it. */
export interface AnnotatedLine {
  lineNo: number;
  text: string;
  match: boolean;
  host?: string;
  time?: string;
  user?: string;
  modes: string[];
}

const INSTRUCTION = /^#+ ?(failJSON|filterOptions|fileOptions|addFILE):(.+)$/;

/** Reads a corpus file in place, following the failJSON/filterOptions rules of its README. */
export function readAnnotated(name: string): { lines: AnnotatedLine[]; physicalLines: number } {
  const text = readFileSync(join(fail2banCorpusDir, name), 'utf8');
  const raw = text.split('\n');
  if (raw[raw.length - 1] === '') raw.pop();
  const lines: AnnotatedLine[] = [];
  let modes = ['default'];
  let pending: Record<string, unknown> | null = null;
  raw.forEach((line, index) => {
    const instruction = INSTRUCTION.exec(line);
    if (instruction) {
      const value = JSON.parse(instruction[2]!.trim()) as unknown;
      if (instruction[1] === 'failJSON') pending = value as Record<string, unknown>;
      else if (instruction[1] === 'filterOptions') {
        const sets = (Array.isArray(value) ? value : [value]) as Record<string, string>[];
        modes = sets.map((s) => s['mode'] ?? 'default');
      }
      return;
    }
    if (pending === null && (line.startsWith('#') || line.trim() === '')) return;
    const a: Record<string, unknown> = pending ?? {};
    pending = null;
    const entry: AnnotatedLine = { lineNo: index + 1, text: line, match: a['match'] === true, modes };
    if (typeof a['host'] === 'string') entry.host = a['host'];
    if (typeof a['time'] === 'string') entry.time = a['time'];
    if (typeof a['user'] === 'string') entry.user = a['user'];
    lines.push(entry);
  });
  return { lines, physicalLines: raw.length };
}
