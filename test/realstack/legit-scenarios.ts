// Innocent traffic from addresses of their own: every check also asserts
// that nothing is reported against these.

import type { Scenario } from './attack-scenarios.js';
import {
  forEachAddress,
  openImap,
  openPop3,
  openSmtp,
  passPostscreen,
  password,
  runScenario,
} from './driver-context.js';
import { SmtpError } from './smtp-client.js';

export const legitimateSubmission: Scenario = (ctx) =>
  runScenario(
    {
      id: 'legit-submission',
      description:
        'Authenticated users sending mail: bob on submission (STARTTLS, AUTH PLAIN) to alice, alice on submissions (implicit TLS, AUTH LOGIN) to bob.',
      expectedKind: [],
      attemptUnit: 'login',
    },
    async (rec) => {
      const d = ctx.target.domain;
      const plans = [
        { address: '127.10.0.2', service: 'submission' as const, from: `bob@${d}`, to: `alice@${d}` },
        { address: '127.10.0.6', service: 'submissions' as const, from: `alice@${d}`, to: `bob@${d}` },
      ];
      await forEachAddress(
        plans.map((p) => p.address),
        async (_address, index) => {
          const plan = plans[index]!;
          const session = await openSmtp(ctx, plan.service, plan.address);
          rec.connection(plan.address, 'smtpd');
          await session.greeting();
          await session.ehlo('laptop.home.invalid');
          if (plan.service === 'submission') {
            await session.startTls();
            await session.ehlo('laptop.home.invalid');
          }
          const secret = password(ctx, plan.from);
          const reply =
            plan.service === 'submission'
              ? await session.authPlain(plan.from, secret)
              : await session.authLogin(plan.from, secret);
          rec.attempt(plan.address, plan.from);
          if (reply.code !== 235) throw new SmtpError(`AUTH as ${plan.from}`, reply);
          rec.loginSucceeded();
          await session.sendMessage(plan.from, plan.to, 'Lunch tomorrow?', 'Shall we meet at noon?');
          rec.messageAccepted();
          await session.quit();
        },
      );
    },
  );

export const legitimateMailboxAccess: Scenario = (ctx) =>
  runScenario(
    {
      id: 'legit-mailbox-access',
      description:
        'alice reads her INBOX over IMAPS, bob checks his mailbox over POP3; both with the right password.',
      expectedKind: [],
      attemptUnit: 'mailbox-login',
    },
    async (rec) => {
      const alice = `alice@${ctx.target.domain}`;
      const bob = `bob@${ctx.target.domain}`;
      await Promise.all([
        (async () => {
          const address = '127.10.0.3';
          const imap = await openImap(ctx, 'imaps', address);
          rec.connection(address, 'imap-login');
          const response = await imap.login(alice, password(ctx, alice));
          rec.attempt(address, alice);
          if (response.status !== 'OK')
            throw new Error(`IMAP login as ${alice}: ${response.lines.join(' | ')}`);
          rec.loginSucceeded();
          rec.mailboxSession(alice);
          await imap.command('SELECT INBOX');
          await imap.logout();
        })(),
        (async () => {
          const address = '127.10.0.4';
          const pop3 = await openPop3(ctx, 'pop3', address);
          rec.connection(address, 'pop3-login');
          const ok = await pop3.login(bob, password(ctx, bob));
          rec.attempt(address, bob);
          if (!ok) throw new Error(`POP3 login as ${bob} refused`);
          rec.loginSucceeded();
          rec.mailboxSession(bob);
          await pop3.command('STAT');
          await pop3.quit();
        })(),
      ]);
    },
  );

export const legitimateInbound: Scenario = (ctx) =>
  runScenario(
    {
      id: 'legit-inbound',
      description:
        'A well-behaved outside MTA delivers a newsletter to alice through postscreen: waits for the full greeting, takes the 450 4.3.2 of the first connection, reconnects and delivers.',
      expectedKind: [],
      attemptUnit: 'message',
    },
    async (rec) => {
      const address = '127.10.0.5';
      const from = 'news@lists.example.net';
      const to = `alice@${ctx.target.domain}`;
      const session = await passPostscreen(ctx, rec, address, {
        helo: 'mx.lists.example.net',
        from,
        rcpt: to,
      });
      await session.ehlo('mx.lists.example.net');
      await session.sendMessage(from, to, 'Monthly newsletter', 'Hello alice,\nhere is our news.');
      rec.attempt(address);
      rec.messageAccepted();
      await session.quit();
    },
  );

export const LEGITIMATE_SCENARIOS: readonly Scenario[] = [
  legitimateInbound,
  legitimateSubmission,
  legitimateMailboxAccess,
];
