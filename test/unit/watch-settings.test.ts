// The settings file of `mailwarden watch`: defaults, both formats, every check
// with its line, and the documentation and examples kept equal to the schema.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatDuration, parseDuration } from '../../src/act/settings/duration.js';
import {
  DEFAULT_SETTINGS,
  loadSettings,
  parseSettings,
  SettingsError,
  settingsFormat,
} from '../../src/act/settings/load-settings.js';
import { settingsKeys } from '../../src/act/settings/schema.js';
import { tomlKeyLines } from '../../src/act/settings/toml-key-lines.js';
import type { WatchSettings } from '../../src/act/settings/types.js';
import { BAN_WORTHY_CLASSES } from '../../src/detect/fail2ban-coverage.js';
import { repoRoot } from '../support/paths.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The problems a file has, as `line key` strings (messages checked separately where they matter). */
function problemsOf(text: string, format: 'toml' | 'yaml'): SettingsError {
  try {
    parseSettings(text, `mailwarden.${format}`, format);
  } catch (error) {
    assert.ok(error instanceof SettingsError, String(error));
    return error;
  }
  assert.fail('the settings were accepted');
}

const where = (error: SettingsError) => error.problems.map((p) => `${p.line} ${p.key}`);

function messageOf(error: SettingsError, key: string): string {
  const problem = error.problems.find((p) => p.key === key);
  assert.ok(problem, `no problem for ${key}: ${error.message}`);
  return problem.message;
}

test('an empty file, in either format, gives the defaults', () => {
  assert.deepEqual(parseSettings('', 'empty.toml', 'toml'), DEFAULT_SETTINGS);
  assert.deepEqual(parseSettings('', 'empty.yaml', 'yaml'), DEFAULT_SETTINGS);
  assert.deepEqual(parseSettings('# nothing\n', 'empty.yaml', 'yaml'), DEFAULT_SETTINGS);
});

test('the defaults', () => {
  const d = DEFAULT_SETTINGS;
  assert.equal(d.state, '/var/lib/mailwarden/state.db');
  assert.equal(d.tick, 1000);
  assert.equal(d.from, 'end');
  assert.equal(d.includePrivate, false);
  assert.equal(d.protectLogins, true);
  assert.deepEqual(
    d.rules.map((r) => [r.name, r.count, r.window]),
    [
      ['login-brute-force', 5, 10 * MINUTE],
      ['slow-brute-force', 20, DAY],
      ['smtp-abuse', 10, 10 * MINUTE],
      ['tls-scanning', 20, 10 * MINUTE],
    ],
  );
  assert.deepEqual(d.bans, {
    duration: HOUR,
    repeatFactor: 4,
    maxDuration: 30 * DAY,
    repeatMemory: 30 * DAY,
    subnetMin: 3,
    subnetWindow: HOUR,
    subnetPrefix4: 24,
    subnetPrefix6: 64,
    maxPrefix4: 24,
    maxPrefix6: 48,
  });
  assert.deepEqual(d.actions.enabled, ['stdout']);
  assert.equal(d.actions.retryMaxDelay, 5 * MINUTE);
  assert.deepEqual(d.actions.fail2ban, { jail: 'mailwarden', command: ['fail2ban-client'] });
  assert.deepEqual(d.actions.postfixMap, { map: null, reloadInterval: 10_000, reloadCommand: null });
  assert.equal(d.actions.webhook, null);
  assert.equal(d.metrics.listen, '127.0.0.1:9464');
  assert.equal(d.decisionLog, 'stderr');
});

test('the default rules count exactly the classes worth a ban', () => {
  const counted = new Set(DEFAULT_SETTINGS.rules.flatMap((r) => r.classes));
  // Dovecot auth's second line of a failed login is left out: one attempt counts once.
  const secondLines = new Set(['auth-unknown-user', 'auth-password-mismatch']);
  assert.deepEqual([...counted].sort(), [...BAN_WORTHY_CLASSES].filter((c) => !secondLines.has(c)).sort());
});

test('the defaults cannot be changed through loaded settings', () => {
  assert.ok(Object.isFrozen(DEFAULT_SETTINGS.rules[0]!.classes));
  const loaded = parseSettings('', 'x.toml', 'toml');
  loaded.rules[0]!.classes.push('pregreet');
  loaded.actions.enabled.push('nftables');
  assert.deepEqual(DEFAULT_SETTINGS.actions.enabled, ['stdout']);
  assert.equal(DEFAULT_SETTINGS.rules[0]!.classes.length, 3);
});

