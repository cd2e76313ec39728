// `mailwarden mitigate` end to end on a plain host's /etc/postfix copy and a
// docker-mailserver config directory, with logs written by the test: what is
// blocked, what is never blocked, how the map is merged, the dry run's diff,
// --out, --apply (atomic, backed up, idempotent) and the restore when Postfix
// refuses the new configuration.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BLOCK_BEGIN, BLOCK_END } from '../../src/mitigate/cidr-map.js';
import { runCli } from '../support/run-cli.js';

const T0 = Date.UTC(2025, 9, 9, 22, 0, 0);
const at = (second: number) => new Date(T0 + second * 1000).toISOString().replace('Z', '+00:00');
const sasl = (ip: string, s: number, user = 'root@example.org') =>
  `${at(s)} mail postfix/submission/smtpd[500]: warning: unknown[${ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=${user}`;
const login = (ip: string, s: number, user: string) =>
  `${at(s)} mail postfix/submission/smtpd[501]: 4ABC${s}: client=unknown[${ip}], sasl_method=PLAIN, sasl_username=${user}`;
const tlsFail = (ip: string, s: number) =>
  `${at(s)} mail postfix/submissions/smtpd[477]: SSL_accept error from unknown[${ip}]: lost connection`;
const times = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

/** Who does what in the test log. */
const LOG = [
  // A TLS campaign: three addresses of one /24, two probes each.
  ...['198.51.100.10', '198.51.100.11', '198.51.100.12'].flatMap((ip, k) =>
    times(2, (i) => tlsFail(ip, 10 + k * 10 + i)),
  ),
  // Password guessing from one address, and from an IPv6 address.
  ...times(6, (i) => sasl('203.0.113.7', 100 + i)),
  ...times(6, (i) => sasl('2001:db8:5::66', 110 + i)),
  // Below --min-events.
  ...times(2, (i) => sasl('203.0.113.8', 120 + i)),
  // A user who logs in, later mistypes often: never blocked.
  login('203.0.113.20', 130, 'bob@example.org'),
  ...times(7, (i) => sasl('203.0.113.20', 140 + i, 'bob@example.org')),
  // Failures, then a success: the audit's account-compromise case, left unblocked with why.
  ...times(5, (i) => sasl('203.0.113.30', 150 + i, 'alice@example.org')),
  login('203.0.113.30', 160, 'alice@example.org'),
  // A private address and one in mynetworks attack too.
  ...times(6, (i) => sasl('10.1.2.3', 170 + i)),
  ...times(6, (i) => sasl('192.0.2.50', 180 + i)),
  // An allowlisted address.
  ...times(6, (i) => sasl('198.51.100.200', 190 + i)),
].sort();

const MAIN_CF = [
  '# the host main.cf',
  'myhostname = mail.example.org',
  'mynetworks = 127.0.0.0/8 [::1]/128',
  '    192.0.2.48/29',
  'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
  '',
].join('\n');
const MASTER_CF = [
  '# service type  private unpriv  chroot  wakeup  maxproc command + args',
  'smtp      inet  n       -       y       -       1       postscreen',
  'smtpd     pass  -       -       y       -       -       smtpd',
  'submission inet n       -       y       -       -       smtpd',
  '  -o syslog_name=postfix/submission',
  '  -o smtpd_client_restrictions=permit_sasl_authenticated,reject',
  'submissions inet n      -       y       -       -       smtpd',
  '  -o syslog_name=postfix/submissions',
  '  -o smtpd_tls_wrappermode=yes',
  '  -o smtpd_client_restrictions=permit_sasl_authenticated,reject',
  '',
].join('\n');

function plainHost(mapText?: string): { root: string; pf: string; log: string } {
  const root = mkdtempSync(join(tmpdir(), 'mw-mitigate-'));
  const pf = join(root, 'postfix');
  mkdirSync(pf);
  writeFileSync(join(pf, 'main.cf'), MAIN_CF);
  writeFileSync(join(pf, 'master.cf'), MASTER_CF);
  if (mapText !== undefined) writeFileSync(join(pf, 'reject-cidr.cf'), mapText);
  const log = join(root, 'mail.log');
  writeFileSync(log, `${LOG.join('\n')}\n`);
  return { root, pf, log };
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    try {
      out[name] = readFileSync(p, 'utf8');
    } catch {
      out[name] = '(directory)';
    }
  }
  return out;
}

