import { resolve } from 'node:path';
import { DEFAULT_SETTINGS } from '../act/settings/defaults.js';
import { loadSettings, parseSettings, SettingsError } from '../act/settings/load-settings.js';
import type { WatchSettings } from '../act/settings/types.js';
import { Watcher } from '../act/watcher.js';
import { FileFollower } from '../ingest/live/file-follower.js';
import { JournalSource } from '../ingest/live/journal-source.js';
import type { LiveSource } from '../ingest/live/source.js';
import { parseSyslogEndpoints, SyslogListener } from '../ingest/live/syslog-listener.js';
import { assertValidZone } from '../parse/time.js';
import type { CommandIo } from './events-command.js';
import { escapeForTerminal } from './terminal-escape.js';

export interface WatchFlags {
  journal?: string | boolean;
  syslog?: string;
  config?: string;
  settings?: string;
  dryRun?: boolean;
  includePrivate?: boolean;
  state?: string;
  from?: string;
  metrics?: string;
  subnetMin?: string;
  execPrefix?: string;
  tz?: string;
}

/** The settings file (or the defaults), with the command line's overrides. */
export async function settingsFromFlags(flags: {
  settings?: string;
  state?: string;
  includePrivate?: boolean;
  from?: string;
  metrics?: string;
  subnetMin?: string;
  execPrefix?: string;
}): Promise<WatchSettings> {
  const base =
    flags.settings !== undefined ? await loadSettings(flags.settings) : structuredClone(DEFAULT_SETTINGS);
  const settings: WatchSettings = { ...base };
  if (flags.state !== undefined) settings.state = resolve(flags.state);
  if (flags.includePrivate) settings.includePrivate = true;
  if (flags.from !== undefined) {
    if (flags.from !== 'start' && flags.from !== 'end')
      throw new Error(`--from: "${flags.from}" is not start or end`);
    settings.from = flags.from;
  }
  if (flags.metrics !== undefined) settings.metrics = { listen: metricsFlag(flags.metrics) };
  if (flags.execPrefix !== undefined)
    settings.actions = {
      ...settings.actions,
      execPrefix: flags.execPrefix.trim() === '' ? null : flags.execPrefix,
    };
  if (flags.subnetMin !== undefined) {
    const n = Number(flags.subnetMin);
    if (!Number.isInteger(n) || n < 0 || n > 65_536)
      throw new Error(`--subnet-min: "${flags.subnetMin}" is not a whole number from 0 (off) to 65536`);
    settings.bans = { ...settings.bans, subnetMin: n };
  }
  return settings;
}

/** --metrics, checked by the same rule as the settings' metrics.listen (loopback only). */
function metricsFlag(value: string): string | null {
  if (value === 'off') return null;
  try {
    return parseSettings(`[metrics]\nlisten = ${JSON.stringify(value)}\n`, '--metrics', 'toml').metrics
      .listen;
  } catch (error) {
    if (error instanceof SettingsError)
      throw new Error(`--metrics: ${error.problems.map((p) => p.message).join('; ')}`);
    throw error;
  }
}

function sourcesFromFlags(logs: string[], flags: WatchFlags, settings: WatchSettings): LiveSource[] {
  const sources: LiveSource[] = logs.map((path) => new FileFollower(resolve(path), { from: settings.from }));
  if (flags.journal !== undefined && flags.journal !== false) {
    const units = typeof flags.journal === 'string' ? flags.journal.split(',').filter((u) => u !== '') : [];
    sources.push(new JournalSource({ units, from: settings.from }));
  }
  if (flags.syslog !== undefined) sources.push(new SyslogListener(parseSyslogEndpoints(flags.syslog)));
  if (sources.length === 0) throw new Error('give log files to follow, --journal [UNIT], or --syslog URL');
  return sources;
}

/**
 * `mailwarden watch`: runs until SIGTERM or SIGINT, then stores where it
 * stopped and exits 0. Errors at start exit 2.
 */
export async function runWatchCommand(logs: string[], flags: WatchFlags, io: CommandIo): Promise<number> {
  if (flags.tz !== undefined) assertValidZone(flags.tz);
  const settings = await settingsFromFlags(flags);
  const sources = sourcesFromFlags(logs, flags, settings);
  const watcher = new Watcher({
    settings,
    sources,
    ...(flags.config !== undefined ? { configDir: flags.config } : {}),
    dryRun: flags.dryRun === true,
    ...(flags.tz !== undefined ? { zone: flags.tz } : {}),
    stdout: io.stdout,
    stderr: io.stderr,
  });
  await watcher.start();
  io.stderr.write(
    `mailwarden: watching${flags.dryRun ? ' (dry run: nothing is banned)' : ''}${watcher.metricsEndpoint ? `; metrics on http://${watcher.metricsEndpoint}/metrics` : ''}\n`,
  );
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      io.stderr.write(`mailwarden: ${signal}: stopping\n`);
      watcher
        .stop()
        .then(() => done(0))
        .catch((error: Error) => {
          io.stderr.write(`mailwarden: while stopping: ${escapeForTerminal(error.message)}\n`);
          done(1);
        })
        .finally(() => {
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          process.off('SIGHUP', onHup);
        });
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onHup = () => {
      if (flags.settings === undefined) {
        io.stderr.write('mailwarden: SIGHUP: no --settings file to read again\n');
        return;
      }
      settingsFromFlags(flags)
        .then((next) => watcher.reload(next))
        .then(() => io.stderr.write('mailwarden: SIGHUP: settings read again\n'))
        .catch((error: Error) =>
          io.stderr.write(
            `mailwarden: SIGHUP: the settings were not changed: ${escapeForTerminal(error.message)}\n`,
          ),
        );
    };
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    process.on('SIGHUP', onHup);
  });
}
