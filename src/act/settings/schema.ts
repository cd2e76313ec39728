/** The settings file of `mailwarden watch`, key by key (documented in docs/watch-settings.md). */

import { WEBHOOK_DEFAULTS } from './defaults.js';
import { formatDuration } from './duration.js';
import { formatKey, type Problems, type SettingsPath } from './problems.js';
import { bool, command, duration, integer, number, oneOf, text } from './scalars.js';
import { list, nullable, type Spec, table } from './spec.js';
import type {
  ActionName,
  BanSettings,
  Fail2banActionSettings,
  NftablesActionSettings,
  PostfixMapActionSettings,
  RuleSettings,
  WatchSettings,
  WebhookActionSettings,
} from './types.js';
import { eventClass, httpHeaders, httpUrl, jailName, loopbackListen, network, nftName } from './values.js';

// Records keyed by the union make the compiler insist on every member.
const ACTIONS: Record<ActionName, true> = {
  stdout: true,
  fail2ban: true,
  'postfix-map': true,
  nftables: true,
  webhook: true,
};
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

const FAMILIES: Record<NftablesActionSettings['family'], true> = { inet: true, ip: true, ip6: true };
export const NFT_FAMILIES = Object.keys(FAMILIES) as NftablesActionSettings['family'][];

const rule = table<RuleSettings>({
  name: text(),
  classes: list(eventClass(), { nonEmpty: true }),
  count: integer(1),
  window: duration(),
});

function checkBans(bans: BanSettings, at: SettingsPath, problems: Problems): void {
  const key = (name: string) => [...at, name];
  const clean = (...names: string[]) => names.every((name) => !problems.has(key(name)));
  const caps = [
    ['subnet_prefix4', bans.subnetPrefix4, 'max_prefix4', bans.maxPrefix4],
    ['subnet_prefix6', bans.subnetPrefix6, 'max_prefix6', bans.maxPrefix6],
  ] as const;
  for (const [subnet, subnetPrefix, max, maxPrefix] of caps) {
    if (subnetPrefix < maxPrefix && clean(subnet, max)) {
      problems.add(
        key(subnet),
        `must not be wider than ${formatKey(key(max))}: a prefix of at least ${maxPrefix}, got ${subnetPrefix}`,
      );
    }
  }
  if (bans.maxDuration < bans.duration && clean('max_duration', 'duration')) {
    problems.add(key('max_duration'), atLeast(key('duration'), bans.duration, bans.maxDuration));
  }
}

function atLeast(other: SettingsPath, minimum: number, got: number): string {
  return `must be at least ${formatKey(other)} (${formatDuration(minimum)}), got "${formatDuration(got)}"`;
}

const bans = table<BanSettings>(
  {
    duration: duration(),
    repeatFactor: number(1),
    maxDuration: duration(),
    repeatMemory: duration('allowed'),
    subnetMin: integer(0),
    subnetWindow: duration(),
    subnetPrefix4: integer(8, 32),
    subnetPrefix6: integer(16, 128),
    maxPrefix4: integer(8, 32),
    maxPrefix6: integer(16, 128),
  },
  { check: checkBans },
);

const fail2ban = table<Fail2banActionSettings>({ jail: jailName(), command: command() });

const postfixMap = table<PostfixMapActionSettings>({
  map: nullable(text()),
  reloadInterval: duration('allowed'),
  reloadCommand: nullable(command()),
});

const nftables = table<NftablesActionSettings>({
  family: oneOf(NFT_FAMILIES),
  table: nftName(),
  set4: nftName(),
  set6: nftName(),
  command: command(),
});

const webhook = table<WebhookActionSettings>(
  { url: httpUrl(), timeout: duration(), headers: httpHeaders() },
  { defaults: WEBHOOK_DEFAULTS },
);

type ActionSettings = WatchSettings['actions'];

function checkActions(actions: ActionSettings, at: SettingsPath, problems: Problems): void {
  const key = (name: string) => [...at, name];
  const clean = (...names: string[]) => names.every((name) => !problems.has(key(name)));
  if (actions.retryMaxDelay < actions.retryDelay && clean('retry_max_delay', 'retry_delay')) {
    problems.add(
      key('retry_max_delay'),
      atLeast(key('retry_delay'), actions.retryDelay, actions.retryMaxDelay),
    );
  }
  const webhookAt = actions.enabled.indexOf('webhook');
  if (webhookAt >= 0 && actions.webhook === null && clean('webhook')) {
    problems.add(
      [...key('webhook'), 'url'],
      `is required when "webhook" is in ${formatKey(key('enabled'))}`,
      [...key('enabled'), webhookAt],
    );
  }
}

const actions = table<ActionSettings>(
  {
    enabled: list(oneOf(ACTION_NAMES), { identity: (name) => name }),
    retries: integer(0),
    retryDelay: duration(),
    retryMaxDelay: duration(),
    execPrefix: nullable(text()),
    fail2ban,
    postfixMap,
    nftables,
    webhook: nullable(webhook),
  },
  { check: checkActions },
);

export const SETTINGS_SPEC: Spec<WatchSettings> = table<WatchSettings>({
  state: text(),
  tick: duration(),
  from: oneOf(['end', 'start']),
  includePrivate: bool(),
  allow: list(network()),
  allowlist: nullable(text()),
  protectLogins: bool(),
  rules: list(rule, { identity: (r) => r.name, identityKey: 'name' }),
  bans,
  actions,
  metrics: table<WatchSettings['metrics']>({ listen: nullable(loopbackListen()) }),
  decisionLog: nullable(text()),
});

export interface SettingsKey {
  /** `bans.repeat_factor`; the keys of each rule are `rules.name`, `rules.count`, ... */
  key: string;
  /** Whether the key holds a table (or a list of tables) of further keys. */
  table: boolean;
}

/** Every key the settings file knows, tables before the keys inside them. */
export function settingsKeys(spec: Spec<unknown> = SETTINGS_SPEC, prefix = ''): SettingsKey[] {
  const out: SettingsKey[] = [];
  for (const [name, child] of Object.entries(spec.fields ?? {})) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    out.push({ key, table: child.fields !== undefined }, ...settingsKeys(child, key));
  }
  return out;
}
