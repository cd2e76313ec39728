import type { EventClass } from '../../classify/taxonomy.js';

/** Durations are milliseconds once loaded; the file writes them as `90s`, `10m`, `24h`, `30d`, `1w`. */
export type DurationMs = number;

/** A threshold: `count` events of the given classes from one address within `window`. */
export interface RuleSettings {
  name: string;
  classes: EventClass[];
  count: number;
  window: DurationMs;
}

export interface BanSettings {
  /** The first ban of an address. */
  duration: DurationMs;
  /** Each further ban of the same address lasts this many times the previous one... */
  repeatFactor: number;
  /** ...but never longer than this. */
  maxDuration: DurationMs;
  /** How long a past ban counts toward the next one's length. */
  repeatMemory: DurationMs;
  /** This many distinct addresses of one subnet banned within `subnetWindow` ban the subnet. 0 turns it off. */
  subnetMin: number;
  subnetWindow: DurationMs;
  /** The subnet an IPv4 / IPv6 address escalates to. */
  subnetPrefix4: number;
  subnetPrefix6: number;
  /** Never ban a network wider than this (prefix length; a smaller number is wider). */
  maxPrefix4: number;
  maxPrefix6: number;
}

export type ActionName = 'stdout' | 'fail2ban' | 'postfix-map' | 'nftables' | 'webhook';

export interface Fail2banActionSettings {
  /** The jail the bans go to (`fail2ban-client set JAIL banip ADDRESS`). */
  jail: string;
  /** The client command as an argument list, e.g. ["fail2ban-client", "-s", "/run/fail2ban/fail2ban.sock"]. */
  command: string[];
}

export interface PostfixMapActionSettings {
  /** The cidr map file; default: the map mitigate writes for --config. */
  map: string | null;
  /** `postfix reload` runs at most once per this interval, after the map changed. */
  reloadInterval: DurationMs;
  /** The reload command as an argument list; default ["postfix", "reload"] (with -c DIR for a plain host's non-default directory). */
  reloadCommand: string[] | null;
}

export interface NftablesActionSettings {
  family: 'inet' | 'ip' | 'ip6';
  table: string;
  set4: string;
  set6: string;
  /** The nft command as an argument list. */
  command: string[];
}

export interface WebhookActionSettings {
  url: string;
  timeout: DurationMs;
  headers: Record<string, string>;
}

export interface WatchSettings {
  /** Where the SQLite state lives. */
  state: string;
  /** How often bans are applied, retried, expired and reconciled. */
  tick: DurationMs;
  /** Where to start a file with no stored position: its end (like tail -F) or its start. */
  from: 'end' | 'start';
  includePrivate: boolean;
  /** Networks never banned, besides mynetworks, private ranges and clean logins. */
  allow: string[];
  /** A file of such networks, one per line. */
  allowlist: string | null;
  /** Whether addresses that logged in successfully are protected (default true). */
  protectLogins: boolean;
  rules: RuleSettings[];
  bans: BanSettings;
  actions: {
    enabled: ActionName[];
    /** An action that fails is retried this many times, with backoff from `retryDelay` doubling up to `retryMaxDelay`. */
    retries: number;
    retryDelay: DurationMs;
    retryMaxDelay: DurationMs;
    /** A shell command prefix for every command an action runs (e.g. `docker exec mailserver`). */
    execPrefix: string | null;
    fail2ban: Fail2banActionSettings;
    postfixMap: PostfixMapActionSettings;
    nftables: NftablesActionSettings;
    webhook: WebhookActionSettings | null;
  };
  metrics: {
    /** `host:port` on loopback, or null for no endpoint. */
    listen: string | null;
  };
  /** JSON decision log: `stdout`, `stderr`, a file path, or null. */
  decisionLog: string | null;
}
