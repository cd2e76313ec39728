import { type Cidr, formatCidr, parseCidr } from './cidr.js';

/**
 * The reject map is a Postfix `cidr:` table. mitigate owns one block of it,
 * between these two lines, and rewrites only that block; every line outside
 * it is the administrator's and stays exactly as written.
 */
export const BLOCK_BEGIN =
  '# >>> mailwarden mitigate: generated entries, rewritten on every run (keep your own lines outside this block)';
export const BLOCK_END = '# <<< mailwarden mitigate';
const BEGIN_KEY = '# >>> mailwarden mitigate';
const END_KEY = '# <<< mailwarden mitigate';
/**
 * `mailwarden watch` keeps its live bans in a block of its own in the same map,
 * so that one wiring serves both; mitigate leaves that block alone and does not
 * read its lines as the administrator's.
 */
export const WATCH_BEGIN =
  '# >>> mailwarden watch: live bans, rewritten by the watcher (keep your own lines outside this block)';
export const WATCH_END = '# <<< mailwarden watch';
const WATCH_BEGIN_KEY = '# >>> mailwarden watch';
const WATCH_END_KEY = '# <<< mailwarden watch';
/** Marks the comment of an entry kept from an earlier run that the logs read now do not show. */
export const NOT_SEEN = '[not in these logs] ';

/** A `pattern result` line of the administrator's part of the map. */
export interface UserEntry {
  cidr: Cidr;
  result: string;
  /** 1-based line in the file. */
  line: number;
}

/** An entry of mitigate's block, with the text of its comment (without `# <network>: `). */
export interface GeneratedEntry {
  cidr: Cidr;
  note: string | null;
}

export interface ParsedMap {
  /** Lines before the block (the whole file when it has none), and after it. */
  head: string[];
  tail: string[];
  hasBlock: boolean;
  userEntries: UserEntry[];
  generated: GeneratedEntry[];
}

export class MapFormatError extends Error {}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function entryOf(line: string): { cidr: Cidr; result: string } | null {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return null;
  const m = /^(\S+)\s+(.*)$/.exec(t);
  if (!m) return null;
  const cidr = parseCidr(m[1]!);
  return cidr ? { cidr, result: m[2]!.trim() } : null;
}

/** Reads a map file (empty text for a file that does not exist yet). */
export function parseMap(text: string, file: string): ParsedMap {
  const lines = splitLines(text);
  const begin = lines.findIndex((l) => l.trim().startsWith(BEGIN_KEY));
  const end = lines.findIndex((l, i) => i > begin && l.trim().startsWith(END_KEY));
  if (begin >= 0 && end < 0)
    throw new MapFormatError(
      `${file}:${begin + 1}: mitigate's block starts here but its end line "${BLOCK_END}" is missing; restore it (or remove the block) by hand`,
    );
  if (begin < 0 && lines.some((l) => l.trim().startsWith(END_KEY)))
    throw new MapFormatError(`${file}: mitigate's block has an end line but no start line; fix it by hand`);
  const head = begin >= 0 ? lines.slice(0, begin) : lines;
  const block = begin >= 0 ? lines.slice(begin + 1, end) : [];
  const tail = begin >= 0 ? lines.slice(end + 1) : [];
  const userEntries: UserEntry[] = [];
  const collect = (part: string[], offset: number) => {
    let inWatch = false;
    part.forEach((l, i) => {
      const t = l.trim();
      if (t.startsWith(WATCH_BEGIN_KEY)) inWatch = true;
      else if (t.startsWith(WATCH_END_KEY)) inWatch = false;
      if (inWatch) return;
      const e = entryOf(l);
      if (e) userEntries.push({ ...e, line: offset + i + 1 });
    });
  };
  collect(head, 0);
  collect(tail, end + 1);
  const generated: GeneratedEntry[] = [];
  block.forEach((l, i) => {
    const e = entryOf(l);
    if (!e) return;
    const prefix = `# ${formatCidr(e.cidr)}: `;
    const previous = i > 0 ? block[i - 1]!.trim() : '';
    let note = previous.startsWith(prefix) ? previous.slice(prefix.length) : null;
    if (note?.startsWith(NOT_SEEN)) note = note.slice(NOT_SEEN.length);
    generated.push({ cidr: e.cidr, note });
  });
  return { head, tail, hasBlock: begin >= 0, userEntries, generated };
}

/** What a user entry's result means for mitigate. */
export function userEntryKind(result: string): 'reject' | 'permit' | 'other' {
  if (/^(REJECT|DENY)\b/i.test(result) || /^5\d\d(\s|$)/.test(result)) return 'reject';
  if (/^(OK|PERMIT|DUNNO)\b/i.test(result) || /^\d+$/.test(result)) return 'permit';
  return 'other';
}

export interface BlockLine {
  cidr: Cidr;
  /** The comment, without `# <network>: `; single line, never log text. */
  note: string;
  /** Written with NOT_SEEN before the note. */
  notSeen: boolean;
}

/** Renders mitigate's block (markers included) from a header and entries. */
export function renderBlock(header: readonly string[], entries: readonly BlockLine[]): string[] {
  const lines = [BLOCK_BEGIN, ...header.map((h) => (h === '' ? '#' : `# ${h}`))];
  if (entries.length > 0 && header.length > 0) lines.push('#');
  for (const e of entries) {
    const net = formatCidr(e.cidr);
    lines.push(`# ${net}: ${e.notSeen ? NOT_SEEN : ''}${e.note.replace(/[\r\n]+/g, ' ')}`);
    lines.push(`${net} REJECT`);
  }
  lines.push(BLOCK_END);
  return lines;
}

/** The whole file with its block replaced (or, when it had none, appended after a blank line). */
export function replaceBlock(parsed: ParsedMap, block: readonly string[]): string {
  const head = [...parsed.head];
  if (!parsed.hasBlock && head.length > 0 && head.at(-1)!.trim() !== '') head.push('');
  return `${[...head, ...block, ...parsed.tail].join('\n')}\n`;
}

/**
 * The map with the watcher's block replaced by `lines` (markers added), or
 * appended when absent; every other line stays as it was. An empty list keeps
 * an empty block, so the file's shape does not flap as bans come and go.
 */
export function replaceWatchBlock(text: string, file: string, lines: readonly string[]): string {
  const all = splitLines(text);
  const begin = all.findIndex((l) => l.trim().startsWith(WATCH_BEGIN_KEY));
  const end = all.findIndex((l, i) => i > begin && l.trim().startsWith(WATCH_END_KEY));
  if (begin >= 0 && end < 0)
    throw new MapFormatError(
      `${file}:${begin + 1}: the watcher's block starts here but its end line "${WATCH_END}" is missing; restore it (or remove the block) by hand`,
    );
  const block = [WATCH_BEGIN, ...lines, WATCH_END];
  if (begin < 0) {
    const head = [...all];
    if (head.length > 0 && head.at(-1)!.trim() !== '') head.push('');
    return `${[...head, ...block].join('\n')}\n`;
  }
  return `${[...all.slice(0, begin), ...block, ...all.slice(end + 1)].join('\n')}\n`;
}
