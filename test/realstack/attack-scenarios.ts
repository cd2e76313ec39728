// The attacks, each from its own source addresses (no two scenarios share one).
import {
  addressRange,
  type DriverContext,
  forEachAddress,
  openImap,
  openPop3,
  openRaw,
  openSmtp,
  passPostscreen,
  password,
  runScenario,
} from './driver-context.js';
import type { ScenarioRecorder, ScenarioTruth } from './ground-truth.js';
import type { ImapSession } from './mailbox-clients.js';
import { SmtpError, type SmtpSession } from './smtp-client.js';

export type Scenario = (ctx: DriverContext) => Promise<ScenarioTruth>;

/** Reproducible junk: the same bytes on every run for a given seed; never starts like a TLS record (0x16). */
function junkBytes(seed: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = (seed * 2_654_435_761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    bytes[i] = (state >>> 16) & 0xff;
  }
  if (bytes[0] === 0x16) bytes[0] = 0x17;
  return bytes;
}

export const tlsGarbageCampaign: Scenario = (ctx) =>
  runScenario(
    {
      id: 'tls-garbage-submissions',
      description:
        'A scanning campaign from one /24 against submissions (implicit TLS): per address one connection closed before any ClientHello, one sending an HTTP request, one sending random bytes.',
      expectedKind: ['tls-handshake-failure'],
      attemptUnit: 'tls-handshake',
    },
    async (rec) => {
      await forEachAddress(addressRange('127.81.30', 1, 12), async (address, index) => {
        const port = ctx.target.ports.submissions;
        const abandoned = await openRaw(ctx, port, address);
        rec.connection(address, 'smtpd');
        rec.attempt(address);
        abandoned.destroy();
        for (const payload of [Buffer.from('GET / HTTP/1.0\r\n\r\n'), junkBytes(index + 1, 64)]) {
          const conn = await openRaw(ctx, port, address);
          rec.connection(address, 'smtpd');
          rec.attempt(address);
          await conn.write(payload);
          await conn.waitForClose();
          conn.destroy();
        }
      });
    },
  );

export const starttlsAborted: Scenario = (ctx) =>
  runScenario(
    {
      id: 'starttls-aborted-submission',
      description:
        'STARTTLS on submission accepted (220) and then abandoned: one client hangs up instead of sending a ClientHello, one sends a bogus record.',
      expectedKind: ['tls-handshake-failure'],
      attemptUnit: 'tls-handshake',
    },
    async (rec) => {
      await forEachAddress(addressRange('127.81.31', 1, 2), async (address, index) => {
        const session = await openSmtp(ctx, 'submission', address);
        rec.connection(address, 'smtpd');
        await session.greeting();
        await session.ehlo('scanner.invalid');
        await session.expect('STARTTLS', 2);
        rec.attempt(address);
        if (index === 0) {
          session.destroy();
          return;
        }
        await session.write('\x16\x03\x01\x00\x05not-a-tls-handshake\r\n');
        await session.conn.waitForClose();
        session.destroy();
      });
    },
  );

export const pregreet: Scenario = (ctx) =>
  runScenario(
    {
      id: 'postscreen-pregreet',
      description:
        'Bots that talk first: "EHLO User" right after the first line of the multi-line postscreen greeting, two connections per address.',
      expectedKind: ['pregreet'],
      attemptUnit: 'pregreet',
    },
    async (rec) => {
      await forEachAddress(addressRange('127.82.0', 1, 3), async (address) => {
        for (let i = 0; i < 2; i++) {
          const session = await openSmtp(ctx, 'smtp', address);
          rec.connection(address, 'postscreen');
          const first = await session.readLine();
          if (!first.startsWith('220-'))
            throw new Error(`expected the first line of a multi-line greeting, got ${first}`);
          await session.write('EHLO User\r\n');
          rec.attempt(address);
          // postscreen ends the greeting early and answers the EHLO.
          await session.readReply();
          await session.quit();
        }
      });
    },
  );

async function postscreenGreeting(
  ctx: DriverContext,
  rec: ScenarioRecorder,
  address: string,
): Promise<SmtpSession> {
  const session = await openSmtp(ctx, 'smtp', address);
  rec.connection(address, 'postscreen');
  await session.greeting();
  return session;
}

