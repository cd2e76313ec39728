import type { ConfigSource } from '../source.js';

/** A filter as a jail runs it: its files' values, with the jail's own settings where the jail gives them. */
export interface Fail2banFilterDefinition {
  /** The filter's name (`postfix`), as the jail's `filter =` gives it. */
  name: string;
  /** The parameters the jail gives it (`postfix[mode=extra]` → {mode: 'extra'}). */
  options: Record<string, string>;
  /** The files read for it, in reading order (includes, `.local`, `NAME.d/`). */
  files: string[];
  prefregex: string | null;
  /** One regex per line of the value, empty lines left out; `<HOST>` and other server tags kept. */
  failregex: string[];
  ignoreregex: string[];
  /** As fail2ban sends it (several patterns are separate lines). */
  datepattern: string | null;
  /** 1 unless set. */
  maxlines: number;
  /** One match per line, as written (`_SYSTEMD_UNIT=sshd.service + _COMM=sshd`). */
  journalmatch: string[];
}

export interface Fail2banJail {
  name: string;
  /** fail2ban starts the jail: `enabled` is true and nothing makes fail2ban skip it (see `skipReason`). */
  enabled: boolean;
  /** The jail's first `[name]` header. */
  source: ConfigSource;
  /** For jails fail2ban starts; null for the others, and for a jail whose `filter` is empty. */
  filter: Fail2banFilterDefinition | null;
  /** Log paths (or glob patterns) as configured, without the ` head`/` tail` suffix; empty for systemd backends, which ignore them. */
  logpaths: string[];
  backend: string;
  maxretry: number;
  findtimeSeconds: number;
  bantimeSeconds: number;
  ignoreip: string[];
  ignoreself: boolean;
  usedns: string;
  /** Action names as fail2ban registers them (`iptables-multiport`, `dummy`, `sendmail-whois`). */
  actions: string[];
  /** What fail2ban warns about for this jail, and values it would reject. */
  notes: string[];
  /** `enabled` as configured (true for a jail fail2ban then skips). */
  configuredEnabled: boolean;
  /** Why fail2ban skips a jail enabled in the configuration ("Unable to read the filter 'x'"), else null. */
  skipReason: string | null;
  /** The `filter` value (`postfix[mode=extra]`), null when the jail has none. */
  filterSpec: string | null;
  /** `findtime` / `bantime` as written, interpolated; null when unset (fail2ban's default then applies). */
  findtime: string | null;
  bantime: string | null;
  /** For each of `logpaths`: `head` (the default) or what follows the path (`tail`). */
  logpathTails: string[];
  /** Where each jail setting read is written (a jail section or [DEFAULT]). */
  sources: Record<string, ConfigSource>;
}

export interface Fail2banServerSettings {
  /** fail2ban.conf's `logtarget` (STDERR unless set). */
  logtarget: string | null;
  /** The database file; null when it is disabled (`None`). */
  dbfile: string | null;
  loglevel: string | null;
  dbpurgeage: string | null;
}

export interface Fail2banConfiguration {
  dir: string;
  /** Every jail section, in fail2ban's order; `enabled` tells which fail2ban starts. */
  jails: Fail2banJail[];
  server: Fail2banServerSettings;
  /** Every file read, in reading order. */
  files: string[];
  notes: string[];
}
