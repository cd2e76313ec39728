/**
 * The part of a file the user also edits that mitigate owns: a block between
 * two marker lines, named for what it holds, replaced on every run and
 * appended when absent. Everything outside stays byte for byte.
 */
const begin = (name: string) =>
  `# >>> mailwarden mitigate: ${name} (generated: edits inside are replaced on the next run)`;
const end = (name: string) => `# <<< mailwarden mitigate: ${name}`;

export function withBlock(text: string | null, name: string, lines: readonly string[]): string {
  const body = `${begin(name)}\n${lines.join('\n')}\n${end(name)}\n`;
  if (text === null || text === '') return body;
  const start = text.indexOf(begin(name));
  const stop = text.indexOf(end(name), start);
  if (start >= 0 && stop > start)
    return text.slice(0, start) + body + text.slice(stop + end(name).length + 1);
  return `${text}${text.endsWith('\n') ? '' : '\n'}\n${body}`;
}
