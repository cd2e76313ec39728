// mailwarden's reading of a fail2ban configuration must be fail2ban's own:
// for the real-stack harness's configuration, a docker-mailserver overlay, a
// configuration full of the format's corners and every stock jail at once,
// every jail setting mailwarden reads equals what `fail2ban-client -d` prints
// (fail2ban's effective view), durations equal fail2ban's own MyTime in
// seconds, and what makes fail2ban refuse a configuration is a
// ConfigParseError at the file and line fail2ban names.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type Fail2banDump,
  parseClientDump,
  parsePythonLiteral,
} from '../../src/config/fail2ban/client-dump.js';
import { loadFail2banConfiguration } from '../../src/config/fail2ban/configuration.js';
import {
  dockerMailserverFail2banOverlays,
  hiddenInDockerMailserver,
  loadDockerMailserverFail2ban,
} from '../../src/config/fail2ban/docker-mailserver.js';
import { str2seconds } from '../../src/config/fail2ban/duration.js';
import type { Fail2banConfiguration, Fail2banJail } from '../../src/config/fail2ban/types.js';
import { ConfigParseError } from '../../src/config/source.js';
import { SYSTEM_FAIL2BAN_DIR, writeFail2banInstance } from '../realstack/fail2ban-config.js';
import { stackLogs } from '../realstack/log-layout.js';
import { stackPaths } from '../realstack/paths.js';
import { realStackTest } from '../realstack/skip-policy.js';

let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'mw-fail2ban-reader-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Every file under `dir`, relative to it. */
function walk(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, base));
    else out.push(relative(base, p));
  }
  return out;
}

/** A copy of the machine's stock configuration: no `.local` files, nothing in jail.d or fail2ban.d. */
function stockCopy(dir: string): string {
  cpSync(SYSTEM_FAIL2BAN_DIR, dir, { recursive: true, dereference: true });
  for (const rel of walk(dir)) if (hiddenInDockerMailserver(rel)) rmSync(join(dir, rel));
  return dir;
}

function write(dir: string, rel: string, text: string): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

function touch(...files: string[]): void {
  for (const f of files) {
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, '');
  }
}

