/**
 * Lines from a plain TCP socket, for the few exchanges before STARTTLS. The
 * server is not trusted: lines are bounded in length, and reading stops at once
 * when the socket closes or fails.
 */
import type { Socket } from 'node:net';

/** RFC 5321 allows 512 octets a reply line; IMAP capability lines run longer. */
export const MAX_LINE_BYTES = 8192;

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export class LineReader {
  private buffer = Buffer.alloc(0);
  private closed: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.notify();
  };
  private readonly onEnd = () => {
    this.closed ??= new ProtocolError('the server closed the connection');
    this.notify();
  };
  private readonly onError = (err: Error) => {
    this.closed ??= err;
    this.notify();
  };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The next line without its CR LF, decoded as UTF-8 (a malformed sequence becomes U+FFFD). */
  async next(): Promise<string> {
    for (;;) {
      const end = this.buffer.indexOf(0x0a);
      if (end >= 0 && end <= MAX_LINE_BYTES) {
        const line = this.buffer.subarray(0, end).toString('utf8').replace(/\r$/, '');
        this.buffer = this.buffer.subarray(end + 1);
        return line;
      }
      if (end > MAX_LINE_BYTES || this.buffer.length > MAX_LINE_BYTES)
        throw new ProtocolError(`the server sent a line longer than ${MAX_LINE_BYTES} bytes`);
      if (this.closed) throw this.closed;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  write(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** Stops reading, so that TLS can take the socket over. Returns how many bytes the server sent ahead. */
  detach(): number {
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    return this.buffer.length;
  }
}
