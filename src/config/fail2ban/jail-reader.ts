/**
 * One jail as fail2ban's JailReader reads it: `enabled`, `backend` and
 * `filter` first; for an enabled jail the filter (its options merged into the
 * jail as `known/...`), then every jail option, then the actions; finally the
 * settings the client would send, applied as the server applies them.
 */
import type { ConfigSource } from '../source.js';
import type { Fail2banConfigParser } from './config-parser.js';
import { DefinitionInitReader } from './definition-reader.js';
import { str2seconds } from './duration.js';
import { applyStream, type FilterCommand, fillStream } from './filter-stream.js';
import { extractOptions, splitWithOptions, splitWords } from './option-syntax.js';
import { getOptions, type OptionTemplate, type ReaderContext } from './reader-context.js';
import { type PyValue, pyStr, type TaggedValue } from './tags.js';
import type { Fail2banFilterDefinition, Fail2banJail } from './types.js';

const FILTER_OPTS: OptionTemplate = [
  ['usedns', 'string', null],
  ['prefregex', 'string', null],
  ['ignoreregex', 'string', null],
  ['failregex', 'string', null],
  ['maxlines', 'int', null],
  ['datepattern', 'string', null],
  ['journalmatch', 'string', null],
];

const ACTION_OPTS: OptionTemplate = [
  ['actionstart', 'string', null],
  ['actionstart_on_demand', 'bool', null],
  ['actionstop', 'string', null],
  ['actionflush', 'string', null],
  ['actionreload', 'string', null],
  ['actioncheck', 'string', null],
  ['actionrepair', 'string', null],
  ['actionrepair_on_unban', 'bool', null],
  ['actionban', 'string', null],
  ['actionprolong', 'string', null],
  ['actionreban', 'string', null],
  ['actionunban', 'string', null],
  ['norestored', 'bool', null],
];

/** Tags an action leaves to the server (CommandAction._escapedTags, timeout, bantime). */
const ACTION_IGNORED_TAGS = new Set(['matches', 'ipmatches', 'ipjailmatches', 'timeout', 'bantime']);

const JAIL_OPTS_FIRST: OptionTemplate = [
  ['enabled', 'bool', false],
  ['backend', 'string', 'auto'],
  ['filter', 'string', ''],
];

const JAIL_OPTS: OptionTemplate = [
  ['enabled', 'bool', false],
  ['backend', 'string', 'auto'],
  ['maxretry', 'int', null],
  ['maxmatches', 'int', null],
  ['findtime', 'string', null],
  ['bantime', 'string', null],
  ['bantime.increment', 'bool', null],
  ['bantime.factor', 'string', null],
  ['bantime.formula', 'string', null],
  ['bantime.multipliers', 'string', null],
  ['bantime.maxtime', 'string', null],
  ['bantime.rndtime', 'string', null],
  ['bantime.overalljails', 'bool', null],
  ['ignorecommand', 'string', null],
  ['ignoreself', 'bool', null],
  ['ignoreip', 'string', null],
  ['ignorecache', 'string', null],
  ['filter', 'string', ''],
  ['logtimezone', 'string', null],
  ['logencoding', 'string', null],
  ['logpath', 'string', null],
  ['action', 'string', ''],
  ...FILTER_OPTS,
];

/** fail2ban-server's defaults for what a jail leaves unset. */
const SERVER_DEFAULTS = {
  maxretry: 3,
  findtime: 600,
  bantime: 600,
  maxlines: 1,
  usedns: 'warn',
  ignoreself: true,
};

/** Python's repr() of a string, as fail2ban's messages quote names. */
const repr = (s: string) => {
  const e = s.replace(/\\/g, '\\\\');
  return e.includes("'") && !e.includes('"') ? `"${e}"` : `'${e.replace(/'/g, "\\'")}'`;
};

/** A reason for fail2ban to skip the jail (its JailDefError). */
class JailDefError extends Error {}

interface ActionRead {
  name: string;
  reader: DefinitionInitReader | null;
}

export interface JailReadResult {
  jail: Fail2banJail;
  /** Checks fail2ban makes when it converts the jail (actions' tags); run after every jail is read. */
  finish: () => void;
}

function toTagged(options: Map<string, string>, source: ConfigSource | null): Map<string, TaggedValue> {
  return new Map([...options].map(([k, v]) => [k, { value: v, source }]));
}

const str = (v: TaggedValue | undefined): string | null =>
  v === undefined || v.value === null ? null : pyStr(v.value);