export const bareNewline: Scenario = (ctx) =>
  runScenario(
    {
      id: 'postscreen-bare-newline',
      description:
        'After the full greeting, EHLO ended by a bare LF, then MAIL and RCPT (rejected 550 5.5.1).',
      expectedKind: ['postscreen-bare-newline'],
      attemptUnit: 'protocol-violation',
    },
    async (rec) => {
      await forEachAddress(addressRange('127.83.0', 1, 2), async (address, index) => {
        const session = await postscreenGreeting(ctx, rec, address);
        await session.write(`EHLO bare${index + 1}.invalid\n`);
        rec.attempt(address);
        await session.readReply();
        await session.expect(`MAIL FROM:<bulk@bare${index + 1}.invalid>`, 2);
        await session.command(`RCPT TO:<alice@${ctx.target.domain}>`);
        await session.quit();
      });
    },
  );

export const pipelining: Scenario = (ctx) =>
  runScenario(
    {
      id: 'postscreen-pipelining',
      description:
        'After the full greeting, EHLO, MAIL, RCPT and DATA in one write although PIPELINING was not offered.',
      expectedKind: ['postscreen-pipelining'],
      attemptUnit: 'protocol-violation',
    },
    async (rec) => {
      await forEachAddress(addressRange('127.84.0', 1, 2), async (address, index) => {
        const session = await postscreenGreeting(ctx, rec, address);
        const host = `pipe${index + 1}.invalid`;
        await session.write(
          `EHLO ${host}\r\nMAIL FROM:<bulk@${host}>\r\nRCPT TO:<alice@${ctx.target.domain}>\r\nDATA\r\n`,
        );
        rec.attempt(address);
        for (let i = 0; i < 4; i++) await session.readReply();
        await session.quit();
      });
    },
  );

export const nonSmtpCommand: Scenario = (ctx) =>
  runScenario(
    {
      id: 'postscreen-non-smtp',
      description:
        'An HTTP request line sent to the SMTP port after the full greeting (GET, and POST from the second address).',
      expectedKind: ['postscreen-non-smtp'],
      attemptUnit: 'protocol-violation',
    },
    async (rec) => {
      await forEachAddress(addressRange('127.85.0', 1, 2), async (address, index) => {
        const session = await postscreenGreeting(ctx, rec, address);
        await session.write(index === 0 ? 'GET / HTTP/1.0\r\n' : 'POST / HTTP/1.1\r\n');
        rec.attempt(address);
        await session.readReply();
        await session.quit();
      });
    },
  );

interface Credential {
  user: string;
  password: string;
  mechanism: 'PLAIN' | 'LOGIN';
}

/** STARTTLS on submission, then one AUTH per credential (each must fail or succeed as it should). */
async function submissionAuth(
  ctx: DriverContext,
  rec: ScenarioRecorder,
  address: string,
  credentials: readonly Credential[],
): Promise<SmtpSession> {
  const session = await openSmtp(ctx, 'submission', address);
  rec.connection(address, 'smtpd');
  await session.greeting();
  await session.ehlo('localhost');
  await session.startTls();
  await session.ehlo('localhost');
  for (const { user, password: secret, mechanism } of credentials) {
    const reply =
      mechanism === 'PLAIN' ? await session.authPlain(user, secret) : await session.authLogin(user, secret);
    rec.attempt(address, user);
    const valid = ctx.target.users.some((u) => u.address === user && u.password === secret);
    if (reply.code !== (valid ? 235 : 535)) throw new SmtpError(`AUTH ${mechanism} as ${user}`, reply);
    if (valid) rec.loginSucceeded();
  }
  return session;
}

const WRONG_PASSWORDS = ['123456', 'password', 'qwerty123', 'Winter2025!', 'letmein', 'admin123'];

export const saslBruteForceKnownUsers: Scenario = (ctx) =>
  runScenario(
    {
      id: 'sasl-bruteforce-known-users',
      description:
        'SMTP AUTH (PLAIN and LOGIN after STARTTLS) on submission against existing mailboxes with wrong passwords: two parallel connections of three attempts per address.',
      expectedKind: ['sasl-auth-failure', 'auth-password-mismatch'],
      attemptUnit: 'smtp-auth',
      expectedFail2banJail: 'postfix-sasl',
    },
    async (rec) => {
      const users = [`alice@${ctx.target.domain}`, `bob@${ctx.target.domain}`];
      await forEachAddress(addressRange('127.86.0', 1, 2), async (address, index) => {
        const user = users[index % users.length] as string;
        // Two connections in parallel, as brute-force tools run them.
        await Promise.all(
          [0, 1].map(async (c) => {
            const credentials = [0, 1, 2].map<Credential>((i) => ({
              user,
              password: WRONG_PASSWORDS[(c * 3 + i) % WRONG_PASSWORDS.length] as string,
              mechanism: i % 2 === 0 ? 'PLAIN' : 'LOGIN',
            }));
            await (await submissionAuth(ctx, rec, address, credentials)).quit();
          }),
        );
      });
    },
  );