/** The generated block's entry lines. */
function blocked(map: string): string[] {
  const block = map.slice(map.indexOf(BLOCK_BEGIN), map.indexOf(BLOCK_END));
  return block
    .split('\n')
    .filter((l) => / REJECT$/.test(l))
    .map((l) => l.split(' ')[0]!);
}

test('dry run: a unified diff of every file it would change on stdout, the reasons on stderr, nothing written', async () => {
  const { pf, log } = plainHost();
  const before = snapshot(pf);
  const r = await runCli(['mitigate', log, '--config', pf]);
  assert.equal(r.status, 0, r.err);
  assert.deepEqual(snapshot(pf), before, 'a dry run writes nothing');
  for (const file of ['reject-cidr.cf', 'mailwarden-blocklist.nft'])
    assert.match(
      r.out,
      new RegExp(`--- /dev/null\\n\\+\\+\\+ ${join(pf, file).replaceAll('/', '\\/')}\\n@@ -0,0 `),
    );
  assert.match(
    r.out,
    /\n- {2}-o smtpd_client_restrictions=permit_sasl_authenticated,reject\n\+ {2}-o smtpd_client_restrictions=check_client_access,cidr:\S+\/postfix\/reject-cidr\.cf,permit_sasl_authenticated,reject\n/,
  );
  assert.match(
    r.out,
    /\n\+postscreen_access_list = permit_mynetworks, cidr:\S+\/postfix\/reject-cidr\.cf\n\+postscreen_denylist_action = drop\n/,
  );
  assert.match(r.out, /\n\+198\.51\.100\.0\/24 REJECT\n/);
  assert.match(r.err, /dry run: 4 file\(s\) would change/);
});

test('what is blocked, and what never is: allowlist, mynetworks, private ranges, users who logged in; the compromise is named', async () => {
  const { root, pf, log } = plainHost();
  const allowlist = join(root, 'allow.txt');
  writeFileSync(allowlist, '# partners\n198.51.100.200  # the office\n');
  const out = join(root, 'out');
  const r = await runCli(['mitigate', log, '--config', pf, '--allowlist', allowlist, '--out', out]);
  assert.equal(r.status, 0, r.err);
  const map = readFileSync(join(out, 'reject-cidr.cf'), 'utf8');
  // The /24 would hold the allowlisted 198.51.100.200: its three addresses stay apart, and have too few events alone.
  assert.deepEqual(blocked(map), ['203.0.113.7/32', '2001:db8:5::66/128']);
  assert.match(
    r.err,
    /not aggregated 198\.51\.100\.0\/24: holds 198\.51\.100\.200: allowlisted \(.*allow\.txt:2\)/,
  );
  assert.match(r.err, /left unblocked 10\.1\.2\.3: private or loopback range 10\.0\.0\.0\/8/);
  assert.match(r.err, /left unblocked 192\.0\.2\.50: in mynetworks \(.*main\.cf:3\)/);
  assert.match(r.err, /left unblocked 198\.51\.100\.200: allowlisted/);
  assert.match(
    r.err,
    /left unblocked 203\.0\.113\.20: logged in successfully \(first at 2025-10-09T22:02:10Z\) with no failed login before it/,
  );
  assert.match(
    r.err,
    /left unblocked 203\.0\.113\.30: logged in successfully at 2025-10-09T22:02:40Z after 5 failed logins from the same address \(first at 2025-10-09T22:02:30Z\): the audit reports account-compromise-suspected\. Not blocked/,
  );
  assert.match(r.err, /fewer attack events than --min-events: .*203\.0\.113\.8/);
  // Each entry says why it is there.
  assert.match(
    map,
    /# 203\.0\.113\.7\/32: 6 attack events \(sasl-auth-failure 6\); in auth-brute-force, fail2ban-coverage-gap; first seen 2025-10-09T22:01:40Z, last seen 2025-10-09T22:01:45Z\n203\.0\.113\.7\/32 REJECT\n/,
  );
  assert.deepEqual(readdirSync(out).sort(), [
    'mailwarden-blocklist.nft',
    'main.cf',
    'master.cf',
    'postconf-commands.sh',
    'reject-cidr.cf',
  ]);
  const commands = readFileSync(join(out, 'postconf-commands.sh'), 'utf8');
  assert.match(
    commands,
    /^postconf -c \S+ -P submissions\/inet\/smtpd_client_restrictions=check_client_access,cidr:/m,
  );
  assert.match(commands, /^postfix -c \S+ reload$/m);

  // --allow instead of the file; without the allowlisted address in it, the /24 campaign is blocked whole.
  const r2 = await runCli([
    'mitigate',
    log,
    '--config',
    pf,
    '--out',
    out,
    '--allow',
    '192.0.2.0/24',
    '2001:db8:5::/48',
  ]);
  assert.equal(r2.status, 0, r2.err);
  const map2 = readFileSync(join(out, 'reject-cidr.cf'), 'utf8');
  assert.deepEqual(blocked(map2), ['198.51.100.0/24', '203.0.113.7/32']);
  assert.match(
    map2,
    /# 198\.51\.100\.0\/24: 4 addresses, 12 attack events \(sasl-auth-failure 6, tls-handshake-failure 6\)/,
  );
  assert.match(r2.err, /left unblocked 2001:db8:5::66: allowlisted \(--allow 2001:db8:5::\/48\)/);

  // --include-private: the private attacker too (mynetworks stays protected).
  const r3 = await runCli(['mitigate', log, '--config', pf, '--out', out, '--include-private']);
  assert.equal(r3.status, 0, r3.err);
  assert.ok(blocked(readFileSync(join(out, 'reject-cidr.cf'), 'utf8')).includes('10.1.2.3/32'));
  assert.match(r3.err, /left unblocked 192\.0\.2\.50: in mynetworks/);
});

