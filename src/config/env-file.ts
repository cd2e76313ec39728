import { ConfigParseError, type ConfigSource } from './source.js';

export interface EnvValue {
  value: string;
  source: ConfigSource;
}

export type EnvSettings = Map<string, EnvValue>;

/**
 * Docker's env-file syntax (`mailserver.env`): `KEY=VALUE` per line, `#` lines
 * and blank lines ignored, no quoting: quotes are part of the value, as Docker
 * passes them. Also reads `/etc/dms-settings` (`KEY='value'`, shell-quoted by the
 * container's start-up), whose single quotes are removed.
 */
export function parseEnvFile(text: string, file: string, shellQuoted = false): EnvSettings {
  const out: EnvSettings = new Map();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new ConfigParseError(file, i + 1, `"${key.slice(0, 60)}" is not a variable name`);
    // A bare KEY takes its value from the caller's environment in Docker: unknown here.
    if (eq < 0) continue;
    let value = line.slice(eq + 1);
    if (shellQuoted) value = shellUnquote(value.trim());
    out.set(key, { value, source: { file, line: i + 1 } });
  }
  return out;
}

/** `'a'\''b'` → `a'b`: the quoting a POSIX shell's `printf %q`-like export writes. */
function shellUnquote(value: string): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === "'") {
      const end = value.indexOf("'", i + 1);
      if (end < 0) return out + value.slice(i + 1);
      out += value.slice(i + 1, end);
      i = end + 1;
    } else if (c === '\\' && i + 1 < value.length) {
      out += value[i + 1];
      i += 2;
    } else if (c === '"') {
      const end = value.indexOf('"', i + 1);
      if (end < 0) return out + value.slice(i + 1);
      out += value.slice(i + 1, end);
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
