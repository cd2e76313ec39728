// What the scenarios share: where the stack listens, how to open a session
// from a chosen source address, and how to get past postscreen.
import { ScenarioRecorder, type ScenarioSpec, type ScenarioTruth } from './ground-truth.js';
import { LineSocket } from './line-socket.js';
import { ImapSession, Pop3Session } from './mailbox-clients.js';
import type { StackPorts } from './ports.js';
import { SmtpError, SmtpSession } from './smtp-client.js';
import type { MailUser } from './users.js';

export interface DriverTarget {
  listenAddress: string;
  hostname: string;
  domain: string;
  ports: StackPorts;
  users: readonly MailUser[];
}

export interface DriverContext {
  target: DriverTarget;
  /** Per network read/connect. */
  timeoutMs: number;
}

export type SmtpService = 'smtp' | 'submission' | 'submissions';

export function openSmtp(
  ctx: DriverContext,
  service: SmtpService,
  localAddress: string,
): Promise<SmtpSession> {
  const { target } = ctx;
  return SmtpSession.open({
    host: target.listenAddress,
    port: target.ports[service],
    localAddress,
    tls: service === 'submissions',
    servername: target.hostname,
    timeoutMs: ctx.timeoutMs,
  });
}

export function openRaw(ctx: DriverContext, port: number, localAddress: string): Promise<LineSocket> {
  return LineSocket.connect({ host: ctx.target.listenAddress, port, localAddress, timeoutMs: ctx.timeoutMs });
}

export function openImap(
  ctx: DriverContext,
  port: 'imap' | 'imaps',
  localAddress: string,
): Promise<ImapSession> {
  const { target } = ctx;
  return ImapSession.open({
    host: target.listenAddress,
    port: target.ports[port],
    localAddress,
    tls: port === 'imaps',
    servername: target.hostname,
    timeoutMs: ctx.timeoutMs,
  });
}

export function openPop3(
  ctx: DriverContext,
  port: 'pop3' | 'pop3s',
  localAddress: string,
): Promise<Pop3Session> {
  const { target } = ctx;
  return Pop3Session.open({
    host: target.listenAddress,
    port: target.ports[port],
    localAddress,
    tls: port === 'pop3s',
    servername: target.hostname,
    timeoutMs: ctx.timeoutMs,
  });
}

export function password(ctx: DriverContext, address: string): string {
  const user = ctx.target.users.find((u) => u.address === address);
  if (!user) throw new Error(`no such mail user ${address}`);
  return user.password;
}

/** postscreen's greeting is split by postscreen_greet_banner ("220-..." then "220 ..."); smtpd's is one line. */
function isPostscreenGreeting(lines: readonly string[]): boolean {
  return lines.length > 1 && lines[0]?.startsWith('220-') === true;
}

export interface PostscreenProbe {
  helo: string;
  from: string;
  /** The recipient of the first connection, which postscreen answers with 450 4.3.2. */
  rcpt: string;
}

/**
 * Returns an smtpd session (greeting read, nothing else sent) for a client of
 * the postscreen port. With postscreen's after-220 tests a new client cannot be
 * handed to smtpd on its first connection: postscreen runs its own SMTP engine,
 * records the passed tests ("PASS NEW") and answers RCPT with 450 4.3.2; the
 * client must QUIT and reconnect, and is then handed over ("PASS OLD").
 */
export async function passPostscreen(
  ctx: DriverContext,
  rec: ScenarioRecorder,
  address: string,
  probe: PostscreenProbe,
): Promise<SmtpSession> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    const session = await openSmtp(ctx, 'smtp', address);
    const greeting = await session.greeting();
    if (!isPostscreenGreeting(greeting.lines)) {
      rec.connection(address, 'smtpd');
      return session;
    }
    rec.connection(address, 'postscreen');
    await session.ehlo(probe.helo);
    await session.expect(`MAIL FROM:<${probe.from}>`, 2);
    const reply = await session.command(`RCPT TO:<${probe.rcpt}>`);
    if (reply.code !== 450) throw new SmtpError('postscreen did not answer the first RCPT with 450', reply);
    await session.quit();
  }
  throw new Error(`postscreen did not hand ${address} to smtpd after it passed the tests`);
}

export async function runScenario(
  spec: ScenarioSpec,
  body: (rec: ScenarioRecorder) => Promise<void>,
): Promise<ScenarioTruth> {
  const rec = new ScenarioRecorder(spec);
  await body(rec);
  return rec.finish();
}

/** Runs `fn` for every address concurrently (each address's own connections stay sequential). */
export async function forEachAddress(
  addresses: readonly string[],
  fn: (address: string, index: number) => Promise<void>,
): Promise<void> {
  await Promise.all(addresses.map((address, index) => fn(address, index)));
}

/** a.b.c.first ... a.b.c.last */
export function addressRange(prefix: string, first: number, last: number): string[] {
  const out: string[] = [];
  for (let i = first; i <= last; i++) out.push(`${prefix}.${i}`);
  return out;
}
