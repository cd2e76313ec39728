import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { ServerConfig } from '../../config/server-config.js';
import { parseMap, type UserEntry } from '../../mitigate/cidr-map.js';
import { layoutOf } from '../../mitigate/plan.js';
import { planWiring } from '../../mitigate/wiring.js';
import type { WatchSettings } from '../settings/types.js';
import type { BanAction } from './action.js';
import { DryRunAction } from './dry-run-action.js';
import { Fail2banAction } from './fail2ban-action.js';
import { NftablesAction } from './nftables-action.js';
import { PostfixMapAction } from './postfix-map-action.js';
import { StdoutAction } from './stdout-action.js';
import { WebhookAction } from './webhook-action.js';

export interface BuiltActions {
  actions: BanAction[];
  /** Said once at start: a map that is not wired, an action that will not work. */
  warnings: string[];
  /** The Postfix map's own entries (its permit lines protect addresses), when the map action is on. */
  mapEntries: UserEntry[];
  mapPath?: string;
}

function readText(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** The Postfix map action: the map of --config (or the one the settings name) and the reload that fits the layout. */
function postfixMap(
  settings: WatchSettings,
  configDir: string | undefined,
  config: ServerConfig | null,
  warnings: string[],
): { action: PostfixMapAction; mapPath: string; entries: UserEntry[] } {
  const own = settings.actions.postfixMap;
  let mapPath = own.map;
  let reload = own.reloadCommand;
  if (configDir !== undefined && config) {
    const layout = layoutOf(resolve(configDir), config.kind);
    mapPath ??= layout.mapPath;
    reload ??= ['postfix', ...(layout.postfixConfigDir ? ['-c', layout.postfixConfigDir] : []), 'reload'];
    if (config.postfix) {
      const wiring = planWiring({
        kind: layout.kind,
        postfix: config.postfix,
        mapPath: layout.mapRef,
        main: { path: layout.main, text: readText(layout.main) },
        master: { path: layout.master, text: readText(layout.master) },
        postconfDir: layout.postfixConfigDir,
      });
      if (wiring.changes.length > 0)
        warnings.push(
          `postfix-map: Postfix does not read ${layout.mapRef} yet (${wiring.changes.map((c) => c.name).join(', ')} would change): run "mailwarden mitigate --config ${configDir} --apply --reload" once to wire it; until then the map's bans are not enforced`,
        );
    }
  }
  if (mapPath === null)
    throw new Error('the postfix-map action needs --config DIR or actions.postfix_map.map in the settings');
  reload ??= ['postfix', 'reload'];
  const entries = parseMap(readText(mapPath) ?? '', mapPath).userEntries;
  return {
    action: new PostfixMapAction({
      mapPath,
      reloadCommand: reload,
      execPrefix: settings.actions.execPrefix,
      reloadInterval: own.reloadInterval,
    }),
    mapPath,
    entries,
  };
}

/** The enabled actions, in the settings' order (wrapped to only print when `dryRun`). */
export function buildActions(
  settings: WatchSettings,
  options: {
    configDir?: string;
    config: ServerConfig | null;
    stdout: Writable;
    stderr: Writable;
    dryRun: boolean;
  },
): BuiltActions {
  const warnings: string[] = [];
  const actions: BanAction[] = [];
  let mapEntries: UserEntry[] = [];
  let mapPath: string | undefined;
  const prefix = settings.actions.execPrefix;
  for (const name of settings.actions.enabled) {
    let action: BanAction;
    switch (name) {
      case 'stdout':
        action = new StdoutAction(options.stdout);
        break;
      case 'fail2ban':
        action = new Fail2banAction(settings.actions.fail2ban, prefix);
        break;
      case 'nftables':
        action = new NftablesAction(settings.actions.nftables, prefix);
        break;
      case 'webhook': {
        const hook = settings.actions.webhook;
        if (!hook) throw new Error('the webhook action needs [actions.webhook] url in the settings');
        action = new WebhookAction(hook);
        break;
      }
      case 'postfix-map': {
        const built = postfixMap(settings, options.configDir, options.config, warnings);
        action = built.action;
        mapEntries = built.entries;
        mapPath = built.mapPath;
        break;
      }
    }
    actions.push(options.dryRun && name !== 'stdout' ? new DryRunAction(action, options.stderr) : action);
  }
  return { actions, warnings, mapEntries, ...(mapPath ? { mapPath } : {}) };
}