// Every key set away from its default, in the forms each format allows.
const FULL_TOML = `state = "/srv/mailwarden/state.db"
tick = 2
from = "start"
include_private = true
allow = ["192.0.2.10", "198.51.100.0/24", "2001:db8::/48"]
allowlist = "/etc/mailwarden/allow.txt"
protect_logins = false
decision_log = "/var/log/mailwarden/decisions.jsonl"

[[rules]]
name = "imap-guessing"
classes = [
  "mail-login-failure", # Dovecot
  "auth-password-mismatch",
]
count = 3
window = "1h30m"

[[rules]]
name = "pregreeters"
classes = ["pregreet"]
count = 1
window = "1d 12h"

[bans]
duration = "15m"
repeat_factor = 2.5
max_duration = "1w"
repeat_memory = 0
subnet_min = 0
subnet_window = "2h"
subnet_prefix4 = 28
subnet_prefix6 = 56
max_prefix4 = 16
max_prefix6 = 32

[actions]
enabled = ["fail2ban", "nftables", "webhook", "postfix-map"]
retries = 0
retry_delay = "500ms"
retry_max_delay = "1m"
exec_prefix = "docker exec mailserver"
fail2ban = { jail = "postfix-sasl", command = "fail2ban-client -s /run/fail2ban/fail2ban.sock" }
postfix_map.map = "/etc/postfix/reject-cidr.cf"
postfix_map.reload_interval = "0s"
postfix_map.reload_command = "postfix -c /etc/postfix-out reload"

[actions.nftables]
family = "ip6"
table = "mail_guard"
set4 = "v4-bans"
set6 = "v6-bans"
command = "/usr/sbin/nft"

[actions.webhook]
url = "https://hooks.example.org/mailwarden"
timeout = "3s"
headers = { Authorization = "Bearer abc", "X-Source" = "mx1" }

[metrics]
listen = "[::1]:9100"
`;

const FULL_YAML = `state: /srv/mailwarden/state.db
tick: 2s
from: start
include_private: true
allow:
  - 192.0.2.10
  - 198.51.100.0/24
  - "2001:db8::/48"
allowlist: /etc/mailwarden/allow.txt
protect_logins: false
decision_log: /var/log/mailwarden/decisions.jsonl
rules:
  - name: imap-guessing
    classes: [mail-login-failure, auth-password-mismatch]
    count: 3
    window: 90m
  - name: pregreeters
    classes: [pregreet]
    count: 1
    window: 36h
bans:
  duration: 900
  repeat_factor: 2.5
  max_duration: 7d
  repeat_memory: 0s
  subnet_min: 0
  subnet_window: 2h
  subnet_prefix4: 28
  subnet_prefix6: 56
  max_prefix4: 16
  max_prefix6: 32
actions:
  enabled: [fail2ban, nftables, webhook, postfix-map]
  retries: 0
  retry_delay: 0.5
  retry_max_delay: 1m
  exec_prefix: docker exec mailserver
  fail2ban:
    jail: postfix-sasl
    command: [fail2ban-client, -s, /run/fail2ban/fail2ban.sock]
  postfix_map:
    map: /etc/postfix/reject-cidr.cf
    reload_interval: 0
    reload_command: [postfix, -c, /etc/postfix-out, reload]
  nftables:
    family: ip6
    table: mail_guard
    set4: v4-bans
    set6: v6-bans
    command: [/usr/sbin/nft]
  webhook:
    url: https://hooks.example.org/mailwarden
    timeout: 3s
    headers:
      Authorization: Bearer abc
      X-Source: mx1
metrics:
  listen: "[::1]:9100"
`;