export function readJail(ctx: ReaderContext, cfg: Fail2banConfigParser, name: string): JailReadResult {
  const headers = cfg.headers.get(name) ?? [];
  const source: ConfigSource = headers[0] ?? { file: ctx.basedir, line: 0 };
  const notes: string[] = [];
  const warn = (m: string) => notes.push(m);
  const first = getOptions(cfg, name, JAIL_OPTS_FIRST, { shouldExist: true, context: source, warn });
  const configuredEnabled = first.get('enabled')?.value === true;
  const filterSpec = str(first.get('filter')) || null;
  const jail: Fail2banJail = {
    name,
    enabled: false,
    source,
    filter: null,
    logpaths: [],
    backend: str(first.get('backend')) ?? 'auto',
    maxretry: SERVER_DEFAULTS.maxretry,
    findtimeSeconds: SERVER_DEFAULTS.findtime,
    bantimeSeconds: SERVER_DEFAULTS.bantime,
    ignoreip: [],
    ignoreself: SERVER_DEFAULTS.ignoreself,
    usedns: SERVER_DEFAULTS.usedns,
    actions: [],
    notes,
    configuredEnabled,
    skipReason: null,
    filterSpec,
    findtime: null,
    bantime: null,
    logpathTails: [],
    sources: {},
  };
  if (!configuredEnabled) {
    // fail2ban reads nothing more of a disabled jail; its settings are read here for the record only.
    try {
      applySettings(jail, getOptions(cfg, name, JAIL_OPTS, { context: source, warn: () => {} }), notes);
    } catch (e) {
      notes.push(`not read (the jail is disabled, fail2ban does not read it): ${(e as Error).message}`);
    }
    return { jail, finish: () => {} };
  }

  let filter: DefinitionInitReader | null = null;
  let filterName = '';
  let filterOptions = new Map<string, string>();
  let opts = new Map<string, TaggedValue>();
  const actions: ActionRead[] = [];
  try {
    const filterValue = first.get('filter')!;
    if (filterSpec !== null) {
      try {
        [filterName, filterOptions] = extractOptions(filterSpec);
      } catch (e) {
        throw new JailDefError(`Invalid filter definition ${repr(filterSpec)}: ${(e as Error).message}`);
      }
      filter = new DefinitionInitReader(
        ctx,
        `filter.d/${filterName}`,
        name,
        toTagged(filterOptions, filterValue.source),
        FILTER_OPTS,
        filterValue.source ?? source,
        warn,
      );
      if (!filter.read()) throw new JailDefError(`Unable to read the filter ${repr(filterName)}`);
      // The log type common.conf's prefixes depend on, unless the filter or the jail chose it.
      const logtype = filter.initOpts.get('logtype');
      if ((logtype === undefined || !logtype.value) && !filter.definesOwn('logtype'))
        filter.initOpts.set('logtype', {
          value: jail.backend.startsWith('systemd') ? 'journal' : 'file',
          source: null,
        });
      filter.getOptions(first, true);
      cfg.mergeSection(name, toSources(filter.getCombined()), 'known/');
    } else {
      notes.push(`no filter set for jail ${name}`);
    }

    opts = getOptions(cfg, name, JAIL_OPTS, { context: source, warn });
    filter?.getOptions(opts);

    for (const item of splitWithOptions(str(opts.get('action')) ?? '')) {
      const act = item.trim();
      if (!act) continue;
      let actName: string;
      let actOpt: Map<string, string>;
      try {
        [actName, actOpt] = extractOptions(act);
      } catch (e) {
        throw new JailDefError(`Invalid action definition ${repr(act)}: ${(e as Error).message}`);
      }
      if (actName.endsWith('.py')) {
        // os.path.splitext: a name that is only ".py" keeps it.
        const base = /(^|\/)\.py$/.test(actName) ? actName : actName.slice(0, -3);
        actions.push({ name: actOpt.get('actname') ?? base, reader: null });
        continue;
      }
      let n = actOpt.get('name');
      if (n === undefined) {
        n = name;
        actOpt.set('name', n);
      }
      let actname = actOpt.get('actname');
      if (actname === undefined) {
        actname = actName;
        if (n !== name) actname += n.startsWith(name) ? n.slice(name.length) : `-${n}`;
        actOpt.set('actname', actname);
      }
      const actionSource = opts.get('action')?.source ?? source;
      const reader = new DefinitionInitReader(
        ctx,
        `action.d/${actName}`,
        name,
        toTagged(actOpt, actionSource),
        ACTION_OPTS,
        actionSource,
        warn,
      );
      if (!reader.read()) throw new JailDefError(`Unable to read action ${repr(actName)}`);
      reader.getOptions(opts);
      actions.push({ name: actname, reader });
    }
    if (actions.length === 0) notes.push(`no actions were defined for ${name}`);
  } catch (e) {
    if (!(e instanceof JailDefError)) throw e;
    jail.skipReason = e.message;
    notes.push(`fail2ban skips this jail: ${e.message}`);
    if (opts.size > 0) applySettings(jail, opts, notes);
    return { jail, finish: () => {} };
  }

  jail.enabled = true;
  applySettings(jail, opts, notes);
  jail.actions = actions.map((a) => a.name);

  // The settings the client sends: the filter's, then the jail's own.
  const stream: FilterCommand[] = [];
  if (filter) fillStream(stream, filter.getCombined());
  fillStream(stream, opts);
  const applied = applyStream(stream);
  if (applied.usedns !== null) {
    const u = applied.usedns.toLowerCase();
    if (['yes', 'warn', 'no', 'raw'].includes(u)) jail.usedns = u;
    else {
      jail.usedns = 'no';
      notes.push(
        `usedns ${JSON.stringify(applied.usedns)} is not yes/warn/no/raw; fail2ban-server uses "no"`,
      );
    }
  }
  let maxlines = SERVER_DEFAULTS.maxlines;
  if (typeof applied.maxlines === 'number') {
    if (applied.maxlines > 0) maxlines = applied.maxlines;
    else notes.push(`maxlines ${applied.maxlines} is refused by fail2ban-server (must be greater than zero)`);
  } else if (applied.maxlines !== null) notes.push(`maxlines is not an integer: ${pyStr(applied.maxlines)}`);
  const hasFilterSettings =
    applied.prefregex !== null ||
    applied.failregex.length > 0 ||
    applied.ignoreregex.length > 0 ||
    applied.datepattern !== null ||
    applied.journalmatch.length > 0;
  if (filter || hasFilterSettings) {
    const definition: Fail2banFilterDefinition = {
      name: filterName,
      options: Object.fromEntries(filterOptions),
      files: filter?.files ?? [],
      prefregex: applied.prefregex,
      failregex: applied.failregex,
      ignoreregex: applied.ignoreregex,
      datepattern: applied.datepattern,
      maxlines,
      journalmatch: applied.journalmatch,
    };
    jail.filter = definition;
  }

  return {
    jail,
    finish: () => {
      // fail2ban resolves each action's tags when it converts the jail; a tag loop there stops it.
      for (const a of actions) a.reader?.getCombined(ACTION_IGNORED_TAGS);
    },
  };
}

