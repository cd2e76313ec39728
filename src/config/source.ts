/** Where a configuration value came from: a file and the line its logical line starts on. */
export interface ConfigSource {
  file: string;
  line: number;
}

export function describeSource(s: ConfigSource): string {
  return `${s.file}:${s.line}`;
}

/** A configuration file that cannot be read as its daemon reads it. */
export class ConfigParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'ConfigParseError';
  }
}

/** A logical line of a file whose continuation lines start with whitespace. */
export interface LogicalLine {
  text: string;
  line: number;
}

/**
 * Postfix's reading of main.cf and master.cf: a line that starts with whitespace
 * continues the logical line before it; blank lines end it; comment lines (`#` as
 * the first non-blank character) are skipped and, when indented, do not end it.
 */
export function postfixLogicalLines(text: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let current: LogicalLine | null = null;
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i]!.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '') {
      current = null;
      continue;
    }
    const indented = line[0] === ' ' || line[0] === '\t';
    if (trimmed[0] === '#') {
      if (!indented) current = null;
      continue;
    }
    if (indented && current) {
      current.text += ` ${trimmed}`;
      continue;
    }
    current = { text: trimmed, line: i + 1 };
    lines.push(current);
  }
  return lines;
}