const FULL: WatchSettings = {
  state: '/srv/mailwarden/state.db',
  tick: 2000,
  from: 'start',
  includePrivate: true,
  allow: ['192.0.2.10', '198.51.100.0/24', '2001:db8::/48'],
  allowlist: '/etc/mailwarden/allow.txt',
  protectLogins: false,
  rules: [
    {
      name: 'imap-guessing',
      classes: ['mail-login-failure', 'auth-password-mismatch'],
      count: 3,
      window: 90 * MINUTE,
    },
    { name: 'pregreeters', classes: ['pregreet'], count: 1, window: 36 * HOUR },
  ],
  bans: {
    duration: 15 * MINUTE,
    repeatFactor: 2.5,
    maxDuration: 7 * DAY,
    repeatMemory: 0,
    subnetMin: 0,
    subnetWindow: 2 * HOUR,
    subnetPrefix4: 28,
    subnetPrefix6: 56,
    maxPrefix4: 16,
    maxPrefix6: 32,
  },
  actions: {
    enabled: ['fail2ban', 'nftables', 'webhook', 'postfix-map'],
    retries: 0,
    retryDelay: 500,
    retryMaxDelay: MINUTE,
    execPrefix: 'docker exec mailserver',
    fail2ban: { jail: 'postfix-sasl', command: ['fail2ban-client', '-s', '/run/fail2ban/fail2ban.sock'] },
    postfixMap: {
      map: '/etc/postfix/reject-cidr.cf',
      reloadInterval: 0,
      reloadCommand: ['postfix', '-c', '/etc/postfix-out', 'reload'],
    },
    nftables: {
      family: 'ip6',
      table: 'mail_guard',
      set4: 'v4-bans',
      set6: 'v6-bans',
      command: ['/usr/sbin/nft'],
    },
    webhook: {
      url: 'https://hooks.example.org/mailwarden',
      timeout: 3000,
      headers: { Authorization: 'Bearer abc', 'X-Source': 'mx1' },
    },
  },
  metrics: { listen: '[::1]:9100' },
  decisionLog: '/var/log/mailwarden/decisions.jsonl',
};

test('a full TOML file and the same file in YAML give identical settings', () => {
  const fromToml = parseSettings(FULL_TOML, 'full.toml', 'toml');
  const fromYaml = parseSettings(FULL_YAML, 'full.yaml', 'yaml');
  assert.deepEqual(fromToml, FULL);
  assert.deepEqual(fromYaml, FULL);
});

test('keys left out keep their defaults, table by table', () => {
  const s = parseSettings('[bans]\nduration = "2h"\n\n[actions.fail2ban]\njail = "mw"\n', 'x.toml', 'toml');
  assert.deepEqual(s.bans, { ...DEFAULT_SETTINGS.bans, duration: 2 * HOUR });
  assert.deepEqual(s.actions.fail2ban, { jail: 'mw', command: ['fail2ban-client'] });
  assert.deepEqual(s.rules, DEFAULT_SETTINGS.rules);
  const hook = parseSettings('actions:\n  webhook:\n    url: http://127.0.0.1:8080/\n', 'x.yaml', 'yaml');
  assert.deepEqual(hook.actions.webhook, { url: 'http://127.0.0.1:8080/', timeout: 10_000, headers: {} });
});

test('"" and false turn optional values off; YAML null too', () => {
  const toml = parseSettings('decision_log = false\n[metrics]\nlisten = ""\n', 'x.toml', 'toml');
  assert.equal(toml.decisionLog, null);
  assert.equal(toml.metrics.listen, null);
  const yaml = parseSettings('decision_log:\nmetrics:\n  listen: null\nallowlist: ""\n', 'x.yaml', 'yaml');
  assert.equal(yaml.decisionLog, null);
  assert.equal(yaml.metrics.listen, null);
  assert.equal(yaml.allowlist, null);
});

const BROKEN_TOML = `state = ""
tick = "fast"
from = "middle"
includePrivate = true
allow = ["192.0.2.0/24", "10.0.0.0/33", "mail.example.org"]

[[rules]]
name = "logins"
classes = ["sasl-auth-failur", "pregreet"]
count = 0
window = "10m"

[[rules]]
name = "logins"
classes = ["pregreet"]
count = 2
window = "-5m"

[[rules]]
name = "scanners"
classes = []

[bans]
duration = "0s"
repeat_factor = "fast"
repeat_facter = 3
subnet_prefix4 = 16
max_prefix6 = 12
jail = "x"

[actions]
enabled = ["stdout", "nft"]
retries = -1
fail2ban = { jail = "a b; rm -rf /" }

[actions.nftables]
family = "bridge"
table = "1table"
command = []

[actions.webhook]
url = "ftp://example.org/"
headers = { "Bad Header" = "x" }

[metrics]
listen = "0.0.0.0:9464"
`;

const BROKEN_YAML = `state: ""
tick: fast
from: middle
includePrivate: true
allow: [192.0.2.0/24, 10.0.0.0/33, mail.example.org]
rules:
  - name: logins
    classes: [sasl-auth-failur, pregreet]
    count: 0
    window: 10m
  - name: logins
    classes: [pregreet]
    count: 2
    window: -5m
  - name: scanners
    classes: []
bans:
  duration: 0s
  repeat_factor: fast
  repeat_facter: 3
  subnet_prefix4: 16
  max_prefix6: 12
  jail: x
actions:
  enabled:
    - stdout
    - nft
  retries: -1
  fail2ban: {jail: "a b; rm -rf /"}
  nftables:
    family: bridge
    table: 1table
    command: []
  webhook:
    url: ftp://example.org/
    headers:
      Bad Header: x
metrics:
  listen: 0.0.0.0:9464
`;

