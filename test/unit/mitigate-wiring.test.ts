import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DMS_MAIN_CF, DMS_MASTER_CF } from '../../src/config/layouts/dms-defaults.js';
import { POSTFIX_DEFAULTS } from '../../src/config/postfix/defaults.js';
import { parseMainCf } from '../../src/config/postfix/main-cf.js';
import { applyMasterOverrides, parseMasterCf } from '../../src/config/postfix/master-cf.js';
import { PostfixConfig } from '../../src/config/postfix/postfix-config.js';
import { commandLine, prefixedCommand } from '../../src/mitigate/command-line.js';
import { setDmsMasterLine, setMainParameter, setServiceOverride } from '../../src/mitigate/postfix-edit.js';
import { reloadSteps } from '../../src/mitigate/reload.js';
import {
  planWiring,
  servicePort,
  submissionServices,
  withClientCheck,
  withPostscreenMap,
} from '../../src/mitigate/wiring.js';

const MAP = 'cidr:/etc/postfix/reject-cidr.cf';

test('main.cf: the last definition is replaced with its continuation lines; comments and order stay', () => {
  const text = [
    '# main.cf',
    'postscreen_access_list = permit',
    'myhostname = mail.example.org',
    'postscreen_access_list = permit_mynetworks,',
    '    cidr:/etc/postfix/own.cidr',
    '  # an indented comment continues nothing',
    'mydomain = example.org',
    '',
  ].join('\n');
  assert.equal(
    setMainParameter(text, 'postscreen_access_list', `permit_mynetworks, ${MAP}`),
    [
      '# main.cf',
      'postscreen_access_list = permit',
      'myhostname = mail.example.org',
      `postscreen_access_list = permit_mynetworks, ${MAP}`,
      'mydomain = example.org',
      '',
    ].join('\n'),
  );
  assert.equal(
    setMainParameter('a = 1', 'b', '2'),
    'a = 1\nb = 2\n',
    'appended, with the missing newline added',
  );
  assert.equal(setMainParameter('', 'b', ''), 'b =\n');
  assert.equal(
    setMainParameter('bb = 1\n', 'b', '2'),
    'bb = 1\nb = 2\n',
    'a longer name is another parameter',
  );
});

test('master.cf: the -o override is changed where it stands, or added after the service; other services untouched', () => {
  const text = [
    'smtp      inet  n       -       y       -       1       postscreen',
    'submission inet n       -       y       -       -       smtpd',
    '  -o syslog_name=postfix/submission',
    '  -o smtpd_client_restrictions=permit_sasl_authenticated,reject',
    '#  -o smtpd_client_restrictions=commented-out',
    'submissions inet n      -       y       -       -       smtpd',
    '    -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }',
    '127.0.0.1:2525 inet n - n - - smtpd -o syslog_name=postfix/other',
    '',
  ].join('\n');
  const value = `check_client_access,${MAP},permit_sasl_authenticated,reject`;
  const sub = setServiceOverride(
    text,
    { name: 'submission', type: 'inet' },
    'smtpd_client_restrictions',
    value,
  )!;
  assert.equal(sub.split('\n')[3], `  -o smtpd_client_restrictions=${value}`);
  assert.equal(sub.split('\n').length, text.split('\n').length);
  const subs = setServiceOverride(
    text,
    { name: 'submissions', type: 'inet' },
    'smtpd_client_restrictions',
    `check_client_access ${MAP}, permit_sasl_authenticated, reject`,
  )!;
  assert.equal(
    subs.split('\n')[6],
    `    -o { smtpd_client_restrictions = check_client_access ${MAP}, permit_sasl_authenticated, reject }`,
  );
  const added = setServiceOverride(
    text,
    { name: '127.0.0.1:2525', type: 'inet' },
    'smtpd_client_restrictions',
    'x',
  )!;
  assert.deepEqual(added.split('\n').slice(7, 9), [
    '127.0.0.1:2525 inet n - n - - smtpd -o syslog_name=postfix/other',
    '  -o smtpd_client_restrictions=x',
  ]);
  const smtp = setServiceOverride(text, { name: 'smtp', type: 'inet' }, 'postscreen_access_list', 'permit')!;
  assert.equal(smtp.split('\n')[1], '  -o postscreen_access_list=permit');
  assert.equal(setServiceOverride(text, { name: 'nope', type: 'inet' }, 'a', 'b'), null);
  // What was written reads back as the new value.
  const back = parseMasterCf(subs, 'master.cf').find((s) => s.name === 'submissions')!;
  assert.equal(
    back.overrides.get('smtpd_client_restrictions')?.value,
    `check_client_access ${MAP}, permit_sasl_authenticated, reject`,
  );
});

