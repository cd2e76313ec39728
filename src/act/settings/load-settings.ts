import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { DEFAULT_SETTINGS } from './defaults.js';
import { formatKey, Problems, SettingsError, type SettingsProblem } from './problems.js';
import { SETTINGS_SPEC, settingsKeys } from './schema.js';
import type { SettingsSource } from './source.js';
import { readTomlSource } from './toml-source.js';
import type { WatchSettings } from './types.js';
import { readYamlSource } from './yaml-source.js';

export { DEFAULT_SETTINGS } from './defaults.js';
export { SettingsError, type SettingsProblem } from './problems.js';

export type SettingsFormat = 'toml' | 'yaml';

/** The format a settings file's name declares, or null for any other extension. */
export function settingsFormat(path: string): SettingsFormat | null {
  const extension = extname(path).toLowerCase();
  if (extension === '.toml') return 'toml';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  return null;
}

export async function loadSettings(path: string): Promise<WatchSettings> {
  const format = settingsFormat(path);
  if (format === null) {
    throw new SettingsError(path, [
      {
        line: null,
        key: '',
        message: 'unknown settings format: the file name must end in .toml, .yaml or .yml',
      },
    ]);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SettingsError(path, [{ line: null, key: '', message: `cannot be read: ${reason}` }]);
  }
  return resolvePaths(parseSettings(text, path, format), dirname(resolve(path)));
}

/** Paths in a settings file are relative to the file's own folder, as in most daemons' configuration. */
function resolvePaths(settings: WatchSettings, base: string): WatchSettings {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  settings.state = at(settings.state);
  if (settings.allowlist !== null) settings.allowlist = at(settings.allowlist);
  if (settings.decisionLog !== null && settings.decisionLog !== 'stdout' && settings.decisionLog !== 'stderr')
    settings.decisionLog = at(settings.decisionLog);
  if (settings.actions.postfixMap.map !== null)
    settings.actions.postfixMap.map = at(settings.actions.postfixMap.map);
  return settings;
}

let knownKeys: string[] | undefined;

/**
 * The settings a file's text gives, with defaults for every key it leaves out.
 * Throws a SettingsError listing every problem of the file (`file` names it).
 */
export function parseSettings(text: string, file: string, format: SettingsFormat): WatchSettings {
  const withoutBom = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const source = format === 'toml' ? readTomlSource(withoutBom) : readYamlSource(withoutBom);
  if (!source.ok) throw new SettingsError(file, source.problems);
  knownKeys ??= settingsKeys().map((k) => k.key);
  const problems = new Problems();
  // An empty YAML document is null: no settings, all defaults.
  const data = source.data ?? {};
  const settings = SETTINGS_SPEC.read(data, [], { problems, knownKeys }, DEFAULT_SETTINGS);
  if (settings === undefined || problems.size > 0) throw new SettingsError(file, locate(problems, source));
  // The result shares no arrays or tables with DEFAULT_SETTINGS, so callers may change it.
  return structuredClone(settings);
}

function locate(problems: Problems, source: Extract<SettingsSource, { ok: true }>): SettingsProblem[] {
  const located = problems.list.map((p) => ({
    line: source.lineOf(p.linePath ?? p.path),
    key: formatKey(p.path),
    message: p.message,
  }));
  // By line, problems without a line last; the sort is stable, so reading order holds within a line.
  const order = (line: number | null) => line ?? Number.MAX_SAFE_INTEGER;
  return located.sort((a, b) => order(a.line) - order(b.line));
}