test('every problem of a TOML file is reported at once, with its line and key', () => {
  const error = problemsOf(BROKEN_TOML, 'toml');
  assert.deepEqual(where(error), [
    '1 state',
    '2 tick',
    '3 from',
    '4 includePrivate',
    '5 allow[1]',
    '5 allow[2]',
    '9 rules[0].classes[0]',
    '10 rules[0].count',
    '17 rules[1].window',
    '19 rules[2].count',
    '19 rules[2].window',
    '21 rules[2].classes',
    '24 bans.duration',
    '25 bans.repeat_factor',
    '26 bans.repeat_facter',
    '27 bans.subnet_prefix4',
    '28 bans.max_prefix6',
    '29 bans.jail',
    '32 actions.enabled[1]',
    '33 actions.retries',
    '34 actions.fail2ban.jail',
    '37 actions.nftables.family',
    '38 actions.nftables.table',
    '39 actions.nftables.command',
    '42 actions.webhook.url',
    '43 actions.webhook.headers.Bad Header',
    '46 metrics.listen',
  ]);
  assert.match(error.message, /^mailwarden\.toml:1: state: must be a non-empty string, got ""$/m);
  assert.match(
    error.message,
    /^mailwarden\.toml:25: bans\.repeat_factor: must be a number >= 1, got "fast"$/m,
  );
  assert.equal(error.message.split('\n').length, error.problems.length);
});

test('every problem of a YAML file is reported at once, with its line and key', () => {
  const error = problemsOf(BROKEN_YAML, 'yaml');
  assert.deepEqual(where(error), [
    '1 state',
    '2 tick',
    '3 from',
    '4 includePrivate',
    '5 allow[1]',
    '5 allow[2]',
    '8 rules[0].classes[0]',
    '9 rules[0].count',
    '14 rules[1].window',
    '15 rules[2].count',
    '15 rules[2].window',
    '16 rules[2].classes',
    '18 bans.duration',
    '19 bans.repeat_factor',
    '20 bans.repeat_facter',
    '21 bans.subnet_prefix4',
    '22 bans.max_prefix6',
    '23 bans.jail',
    '27 actions.enabled[1]',
    '28 actions.retries',
    '29 actions.fail2ban.jail',
    '31 actions.nftables.family',
    '32 actions.nftables.table',
    '33 actions.nftables.command',
    '35 actions.webhook.url',
    '37 actions.webhook.headers.Bad Header',
    '39 metrics.listen',
  ]);
  assert.match(
    error.message,
    /^mailwarden\.yaml:19: bans\.repeat_factor: must be a number >= 1, got "fast"$/m,
  );
});

test('the messages say what is wrong and what was given', () => {
  const error = problemsOf(BROKEN_TOML, 'toml');
  assert.match(messageOf(error, 'tick'), /must be a duration such as "90s".*got "fast"/);
  assert.equal(messageOf(error, 'from'), 'must be one of "end", "start", got "middle"');
  assert.equal(messageOf(error, 'allow[1]'), '"10.0.0.0/33" is not an IP address or CIDR network');
  assert.equal(
    messageOf(error, 'rules[0].classes[0]'),
    '"sasl-auth-failur" is not an event class (did you mean "sasl-auth-failure"?)',
  );
  assert.equal(messageOf(error, 'rules[0].count'), 'must be an integer >= 1, got 0');
  assert.equal(messageOf(error, 'rules[2].classes'), 'must not be empty');
  assert.equal(messageOf(error, 'rules[2].count'), 'is required');
  assert.equal(messageOf(error, 'bans.duration'), 'must be longer than 0s');
  assert.equal(
    messageOf(error, 'bans.subnet_prefix4'),
    'must not be wider than bans.max_prefix4: a prefix of at least 24, got 16',
  );
  assert.equal(messageOf(error, 'bans.max_prefix6'), 'must be an integer from 16 to 128, got 12');
  assert.match(messageOf(error, 'actions.enabled[1]'), /must be one of "stdout", .*got "nft"/);
  assert.match(messageOf(error, 'actions.fail2ban.jail'), /^must be a jail name/);
  assert.match(messageOf(error, 'actions.nftables.family'), /^must be one of "inet", "ip", "ip6"/);
  assert.match(messageOf(error, 'actions.nftables.command'), /^must be a command/);
  assert.equal(
    messageOf(error, 'actions.webhook.url'),
    'must be an http:// or https:// URL, got "ftp://example.org/"',
  );
  assert.equal(messageOf(error, 'actions.webhook.headers.Bad Header'), 'is not a valid HTTP header name');
  assert.match(messageOf(error, 'metrics.listen'), /^must be a loopback host:port/);
});

