// Minimal IMAP and POP3 clients: log in, log out, nothing else.
import { type ConnectOptions, LineSocket } from './line-socket.js';

export type ImapStatus = 'OK' | 'NO' | 'BAD';

export interface ImapResponse {
  status: ImapStatus;
  lines: string[];
}

function imapQuote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export class ImapSession {
  private tag = 0;
  private constructor(readonly conn: LineSocket) {}

  /** Connects and reads the "* OK" greeting. */
  static async open(options: ConnectOptions): Promise<ImapSession> {
    const session = new ImapSession(await LineSocket.connect(options));
    const greeting = await session.conn.readLine();
    if (!greeting.startsWith('* OK')) throw new Error(`unexpected IMAP greeting: ${greeting}`);
    return session;
  }

  async command(command: string): Promise<ImapResponse> {
    this.tag += 1;
    const tag = `a${this.tag}`;
    await this.conn.write(`${tag} ${command}\r\n`);
    const lines: string[] = [];
    for (;;) {
      const line = await this.conn.readLine();
      lines.push(line);
      if (line.startsWith(`${tag} `)) {
        const status = line.slice(tag.length + 1).split(' ')[0] as ImapStatus;
        return { status, lines };
      }
    }
  }

  async startTls(): Promise<void> {
    const response = await this.command('STARTTLS');
    if (response.status !== 'OK') throw new Error(`STARTTLS refused: ${response.lines.join(' | ')}`);
    await this.conn.startTls();
  }

  login(user: string, password: string): Promise<ImapResponse> {
    return this.command(`LOGIN ${imapQuote(user)} ${imapQuote(password)}`);
  }

  async logout(): Promise<void> {
    try {
      await this.command('LOGOUT');
    } catch {
      // the server may have closed the connection already
    }
    await this.conn.close();
  }
}

export class Pop3Session {
  private constructor(readonly conn: LineSocket) {}

  /** Connects and reads the "+OK" greeting. */
  static async open(options: ConnectOptions): Promise<Pop3Session> {
    const session = new Pop3Session(await LineSocket.connect(options));
    const greeting = await session.conn.readLine();
    if (!greeting.startsWith('+OK')) throw new Error(`unexpected POP3 greeting: ${greeting}`);
    return session;
  }

  async command(line: string): Promise<string> {
    await this.conn.write(`${line}\r\n`);
    return this.conn.readLine();
  }

  /** USER/PASS; true when the server accepted the login. */
  async login(user: string, password: string): Promise<boolean> {
    const userReply = await this.command(`USER ${user}`);
    if (!userReply.startsWith('+OK')) return false;
    return (await this.command(`PASS ${password}`)).startsWith('+OK');
  }

  async quit(): Promise<void> {
    try {
      await this.command('QUIT');
    } catch {
      // the server may have closed the connection already
    }
    await this.conn.close();
  }
}