test("the map keeps the administrator's entries and comments, never duplicates them, and keeps earlier runs' entries", async () => {
  const own = [
    '# my own blocks, keep them',
    '# a bad neighbour',
    '203.0.113.0/28   REJECT',
    '2001:db8:5::66 OK',
    '',
  ].join('\n');
  const earlier = [
    BLOCK_BEGIN,
    '# (an old header)',
    '# 192.0.2.200/32: 9 attack events (pregreet 9); first seen 2025-10-01T00:00:00Z, last seen 2025-10-01T00:00:09Z',
    '192.0.2.200/32 REJECT',
    '# 198.51.100.200/32: 12 attack events',
    '198.51.100.200/32 REJECT',
    BLOCK_END,
    '# a trailing comment of mine',
    '',
  ].join('\n');
  const { root, pf, log } = plainHost(`${own}${earlier}`);
  const r = await runCli(['mitigate', log, '--config', pf, '--allow', '198.51.100.200', '--apply']);
  assert.equal(r.status, 0, r.err);
  const map = readFileSync(join(pf, 'reject-cidr.cf'), 'utf8');
  assert.ok(map.startsWith(own), 'the lines before the block are unchanged');
  assert.ok(map.endsWith(`${BLOCK_END}\n# a trailing comment of mine\n`), 'the lines after it too');
  // 203.0.113.7 is inside the user's /28: not added again; 2001:db8:5::66 is the user's OK: protected.
  assert.deepEqual(blocked(map), ['192.0.2.200/32']);
  assert.match(map, /# 192\.0\.2\.200\/32: \[not in these logs\] 9 attack events \(pregreet 9\)/);
  assert.match(r.err, /203\.0\.113\.7 is already rejected by your own line .*reject-cidr\.cf:3/);
  assert.match(r.err, /remove 198\.51\.100\.200\/32: allowlisted/);
  assert.match(r.err, /left unblocked 2001:db8:5::66: your own entry "2001:db8:5::66 OK"/);
  // The nftables set holds what the whole map rejects.
  const nft = readFileSync(join(pf, 'mailwarden-blocklist.nft'), 'utf8');
  assert.match(nft, /elements = \{\n\t\t\t192\.0\.2\.200,\n\t\t\t203\.0\.113\.0\/28\n\t\t\}/);
  // Once more: byte for byte the same, and nothing to change.
  const after = snapshot(pf);
  const again = await runCli(['mitigate', log, '--config', pf, '--allow', '198.51.100.200', '--apply']);
  assert.equal(again.status, 0, again.err);
  assert.match(again.err, /nothing to change/);
  assert.deepEqual(snapshot(pf), after);
  void root;
});

test('--apply writes atomically with one backup per changed file; a second run leaves every byte alone', async () => {
  const { pf, log } = plainHost();
  const r = await runCli(['mitigate', log, '--config', pf, '--apply']);
  assert.equal(r.status, 0, r.err);
  assert.match(r.err, /wrote .*reject-cidr\.cf \(new file\)/);
  assert.match(r.err, /wrote .*main\.cf \(backup: .*mailwarden-backup\/\d{8}T\d{6}Z\/main\.cf\)/);
  assert.match(r.err, /postfix -c \S+ check && postfix -c \S+ reload/);
  const backups = readdirSync(join(pf, 'mailwarden-backup'));
  assert.equal(backups.length, 1);
  assert.equal(readFileSync(join(pf, 'mailwarden-backup', backups[0]!, 'main.cf'), 'utf8'), MAIN_CF);
  assert.equal(readFileSync(join(pf, 'mailwarden-backup', backups[0]!, 'master.cf'), 'utf8'), MASTER_CF);
  assert.ok(!readdirSync(pf).some((n) => n.endsWith('.tmp')), 'no temporary file left');
  const written = snapshot(pf);
  const again = await runCli(['mitigate', log, '--config', pf, '--apply']);
  assert.equal(again.status, 0, again.err);
  assert.match(again.err, /mailwarden: nothing to change/);
  assert.deepEqual(snapshot(pf), written, 'byte for byte the same, and no new backup');
  const dry = await runCli(['mitigate', log, '--config', pf]);
  assert.equal(dry.out, '');
  assert.match(dry.err, /nothing to change/);
});

test('--reload: when postfix check or reload fails every file is restored and the exit status is 3', async () => {
  for (const prefix of [
    'false',
    // Passes `postfix check`, fails `postfix reload`.
    `sh -c 'case "$*" in *reload) exit 1;; esac' prefix`,
  ]) {
    const { pf, log } = plainHost();
    const before = snapshot(pf);
    const r = await runCli(['mitigate', log, '--config', pf, '--apply', '--reload', '--exec-prefix', prefix]);
    assert.equal(r.status, 3, r.err);
    assert.match(r.err, /failed \(exit 1\): restoring the previous files/);
    assert.match(r.err, /restored 4 file\(s\) as they were/);
    const now = snapshot(pf);
    for (const [name, text] of Object.entries(before)) assert.equal(now[name], text, name);
    assert.ok(!existsSync(join(pf, 'reject-cidr.cf')), 'a new file is removed again');
    assert.ok(!existsSync(join(pf, 'mailwarden-blocklist.nft')));
  }
  const { pf, log } = plainHost();
  const ok = await runCli(['mitigate', log, '--config', pf, '--apply', '--reload', '--exec-prefix', 'true']);
  assert.equal(ok.status, 0, ok.err);
  assert.match(ok.err, /running true postfix -c \S+ check\n/);
  assert.match(ok.err, /running true postfix -c \S+ reload\n/);
  assert.match(ok.err, /Postfix reloaded: 3 networks blocked/);
});

test('docker-mailserver: the map in the config directory, the wiring as postfix-main.cf and postfix-master.cf lines', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mw-mitigate-dms-'));
  const config = join(root, 'config');
  mkdirSync(config);
  writeFileSync(join(config, 'postfix-main.cf'), '# mine\nsmtpd_tls_received_header = yes\n');
  writeFileSync(
    join(config, 'postfix-accounts.cf'),
    'alice@example.org|{SHA512-CRYPT}$6$x\nbob@example.org|{SHA512-CRYPT}$6$y\n',
  );
  writeFileSync(join(root, 'mailserver.env'), 'PERMIT_DOCKER=none\nENABLE_QUOTAS=1\n');
  // bob's mailbox already holds 6 GiB (a sparse file): over the 5G default.
  mkdirSync(join(root, 'mail-data', 'example.org', 'bob', 'cur'), { recursive: true });
  const big = join(root, 'mail-data', 'example.org', 'bob', 'cur', 'm1');
  writeFileSync(big, '');
  truncateSync(big, 6 * 1024 ** 3);
  const log = join(root, 'mail.log');
  writeFileSync(
    log,
    `${[...LOG, `${at(300)} mail amavis[315]: (00315-01) No decoder for .zst`].join('\n')}\n`,
  );
  const r = await runCli(['mitigate', log, '--config', config, '--apply']);
  assert.equal(r.status, 0, r.err);
  assert.deepEqual(readdirSync(config).sort(), [
    'dovecot-quotas.cf',
    'fail2ban-jail.cf',
    'mailwarden-backup',
    'mailwarden-blocklist.nft',
    'mailwarden-fail2ban',
    'postfix-accounts.cf',
    'postfix-main.cf',
    'postfix-master.cf',
    'postfix-reject-cidr.cf',
    'user-patches.sh',
  ]);
  // TLS handshake failures have no stock fail2ban rule: a filter, copied in by
  // user-patches.sh (docker-mailserver never copies filters), and its jail.
  assert.deepEqual(readdirSync(join(config, 'mailwarden-fail2ban')), [
    'mailwarden-tls-handshake-failure.conf',
  ]);
  const patches = readFileSync(join(config, 'user-patches.sh'), 'utf8');
  assert.match(
    patches,
    /^#!\/bin\/bash\n[\s\S]*cp \/tmp\/docker-mailserver\/mailwarden-fail2ban\/\*\.conf \/etc\/fail2ban\/filter\.d\//,
  );
  // Amavis could not open .zst: the decoder is installed at every start.
  assert.match(
    patches,
    /dpkg -s zstd >\/dev\/null 2>&1 \|\| \{ apt-get update && apt-get install -y --no-install-recommends zstd; \}/,
  );
  // Quotas on and empty: every account gets the default, a mailbox already larger gets room.
  const quotas = readFileSync(join(config, 'dovecot-quotas.cf'), 'utf8');
  assert.match(quotas, /^alice@example\.org:5G$/m);
  assert.match(quotas, /^bob@example\.org:9G$/m);
  const jails = readFileSync(join(config, 'fail2ban-jail.cf'), 'utf8');
  assert.match(
    jails,
    /\[mailwarden-tls-handshake-failure\]\nenabled = true\nfilter = mailwarden-tls-handshake-failure\n/,
  );
  assert.match(jails, /logpath = \/var\/log\/mail\/mail\.log\nmaxretry = 3\nfindtime = 10m\nbantime = 24h\n/);
  assert.match(jails, /ignoreip = 127\.0\.0\.1\/8 ::1\n/);
  assert.equal(
    readFileSync(join(config, 'postfix-main.cf'), 'utf8'),
    '# mine\nsmtpd_tls_received_header = yes\npostscreen_access_list = permit_mynetworks, cidr:/tmp/docker-mailserver/postfix-reject-cidr.cf\npostscreen_denylist_action = drop\n',
  );
  assert.equal(
    readFileSync(join(config, 'postfix-master.cf'), 'utf8'),
    [
      'submission/inet/smtpd_client_restrictions=check_client_access,cidr:/tmp/docker-mailserver/postfix-reject-cidr.cf,permit_sasl_authenticated,reject',
      'submissions/inet/smtpd_client_restrictions=check_client_access,cidr:/tmp/docker-mailserver/postfix-reject-cidr.cf,permit_sasl_authenticated,reject',
      '',
    ].join('\n'),
  );
  assert.match(
    readFileSync(join(config, 'postfix-reject-cidr.cf'), 'utf8'),
    /postmap -q ADDRESS cidr:\/tmp\/docker-mailserver\/postfix-reject-cidr\.cf/,
  );
  assert.match(r.err, /restart it \(docker compose restart mailserver\)/);
  const again = await runCli([
    'mitigate',
    log,
    '--config',
    config,
    '--apply',
    '--reload',
    '--exec-prefix',
    'false',
  ]);
  assert.equal(again.status, 0, 'nothing to change, so nothing reloaded');
  assert.match(again.err, /nothing to change/);
});