test('rule names must be unique', () => {
  const text = `[[rules]]
name = "a"
classes = ["pregreet"]
count = 1
window = "1m"

[[rules]]
name = "a"
classes = ["pregreet"]
count = 2
window = "1m"
`;
  const error = problemsOf(text, 'toml');
  assert.deepEqual(where(error), ['8 rules[1].name']);
  assert.equal(error.problems[0]!.message, '"a" is already listed at rules[0]');
});

test('rules that are given replace the default rules', () => {
  const s = parseSettings(
    'rules:\n  - {name: only, classes: [pregreet], count: 1, window: 1m}\n',
    'x.yaml',
    'yaml',
  );
  assert.deepEqual(s.rules, [{ name: 'only', classes: ['pregreet'], count: 1, window: MINUTE }]);
});

test('checks between keys: durations, retry delays, the webhook', () => {
  const error = problemsOf(
    `[bans]
duration = "2h"
max_duration = "1h"

[actions]
retry_delay = "1m"
retry_max_delay = "10s"
enabled = [
  "stdout",
  "webhook",
]
`,
    'toml',
  );
  assert.deepEqual(where(error), [
    '3 bans.max_duration',
    '7 actions.retry_max_delay',
    '8 actions.webhook.url',
  ]);
  assert.equal(messageOf(error, 'bans.max_duration'), 'must be at least bans.duration (2h), got "1h"');
  assert.equal(messageOf(error, 'actions.webhook.url'), 'is required when "webhook" is in actions.enabled');
  // YAML points at the list item that asks for the webhook.
  const yaml = problemsOf('actions:\n  enabled:\n    - stdout\n    - webhook\n', 'yaml');
  assert.deepEqual(where(yaml), ['4 actions.webhook.url']);
});

test('an [actions.webhook] table needs its url', () => {
  const error = problemsOf('[actions.webhook]\ntimeout = "5s"\n', 'toml');
  assert.deepEqual(where(error), ['1 actions.webhook.url']);
  assert.equal(error.problems[0]!.message, 'is required');
  // A broken webhook table is reported once, not again as missing for the enabled action.
  const broken = problemsOf(
    '[actions]\nenabled = ["webhook"]\n[actions.webhook]\nurl = "ftp://x/"\n',
    'toml',
  );
  assert.deepEqual(where(broken), ['4 actions.webhook.url']);
});

test('unknown keys, with the key that was probably meant', () => {
  const error = problemsOf(
    `protectLogins = false
colour = "blue"

[bans]
repeat_facter = 2
reload_interval = "1m"

[actions.fail2ban]
jial = "x"
`,
    'toml',
  );
  assert.deepEqual(
    error.problems.map((p) => `${p.line} ${p.key}: ${p.message}`),
    [
      '1 protectLogins: unknown key (did you mean "protect_logins"?)',
      '2 colour: unknown key',
      '5 bans.repeat_facter: unknown key (did you mean "repeat_factor"?)',
      '6 bans.reload_interval: unknown key (did you mean "actions.postfix_map.reload_interval"?)',
      '9 actions.fail2ban.jial: unknown key (did you mean "jail"?)',
    ],
  );
  const proto = problemsOf('[__proto__]\ntick = "5s"\n[bans]\nconstructor = 1\n', 'toml');
  assert.deepEqual(where(proto), ['1 __proto__', '4 bans.constructor']);
  const yaml = problemsOf('metrics:\n  listn: 127.0.0.1:9000\n', 'yaml');
  assert.equal(yaml.message, 'mailwarden.yaml:2: metrics.listn: unknown key (did you mean "listen"?)');
});

test('wrong types are named', () => {
  const error = problemsOf(
    'bans = 3\nallow = "192.0.2.1"\nprotect_logins = "yes"\n[actions]\nretries = 1.5\n',
    'toml',
  );
  assert.deepEqual(
    error.problems.map((p) => `${p.line} ${p.key}: ${p.message}`),
    [
      '1 bans: must be a table, got 3',
      '2 allow: must be a list, got "192.0.2.1"',
      '3 protect_logins: must be true or false, got "yes"',
      '5 actions.retries: must be an integer >= 0, got 1.5',
    ],
  );
  const root = problemsOf('- a\n- b\n', 'yaml');
  assert.equal(root.message, 'mailwarden.yaml: must be a table, got a list');
});