function toSources(
  values: Map<string, TaggedValue>,
): Map<string, { value: string | null; source: ConfigSource | null }> {
  return new Map(
    [...values].map(([k, v]) => [k, { value: v.value === null ? null : pyStr(v.value), source: v.source }]),
  );
}

/** The jail's own settings (not the filter's) into `jail`, with fail2ban-server's conversions and defaults. */
function applySettings(jail: Fail2banJail, opts: Map<string, TaggedValue>, notes: string[]): void {
  for (const [k, v] of opts) if (v.source) jail.sources[k] = v.source;
  const value = (k: string): PyValue | undefined => opts.get(k)?.value;
  jail.backend = str(opts.get('backend')) ?? 'auto';
  const maxretry = value('maxretry');
  if (typeof maxretry === 'number') jail.maxretry = maxretry;
  else if (opts.has('maxretry') && maxretry === null)
    notes.push(`maxretry is not an integer; fail2ban-server keeps ${SERVER_DEFAULTS.maxretry}`);
  jail.findtime = str(opts.get('findtime'));
  jail.bantime = str(opts.get('bantime'));
  for (const [key, written, field] of [
    ['findtime', jail.findtime, 'findtimeSeconds'],
    ['bantime', jail.bantime, 'bantimeSeconds'],
  ] as const) {
    if (written === null) continue;
    const seconds = str2seconds(written);
    if (seconds === null)
      notes.push(
        `${key} ${JSON.stringify(written)} is not a duration fail2ban-server accepts; it refuses the jail's ${key}`,
      );
    else jail[field] = seconds;
  }
  const ignoreself = value('ignoreself');
  if (typeof ignoreself === 'boolean') jail.ignoreself = ignoreself;
  jail.ignoreip = splitWords(str(opts.get('ignoreip')));
  const usedns = str(opts.get('usedns'));
  if (usedns !== null) jail.usedns = usedns.toLowerCase();
  jail.logpaths = [];
  jail.logpathTails = [];
  const logpath = str(opts.get('logpath'));
  if (logpath !== null) {
    if (jail.backend.startsWith('systemd')) {
      notes.push(`logpath is ignored: backend ${jail.backend} reads the journal`);
    } else {
      for (const line of logpath.split('\n')) {
        // fail2ban splits at the last space: "path tail".
        const at = line.lastIndexOf(' ');
        const path = at >= 0 ? line.slice(0, at) : line;
        if (path === '') continue;
        jail.logpaths.push(path);
        jail.logpathTails.push(at >= 0 ? line.slice(at + 1) : 'head');
      }
    }
  }
}
