// `mailwarden mitigate` against the real Postfix: the map answers REJECT in the
// real postmap for every blocked attacker and nothing for anyone else, the
// wiring passes the real postconf without warnings (plain host, and the
// docker-mailserver lines as that image applies them at start), and the closed
// loop: attack, mitigate --apply --reload, attack again and be refused, while
// the legitimate clients still send mail, and the audit of the new logs marks
// the blocked attackers' findings mitigated.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAudit } from '../../src/audit/run-audit.js';
import { DMS_MASTER_CF } from '../../src/config/layouts/dms-defaults.js';
import { BLOCK_BEGIN, BLOCK_END } from '../../src/mitigate/cidr-map.js';
import { runCli } from '../support/run-cli.js';
import { runAttacks, stackContext } from './driver.js';
import type { DriverContext } from './driver-context.js';
import { openImap, openSmtp, passPostscreen, password } from './driver-context.js';
import { type GroundTruth, ScenarioRecorder } from './ground-truth.js';
import { findCommand } from './requirements.js';
import { addressPattern, waitForSettledLogs } from './settle.js';
import { realStackTest } from './skip-policy.js';
import { SmtpError } from './smtp-client.js';
import { type Stack, startStack } from './stack.js';
import { waitForLog } from './wait.js';

const BASE_PORT = 24_000;