interface ClientRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function fail2banClient(dir: string): ClientRun {
  const r = spawnSync('fail2ban-client', ['-c', dir, '-d'], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Fail2banView {
  dump: Fail2banDump;
  /** Jails fail2ban skips, with its message. */
  configErrors: string[];
}

function fail2banView(dir: string): Fail2banView {
  const run = fail2banClient(dir);
  assert.equal(run.status, 0, `fail2ban-client -c ${dir} -d failed:\n${run.stderr}`);
  const configErrors = run.stdout
    .split('\n')
    .filter((l) => l.startsWith("['config-error'"))
    .map((l) => String((parsePythonLiteral(l) as string[])[1]));
  return { dump: parseClientDump(run.stdout), configErrors };
}

/** The Python fail2ban-client runs with (its #! line), which can import fail2ban. */
function fail2banPython(): string {
  const client = execFileSync('sh', ['-c', 'command -v fail2ban-client'], { encoding: 'utf8' }).trim();
  const shebang = /^#!\s*(\S+)/.exec(readFileSync(client, 'utf8').split('\n', 1)[0]!);
  return shebang?.[1] ?? 'python3';
}

/** fail2ban's own MyTime.str2seconds, from the installed fail2ban. */
function fail2banSeconds(values: string[]): Map<string, number> {
  const script = [
    'import json, sys',
    'from fail2ban.server.mytime import MyTime',
    'print(json.dumps([MyTime.str2seconds(v) for v in json.loads(sys.stdin.read())]))',
  ].join('\n');
  const out = execFileSync(fail2banPython(), ['-c', script], {
    input: JSON.stringify(values),
    encoding: 'utf8',
  });
  const seconds = JSON.parse(out) as number[];
  return new Map(values.map((v, i) => [v, seconds[i]!]));
}

const SERVER_DEFAULTS = { maxretry: 3, seconds: 600, maxlines: 1 };

/** Everything mailwarden reads of the jails equals fail2ban's view. */
function assertSameAsFail2ban(
  label: string,
  conf: Fail2banConfiguration,
  view: Fail2banView,
  options: { logpaths: boolean } = { logpaths: true },
): void {
  const { dump } = view;
  const started = [...dump.jails.values()].filter((j) => j.started).map((j) => j.name);
  assert.ok(started.length > 0, `${label}: fail2ban starts some jails`);
  assert.deepEqual(
    conf.jails.filter((j) => j.enabled).map((j) => j.name),
    started,
    `${label}: the jails fail2ban starts, in its order`,
  );
  const skipped = conf.jails.filter((j) => j.skipReason !== null);
  assert.equal(skipped.length, view.configErrors.length, `${label}: the jails fail2ban skips`);
  for (const j of skipped)
    assert.ok(
      view.configErrors.some((m) => m.includes(`Jail '${j.name}' skipped`) && m.endsWith(j.skipReason!)),
      `${label}: ${j.name} is skipped as fail2ban says: ${j.skipReason} / ${view.configErrors.join(' | ')}`,
    );

  const durations = new Set<string>();
  for (const name of started) {
    const d = dump.jails.get(name)!;
    for (const k of ['findtime', 'bantime']) if (d.settings.has(k)) durations.add(String(d.settings.get(k)));
  }
  const seconds = fail2banSeconds([...durations]);

  const byName = new Map<string, Fail2banJail>(conf.jails.map((j) => [j.name, j]));
  for (const name of started) {
    const d = dump.jails.get(name)!;
    const j = byName.get(name)!;
    const at = `${label}: [${name}]`;
    assert.equal(j.backend, d.backend, `${at} backend`);
    if (options.logpaths) assert.deepEqual(j.logpaths, d.logpaths, `${at} logpath`);
    assert.equal(j.maxretry, d.settings.get('maxretry') ?? SERVER_DEFAULTS.maxretry, `${at} maxretry`);
    for (const [k, inSeconds] of [
      ['findtime', j.findtimeSeconds],
      ['bantime', j.bantimeSeconds],
    ] as const) {
      const printed = d.settings.get(k);
      assert.equal(j[k], printed === undefined ? null : String(printed), `${at} ${k} as written`);
      const expected = printed === undefined ? SERVER_DEFAULTS.seconds : seconds.get(String(printed));
      assert.equal(inSeconds, expected, `${at} ${k} in seconds (${String(printed)})`);
    }
    assert.equal(j.filter?.prefregex ?? null, d.prefregex, `${at} prefregex`);
    assert.deepEqual(j.filter?.failregex ?? [], d.failregex, `${at} failregex`);
    assert.deepEqual(j.filter?.ignoreregex ?? [], d.ignoreregex, `${at} ignoreregex`);
    assert.equal(j.filter?.datepattern ?? null, d.datepattern, `${at} datepattern`);
    assert.equal(
      j.filter?.maxlines ?? 1,
      d.settings.get('maxlines') ?? SERVER_DEFAULTS.maxlines,
      `${at} maxlines`,
    );
    assert.deepEqual(
      (j.filter?.journalmatch ?? []).map((m) => m.split(/\s+/)),
      d.journalmatch,
      `${at} journalmatch`,
    );
    assert.deepEqual(j.actions, d.actions, `${at} actions`);
    assert.deepEqual(j.ignoreip, d.ignoreip, `${at} ignoreip`);
    assert.equal(j.ignoreself, d.settings.get('ignoreself') ?? true, `${at} ignoreself`);
    assert.equal(j.usedns, String(d.settings.get('usedns') ?? 'warn').toLowerCase(), `${at} usedns`);
  }
  const server = (k: string) => {
    const v = dump.server.get(k);
    return v === undefined || v === null ? null : String(v);
  };
  assert.equal(conf.server.logtarget, server('logtarget'), `${label}: logtarget`);
  assert.equal(conf.server.dbfile, server('dbfile'), `${label}: dbfile`);
  assert.equal(conf.server.loglevel, server('loglevel'), `${label}: loglevel`);
  assert.equal(conf.server.dbpurgeage, server('dbpurgeage'), `${label}: dbpurgeage`);
}

const jailNamed = (conf: Fail2banConfiguration, name: string): Fail2banJail => {
  const j = conf.jails.find((x) => x.name === name);
  assert.ok(j, `jail ${name} is read`);
  return j;
};

realStackTest(
  'fail2ban: the real-stack harness configuration reads as fail2ban-client -d prints it',
  { timeout: 120_000 },
  async () => {
    for (const layout of ['files', 'syslog'] as const) {
      const paths = stackPaths(join(root, `harness-${layout}`));
      const logs = stackLogs(layout, paths.logs);
      await writeFail2banInstance({ paths, logs });
      touch(logs.postfix, logs.dovecot);
      const conf = loadFail2banConfiguration(paths.fail2ban.config);
      assertSameAsFail2ban(`harness-${layout}`, conf, fail2banView(paths.fail2ban.config));

      assert.deepEqual(
        conf.jails
          .filter((j) => j.enabled)
          .map((j) => j.name)
          .sort(),
        ['dovecot', 'postfix', 'postfix-sasl'],
      );
      const postfix = jailNamed(conf, 'postfix');
      assert.equal(postfix.filterSpec, 'postfix[mode=extra]');
      assert.deepEqual(postfix.filter?.options, { mode: 'extra' });
      assert.equal(postfix.backend, 'polling');
      assert.deepEqual(postfix.logpaths, [logs.postfix]);
      assert.equal(postfix.findtimeSeconds, 600);
      assert.ok(
        postfix.filter!.failregex.some((r) => r.includes('SASL')),
        'mode=extra counts SASL failures',
      );
      assert.equal(jailNamed(conf, 'postfix-sasl').filter?.options['mode'], 'auth');
      assert.equal(postfix.sources['logpath']?.file, join(paths.fail2ban.config, 'jail.local'));
      assert.equal(conf.server.dbfile, paths.fail2ban.db);
      assert.ok(conf.files.includes(join(paths.fail2ban.config, 'filter.d', 'common.conf')));
    }
  },
);

realStackTest(
  'fail2ban: a docker-mailserver config directory over the stock configuration reads as fail2ban does',
  { timeout: 120_000 },
  () => {
    const base = join(root, 'dms-base');
    // The machine's configuration as it is: what the image does not ship is left out by the reader.
    cpSync(SYSTEM_FAIL2BAN_DIR, base, { recursive: true, dereference: true });
    const logs = join(root, 'dms-logs');
    touch(join(logs, 'mail.log'));
    const configDir = join(root, 'dms-config');
    write(
      configDir,
      'fail2ban-jail.cf',
      [
        '[DEFAULT]',
        '# where this test keeps the container log fail2ban reads',
        `syslog_mail = ${logs}/mail.log`,
        'bantime  = 1234',
        'findtime  = 321',
        'maxretry = 2',
        'banaction = nftables-multiport',
        '',
        '[dovecot]',
        'maxretry = 4',
        'bantime = 2d',
        '',
        '[postfix-aggressive]',
        'enabled = true',
        'filter = postfix[mode=aggressive]',
        'port = smtp,465,submission',
        'logpath = %(postfix_log)s',
        'backend = %(postfix_backend)s',
        '',
      ].join('\n'),
    );
    write(
      configDir,
      'fail2ban-fail2ban.cf',
      ['[Definition]', 'loglevel = DEBUG', `logtarget = ${logs}/fail2ban.log`, 'dbpurgeage = 7d', ''].join(
        '\n',
      ),
    );
    const conf = loadDockerMailserverFail2ban(configDir, { baseDir: base });

    // What the container holds: the base without what the image lacks, the overlays copied in.
    const etc = join(root, 'dms-etc');
    cpSync(base, etc, { recursive: true });
    for (const rel of walk(etc)) if (hiddenInDockerMailserver(rel)) rmSync(join(etc, rel));
    for (const o of dockerMailserverFail2banOverlays(configDir)) {
      if (o.text !== undefined) write(etc, o.as, o.text);
      else {
        mkdirSync(dirname(join(etc, o.as)), { recursive: true });
        cpSync(o.path, join(etc, o.as));
      }
    }
    assertSameAsFail2ban('docker-mailserver', conf, fail2banView(etc));

    assert.deepEqual(
      conf.jails
        .filter((j) => j.enabled)
        .map((j) => j.name)
        .sort(),
      ['custom', 'dovecot', 'postfix', 'postfix-aggressive'],
    );
    const dovecot = jailNamed(conf, 'dovecot');
    assert.equal(dovecot.maxretry, 4);
    assert.equal(dovecot.bantimeSeconds, 2 * 86400);
    assert.equal(dovecot.sources['maxretry']?.file, join(configDir, 'fail2ban-jail.cf'));
    const postfix = jailNamed(conf, 'postfix');
    assert.deepEqual(postfix.filter?.options, { mode: 'extra' });
    assert.equal(postfix.maxretry, 2);
    assert.equal(postfix.findtimeSeconds, 321);
    assert.deepEqual(postfix.actions, ['nftables-multiport']);
    assert.deepEqual(postfix.ignoreip, ['127.0.0.1/8']);
    assert.deepEqual(jailNamed(conf, 'postfix-aggressive').filter?.options, { mode: 'aggressive' });
    assert.equal(jailNamed(conf, 'custom').bantimeSeconds, 180 * 86400);
    assert.equal(conf.server.loglevel, 'DEBUG');
  },
);

realStackTest(
  'fail2ban: includes, known/, __name__, .local and .d overrides, continuation lines and durations read as fail2ban does',
  { timeout: 120_000 },
  () => {
    const dir = stockCopy(join(root, 'corners'));
    const logs = join(root, 'corners-logs');
    touch(
      ...['postfix', 'postfix-tail', 'postfix-sasl', 'corners', 'dovecot', 'included', 'nofilter'].map((n) =>
        join(logs, `${n}.log`),
      ),
    );
    write(
      dir,
      'jail.local',
      [
        '[INCLUDES]',
        'before = mw-before.conf',
        'after = mw-after.conf',
        '',
        '[DEFAULT]',
        'ignoreself = false',
        'backend = polling',
        'usedns = no',
        'banaction = dummy',
        'banaction_allports = dummy',
        `action = dummy[name=%(__name__)s, target="${root}/bans/%(__name__)s.txt"]`,
        'ignoreip = 127.0.0.1/8, ::1  10.0.0.0/8,192.0.2.7',
        '           198.51.100.0/24   ; an inline comment',
        `mw_logs = ${logs}`,
        '',
        '[postfix]',
        'enabled = true',
        'mode = aggressive',
        'logpath = %(mw_logs)s/postfix.log',
        '          %(mw_logs)s/postfix-tail.log tail',
        'bantime = 1h 30m',
        'findtime = 1d12h',
        '# known/: the value jail.d/10-base.conf gave (2), then a 0',
        'maxretry = %(known/maxretry)s0',
        '',
        '[postfix-sasl]',
        'enabled = true',
        'logpath = %(mw_logs)s/%(__name__)s.log',
        'bantime = -1',
        'findtime = %(default/findtime)s',
        'failregex = %(known/failregex)s',
        '            ^extra regex from the jail <HOST>$',
        '',
        '[mw-corners]',
        'enabled = true',
        `filter = mw-test[mode="aggressive", label='a b']`,
        'logpath = %(mw_logs)s/corners.log',
        'datepattern = ^%%Y-%%m-%%d %%H:%%M:%%S',
        'maxlines = 2',
        'bantime = 2w',
        'findtime = 1mo',
        '',
        '# a conditional section: its options go to [mw-corners] as maxretry?family=inet6',
        '[mw-corners?family=inet6]',
        'maxretry = 9',
        '',
        '[mw-nofilter]',
        'enabled = true',
        'filter = does-not-exist',
        'logpath = %(mw_logs)s/nofilter.log',
        '',
        '[sshd]',
        'enabled = true',
        'backend = systemd',
        '',
        '[dovecot]',
        'bantime = 5m',
        '',
      ].join('\n'),
    );
    write(
      dir,
      'mw-before.conf',
      [
        '[DEFAULT]',
        'mw_logs = /overridden/by/jail.local',
        '',
        '[mw-included]',
        'enabled = true',
        'filter = dovecot',
        'logpath = %(mw_logs)s/included.log',
        '',
      ].join('\n'),
    );
    write(dir, 'mw-after.conf', '[mw-corners]\nusedns = raw\n\n[postfix-sasl]\nmaxretry = 11\n');
    write(dir, 'jail.d/10-base.conf', '[postfix]\nmaxretry = 2\n');
    // jail.d/*.conf come before jail.local, jail.d/*.local after it, whatever their names.
    write(
      dir,
      'jail.d/50-dovecot.conf',
      '[dovecot]\nenabled = true\nlogpath = %(mw_logs)s/dovecot.log\nmaxretry = 8\nbantime = 6m\n',
    );
    write(dir, 'jail.d/01-dovecot.local', '[dovecot]\nmaxretry = 7\n');
    write(
      dir,
      'filter.d/mw-test.conf',
      [
        '[INCLUDES]',
        'before = common.conf',
        '',
        '[Definition]',
        '_daemon = mw-test',
        'prefregex = ^%(__prefix_line)s<F-CONTENT>.+</F-CONTENT>$',
        'failregex = ^login failed for <F-USER>\\S+</F-USER> from <HOST>$',
        '# a comment inside the value',
        '            ^bad command from <HOST>$',
        '',
        '            <mdre-<mode>>',
        'mdre-normal =',
        'mdre-aggressive = ^probe from <HOST> label <label>$',
        'ignoreregex = ^ignored <HOST>$',
        'datepattern = {^LN-BEG}',
        '',
        '[Init]',
        'mode = normal',
        'journalmatch = _SYSTEMD_UNIT=mw-test.service',
        '',
      ].join('\n'),
    );
    write(
      dir,
      'filter.d/mw-test.d/10-extra.conf',
      '[Definition]\nignoreregex = %(known/ignoreregex)s\n  ^also ignored <HOST>$\n',
    );
    write(
      dir,
      'filter.d/mw-test.local',
      '[Definition]\nfailregex = <known/failregex>\n            ^added by the local override <HOST>$\n',
    );
    write(
      dir,
      'filter.d/postfix.local',
      '[Definition]\nfailregex = %(known/failregex)s\n            ^added by postfix.local from [^[]*\\[<HOST>\\]$\n',
    );

    const conf = loadFail2banConfiguration(dir);
    assertSameAsFail2ban('corners', conf, fail2banView(dir));

    const postfix = jailNamed(conf, 'postfix');
    assert.equal(postfix.maxretry, 20);
    assert.equal(postfix.bantimeSeconds, 5400);
    assert.equal(postfix.findtimeSeconds, 36 * 3600);
    assert.deepEqual(postfix.logpathTails, ['head', 'tail']);
    assert.ok(postfix.filter!.failregex.at(-1)!.startsWith('^added by postfix.local'));
    assert.ok(postfix.filter!.files.some((f) => f.endsWith('filter.d/postfix.local')));
    assert.deepEqual(postfix.ignoreip, ['127.0.0.1/8', '::1', '10.0.0.0/8', '192.0.2.7', '198.51.100.0/24']);
    const sasl = jailNamed(conf, 'postfix-sasl');
    assert.equal(sasl.bantimeSeconds, -1);
    assert.equal(sasl.maxretry, 11);
    assert.equal(sasl.filter!.failregex.at(-1), '^extra regex from the jail <HOST>$');
    const corners = jailNamed(conf, 'mw-corners');
    assert.deepEqual(corners.filter?.options, { mode: 'aggressive', label: 'a b' });
    assert.ok(corners.filter!.failregex.includes('^probe from <HOST> label a b$'));
    assert.equal(corners.filter!.maxlines, 2);
    assert.equal(corners.usedns, 'raw');
    assert.equal(corners.maxretry, 5, 'the conditional section does not set maxretry');
    const dovecot = jailNamed(conf, 'dovecot');
    assert.equal(dovecot.maxretry, 7);
    assert.equal(dovecot.bantimeSeconds, 300);
    const nofilter = jailNamed(conf, 'mw-nofilter');
    assert.equal(nofilter.enabled, false);
    assert.equal(nofilter.configuredEnabled, true);
    assert.equal(nofilter.skipReason, "Unable to read the filter 'does-not-exist'");
    assert.deepEqual(jailNamed(conf, 'sshd').logpaths, [], 'systemd jails read no files');
    assert.deepEqual(jailNamed(conf, 'mw-included').source, { file: join(dir, 'mw-before.conf'), line: 4 });
    assert.equal(jailNamed(conf, 'apache-auth').enabled, false);
  },
);

realStackTest(
  'fail2ban: every stock jail and action at once reads as fail2ban does',
  { timeout: 120_000 },
  () => {
    for (const [label, settings] of [
      ['all jails, default actions', []],
      ['all jails, mail actions', ['action = %(action_mwl)s']],
      [
        'all jails, reporting actions',
        [
          'action = %(action_xarf)s',
          '         %(action_blocklist_de)s',
          '         %(action_abuseipdb)s',
          'blocklist_de_apikey = KEY',
        ],
      ],
      ['all jails, journal', ['backend = systemd', 'banaction = nftables-multiport']],
    ] as const) {
      const dir = stockCopy(join(root, `all-${label.replace(/\W+/g, '-')}`));
      write(dir, 'jail.local', ['[DEFAULT]', 'enabled = true', ...settings, ''].join('\n'));
      const conf = loadFail2banConfiguration(dir);
      // Log files are not created here: fail2ban lists only the files it finds, so logpaths are left out.
      assertSameAsFail2ban(label, conf, fail2banView(dir), { logpaths: false });
      assert.ok(conf.jails.filter((j) => j.enabled).length > 50, `${label}: the stock jails are on`);
    }
  },
);

interface BrokenCase {
  name: string;
  files: Record<string, string>;
  file: string;
  line: number;
  /** What fail2ban's own error says. */
  fail2ban: RegExp;
  ours: RegExp;
}

const BROKEN: BrokenCase[] = [
  {
    name: 'a line that is not key = value',
    files: { 'jail.d/broken.local': '[postfix]\nenabled = true\nthis line is broken\n' },
    file: 'jail.d/broken.local',
    line: 3,
    fail2ban: /Source contains parsing errors[\s\S]*\[line\s+3\]/,
    ours: /this line is broken/,
  },
  {
    name: 'an interpolation loop',
    files: {
      'jail.d/loop.local': '[postfix]\nenabled = true\nmaxretry = %(findtime)s\nfindtime = %(maxretry)s\n',
    },
    file: 'jail.d/loop.local',
    line: 3,
    fail2ban: /Recursion limit exceeded[\s\S]*option 'maxretry' in section 'postfix'/,
    ours: /\[postfix\] maxretry: interpolation loop/,
  },
  {
    name: 'a reference to no option',
    files: {
      'jail.local': '[DEFAULT]\nbackend = polling\n\n[postfix]\nenabled = true\nbantime = %(nothere)s\n',
    },
    file: 'jail.local',
    line: 6,
    fail2ban: /interpolation key 'nothere'/,
    ours: /%\(nothere\)s names no option/,
  },
  {
    name: 'a bare %',
    files: { 'jail.local': '[postfix]\nenabled = true\nfindtime = 50%\n' },
    file: 'jail.local',
    line: 3,
    fail2ban: /'%' must be followed by '%' or '\('/,
    ours: /must be followed by "%" or "\("/,
  },
  {
    name: 'an option twice in one file',
    files: { 'jail.d/twice.local': '[postfix]\nmaxretry = 1\nmaxretry = 2\n' },
    file: 'jail.d/twice.local',
    line: 3,
    fail2ban: /\[line\s+3\]: option 'maxretry' in section 'postfix' already exists/,
    ours: /already exists/,
  },
  {
    name: 'a setting before any section',
    files: { 'jail.d/headless.local': 'maxretry = 3\n' },
    file: 'jail.d/headless.local',
    line: 1,
    fail2ban: /File contains no section headers[\s\S]*line: 1/,
    ours: /before any \[section\]/,
  },
  {
    name: 'filter tags that refer to each other',
    files: {
      'filter.d/mw-loop.conf': '[Definition]\nfailregex = ^x <HOST> <mw-a>\nmw-a = <mw-b>\nmw-b = <mw-a>\n',
      'jail.local': '[DEFAULT]\nbackend = polling\n\n[mw-loop]\nenabled = true\nlogpath = /dev/null\n',
    },
    file: 'filter.d/mw-loop.conf',
    line: 2,
    fail2ban: /self referencing definitions/,
    ours: /loop/,
  },
];

realStackTest(
  'fail2ban: what makes fail2ban refuse a configuration is a ConfigParseError at its file and line',
  { timeout: 120_000 },
  () => {
    for (const c of BROKEN) {
      const dir = stockCopy(join(root, `broken-${c.name.replace(/\W+/g, '-')}`));
      for (const [rel, text] of Object.entries(c.files)) write(dir, rel, text);
      const run = fail2banClient(dir);
      assert.notEqual(run.status, 0, `${c.name}: fail2ban refuses it`);
      assert.match(run.stderr, c.fail2ban, `${c.name}: fail2ban's reason`);
      assert.throws(
        () => loadFail2banConfiguration(dir),
        (e: unknown) => {
          assert.ok(e instanceof ConfigParseError, `${c.name}: a ConfigParseError, not ${String(e)}`);
          assert.equal(e.file, join(dir, c.file), `${c.name}: the file`);
          assert.equal(e.line, c.line, `${c.name}: the line`);
          assert.match(e.message, c.ours, `${c.name}: the message`);
          assert.ok(e.message.startsWith(`${join(dir, c.file)}:${c.line}: `), e.message);
          return true;
        },
      );
    }
  },
);

realStackTest(
  "fail2ban: durations in seconds are fail2ban's own MyTime.str2seconds",
  { timeout: 60_000 },
  () => {
    const values = [
      '600',
      '-1',
      '0',
      '10m',
      '1h',
      '1d',
      '1w',
      '2w',
      '1mo',
      '1y',
      '1h 30m',
      '1d12h',
      '0d 1h 30m',
      '1hour+30min',
      '1year-6mo',
      '6 months',
      '3.5h',
      '2 days',
      '90s',
      '1h30',
      '1W',
      '10M',
      '(1+1)*60',
      '2**3',
      '7//2',
      '1 2 3',
      '010',
      '',
      'abc',
      '1x',
      '5m-',
      '1e3',
      '00',
    ];
    const script = [
      'import json, sys',
      'from fail2ban.server.mytime import MyTime',
      'out = []',
      'for v in json.loads(sys.stdin.read()):',
      '    try:',
      '        out.append(MyTime.str2seconds(v))',
      '    except Exception:',
      '        out.append(None)',
      'print(json.dumps(out))',
    ].join('\n');
    const python = JSON.parse(
      execFileSync(fail2banPython(), ['-c', script], { input: JSON.stringify(values), encoding: 'utf8' }),
    ) as (number | null)[];
    for (const [i, v] of values.entries())
      assert.equal(str2seconds(v), python[i], `str2seconds(${JSON.stringify(v)})`);
  },
);

test('fail2ban: a missing configuration directory is a ConfigParseError', () => {
  assert.throws(() => loadFail2banConfiguration(join(tmpdir(), 'mw-no-such-fail2ban-dir')), ConfigParseError);
});