test("docker-mailserver's postfix-master.cf: one service/type/parameter=value line, replaced or appended", () => {
  const text =
    '# overrides\nsubmission/inet/smtpd_sasl_security_options=noanonymous\nsubmission/inet/smtpd_client_restrictions=reject\n';
  assert.equal(
    setDmsMasterLine(text, { name: 'submission', type: 'inet' }, 'smtpd_client_restrictions', 'a,b'),
    '# overrides\nsubmission/inet/smtpd_sasl_security_options=noanonymous\nsubmission/inet/smtpd_client_restrictions=a,b\n',
  );
  assert.equal(
    setDmsMasterLine(text, { name: 'submissions', type: 'inet' }, 'smtpd_client_restrictions', 'a,b'),
    `${text}submissions/inet/smtpd_client_restrictions=a,b\n`,
  );
});

test('existing values are extended, the check goes first (after a leading permit_mynetworks for postscreen), never twice', () => {
  assert.equal(withPostscreenMap('permit_mynetworks', MAP, false), `permit_mynetworks, ${MAP}`);
  assert.equal(
    withPostscreenMap('permit_mynetworks cidr:/etc/postfix/own.cidr', MAP, false),
    `permit_mynetworks, ${MAP} cidr:/etc/postfix/own.cidr`,
  );
  assert.equal(
    withPostscreenMap('cidr:/etc/postfix/own.cidr', MAP, false),
    `${MAP}, cidr:/etc/postfix/own.cidr`,
  );
  assert.equal(withPostscreenMap('', MAP, false), MAP);
  assert.equal(withPostscreenMap('permit_mynetworks_x', MAP, true), `${MAP},permit_mynetworks_x`);
  assert.equal(withPostscreenMap(`permit_mynetworks,${MAP}`, MAP, true), null);
  assert.equal(
    withClientCheck('permit_sasl_authenticated,reject', MAP, true),
    `check_client_access,${MAP},permit_sasl_authenticated,reject`,
  );
  assert.equal(withClientCheck('', MAP, false), `check_client_access ${MAP}`);
  assert.equal(withClientCheck(`check_client_access ${MAP}, reject`, MAP, false), null);
});

test('services: port 25 by postscreen, submission by port name or syslog_name', () => {
  assert.equal(servicePort('127.0.0.1:2587'), '2587');
  assert.equal(servicePort('[::1]:25'), '25');
  assert.equal(servicePort('submission'), 'submission');
  const services = parseMasterCf(
    [
      '127.0.0.1:24025 inet n - n - 1 postscreen',
      '127.0.0.1:24587 inet n - n - - smtpd -o syslog_name=postfix/submission',
      '127.0.0.1:24465 inet n - n - - smtpd -o syslog_name=postfix/submissions',
      '465 inet n - n - - smtpd',
      '127.0.0.1:10025 inet n - n - - smtpd',
    ].join('\n'),
    'master.cf',
  );
  const pf = new PostfixConfig(new Map(), services, POSTFIX_DEFAULTS);
  assert.deepEqual(
    submissionServices(pf).map((s) => s.name),
    ['127.0.0.1:24587', '127.0.0.1:24465', '465'],
  );
});

test('plain host: main.cf and master.cf edits plus the same as postconf commands; idempotent', () => {
  const mainText = 'myhostname = mail.example.org\nsmtpd_client_restrictions = permit_mynetworks\n';
  const masterText = [
    'smtp inet n - y - 1 postscreen',
    'submission inet n - y - - smtpd',
    '  -o smtpd_client_restrictions=permit_sasl_authenticated,reject',
    'submissions inet n - y - - smtpd',
    '  -o smtpd_tls_wrappermode=yes',
    '',
  ].join('\n');
  const build = (main: string, master: string) =>
    new PostfixConfig(parseMainCf(main, 'main.cf'), parseMasterCf(master, 'master.cf'), POSTFIX_DEFAULTS);
  const input = (main: string, master: string) => ({
    kind: 'plain' as const,
    postfix: build(main, master),
    mapPath: '/srv/pf/reject-cidr.cf',
    main: { path: '/srv/pf/main.cf', text: main },
    master: { path: '/srv/pf/master.cf', text: master },
    postconfDir: '/srv/pf',
  });
  const r = planWiring(input(mainText, masterText));
  assert.equal(
    r.mainText,
    [
      'myhostname = mail.example.org',
      'smtpd_client_restrictions = check_client_access cidr:/srv/pf/reject-cidr.cf, permit_mynetworks',
      'postscreen_access_list = permit_mynetworks, cidr:/srv/pf/reject-cidr.cf',
      'postscreen_denylist_action = drop',
      '',
    ].join('\n'),
  );
  assert.match(
    r.masterText!,
    /-o smtpd_client_restrictions=check_client_access,cidr:\/srv\/pf\/reject-cidr\.cf,permit_sasl_authenticated,reject/,
  );
  assert.deepEqual(r.postconfCommands, [
    "postconf -c /srv/pf -e 'postscreen_access_list = permit_mynetworks, cidr:/srv/pf/reject-cidr.cf' 'postscreen_denylist_action = drop' 'smtpd_client_restrictions = check_client_access cidr:/srv/pf/reject-cidr.cf, permit_mynetworks'",
    'postconf -c /srv/pf -P submission/inet/smtpd_client_restrictions=check_client_access,cidr:/srv/pf/reject-cidr.cf,permit_sasl_authenticated,reject',
  ]);
  // Running again on what was written changes nothing.
  const again = planWiring(input(r.mainText!, r.masterText!));
  assert.deepEqual(again.changes, []);
  assert.equal(again.mainText, r.mainText);
  assert.equal(again.masterText, r.masterText);
});

