import { ConfigParseError, type ConfigSource, postfixLogicalLines } from '../source.js';
import type { PostfixParameter } from './main-cf.js';

/** One master.cf service: the fields Postfix reads, and its `-o` overrides of main.cf. */
export interface MasterService {
  name: string;
  type: string;
  private: string;
  unpriv: string;
  chroot: string;
  wakeup: string;
  maxproc: string;
  /** The command (`smtpd`, `postscreen`, `pipe` ...). */
  command: string;
  args: string[];
  /** `-o name=value` in order; a later one for the same name wins. */
  overrides: Map<string, PostfixParameter>;
  source: ConfigSource;
}

/** `service/type`, the key Postfix uses for a service (`submission/inet`). */
export function serviceKey(s: Pick<MasterService, 'name' | 'type'>): string {
  return `${s.name}/${s.type}`;
}

/** Whitespace-separated words, with `{ ... }` groups (Postfix 3.0+) kept as one word, braces removed. */
function words(text: string, file: string, line: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    if (text[i] === '{') {
      const close = text.indexOf('}', i);
      if (close < 0) throw new ConfigParseError(file, line, 'missing "}" in a { ... } argument');
      out.push(text.slice(i + 1, close).trim());
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < text.length && text[j] !== ' ' && text[j] !== '\t') j++;
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

/** Parses master.cf text (also saved `postconf -M` output, which has the same shape). */
export function parseMasterCf(text: string, file: string): MasterService[] {
  const services: MasterService[] = [];
  for (const { text: logical, line } of postfixLogicalLines(text)) {
    const w = words(logical, file, line);
    if (w.length < 8) throw new ConfigParseError(file, line, `a service needs 8 fields, found ${w.length}`);
    const [name, type, priv, unpriv, chroot, wakeup, maxproc, command, ...args] = w as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      ...string[],
    ];
    const overrides = new Map<string, PostfixParameter>();
    for (let k = 0; k < args.length; k++) {
      if (args[k] !== '-o') continue;
      const setting = args[k + 1];
      if (setting === undefined) throw new ConfigParseError(file, line, '"-o" without a setting');
      const eq = setting.indexOf('=');
      if (eq < 0) throw new ConfigParseError(file, line, `"-o ${setting.slice(0, 60)}" lacks "="`);
      overrides.set(setting.slice(0, eq).trim(), {
        value: setting.slice(eq + 1).trim(),
        source: { file, line },
      });
      k++;
    }
    services.push({
      name,
      type,
      private: priv,
      unpriv,
      chroot,
      wakeup,
      maxproc,
      command,
      args,
      overrides,
      source: { file, line },
    });
  }
  return services;
}

/**
 * docker-mailserver's postfix-master.cf: one `service/type/parameter=value` per
 * line, fed to `postconf -P`; only lines starting with a lower-case letter or a
 * digit count (as the container's start-up script reads them).
 */
export function applyMasterOverrides(services: MasterService[], text: string, file: string): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '').trim();
    if (!/^[0-9a-z]/.test(line)) continue;
    const m = /^([^/\s]+)\/([^/\s]+)\/([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!m)
      throw new ConfigParseError(
        file,
        i + 1,
        `expected service/type/parameter=value: "${line.slice(0, 60)}"`,
      );
    const service = services.find((s) => s.name === m[1] && s.type === m[2]);
    if (!service) continue;
    service.overrides.set(m[3]!, { value: m[4]!.trim(), source: { file, line: i + 1 } });
  }
}
