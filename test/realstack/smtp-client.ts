// Just enough SMTP to play both well-behaved clients and the usual bots.
import { type ConnectOptions, LineSocket } from './line-socket.js';

export interface SmtpReply {
  code: number;
  lines: string[];
}

export function replyText(reply: SmtpReply): string {
  return reply.lines.join(' | ');
}

export class SmtpError extends Error {
  override name = 'SmtpError';
  constructor(
    message: string,
    readonly reply: SmtpReply,
  ) {
    super(`${message}: ${replyText(reply)}`);
  }
}

export class SmtpSession {
  private constructor(readonly conn: LineSocket) {}

  /** Connects; the greeting is left unread (see readReply / readLine). */
  static async open(options: ConnectOptions): Promise<SmtpSession> {
    return new SmtpSession(await LineSocket.connect(options));
  }

  readLine(): Promise<string> {
    return this.conn.readLine();
  }

  /** Reads a complete, possibly multi-line reply ("250-..." up to "250 ..."). */
  async readReply(): Promise<SmtpReply> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.conn.readLine();
      lines.push(line);
      if (!/^\d{3}-/.test(line)) {
        const code = Number(line.slice(0, 3));
        if (!Number.isInteger(code)) throw new Error(`not an SMTP reply: ${JSON.stringify(line)}`);
        return { code, lines };
      }
    }
  }

  async command(line: string): Promise<SmtpReply> {
    await this.conn.write(`${line}\r\n`);
    return this.readReply();
  }

  /** Sends a command and insists on the reply class (2 for 2xx, 3 for 3xx ...). */
  async expect(line: string, replyClass: number): Promise<SmtpReply> {
    const reply = await this.command(line);
    if (Math.floor(reply.code / 100) !== replyClass)
      throw new SmtpError(`unexpected reply to ${line}`, reply);
    return reply;
  }

  write(data: string): Promise<void> {
    return this.conn.write(data);
  }

  async greeting(): Promise<SmtpReply> {
    const reply = await this.readReply();
    if (reply.code !== 220) throw new SmtpError('unexpected greeting', reply);
    return reply;
  }

  ehlo(name: string): Promise<SmtpReply> {
    return this.expect(`EHLO ${name}`, 2);
  }

  async startTls(): Promise<void> {
    await this.expect('STARTTLS', 2);
    await this.conn.startTls();
  }

  /** AUTH PLAIN in one line; returns the final reply (235 or 535). */
  authPlain(user: string, password: string): Promise<SmtpReply> {
    const token = Buffer.from(`\0${user}\0${password}`).toString('base64');
    return this.command(`AUTH PLAIN ${token}`);
  }

  /** AUTH LOGIN with its two 334 challenges; returns the final reply. */
  async authLogin(user: string, password: string): Promise<SmtpReply> {
    const first = await this.command('AUTH LOGIN');
    if (first.code !== 334) return first;
    const second = await this.command(Buffer.from(user).toString('base64'));
    if (second.code !== 334) return second;
    return this.command(Buffer.from(password).toString('base64'));
  }

  /** MAIL, RCPT and DATA for one message; returns the reply to the final dot. */
  async sendMessage(from: string, to: string, subject: string, body: string): Promise<SmtpReply> {
    await this.expect(`MAIL FROM:<${from}>`, 2);
    await this.expect(`RCPT TO:<${to}>`, 2);
    await this.expect('DATA', 3);
    const message = [
      `From: <${from}>`,
      `To: <${to}>`,
      `Subject: ${subject}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${Date.now()}.${Math.random().toString(36).slice(2)}@${from.split('@')[1] ?? 'localhost'}>`,
      '',
      ...body.split('\n').map((line) => (line.startsWith('.') ? `.${line}` : line)),
      '.',
      '',
    ].join('\r\n');
    await this.conn.write(message);
    const reply = await this.readReply();
    if (reply.code !== 250) throw new SmtpError('message not accepted', reply);
    return reply;
  }

  /** QUIT, tolerating a server that has already gone away, then close. */
  async quit(): Promise<void> {
    try {
      await this.command('QUIT');
    } catch {
      // the server may hang up first; nothing to recover
    }
    await this.conn.close();
  }

  close(): Promise<void> {
    return this.conn.close();
  }

  destroy(): void {
    this.conn.destroy();
  }
}