test('usage errors exit 2 with a message; --help shows the exit codes and examples', async () => {
  const { pf, log } = plainHost();
  const cases: [string[], RegExp][] = [
    [['mitigate', log], /--config/],
    [['mitigate', log, '--config', pf, '--apply', '--out', '/tmp/x'], /--out and --apply/],
    [['mitigate', log, '--config', pf, '--reload'], /go with --apply/],
    [['mitigate', log, '--config', pf, '--allow', 'mail.example.org'], /--allow: "mail\.example\.org"/],
    [['mitigate', log, '--config', pf, '--min-events', '0'], /--min-events/],
    [['mitigate', log, '--config', pf, '--max-prefix4', '4'], /--max-prefix4/],
    [['mitigate', log, '--config', mkdtempSync(join(tmpdir(), 'mw-empty-'))], /no docker-mailserver files/],
    [['mitigate', join(pf, 'missing.log'), '--config', pf], /could not read/],
  ];
  for (const [argv, message] of cases) {
    const r = await runCli(argv);
    assert.equal(r.status, 2, argv.join(' '));
    assert.match(r.err, message, argv.join(' '));
  }
  const help = await runCli(['mitigate', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.out, /Exit status: 0 done/);
  assert.match(help.out, /--exec-prefix 'docker exec mailserver'/);
  assert.match(help.out, /--include-private/);
});