export const saslBruteForceUnknownUsers: Scenario = (ctx) =>
  runScenario(
    {
      id: 'sasl-bruteforce-unknown-users',
      description:
        'SMTP AUTH on submission with user names that do not exist (with and without the domain): two parallel connections of three attempts per address.',
      expectedKind: ['sasl-auth-failure', 'auth-unknown-user'],
      attemptUnit: 'smtp-auth',
      expectedFail2banJail: 'postfix-sasl',
    },
    async (rec) => {
      const d = ctx.target.domain;
      const names = [
        [`admin@${d}`, `info@${d}`, 'test', `support@${d}`, 'webmaster', `sales@${d}`],
        [`office@${d}`, 'admin', `contact@${d}`, `noreply@${d}`, 'user', `postmaster@${d}`],
      ];
      await forEachAddress(addressRange('127.86.1', 1, 2), async (address, index) => {
        const list = names[index % names.length] as string[];
        await Promise.all(
          [0, 1].map(async (c) => {
            const credentials = [0, 1, 2].map<Credential>((i) => ({
              user: list[c * 3 + i] as string,
              password: WRONG_PASSWORDS[i] as string,
              mechanism: i % 2 === 0 ? 'LOGIN' : 'PLAIN',
            }));
            await (await submissionAuth(ctx, rec, address, credentials)).quit();
          }),
        );
      });
    },
  );

async function imapLogins(
  ctx: DriverContext,
  rec: ScenarioRecorder,
  address: string,
  mode: 'imap' | 'imaps' | 'imap-starttls',
  credentials: readonly { user: string; password: string }[],
): Promise<ImapSession> {
  const session = await openImap(ctx, mode === 'imaps' ? 'imaps' : 'imap', address);
  rec.connection(address, 'imap-login');
  if (mode === 'imap-starttls') await session.startTls();
  for (const { user, password: secret } of credentials) {
    const response = await session.login(user, secret);
    rec.attempt(address, user);
    const valid = ctx.target.users.some((u) => u.address === user && u.password === secret);
    if (response.status !== (valid ? 'OK' : 'NO')) {
      throw new Error(`IMAP LOGIN as ${user}: ${response.lines.join(' | ')}`);
    }
    if (valid) {
      rec.loginSucceeded();
      rec.mailboxSession(user);
    }
  }
  return session;
}

export const imapLoginFailures: Scenario = (ctx) =>
  runScenario(
    {
      id: 'imap-login-failures',
      description:
        'IMAP LOGIN guessing: plain IMAP, IMAPS and IMAP with STARTTLS, one address each, wrong passwords for existing users and unknown users, three attempts per connection.',
      expectedKind: ['mail-login-failure', 'auth-unknown-user', 'auth-password-mismatch'],
      attemptUnit: 'mailbox-login',
      expectedFail2banJail: 'dovecot',
    },
    async (rec) => {
      const d = ctx.target.domain;
      const modes = ['imap', 'imaps', 'imap-starttls'] as const;
      await forEachAddress(addressRange('127.87.0', 1, 3), async (address, index) => {
        const credentials = [
          { user: `alice@${d}`, password: WRONG_PASSWORDS[index] as string },
          { user: `info@${d}`, password: 'info' },
          { user: `bob@${d}`, password: WRONG_PASSWORDS[index + 3] as string },
        ];
        const session = await imapLogins(
          ctx,
          rec,
          address,
          modes[index] as (typeof modes)[number],
          credentials,
        );
        // Half of the bots say LOGOUT, the others just hang up.
        if (index % 2 === 0) await session.logout();
        else await session.conn.close();
      });
    },
  );

export const pop3LoginFailures: Scenario = (ctx) =>
  runScenario(
    {
      id: 'pop3-login-failures',
      description:
        'POP3 USER/PASS guessing on POP3 and POP3S, wrong passwords for existing users and unknown users, three attempts per connection.',
      expectedKind: ['mail-login-failure', 'auth-unknown-user', 'auth-password-mismatch'],
      attemptUnit: 'mailbox-login',
      expectedFail2banJail: 'dovecot',
    },
    async (rec) => {
      const d = ctx.target.domain;
      await forEachAddress(addressRange('127.87.1', 1, 2), async (address, index) => {
        const session = await openPop3(ctx, index === 0 ? 'pop3' : 'pop3s', address);
        rec.connection(address, 'pop3-login');
        for (const [user, secret] of [
          [`bob@${d}`, WRONG_PASSWORDS[index] as string],
          [`sales@${d}`, 'sales'],
          ['root', 'toor'],
        ] as const) {
          const accepted = await session.login(user, secret);
          rec.attempt(address, user);
          if (accepted) throw new Error(`POP3 login as ${user} unexpectedly accepted`);
        }
        await session.quit();
      });
    },
  );