test('commands: a list of words, or one string split on whitespace', () => {
  const s = parseSettings(
    '[actions.fail2ban]\ncommand = "  docker  exec\tmail fail2ban-client "\n[actions.nftables]\ncommand = ["nft", "-c"]\n',
    'x.toml',
    'toml',
  );
  assert.deepEqual(s.actions.fail2ban.command, ['docker', 'exec', 'mail', 'fail2ban-client']);
  assert.deepEqual(s.actions.nftables.command, ['nft', '-c']);
  const error = problemsOf(
    '[actions.fail2ban]\ncommand = "   "\n[actions.nftables]\ncommand = ["nft", 3]\n',
    'toml',
  );
  assert.deepEqual(where(error), ['2 actions.fail2ban.command', '4 actions.nftables.command']);
});

test('metrics.listen: loopback only, with a port from 1 to 65535', () => {
  const listen = (value: string) => {
    try {
      return parseSettings(`[metrics]\nlisten = ${JSON.stringify(value)}\n`, 'x.toml', 'toml').metrics.listen;
    } catch (error) {
      assert.ok(error instanceof SettingsError);
      return error.problems[0]!.message;
    }
  };
  for (const ok of ['127.0.0.1:9464', '127.1.2.3:1', '[::1]:65535', 'localhost:9464', 'LOCALHOST:80']) {
    assert.equal(listen(ok), ok);
  }
  for (const refused of [
    '0.0.0.0:9464',
    '192.0.2.1:9464',
    '::1:9464',
    '[127.0.0.1]:9464',
    '[::]:9464',
    'example.org:9464',
    '127.0.0.1',
    '127.0.0.1:',
    '127.0.0.1:http',
    ' 127.0.0.1:9464',
    '127.0.0.1/8:9464',
  ]) {
    assert.match(String(listen(refused)), /^must be a loopback host:port/, refused);
  }
  assert.equal(listen('127.0.0.1:0'), 'port must be from 1 to 65535, got "127.0.0.1:0"');
  assert.equal(listen('[::1]:65536'), 'port must be from 1 to 65535, got "[::1]:65536"');
});

test('webhook headers cannot inject lines', () => {
  const error = problemsOf(
    'actions:\n  webhook:\n    url: https://example.org/\n    headers:\n      X-Ok: fine\n      X-Evil: "a\\r\\nHost: b"\n',
    'yaml',
  );
  assert.deepEqual(where(error), ['6 actions.webhook.headers.X-Evil']);
});

