import type { SettingsPath, SettingsProblem } from './problems.js';

/** A parsed settings file: its plain data and where each key was written. */
export type SettingsSource =
  | { ok: true; data: unknown; lineOf: (path: SettingsPath) => number | null }
  | { ok: false; problems: SettingsProblem[] };
