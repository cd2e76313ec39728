import { parse, TomlError } from 'smol-toml';
import type { SettingsSource } from './source.js';
import { tomlKeyLines } from './toml-key-lines.js';

export function readTomlSource(text: string): SettingsSource {
  try {
    // Keys such as `__proto__` stay plain own keys (smol-toml's default) and are reported as unknown keys.
    const data = parse(text);
    return { ok: true, data, lineOf: tomlKeyLines(text) };
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message carries an excerpt of the source after its first line.
    const message = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    return { ok: false, problems: [{ line: error.line, key: '', message: `invalid TOML: ${message}` }] };
  }
}
