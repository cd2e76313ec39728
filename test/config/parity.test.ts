// The configuration readers must see what the daemons see: for the real-stack
// harness's configuration (and for a file full of the format's corners) every
// value mailwarden reads equals what `postconf` and `doveconf` print.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type DovecotSection, readDovecotConfig } from '../../src/config/dovecot/dovecot-conf.js';
import { POSTFIX_DEFAULTS } from '../../src/config/postfix/defaults.js';
import { parseMainCf } from '../../src/config/postfix/main-cf.js';
import { parseMasterCf, serviceKey } from '../../src/config/postfix/master-cf.js';
import { PostfixConfig } from '../../src/config/postfix/postfix-config.js';
import { dovecotConf23, dovecotConf24, dovecotSyntaxFor } from '../realstack/dovecot-config.js';
import { stackLogs } from '../realstack/log-layout.js';
import { stackPaths } from '../realstack/paths.js';
import { stackPorts } from '../realstack/ports.js';
import { postfixMainCf, postfixMasterCf } from '../realstack/postfix-config.js';
import { realStackTest } from '../realstack/skip-policy.js';

let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'mw-parity-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

function postconf(dir: string, ...args: string[]): string {
  return execFileSync('postconf', ['-c', dir, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** Writes main.cf and master.cf into a fresh directory and compares every reading with postconf's. */
function assertPostfixParity(name: string, mainCf: string, masterCf: string): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.cf'), mainCf);
  writeFileSync(join(dir, 'master.cf'), masterCf);
  const main = parseMainCf(mainCf, join(dir, 'main.cf'));
  const services = parseMasterCf(masterCf, join(dir, 'master.cf'));
  const config = new PostfixConfig(main, services, POSTFIX_DEFAULTS);

  // postconf -n: every parameter set, with its raw value.
  const printed = parseMainCf(postconf(dir, '-n'), 'postconf -n');
  // -c DIR makes postconf list config_directory as set.
  printed.delete('config_directory');
  assert.deepEqual(
    [...main.keys()].sort(),
    [...printed.keys()].sort(),
    `${name}: the same parameters are set`,
  );
  for (const [param, { value }] of main)
    assert.equal(squash(value), squash(printed.get(param)!.value), `${name}: ${param} as read`);

  // postconf -x -h: values with $references expanded, for parameters whose references mailwarden can resolve.
  for (const param of main.keys()) {
    const raw = main.get(param)!.value;
    const refs = [...raw.matchAll(/\$\{?\(?([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    if (!refs.every((r) => main.has(r) || POSTFIX_DEFAULTS.has(r))) continue;
    const expanded = postconf(dir, '-x', '-h', param).trim();
    assert.equal(squash(config.value(param)), squash(expanded), `${name}: ${param} expanded`);
  }

  // postconf -M: the services; postconf -P: their -o overrides.
  const printedServices = parseMasterCf(postconf(dir, '-M'), 'postconf -M');
  assert.deepEqual(
    services.map((s) => [serviceKey(s), s.private, s.unpriv, s.chroot, s.wakeup, s.maxproc, s.command]),
    printedServices.map((s) => [
      serviceKey(s),
      s.private,
      s.unpriv,
      s.chroot,
      s.wakeup,
      s.maxproc,
      s.command,
    ]),
    `${name}: the services of master.cf`,
  );
  const overrides = postconf(dir, '-P')
    .split('\n')
    .filter(Boolean)
    .map((l) => squash(l));
  const mine = services.flatMap((s) =>
    [...s.overrides].map(([p, v]) => squash(`${serviceKey(s)}/${p} = ${v.value}`)),
  );
  assert.deepEqual(mine.sort(), overrides.sort(), `${name}: the -o overrides`);
}

realStackTest('Postfix: the harness configuration reads as postconf prints it', { timeout: 60_000 }, () => {
  const paths = stackPaths(join(root, 'stack'));
  const ports = stackPorts(20_000);
  for (const layout of ['syslog', 'files'] as const) {
    const logs = stackLogs(layout, paths.logs);
    assertPostfixParity(
      `harness-${layout}`,
      postfixMainCf({ paths, ports, layout, logs, cacheMapType: 'btree' }),
      postfixMasterCf({ ports }),
    );
  }
});

realStackTest(
  'Postfix: continuation lines, comments and references read as postconf reads them',
  { timeout: 60_000 },
  () => {
    const mainCf = [
      '# a comment',
      'myhostname = mail.example.test',
      'mydomain=example.test',
      'smtpd_recipient_restrictions =',
      '    permit_mynetworks,',
      '  # an indented comment does not end the logical line',
      '    reject_unauth_destination',
      '',
      'smtpd_banner = $myhostname   ESMTP\t$mail_name',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Postfix's own ${name} syntax
      'myorigin = ${mydomain}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Postfix's own ${name?text} syntax
      'mydestination = $(myhostname), localhost.${mydomain?$mydomain}, ${nothere:fallback}',
      'smtpd_tls_key_file = $smtpd_tls_cert_file',
      'smtpd_tls_cert_file = /etc/ssl/certs/mail.pem',
      'alias_maps = hash:/etc/aliases # not a comment: part of the value',
      'smtpd_helo_restrictions = $$literal',
      'smtpd_helo_restrictions = reject_invalid_helo_hostname',
      '',
    ].join('\n');
    const masterCf = [
      'smtp      inet  n       -       y       -       1       postscreen',
      'smtpd     pass  -       -       y       -       -       smtpd',
      '# a comment between services',
      'submission inet n       -       y       -       -       smtpd',
      '  -o syslog_name=postfix/submission',
      '  -o smtpd_tls_security_level=encrypt',
      '  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }',
      '127.0.0.1:10025 inet n - n - - smtpd -o content_filter= -o mynetworks=127.0.0.0/8',
      '',
    ].join('\n');
    assertPostfixParity('corners', mainCf, masterCf);
  },
);

/** Every setting of the tree with its doveconf path (`service/imap-login/inet_listener/imaps/port`); filters are left to -n. */
function settingPaths(section: DovecotSection, prefix: string[] = []): [string, string][] {
  const out: [string, string][] = [...section.settings].map(([k, v]) => [[...prefix, k].join('/'), v.value]);
  for (const s of section.sections) {
    // Filters, list entries without a name (passdb { }) and names holding a slash (socket paths) have no -h path.
    if (s.type === 'protocol' || s.type === 'local' || s.type === 'remote') continue;
    if ((s.name === null && /db$/.test(s.type)) || s.name?.includes('/')) continue;
    out.push(...settingPaths(s, [...prefix, s.type, ...(s.name !== null ? [s.name] : [])]));
  }
  return out;
}

realStackTest('Dovecot: the harness configuration reads as doveconf prints it', { timeout: 60_000 }, () => {
  const version = execFileSync('dovecot', ['--version'], { encoding: 'utf8' });
  const paths = stackPaths(join(root, 'dovecot-stack'));
  mkdirSync(paths.tls.dir, { recursive: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      paths.tls.key,
      '-out',
      paths.tls.cert,
      '-days',
      '2',
      '-subj',
      '/CN=mail.example.test',
    ],
    { stdio: 'ignore' },
  );
  const input = {
    paths,
    ports: stackPorts(20_000),
    logs: stackLogs('files', paths.logs),
    syntax: dovecotSyntaxFor(version),
    instanceName: 'parity',
  };
  const file = join(root, 'dovecot.conf');
  writeFileSync(file, input.syntax === '2.4' ? dovecotConf24(input) : dovecotConf23(input));
  const config = readDovecotConfig(file);
  const settings = settingPaths(config.root);
  assert.ok(settings.length > 20, `a real configuration: ${settings.length} settings`);
  for (const [path, value] of settings) {
    const printed = execFileSync('doveconf', ['-c', file, '-P', '-h', path], { encoding: 'utf8' }).trim();
    // doveconf prints file modes in its own octal form (0 as 00).
    if (path.endsWith('/mode')) assert.equal(Number.parseInt(value, 8), Number.parseInt(printed, 8), path);
    else assert.equal(value, printed, path);
  }
  // passdb / userdb entries, through doveconf -n read back.
  const normal = join(root, 'dovecot-normalised.conf');
  writeFileSync(normal, execFileSync('doveconf', ['-c', file, '-P', '-n'], { encoding: 'utf8' }));
  const printed = readDovecotConfig(normal);
  for (const type of ['passdb', 'userdb']) {
    const mine = config.root.sections.filter((s) => s.type === type);
    const theirs = printed.root.sections.filter((s) => s.type === type);
    assert.equal(mine.length, theirs.length, type);
    mine.forEach((s, i) => {
      for (const [k, v] of s.settings)
        assert.equal(v.value, theirs[i]!.settings.get(k)?.value, `${type} ${i} ${k}`);
    });
  }
});

realStackTest(
  'Dovecot: includes, continuations, quotes, comments and $references read as doveconf reads them',
  { timeout: 60_000 },
  () => {
    const dir = join(root, 'dovecot-corners');
    mkdirSync(join(dir, 'conf.d'), { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=mail.example.test',
      ],
      { stdio: 'ignore' },
    );
    writeFileSync(
      join(dir, 'conf.d', '10-auth.conf'),
      'auth_mechanisms = plain \\\n  login\nauth_verbose = yes\n',
    );
    writeFileSync(join(dir, 'conf.d', '20-ignored.txt'), 'this = is not included\n');
    writeFileSync(
      join(dir, 'dovecot.conf'),
      [
        '# corners',
        'protocols = imap pop3',
        'ssl = required   # a trailing comment',
        `ssl_cert = <${join(dir, 'cert.pem')}`,
        `ssl_key = <${join(dir, 'key.pem')}`,
        'ssl_cipher_list = "HIGH:!aNULL # not a comment inside quotes"',
        'mail_plugins = quota',
        '!include conf.d/*.conf',
        '!include_try /nonexistent/*.conf',
        'plugin {',
        '  quota = maildir:User quota',
        '  quota_rule = *:storage=1G',
        '}',
        'protocol imap {',
        '  mail_plugins = $mail_plugins imap_quota',
        '}',
        '',
      ].join('\n'),
    );
    const file = join(dir, 'dovecot.conf');
    const config = readDovecotConfig(file);
    for (const [path, value] of settingPaths(config.root)) {
      const printed = execFileSync('doveconf', ['-c', file, '-P', '-h', path], { encoding: 'utf8' }).trim();
      assert.equal(value, printed, path);
    }
    assert.equal(config.files.length, 2, 'the glob included the .conf file only');
    // Filters (protocol imap { }) are printed by doveconf -n only: read its output back and compare.
    const normal = join(dir, 'normalised.conf');
    writeFileSync(normal, execFileSync('doveconf', ['-c', file, '-P', '-n'], { encoding: 'utf8' }));
    const printed = readDovecotConfig(normal);
    const imap = (c: typeof config) =>
      c.root.sections.find((s) => s.type === 'protocol' && s.name === 'imap')!.settings.get('mail_plugins')!
        .value;
    assert.equal(imap(config), imap(printed));
    assert.equal(imap(config), 'quota imap_quota');
  },
);
