/**
 * The plain-text exchanges that come before TLS on STARTTLS ports: SMTP (RFC 3207),
 * IMAP (RFC 3501 / 9051) and POP3 (RFC 2595). Each hands over the server's greeting
 * line, and throws a StartTlsRefused saying what the server did instead of agreeing.
 */
import { type LineReader, ProtocolError } from './line-reader.js';
import type { StartTlsMode } from './target.js';

export type StartTlsFailure = 'greeting' | 'no-starttls' | 'starttls-refused';

export class StartTlsRefused extends Error {
  override name = 'StartTlsRefused';
  constructor(
    readonly kind: StartTlsFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Longest server text quoted in a failure message. */
const QUOTE_LIMIT = 200;
/** Most lines accepted in one reply (a greeting or capability list). */
const MAX_REPLY_LINES = 100;

export function quote(text: string): string {
  return JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text);
}

interface SmtpReply {
  code: number;
  lines: string[];
}

/** A complete SMTP reply: `220-first`, `220-…`, `220 last`. postscreen's greeting is such a multi-line reply. */
async function smtpReply(reader: LineReader): Promise<SmtpReply> {
  const lines: string[] = [];
  for (;;) {
    const line = await reader.next();
    const m = /^(\d{3})([ -]|$)/.exec(line);
    if (!m) throw new ProtocolError(`not an SMTP reply: ${quote(line)}`);
    lines.push(line);
    if (m[2] !== '-') return { code: Number(m[1]), lines };
    if (lines.length >= MAX_REPLY_LINES)
      throw new ProtocolError(`an SMTP reply of more than ${MAX_REPLY_LINES} lines`);
  }
}

type OnGreeting = (line: string) => void;

async function smtp(reader: LineReader, ehloName: string, onGreeting: OnGreeting): Promise<void> {
  const greeting = await smtpReply(reader);
  onGreeting(greeting.lines[0] ?? '');
  if (greeting.code !== 220)
    throw new StartTlsRefused(
      'greeting',
      `the server greeted with ${quote(greeting.lines.join(' / '))} instead of 220`,
    );
  reader.write(`EHLO ${ehloName}`);
  const ehlo = await smtpReply(reader);
  if (ehlo.code !== 250)
    throw new StartTlsRefused('starttls-refused', `EHLO was answered with ${quote(ehlo.lines.join(' / '))}`);
  if (!ehlo.lines.some((line) => /^250[ -]STARTTLS *$/i.test(line)))
    throw new StartTlsRefused('no-starttls', 'the server does not offer STARTTLS in its EHLO reply');
  reader.write('STARTTLS');
  const reply = await smtpReply(reader);
  if (reply.code !== 220)
    throw new StartTlsRefused(
      'starttls-refused',
      `STARTTLS was answered with ${quote(reply.lines.join(' / '))}`,
    );
}

/** Reads untagged lines up to the tagged completion of `tag`; returns both. */
async function imapResponse(reader: LineReader, tag: string): Promise<{ untagged: string[]; done: string }> {
  const untagged: string[] = [];
  for (;;) {
    const line = await reader.next();
    if (line.startsWith(`${tag} `)) return { untagged, done: line.slice(tag.length + 1) };
    untagged.push(line);
    if (untagged.length >= MAX_REPLY_LINES)
      throw new ProtocolError(`an IMAP response of more than ${MAX_REPLY_LINES} lines`);
  }
}

const offersStartTls = (capabilities: string) => /(?:^| )STARTTLS(?: |$)/i.test(capabilities);

/** The `[CAPABILITY …]` response code of an IMAP greeting, if it has one. */
function greetingCapabilities(greeting: string): string | undefined {
  const start = greeting.toUpperCase().indexOf('[CAPABILITY ');
  if (start < 0) return undefined;
  const end = greeting.indexOf(']', start);
  return greeting.slice(start + '[CAPABILITY '.length, end < 0 ? greeting.length : end);
}

async function imap(reader: LineReader, onGreeting: OnGreeting): Promise<void> {
  const greeting = await reader.next();
  onGreeting(greeting);
  if (!/^\* OK\b/i.test(greeting))
    throw new StartTlsRefused('greeting', `the server greeted with ${quote(greeting)} instead of * OK`);
  let capabilities = greetingCapabilities(greeting);
  if (capabilities === undefined) {
    reader.write('a CAPABILITY');
    const { untagged } = await imapResponse(reader, 'a');
    capabilities = untagged
      .filter((l) => /^\* CAPABILITY /i.test(l))
      .map((l) => l.slice('* CAPABILITY '.length))
      .join(' ');
  }
  if (!offersStartTls(capabilities))
    throw new StartTlsRefused('no-starttls', 'the server does not offer STARTTLS in its capabilities');
  reader.write('b STARTTLS');
  const { done } = await imapResponse(reader, 'b');
  if (!/^OK\b/i.test(done))
    throw new StartTlsRefused('starttls-refused', `STARTTLS was answered with ${quote(done)}`);
}

async function pop3(reader: LineReader, onGreeting: OnGreeting): Promise<void> {
  const greeting = await reader.next();
  onGreeting(greeting);
  if (!greeting.startsWith('+OK'))
    throw new StartTlsRefused('greeting', `the server greeted with ${quote(greeting)} instead of +OK`);
  reader.write('CAPA');
  const capa = await reader.next();
  if (capa.startsWith('+OK')) {
    const capabilities: string[] = [];
    for (let line = await reader.next(); line !== '.'; line = await reader.next()) {
      capabilities.push(line);
      if (capabilities.length >= MAX_REPLY_LINES)
        throw new ProtocolError(`a CAPA list of more than ${MAX_REPLY_LINES} lines`);
    }
    if (!capabilities.some((c) => /^STLS\b/i.test(c)))
      throw new StartTlsRefused('no-starttls', 'the server does not offer STLS in its CAPA list');
  }
  reader.write('STLS');
  const reply = await reader.next();
  if (!reply.startsWith('+OK'))
    throw new StartTlsRefused('starttls-refused', `STLS was answered with ${quote(reply)}`);
}

/** Runs the exchange up to the point where the server expects the TLS ClientHello, handing over the greeting's first line as soon as it is read. */
export function startTls(
  mode: Exclude<StartTlsMode, 'none'>,
  reader: LineReader,
  ehloName: string,
  onGreeting: OnGreeting,
): Promise<void> {
  switch (mode) {
    case 'smtp':
      return smtp(reader, ehloName, onGreeting);
    case 'imap':
      return imap(reader, onGreeting);
    case 'pop3':
      return pop3(reader, onGreeting);
  }
}

/** What to send over TLS to leave politely (so the server logs a QUIT, not a lost connection); implicit TLS by its port. */
export function goodbye(mode: StartTlsMode, port: number): string | undefined {
  const protocol =
    mode !== 'none'
      ? mode
      : port === 465
        ? 'smtp'
        : port === 993
          ? 'imap'
          : port === 995
            ? 'pop3'
            : undefined;
  if (protocol === undefined) return undefined;
  return protocol === 'imap' ? 'z LOGOUT\r\n' : 'QUIT\r\n';
}
