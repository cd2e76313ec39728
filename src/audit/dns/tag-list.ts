/**
 * The `tag=value; tag=value` lists of DKIM key records (RFC 6376 3.2) and DMARC
 * records (RFC 7489 6.3), parsed and nothing more: values are returned as
 * written, with surrounding whitespace removed.
 */
export type TagList =
  | { ok: true; tags: ReadonlyMap<string, string>; order: readonly string[] }
  | { ok: false; reason: string };

const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function parseTagList(text: string): TagList {
  const tags = new Map<string, string>();
  const order: string[] = [];
  const specs = text.split(';');
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    // An empty spec is tolerated anywhere: a trailing `;` is allowed, and `;;` is a common slip.
    if (spec.trim() === '') continue;
    const eq = spec.indexOf('=');
    if (eq < 0) return { ok: false, reason: `tag ${i + 1} has no "="` };
    const name = spec.slice(0, eq).trim();
    if (!TAG_NAME.test(name)) return { ok: false, reason: `tag ${i + 1} has an invalid name` };
    // Duplicate tags make the whole list invalid (RFC 6376 3.2).
    if (tags.has(name)) return { ok: false, reason: `tag "${name}" occurs twice` };
    tags.set(name, spec.slice(eq + 1).trim());
    order.push(name);
  }
  return { ok: true, tags, order };
}

/** Whitespace (FWS) removed: how base64 values such as DKIM's `p=` are compared. */
export function withoutWhitespace(value: string): string {
  return value.replace(/\s+/g, '');
}