test('postscreen_denylist_action: ignore becomes drop; enforce, drop and the older blacklist name are respected', () => {
  const master = 'smtp inet n - y - 1 postscreen\n';
  const wire = (main: string) =>
    planWiring({
      kind: 'plain',
      postfix: new PostfixConfig(
        parseMainCf(main, 'main.cf'),
        parseMasterCf(master, 'master.cf'),
        POSTFIX_DEFAULTS,
      ),
      mapPath: '/etc/postfix/reject-cidr.cf',
      main: { path: 'main.cf', text: main },
      master: { path: 'master.cf', text: master },
      postconfDir: null,
    }).changes.filter((c) => c.name === 'postscreen_denylist_action');
  assert.equal(wire('').length, 1);
  assert.equal(wire('postscreen_denylist_action = ignore\n')[0]?.from, 'ignore');
  assert.deepEqual(wire('postscreen_denylist_action = enforce\n'), []);
  assert.deepEqual(wire('postscreen_blacklist_action = drop\n'), []);
  assert.equal(wire('postscreen_blacklist_action = ignore\n').length, 1);
});

test("docker-mailserver: postfix-main.cf and postfix-master.cf lines over the image's settings, without spaces for postconf -P", () => {
  const main = parseMainCf(DMS_MAIN_CF, '(image)');
  const userMain = 'smtpd_tls_received_header = yes\n';
  parseMainCf(userMain, 'postfix-main.cf', main);
  const services = parseMasterCf(DMS_MASTER_CF, '(image)');
  const userMaster =
    'submission/inet/smtpd_client_restrictions=permit_sasl_authenticated,reject_unknown_client_hostname,reject\n';
  applyMasterOverrides(services, userMaster, 'postfix-master.cf');
  const r = planWiring({
    kind: 'docker-mailserver',
    postfix: new PostfixConfig(main, services, POSTFIX_DEFAULTS),
    mapPath: '/tmp/docker-mailserver/postfix-reject-cidr.cf',
    main: { path: 'postfix-main.cf', text: userMain },
    master: { path: 'postfix-master.cf', text: userMaster },
    postconfDir: null,
  });
  assert.equal(
    r.mainText,
    'smtpd_tls_received_header = yes\npostscreen_access_list = permit_mynetworks, cidr:/tmp/docker-mailserver/postfix-reject-cidr.cf\npostscreen_denylist_action = drop\n',
  );
  assert.equal(
    r.masterText,
    [
      'submission/inet/smtpd_client_restrictions=check_client_access,cidr:/tmp/docker-mailserver/postfix-reject-cidr.cf,permit_sasl_authenticated,reject_unknown_client_hostname,reject',
      'submissions/inet/smtpd_client_restrictions=check_client_access,cidr:/tmp/docker-mailserver/postfix-reject-cidr.cf,permit_sasl_authenticated,reject',
      '',
    ].join('\n'),
  );
  assert.deepEqual(r.postconfCommands, [], 'docker-mailserver is wired through its override files');
});

test('reload: postfix check and reload, -c for another directory, behind the prefix; arguments quoted', () => {
  assert.deepEqual(
    reloadSteps('plain', null, undefined).map((s) => s.command),
    ['postfix check', 'postfix reload'],
  );
  assert.deepEqual(
    reloadSteps('plain', "/srv/my postfix/it's", 'ssh mail sudo').map((s) => s.command),
    [
      "ssh mail sudo postfix -c '/srv/my postfix/it'\\''s' check",
      "ssh mail sudo postfix -c '/srv/my postfix/it'\\''s' reload",
    ],
  );
  assert.deepEqual(
    reloadSteps('docker-mailserver', null, 'docker exec mailserver').map((s) => s.command),
    ['docker exec mailserver postfix reload'],
  );
  assert.equal(commandLine(['postconf', '-e', 'a = $b; rm -rf /']), "postconf -e 'a = $b; rm -rf /'");
  assert.equal(prefixedCommand('  ', ['postfix', 'reload']), 'postfix reload');
});