function command(name: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(findCommand(name) ?? name, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The entries of mitigate's block. */
function blockedNetworks(map: string): string[] {
  return map
    .slice(map.indexOf(BLOCK_BEGIN), map.indexOf(BLOCK_END))
    .split('\n')
    .filter((l) => l.endsWith(' REJECT'))
    .map((l) => l.split(' ')[0]!);
}

const driverContext = (stack: Stack): DriverContext => stackContext(stack);

function attackersOf(truth: GroundTruth): { all: string[]; compromise: string[] } {
  const compromise = truth.scenarios
    .filter((s) => s.expectedKind.includes('account-compromise'))
    .flatMap((s) => s.addresses);
  const all = [...new Set(truth.scenarios.flatMap((s) => s.addresses))].filter(
    (a) => !compromise.includes(a),
  );
  return { all, compromise };
}

async function attackedStack(): Promise<{ stack: Stack; truth: GroundTruth }> {
  const stack = await startStack({ layout: 'syslog', basePort: BASE_PORT });
  try {
    const truth = await runAttacks(stack);
    await waitForSettledLogs(truth, stack.logs, { timeoutMs: 60_000 });
    return { stack, truth };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

realStackTest(
  'the map, the wiring and the nftables file pass the real postmap, postconf and nft',
  { timeout: 300_000 },
  async () => {
    const { stack, truth } = await attackedStack();
    const work = mkdtempSync(join(tmpdir(), 'mw-mitigate-real-'));
    try {
      const config = stack.paths.postfix.config;
      const out = join(work, 'plain');
      const r = await runCli([
        'mitigate',
        stack.logs.mailLog!,
        '--config',
        config,
        '--include-private',
        '--out',
        out,
      ]);
      assert.equal(r.status, 0, r.err);
      const mapFile = join(out, 'reject-cidr.cf');
      const map = readFileSync(mapFile, 'utf8');
      const networks = blockedNetworks(map);
      assert.ok(networks.length > 0, r.err);

      // postmap: REJECT for every blocked attacker, nothing for anyone else.
      const lookup = (address: string) =>
        command('postmap', ['-c', config, '-q', address, `cidr:${mapFile}`]);
      const { all, compromise } = attackersOf(truth);
      const rejected = all.filter((a) => lookup(a).stdout.trim() === 'REJECT');
      // The default rules: 5 attack events per address, or a /24 of 3 attackers.
      for (const expected of [
        '127.81.30.1', // the TLS campaign's /24
        '127.81.30.12',
        '127.82.0.2', // the pregreet bots' /24
        '127.86.0.1', // SMTP AUTH guessing
        '127.86.1.2',
        '127.87.0.3', // IMAP guessing, a /24 of three
        '127.89.0.1', // recipient harvesting
      ])
        assert.ok(rejected.includes(expected), `${expected} is not rejected; map:\n${map}`);
      // Two relay attempts, one TLS probe, three POP3 guesses (four events): below --min-events.
      for (const below of ['127.88.0.1', '127.81.31.1', '127.87.1.1']) {
        assert.ok(!rejected.includes(below), below);
        assert.match(
          r.err,
          new RegExp(`not blocked, fewer attack events than --min-events: .*${below.replaceAll('.', '\\.')}`),
        );
      }
      for (const innocent of [...truth.legitimateAddresses, ...compromise, '127.0.0.1']) {
        const q = lookup(innocent);
        assert.equal(q.status, 1, `${innocent}: ${q.stdout}${q.stderr}`);
        assert.equal(q.stdout, '', innocent);
      }
      for (const address of compromise)
        assert.match(
          r.err,
          new RegExp(
            `left unblocked ${address.replaceAll('.', '\\.')}: logged in successfully at .* after \\d+ failed logins`,
          ),
        );

      // postconf reads the wiring without a warning; the values are what mitigate meant.
      for (const args of [['-n'], ['-M'], ['-P']]) {
        const p = command('postconf', ['-c', out, ...args]);
        assert.equal(p.status, 0, p.stderr);
        assert.doesNotMatch(p.stderr, /warning:/, `postconf ${args.join(' ')}`);
      }
      const mapRef = `cidr:${join(config, 'reject-cidr.cf')}`;
      assert.equal(
        command('postconf', ['-c', out, '-h', 'postscreen_access_list']).stdout.trim(),
        `permit_mynetworks, ${mapRef}`,
      );
      assert.equal(
        command('postconf', ['-c', out, '-h', 'postscreen_denylist_action']).stdout.trim(),
        'drop',
      );
      const submission = `${stack.listenAddress}:${stack.ports.submission}/inet/smtpd_client_restrictions`;
      assert.equal(
        command('postconf', ['-c', out, '-P', submission]).stdout.trim(),
        `${submission} = check_client_access,${mapRef},permit_sasl_authenticated,reject`,
      );
      const nft = command('nft', ['-c', '-f', join(out, 'mailwarden-blocklist.nft')]);
      assert.equal(nft.status, 0, nft.stderr);

      // docker-mailserver: the same logs against a config directory, its lines applied as the image does.
      const dms = join(work, 'dms');
      mkdirSync(join(dms, 'config'), { recursive: true });
      writeFileSync(join(dms, 'config', 'postfix-accounts.cf'), `alice@${stack.domain}|{SHA512-CRYPT}$6$x\n`);
      writeFileSync(join(dms, 'mailserver.env'), 'PERMIT_DOCKER=none\n');
      const d = await runCli([
        'mitigate',
        stack.logs.mailLog!,
        '--config',
        join(dms, 'config'),
        '--include-private',
        '--out',
        join(dms, 'out'),
      ]);
      assert.equal(d.status, 0, d.err);
      const image = join(dms, 'etc-postfix');
      mkdirSync(image);
      writeFileSync(
        join(image, 'main.cf'),
        `myhostname = ${stack.hostname}\nmydomain = ${stack.domain}\ncompatibility_level = 3.6\n`,
      );
      writeFileSync(join(image, 'master.cf'), DMS_MASTER_CF.trimStart());
      appendFileSync(join(image, 'main.cf'), readFileSync(join(dms, 'out', 'postfix-main.cf'), 'utf8'));
      for (const line of readFileSync(join(dms, 'out', 'postfix-master.cf'), 'utf8')
        .split('\n')
        .filter(Boolean)) {
        const p = command('postconf', ['-c', image, '-P', line]);
        assert.equal(p.status, 0, `postconf -P ${line}: ${p.stderr}`);
      }
      for (const args of [['-n'], ['-M']]) {
        const p = command('postconf', ['-c', image, ...args]);
        assert.doesNotMatch(p.stderr, /warning:/, `docker-mailserver postconf ${args.join(' ')}`);
      }
      assert.equal(
        command('postconf', ['-c', image, '-P', 'submissions/inet/smtpd_client_restrictions']).stdout.trim(),
        'submissions/inet/smtpd_client_restrictions = check_client_access,cidr:/tmp/docker-mailserver/postfix-reject-cidr.cf,permit_sasl_authenticated,reject',
      );
      assert.deepEqual(
        blockedNetworks(readFileSync(join(dms, 'out', 'postfix-reject-cidr.cf'), 'utf8')),
        networks,
      );
    } finally {
      await stack.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
);

/** Connects to port 25 from `address`: postscreen must refuse it (521 and close, or just close), never greet. */
async function refusedAtPort25(ctx: DriverContext, address: string): Promise<string> {
  const session = await openSmtp(ctx, 'smtp', address);
  try {
    const line = await session.readLine();
    assert.doesNotMatch(line, /^220/, `${address} was greeted on port 25: ${line}`);
    return line;
  } catch (error) {
    if ((error as Error).name === 'ConnectionClosedError') return '(closed)';
    throw error;
  } finally {
    session.destroy();
  }
}

realStackTest(
  'closed loop: attack, mitigate --apply --reload, attack again and be refused; legitimate mail still flows',
  { timeout: 400_000 },
  async () => {
    const { stack, truth } = await attackedStack();
    try {
      const config = stack.paths.postfix.config;
      const log = stack.logs.mailLog!;
      const argv = [
        'mitigate',
        log,
        '--config',
        config,
        '--include-private',
        '--min-events',
        '1',
        '--apply',
        '--reload',
      ];
      const r = await runCli(argv);
      assert.equal(r.status, 0, r.err);
      assert.match(r.err, new RegExp(`running postfix -c ${config.replaceAll('/', '\\/')} check`));
      assert.match(r.err, /Postfix reloaded/);
      await waitForLog(stack.logs.postfix, /postfix\/master\[\d+\]: reload -- version/, {
        timeoutMs: 30_000,
      });
      const map = readFileSync(join(config, 'reject-cidr.cf'), 'utf8');
      const { all, compromise } = attackersOf(truth);

      // The same logs again: nothing to change, every file as it was.
      const files = () =>
        Object.fromEntries(
          readdirSync(config).map((n) => [
            n,
            n === 'mailwarden-backup' ? '' : readFileSync(join(config, n), 'utf8'),
          ]),
        );
      const written = files();
      const again = await runCli(argv);
      assert.equal(again.status, 0, again.err);
      assert.match(again.err, /nothing to change/);
      assert.deepEqual(files(), written);

      // Attack again from every blocked address: postscreen drops it on port 25.
      const ctx = driverContext(stack);
      for (const address of all) {
        assert.equal(
          command('postmap', [
            '-c',
            config,
            '-q',
            address,
            `cidr:${join(config, 'reject-cidr.cf')}`,
          ]).stdout.trim(),
          'REJECT',
          `${address}\n${map}`,
        );
        await refusedAtPort25(ctx, address);
        await waitForLog(
          stack.logs.postfix,
          new RegExp(
            `postfix/postscreen\\[\\d+\\]: (DENY|BLACK)LISTED \\[${address.replaceAll('.', '\\.')}\\]:\\d+`,
          ),
          { timeoutMs: 30_000 },
        );
      }
      // A guesser that now has a real password is still refused on submission: the check comes before permit_sasl_authenticated.
      const alice = `alice@${stack.domain}`;
      const thief = await openSmtp(ctx, 'submission', '127.86.0.1');
      await thief.greeting();
      await thief.ehlo('localhost');
      await thief.startTls();
      await thief.ehlo('localhost');
      const auth = await thief.authPlain(alice, password(ctx, alice));
      assert.equal(auth.code, 235);
      await thief.expect(`MAIL FROM:<${alice}>`, 2);
      const rcpt = await thief.command(`RCPT TO:<bob@${stack.domain}>`);
      assert.equal(rcpt.code, 554, rcpt.lines.join(' '));
      assert.match(rcpt.lines.join(' '), /5\.7\.1 .*Client host rejected: Access denied/);
      await thief.quit();
      // ... and logs in over IMAP, which a Postfix map does not cover: a login now in the logs.
      const imap = await openImap(ctx, 'imap', '127.86.0.1');
      await imap.startTls();
      assert.equal((await imap.login(alice, password(ctx, alice))).status, 'OK');
      await imap.logout();
      await waitForLog(stack.logs.dovecot, /imap-login: Login: user=<alice@[^>]+>.*\brip=127\.86\.0\.1,/, {
        timeoutMs: 30_000,
      });

      // The legitimate clients: authenticated submission, and the outside MTA through postscreen.
      const bob = `bob@${stack.domain}`;
      const user = await openSmtp(ctx, 'submission', '127.10.0.2');
      await user.greeting();
      await user.ehlo('laptop.home.invalid');
      await user.startTls();
      await user.ehlo('laptop.home.invalid');
      const ok = await user.authPlain(bob, password(ctx, bob));
      if (ok.code !== 235) throw new SmtpError('AUTH', ok);
      await user.sendMessage(bob, alice, 'After the block', 'Still here.');
      await user.quit();
      const rec = new ScenarioRecorder({
        id: 'legit-after',
        description: '',
        expectedKind: [],
        attemptUnit: 'message',
      });
      const mta = await passPostscreen(ctx, rec, '127.10.0.5', {
        helo: 'mx.lists.example.net',
        from: 'news@lists.example.net',
        rcpt: alice,
      });
      await mta.ehlo('mx.lists.example.net');
      await mta.sendMessage('news@lists.example.net', alice, 'Newsletter', 'Hello again.');
      await mta.quit();
      await waitForLog(
        stack.logs.postfix,
        /postfix\/virtual\[\d+\]: [0-9A-Za-z]+: to=<[^>]+>, .*status=sent/,
        {
          count:
            truth.scenarios.concat(truth.legitimate).reduce((n, s) => n + (s.messagesAccepted ?? 0), 0) + 2,
          timeoutMs: 30_000,
        },
      );
      await waitForLog(
        stack.logs.postfix,
        (line) => addressPattern('127.86.0.1').test(line) && /disconnect from/.test(line),
        { count: 3, timeoutMs: 30_000 },
      );

      // The audit of the new logs: the blocks held.
      const { report } = await runAudit([log], {});
      const status = (id: string) => report.findings.find((f) => f.id === id)?.status;
      for (const id of [
        'tls-handshake-campaign',
        'postscreen-violations',
        'relay-probing',
        'recipient-harvesting',
      ])
        assert.equal(
          status(id),
          'mitigated',
          `${id}: ${report.findings.find((f) => f.id === id)?.description}`,
        );
      assert.match(
        report.findings.find((f) => f.id === 'tls-handshake-campaign')!.description,
        /the block holds/,
      );
      // A Postfix map does not stop IMAP and POP3 guessing, and the compromised account stays open.
      assert.equal(status('auth-brute-force'), 'open');
      assert.equal(status('account-compromise-suspected'), 'open');
      for (const address of compromise)
        assert.match(r.err, new RegExp(`left unblocked ${address.replaceAll('.', '\\.')}:`));

      // mitigate on the new logs: the thief logged in, but an earlier block is never lifted by a login.
      const after = await runCli([
        'mitigate',
        log,
        '--config',
        config,
        '--include-private',
        '--min-events',
        '1',
      ]);
      assert.equal(after.status, 0, after.err);
      assert.match(
        after.err,
        /note: 127\.86\.0\.1 stays blocked \(an earlier run added it\) although 127\.86\.0\.1 logged in successfully/,
      );
      assert.ok(blockedNetworks(map).length > 0);
    } finally {
      await stack.stop();
    }
  },
);
