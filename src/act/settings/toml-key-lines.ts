/**
 * The line of each key of a TOML document. smol-toml gives positions only for
 * syntax errors, so the source is scanned again: table headers (`[a.b]`,
 * `[[rules]]`, counted per array of tables) and `key =` lines within them.
 * Values are skipped, strings and multi-line arrays included; keys inside an
 * inline table resolve to the line of the key that holds the table. The
 * document has already parsed, so the scan can trust its syntax.
 */
import type { SettingsPath } from './problems.js';

const BARE_KEY = /[A-Za-z0-9_-]+/y;

class KeyLineScanner {
  private position = 0;
  private line = 1;
  private table: (string | number)[] = [];
  /** How many `[[x]]` tables each array of tables has had so far. */
  private readonly arrayLengths = new Map<string, number>();
  /** Lines of keys and headers as written... */
  readonly explicit = new Map<string, number>();
  /** ...and of the tables they create on the way (`a` of `[a.b]`), used when a table has no header of its own. */
  readonly implicit = new Map<string, number>();

  constructor(private readonly text: string) {}

  scan(): void {
    for (;;) {
      this.skipBlankLines();
      if (this.position >= this.text.length) return;
      const line = this.line;
      if (this.text.startsWith('[[', this.position)) {
        this.position += 2;
        const parts = this.keyParts();
        if (parts) this.header(parts, true, line);
      } else if (this.text[this.position] === '[') {
        this.position += 1;
        const parts = this.keyParts();
        if (parts) this.header(parts, false, line);
      } else {
        const parts = this.keyParts();
        if (parts && this.text[this.position] === '=') {
          this.position += 1;
          this.record([...this.table, ...parts], line);
          this.skipValue();
        }
      }
      this.skipToEndOfLine();
    }
  }

  private header(parts: string[], isArray: boolean, line: number): void {
    const path: (string | number)[] = [];
    for (const [index, part] of parts.entries()) {
      path.push(part);
      const id = JSON.stringify(path);
      const length = this.arrayLengths.get(id);
      if (isArray && index === parts.length - 1) {
        this.arrayLengths.set(id, (length ?? 0) + 1);
        path.push(length ?? 0);
      } else if (length !== undefined) {
        // `[a.b]` after `[[a]]` is a table inside a's latest element.
        path.push(length - 1);
      }
    }
    this.record(path, line);
    this.table = path;
  }

  private record(path: (string | number)[], line: number): void {
    const id = JSON.stringify(path);
    if (!this.explicit.has(id)) this.explicit.set(id, line);
    for (let length = 1; length < path.length; length++) {
      const prefix = JSON.stringify(path.slice(0, length));
      if (!this.implicit.has(prefix)) this.implicit.set(prefix, line);
    }
  }

  /** `a.b`, `"a.b".c`, `'x'`, with blanks around the dots; the position ends after trailing blanks. */
  private keyParts(): string[] | null {
    const parts: string[] = [];
    for (;;) {
      this.skipSpaces();
      const part = this.keyPart();
      if (part === null) return null;
      parts.push(part);
      this.skipSpaces();
      if (this.text[this.position] !== '.') return parts;
      this.position += 1;
    }
  }

  private keyPart(): string | null {
    const quote = this.text[this.position];
    if (quote === '"' || quote === "'") {
      const start = this.position;
      this.skipString();
      const raw = this.text.slice(start, this.position);
      return quote === "'" ? raw.slice(1, -1) : decodeBasicString(raw);
    }
    BARE_KEY.lastIndex = this.position;
    const match = BARE_KEY.exec(this.text);
    if (!match) return null;
    this.position = BARE_KEY.lastIndex;
    return match[0];
  }

  /** A value ends at the first line break outside strings and brackets. */
  private skipValue(): void {
    let depth = 0;
    while (this.position < this.text.length) {
      const char = this.text[this.position];
      if (char === '"' || char === "'") {
        this.skipString();
        continue;
      }
      if (char === '#') {
        this.skipToEndOfLine();
        continue;
      }
      if (char === '\n') {
        if (depth === 0) return;
        this.line += 1;
      } else if (char === '[' || char === '{') depth += 1;
      else if (char === ']' || char === '}') depth -= 1;
      this.position += 1;
    }
  }

  /** From an opening quote to just after the closing one, single-line or triple-quoted. */
  private skipString(): void {
    const quote = this.text[this.position]!;
    const triple = quote.repeat(3);
    const multiline = this.text.startsWith(triple, this.position);
    this.position += multiline ? 3 : 1;
    while (this.position < this.text.length) {
      const char = this.text[this.position];
      if (char === '\\' && quote === '"') {
        this.position += 1;
        if (this.text[this.position] === '\n') this.line += 1;
        this.position += 1;
        continue;
      }
      if (char === '\n') {
        if (!multiline) return;
        this.line += 1;
      } else if (multiline && this.text.startsWith(triple, this.position)) {
        this.position += 3;
        // Up to two quotes may end the content right before the closing three.
        for (let extra = 0; extra < 2 && this.text[this.position] === quote; extra++) this.position += 1;
        return;
      } else if (!multiline && char === quote) {
        this.position += 1;
        return;
      }
      this.position += 1;
    }
  }

  private skipSpaces(): void {
    while (this.text[this.position] === ' ' || this.text[this.position] === '\t') this.position += 1;
  }

  private skipBlankLines(): void {
    while (this.position < this.text.length) {
      const char = this.text[this.position];
      if (char === '\n') this.line += 1;
      else if (char === '#') {
        this.skipToEndOfLine();
        continue;
      } else if (char !== ' ' && char !== '\t' && char !== '\r') return;
      this.position += 1;
    }
  }

  private skipToEndOfLine(): void {
    const end = this.text.indexOf('\n', this.position);
    this.position = end < 0 ? this.text.length : end;
  }
}

function decodeBasicString(quoted: string): string {
  try {
    const value: unknown = JSON.parse(quoted);
    return typeof value === 'string' ? value : quoted.slice(1, -1);
  } catch {
    return quoted.slice(1, -1);
  }
}

/** A function from a settings path to the line of its key (or of the nearest enclosing key that has one). */
export function tomlKeyLines(text: string): (path: SettingsPath) => number | null {
  const scanner = new KeyLineScanner(text);
  scanner.scan();
  return (path) => {
    for (let length = path.length; length > 0; length--) {
      const id = JSON.stringify(path.slice(0, length));
      const line = scanner.explicit.get(id) ?? scanner.implicit.get(id);
      if (line !== undefined) return line;
    }
    return null;
  };
}