test('durations', () => {
  const table: [string | number, number | null][] = [
    ['90s', 90_000],
    ['10m', 10 * MINUTE],
    ['24h', DAY],
    ['30d', 30 * DAY],
    ['1w', 7 * DAY],
    ['250ms', 250],
    ['1h30m', 90 * MINUTE],
    ['1d 12h', 36 * HOUR],
    ['1w2d3h4m5s6ms', 7 * DAY + 2 * DAY + 3 * HOUR + 4 * MINUTE + 5000 + 6],
    [' 5m ', 5 * MINUTE],
    ['90', 90_000],
    ['0.5', 500],
    ['0', 0],
    ['0s', 0],
    [90, 90_000],
    [1.5, 1500],
    [0, 0],
    ['', null],
    ['fast', null],
    ['10', 10_000],
    ['-5m', null],
    [-5, null],
    ['1.5h', null],
    ['30m1h', null],
    ['1h1h', null],
    ['10 m', null],
    ['1mo', null],
    ['1y', null],
    ['h', null],
    ['1h 30', null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    ['9'.repeat(30), null],
  ];
  for (const [text, ms] of table) assert.equal(parseDuration(text), ms, JSON.stringify(text));
  for (const ms of [0, 250, 90_000, 90 * MINUTE, 36 * HOUR, 30 * DAY, 14 * DAY, 7 * DAY + 1]) {
    assert.equal(parseDuration(formatDuration(ms)), ms, formatDuration(ms));
  }
  assert.equal(formatDuration(30 * DAY), '30d');
  assert.equal(formatDuration(14 * DAY), '2w');
  assert.equal(formatDuration(90 * MINUTE), '1h30m');
});

test('zero is refused where it makes no sense and accepted where it has a meaning', () => {
  const error = problemsOf(
    'tick = 0\n[[rules]]\nname = "a"\nclasses = ["pregreet"]\ncount = 1\nwindow = "0m"\n',
    'toml',
  );
  assert.deepEqual(where(error), ['1 tick', '6 rules[0].window']);
  const s = parseSettings('[bans]\nrepeat_memory = "0s"\nsubnet_min = 0\n', 'x.toml', 'toml');
  assert.equal(s.bans.repeatMemory, 0);
  assert.equal(s.bans.subnetMin, 0);
});

test('a long duration text cannot make the parser backtrack', { timeout: 5000 }, () => {
  assert.equal(parseDuration(`${'1'.repeat(100_000)}x`), null);
  assert.equal(parseDuration('1h'.repeat(50_000)), null);
  assert.equal(parseDuration(`${' 1'.repeat(50_000)}`), null);
});

test('syntax errors give the parser line', () => {
  const toml = problemsOf('state = "x"\n\n[bans\nduration = "1h"\n', 'toml');
  assert.equal(toml.problems.length, 1);
  assert.equal(toml.problems[0]!.line, 3);
  assert.match(toml.message, /^mailwarden\.toml:3: invalid TOML: /);
  const duplicate = problemsOf('tick = "1s"\ntick = "2s"\n', 'toml');
  assert.equal(duplicate.problems[0]!.line, 2);
  const yaml = problemsOf('tick: 1s\nbans:\n  duration: 1h\n duration: 2h\n', 'yaml');
  assert.equal(yaml.problems[0]!.line, 4);
  assert.match(yaml.message, /^mailwarden\.yaml:4: invalid YAML: /);
  // Ten aliases of ten aliases of ... : 10^10 items once expanded.
  const aliases = (i: number) => Array(10).fill(`*a${i}`).join(', ');
  const layers = Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${aliases(i)}]`);
  const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]', ...layers].join('\n');
  assert.match(problemsOf(bomb, 'yaml').message, /^mailwarden\.yaml: invalid YAML: Excessive alias count/);
  const repeated = problemsOf('tick: 1s\ntick: 2s\n', 'yaml');
  assert.deepEqual(
    repeated.problems.map((p) => p.line),
    [2],
  );
});

test('TOML key lines: strings, arrays, dotted and quoted keys, arrays of tables', () => {
  const text = `# a comment with key = "value"
title = """
[bans]
fake = 1
"""
literal = '''
[[rules]]
'''
list = [
  "a", # x = 1
  [1, 2],
]
"quoted.key" = 1
a . b = 2

[[rules]]
name = "one"

[ rules . sub ]
x = 1

[[rules]]
name = "two"

[actions.fail2ban]
inline = { jail = "x", command = ["a"] }
`;
  const lineOf = tomlKeyLines(text);
  assert.equal(lineOf(['title']), 2);
  assert.equal(lineOf(['literal']), 6);
  assert.equal(lineOf(['list']), 9);
  assert.equal(lineOf(['list', 1]), 9);
  assert.equal(lineOf(['quoted.key']), 13);
  assert.equal(lineOf(['a', 'b']), 14);
  assert.equal(lineOf(['a']), 14);
  assert.equal(lineOf(['bans']), null);
  assert.equal(lineOf(['fake']), null);
  assert.equal(lineOf(['rules']), 16);
  assert.equal(lineOf(['rules', 0]), 16);
  assert.equal(lineOf(['rules', 0, 'name']), 17);
  assert.equal(lineOf(['rules', 0, 'sub', 'x']), 20);
  assert.equal(lineOf(['rules', 1, 'name']), 23);
  assert.equal(lineOf(['rules', 1, 'count']), 22);
  assert.equal(lineOf(['actions']), 25);
  assert.equal(lineOf(['actions', 'fail2ban', 'inline', 'jail']), 26);
});

test('the format comes from the file name', async () => {
  assert.equal(settingsFormat('/etc/mailwarden/mailwarden.toml'), 'toml');
  assert.equal(settingsFormat('mailwarden.YAML'), 'yaml');
  assert.equal(settingsFormat('mailwarden.yml'), 'yaml');
  assert.equal(settingsFormat('mailwarden.json'), null);
  assert.equal(settingsFormat('mailwarden'), null);
  const dir = mkdtempSync(join(tmpdir(), 'mailwarden-settings-'));
  try {
    writeFileSync(join(dir, 'a.yml'), '\uFEFFtick: 5s\n');
    assert.equal((await loadSettings(join(dir, 'a.yml'))).tick, 5000);
    writeFileSync(join(dir, 'a.json'), '{}');
    await assert.rejects(loadSettings(join(dir, 'a.json')), (error: unknown) => {
      assert.ok(error instanceof SettingsError);
      assert.match(
        error.message,
        /a\.json: unknown settings format: the file name must end in \.toml, \.yaml or \.yml$/,
      );
      return true;
    });
    await assert.rejects(loadSettings(join(dir, 'missing.toml')), (error: unknown) => {
      assert.ok(error instanceof SettingsError);
      assert.match(error.message, /missing\.toml: cannot be read: ENOENT/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the examples load, equal each other and the defaults but for the actions', async () => {
  const toml = await loadSettings(join(repoRoot, 'examples', 'mailwarden.toml'));
  const yaml = await loadSettings(join(repoRoot, 'examples', 'mailwarden.yaml'));
  assert.deepEqual(toml, yaml);
  const expected = structuredClone(DEFAULT_SETTINGS);
  expected.actions.enabled = ['stdout', 'postfix-map'];
  assert.deepEqual(toml, expected);
});

/** The tables of docs/watch-settings.md whose header starts with `| key |`, by the section heading above them. */
function documentedKeys(): { key: string; section: string; type: string; fallback: string }[] {
  const docs = readFileSync(join(repoRoot, 'docs', 'watch-settings.md'), 'utf8');
  const rows: { key: string; section: string; type: string; fallback: string }[] = [];
  let section = '';
  let inKeyTable = false;
  for (const line of docs.split('\n')) {
    if (line.startsWith('#')) {
      section = /`\[\[?([a-z0-9_.]+)\]\]?`/.exec(line)?.[1] ?? '';
      inKeyTable = false;
    } else if (line.startsWith('| key |')) inKeyTable = true;
    else if (!line.startsWith('|')) inKeyTable = false;
    else if (inKeyTable && !line.startsWith('| ---')) {
      const cells = line.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '').trim());
      const key = /^`([a-z0-9_]+)`$/.exec(cells[0] ?? '')?.[1];
      assert.ok(key, `a key row without a key: ${line}`);
      rows.push({ key, section, type: cells[1] ?? '', fallback: cells[2] ?? '' });
    }
  }
  return rows;
}

test('the documentation lists exactly the keys of the schema', () => {
  const documented = documentedKeys().map((r) => (r.section === '' ? r.key : `${r.section}.${r.key}`));
  const schema = settingsKeys().filter((k) => !k.table);
  assert.deepEqual([...documented].sort(), schema.map((k) => k.key).sort());
  const sections = new Set(documentedKeys().map((r) => r.section));
  sections.delete('');
  assert.deepEqual(
    [...sections].sort(),
    settingsKeys()
      .filter((k) => k.table)
      .map((k) => k.key)
      .sort(),
  );
});

test('the defaults the documentation states are the defaults', () => {
  const rows = documentedKeys().filter((r) => r.section !== 'rules' && r.section !== 'actions.webhook');
  const bySection = new Map<string, string[]>();
  for (const row of rows) {
    let value: string;
    if (row.fallback === 'none') value = '""';
    else {
      const code = /^`(.+)`$/.exec(row.fallback);
      assert.ok(code, `${row.section}.${row.key}: the default is neither code nor "none": ${row.fallback}`);
      value = code[1]!;
    }
    bySection.set(row.section, [...(bySection.get(row.section) ?? []), `${row.key} = ${value}`]);
  }
  const toml = [...bySection].map(
    ([section, lines]) => `${section ? `[${section}]\n` : ''}${lines.join('\n')}\n`,
  );
  assert.deepEqual(parseSettings(toml.join('\n'), 'docs.toml', 'toml'), DEFAULT_SETTINGS);

  const webhook = documentedKeys().filter((r) => r.section === 'actions.webhook' && r.key !== 'url');
  const stated = webhook.map((r) => `${r.key} = ${/^`(.+)`$/.exec(r.fallback)?.[1]}`).join('\n');
  const url = 'url = "https://example.org/"\n';
  assert.deepEqual(
    parseSettings(`[actions.webhook]\n${url}${stated}\n`, 'docs.toml', 'toml').actions.webhook,
    parseSettings(`[actions.webhook]\n${url}`, 'docs.toml', 'toml').actions.webhook,
  );
});

test('the default rules the documentation lists are the default rules', () => {
  const docs = readFileSync(join(repoRoot, 'docs', 'watch-settings.md'), 'utf8');
  const table = docs.split('| name | classes | count | window |')[1]?.split('\n\n')[0] ?? '';
  const rules = table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [name, classes, count, window] = line
        .slice(2, -2)
        .split(' | ')
        .map((c) => c.trim());
      return {
        name: name!.replaceAll('`', ''),
        classes: classes!.split(', ').map((c) => c.replaceAll('`', '')),
        count: Number(count),
        window: parseDuration(window!.replaceAll('`', '')),
      };
    });
  assert.deepEqual(rules, DEFAULT_SETTINGS.rules);
});
