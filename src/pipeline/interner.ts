/**
 * One flat copy of each address and user name the analysis keeps. In V8 a substring
 * of 13 characters or more is a view into its parent string, so a per-address map
 * whose keys are substrings of log lines holds every line that first named an address
 * or a user. The copy is made once per distinct value; later events get the same
 * string, its hash already computed. Bounded: past its size it starts over (the
 * strings already handed out stay flat).
 */
export class Interner {
  private readonly known = new Map<string, string>();

  constructor(private readonly limit = 1 << 18) {}

  get(text: string): string {
    // V8 copies substrings shorter than this (SlicedString::kMinLength): they hold no line.
    if (text.length < 13) return text;
    const hit = this.known.get(text);
    if (hit !== undefined) return hit;
    const flat = Buffer.from(text, 'utf8').toString('utf8');
    if (this.known.size >= this.limit) this.known.clear();
    this.known.set(flat, flat);
    return flat;
  }
}