export const relayAttempt: Scenario = (ctx) =>
  runScenario(
    {
      id: 'open-relay-probe',
      description:
        'An unauthenticated client passes postscreen (first connection answered 450 4.3.2, then reconnects) and asks smtpd to relay to two outside domains.',
      expectedKind: ['relay-denied'],
      attemptUnit: 'relay-rcpt',
    },
    async (rec) => {
      const address = '127.88.0.1';
      const from = 'promo@bulk-sender.invalid';
      const session = await passPostscreen(ctx, rec, address, {
        helo: 'relay-probe.invalid',
        from,
        rcpt: 'victim@elsewhere.invalid',
      });
      await session.ehlo('relay-probe.invalid');
      await session.expect(`MAIL FROM:<${from}>`, 2);
      for (const rcpt of ['victim@elsewhere.invalid', 'target@another.invalid']) {
        const reply = await session.command(`RCPT TO:<${rcpt}>`);
        rec.attempt(address, rcpt);
        if (!reply.lines.join(' ').includes('Relay access denied'))
          throw new SmtpError('relay not denied', reply);
      }
      await session.quit();
    },
  );

const HARVEST_NAMES = [
  'admin',
  'info',
  'sales',
  'support',
  'contact',
  'office',
  'webmaster',
  'billing',
  'hr',
  'jobs',
  'marketing',
  'newsletter',
  'service',
  'team',
  'hello',
];

export const recipientHarvesting: Scenario = (ctx) =>
  runScenario(
    {
      id: 'recipient-harvesting',
      description:
        'A directory-harvest client passes postscreen and probes fifteen non-existent recipients of the local domain in one session.',
      expectedKind: ['unknown-recipient'],
      attemptUnit: 'unknown-rcpt',
      expectedFail2banJail: 'postfix',
    },
    async (rec) => {
      const address = '127.89.0.1';
      const d = ctx.target.domain;
      const from = 'probe@harvester.invalid';
      const session = await passPostscreen(ctx, rec, address, {
        helo: 'harvester.invalid',
        from,
        rcpt: `admin@${d}`,
      });
      await session.ehlo('harvester.invalid');
      await session.expect(`MAIL FROM:<${from}>`, 2);
      for (const name of HARVEST_NAMES) {
        const reply = await session.command(`RCPT TO:<${name}@${d}>`);
        rec.attempt(address, `${name}@${d}`);
        if (reply.code !== 550) throw new SmtpError(`RCPT ${name}@${d}`, reply);
      }
      await session.quit();
    },
  );

export const accountCompromise: Scenario = (ctx) =>
  runScenario(
    {
      id: 'account-compromise',
      description:
        "One address guesses alice's password: three wrong SMTP AUTH attempts, then another wrong one and the right one, after which it sends a message as alice; then two wrong IMAP logins and the right one.",
      expectedKind: ['account-compromise', 'sasl-auth-failure', 'auth-password-mismatch'],
      attemptUnit: 'login',
      expectedFail2banJail: 'postfix-sasl',
    },
    async (rec) => {
      const address = '127.90.0.1';
      const alice = `alice@${ctx.target.domain}`;
      const bob = `bob@${ctx.target.domain}`;
      const right = password(ctx, alice);
      const wrong = (i: number) => ({ user: alice, password: WRONG_PASSWORDS[i] as string });
      const first = await submissionAuth(ctx, rec, address, [
        { ...wrong(0), mechanism: 'LOGIN' },
        { ...wrong(1), mechanism: 'LOGIN' },
        { ...wrong(2), mechanism: 'PLAIN' },
      ]);
      await first.quit();
      const second = await submissionAuth(ctx, rec, address, [
        { ...wrong(3), mechanism: 'PLAIN' },
        { user: alice, password: right, mechanism: 'PLAIN' },
      ]);
      await second.sendMessage(alice, bob, 'Invoice', 'Please see the attached invoice.');
      rec.messageAccepted();
      await second.quit();
      const imap = await imapLogins(ctx, rec, address, 'imap-starttls', [
        wrong(4),
        wrong(5),
        { user: alice, password: right },
      ]);
      await imap.command('SELECT INBOX');
      await imap.logout();
    },
  );

/** In the order the driver runs them. */
export const ATTACK_SCENARIOS: readonly Scenario[] = [
  tlsGarbageCampaign,
  starttlsAborted,
  pregreet,
  bareNewline,
  pipelining,
  nonSmtpCommand,
  saslBruteForceKnownUsers,
  saslBruteForceUnknownUsers,
  imapLoginFailures,
  pop3LoginFailures,
  relayAttempt,
  recipientHarvesting,
  accountCompromise,
];
