/**
 * A fail2ban configuration directory read as fail2ban 1.0/1.1's client reads
 * it (what `fail2ban-client -d` prints): fail2ban.conf's server settings and
 * every jail, enabled or not, with the filter each enabled jail runs.
 *
 * What makes fail2ban refuse the whole configuration (a line it cannot parse,
 * an option twice in one file, an interpolation loop or a missing
 * `%(name)s`, a tag that refers to itself) is thrown as a ConfigParseError
 * naming the file and line. What makes it skip one jail (a filter or action
 * it cannot find, a malformed `filter =`) leaves that jail disabled with the
 * reason in `skipReason`.
 */
import { existsSync } from 'node:fs';
import { ConfigParseError } from '../source.js';
import { Fail2banFileSet, type Fail2banOverlay } from './files.js';
import { type JailReadResult, readJail } from './jail-reader.js';
import { getOptions, type OptionTemplate, ReaderContext } from './reader-context.js';
import { pyStr, type TaggedValue } from './tags.js';
import type { Fail2banConfiguration, Fail2banServerSettings } from './types.js';

export interface LoadFail2banOptions {
  /** Files placed over the directory (a container's copies into /etc/fail2ban). */
  overlays?: Fail2banOverlay[];
  /** Files of the directory fail2ban would not see (given relative to it), e.g. what an image does not ship. */
  hide?: (relPath: string) => boolean;
  /** fail2ban's version, the value of `%(fail2ban_version)s`. */
  version?: string;
}

export const SYSTEM_FAIL2BAN_DIR = '/etc/fail2ban';
const DEFAULT_VERSION = '1.0.2';

const SERVER_OPTS: OptionTemplate = [
  ['loglevel', 'string', 'INFO'],
  ['logtarget', 'string', 'STDERR'],
  ['syslogsocket', 'string', 'auto'],
  ['allowipv6', 'string', 'auto'],
  ['dbfile', 'string', '/var/lib/fail2ban/fail2ban.sqlite3'],
  ['dbmaxmatches', 'int', null],
  ['dbpurgeage', 'string', '1d'],
];

function readServer(ctx: ReaderContext, notes: string[]): Fail2banServerSettings {
  const named = ctx.named('fail2ban');
  let values = new Map<string, TaggedValue>(SERVER_OPTS.map(([n, , d]) => [n, { value: d, source: null }]));
  if (named === null)
    notes.push(`no fail2ban.conf or fail2ban.local under ${ctx.basedir}: fail2ban's defaults apply`);
  else if (!named.parser.hasSection('Definition'))
    notes.push("fail2ban.conf has no [Definition] section: fail2ban's defaults apply");
  else
    values = getOptions(named.parser, 'Definition', SERVER_OPTS, {
      context: { file: named.files[0]!, line: 0 },
      warn: (m) => notes.push(m),
    });
  const get = (k: string) => {
    const v = values.get(k)?.value;
    return v === undefined || v === null ? null : pyStr(v);
  };
  const dbfile = get('dbfile');
  return {
    logtarget: get('logtarget'),
    dbfile: dbfile !== null && dbfile.toLowerCase() === 'none' ? null : dbfile,
    loglevel: get('loglevel'),
    dbpurgeage: get('dbpurgeage'),
  };
}

/**
 * Reads the fail2ban configuration in `dir` (the machine's /etc/fail2ban by
 * default) with `overlays` placed over it.
 */
export function loadFail2banConfiguration(
  dir: string = SYSTEM_FAIL2BAN_DIR,
  options: LoadFail2banOptions = {},
): Fail2banConfiguration {
  if (!existsSync(dir) && (options.overlays ?? []).length === 0)
    throw new ConfigParseError(dir, 0, 'the fail2ban configuration directory does not exist');
  const files = new Fail2banFileSet(dir, options.overlays, options.hide);
  const ctx = new ReaderContext(files.dir, files);
  const notes: string[] = [];
  const server = readServer(ctx, notes);
  const results: JailReadResult[] = [];
  const jails = ctx.named('jail');
  if (jails === null) {
    notes.push(`no jail.conf or jail.local under ${files.dir}: fail2ban starts no jail`);
  } else {
    const cfg = jails.parser;
    cfg.mergeDefaults(
      new Map([
        ['fail2ban_version', { value: options.version ?? DEFAULT_VERSION, source: null }],
        ['fail2ban_confpath', { value: files.dir, source: null }],
      ]),
    );
    for (const name of cfg.sections()) {
      if (name === 'INCLUDES') continue;
      results.push(readJail(ctx, cfg, name));
    }
    for (const r of results) r.finish();
  }
  notes.push(...files.unreadable);
  return {
    dir: files.dir,
    jails: results.map((r) => r.jail),
    server,
    files: ctx.filesRead,
    notes,
  };
}
