import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { SettingsPath } from './problems.js';
import type { SettingsSource } from './source.js';

export function readYamlSource(text: string): SettingsSource {
  const lineCounter = new LineCounter();
  const lineAt = (offset: number) => Math.max(1, lineCounter.linePos(offset).line);
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => ({
        line: lineAt(error.pos[0]),
        key: '',
        message: `invalid YAML: ${error.message}`,
      })),
    };
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // Aliases beyond the expansion limit (a "billion laughs" document) throw here.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, problems: [{ line: null, key: '', message: `invalid YAML: ${message}` }] };
  }
  return { ok: true, data, lineOf: (path) => lineOfPath(document.contents, path, lineAt) };
}

/** The line of the deepest node along `path`: a mapping's key, or a sequence's item. */
function lineOfPath(
  root: Node | null,
  path: SettingsPath,
  lineAt: (offset: number) => number,
): number | null {
  let node: unknown = root;
  let line: number | null = null;
  for (const segment of path) {
    let found: { at: number | undefined; next: unknown } | null = null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair && isScalar(pair.key)) found = { at: pair.key.range?.[0], next: pair.value };
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (isScalar(item) || isMap(item) || isSeq(item)) found = { at: item.range?.[0], next: item };
    }
    if (found === null) break;
    if (found.at !== undefined) line = lineAt(found.at);
    node = found.next;
  }
  return line;
}
