/** Where a value sits in the settings file: keys as the file writes them, list positions as numbers. */
export type SettingsPath = readonly (string | number)[];

/** One thing wrong with a settings file. `line` is null when the file gives no line for it. */
export interface SettingsProblem {
  line: number | null;
  /** The dotted key, e.g. `bans.repeat_factor` or `rules[1].classes[0]`; empty for the whole file. */
  key: string;
  message: string;
}

/** `bans.repeat_factor`, `rules[1].count`. */
export function formatKey(path: SettingsPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Every problem of a settings file at once, one per line of the message. */
export class SettingsError extends Error {
  readonly file: string;
  readonly problems: SettingsProblem[];

  constructor(file: string, problems: SettingsProblem[]) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'SettingsError';
    this.file = file;
    this.problems = problems;
  }
}

/** `mailwarden.toml:14: bans.repeat_factor: must be a number >= 1, got "fast"`. */
export function formatProblem(file: string, problem: SettingsProblem): string {
  const where = problem.line === null ? file : `${file}:${problem.line}`;
  return problem.key === '' ? `${where}: ${problem.message}` : `${where}: ${problem.key}: ${problem.message}`;
}

/** A problem found while reading, before its line is known. */
export interface PendingProblem {
  path: SettingsPath;
  message: string;
  /** Where to point when the problem is about something absent: the key that asks for it. */
  linePath?: SettingsPath;
}

/** Collects problems while the whole file is read, so that all of them can be reported together. */
export class Problems {
  readonly list: PendingProblem[] = [];
  /** The keys with a problem at or below them. */
  private readonly troubled = new Set<string>();

  add(path: SettingsPath, message: string, linePath?: SettingsPath): void {
    this.list.push(linePath === undefined ? { path, message } : { path, message, linePath });
    for (let length = 0; length <= path.length; length++) this.troubled.add(formatKey(path.slice(0, length)));
  }

  /** Whether a problem was reported for this key or one inside it (checks between keys then stay quiet). */
  has(path: SettingsPath): boolean {
    return this.troubled.has(formatKey(path));
  }

  get size(): number {
    return this.list.length;
  }
}

/** A value as an error message quotes it: strings in quotes and cut short, containers by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a table';
  return String(value);
}
