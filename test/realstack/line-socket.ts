// A TCP (optionally TLS) connection read line by line, bound to a chosen
// source address so that each simulated client shows up as its own host.
import net from 'node:net';
import tls from 'node:tls';

export interface ConnectOptions {
  host: string;
  port: number;
  /** Source address in 127.0.0.0/8: the "remote host" the daemons will log. */
  localAddress: string;
  /** Implicit TLS (submissions, imaps, pop3s). */
  tls?: boolean;
  servername?: string;
  timeoutMs?: number;
}

export class ConnectionClosedError extends Error {
  override name = 'ConnectionClosedError';
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class LineSocket {
  private buffer = '';
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private socket: net.Socket;

  private constructor(
    socket: net.Socket,
    readonly options: ConnectOptions,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  static async connect(options: ConnectOptions): Promise<LineSocket> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = options.tls
      ? tls.connect({
          host: options.host,
          port: options.port,
          // Passed through to net.connect; missing from the tls typings.
          ...({ localAddress: options.localAddress } as tls.ConnectionOptions),
          servername: options.servername,
          rejectUnauthorized: false,
        })
      : net.connect({ host: options.host, port: options.port, localAddress: options.localAddress });
    const ready = options.tls ? 'secureConnect' : 'connect';
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once(ready, () => resolve());
        socket.once('error', reject);
      }),
      timeoutMs,
      `connect from ${options.localAddress} to ${options.host}:${options.port}`,
    ).catch((error) => {
      socket.destroy();
      throw error;
    });
    return new LineSocket(socket, options);
  }

  private attach(socket: net.Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', (error) => {
      this.failure ??= error;
      this.notify();
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The next line without its line ending. */
  async readLine(): Promise<string> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const newline = this.buffer.indexOf('\n');
      if (newline >= 0) {
        const line = this.buffer.slice(0, newline).replace(/\r$/, '');
        this.buffer = this.buffer.slice(newline + 1);
        return line;
      }
      if (this.failure) throw this.failure;
      if (this.ended) throw new ConnectionClosedError(`connection closed by ${this.peer()}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out reading from ${this.peer()}`);
      await withTimeout(
        new Promise<void>((resolve) => {
          this.wake = resolve;
        }),
        remaining,
        `a line from ${this.peer()}`,
      );
    }
  }

  /** Resolves when the peer has closed the connection (or the timeout passes). */
  async waitForClose(): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while (!this.ended && !this.failure) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${this.peer()} to close`);
      await withTimeout(
        new Promise<void>((resolve) => {
          this.wake = resolve;
        }),
        remaining,
        `${this.peer()} to close`,
      );
    }
  }

  /** Whatever was received but not read as a line yet. */
  pending(): string {
    return this.buffer;
  }

  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /** Upgrades the connection to TLS in place (after a STARTTLS exchange). */
  async startTls(): Promise<void> {
    if (this.buffer !== '')
      throw new Error(`unexpected data before TLS handshake: ${JSON.stringify(this.buffer)}`);
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('end');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    // The TLS socket reports failures from here on; an unheard 'error' on the raw socket would crash the process.
    plain.on('error', () => {});
    const secure = tls.connect({
      socket: plain,
      servername: this.options.servername,
      rejectUnauthorized: false,
    });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', () => resolve());
        secure.once('error', reject);
      }),
      this.timeoutMs,
      `TLS handshake with ${this.peer()}`,
    );
    this.socket = secure;
    this.attach(secure);
  }

  /** The raw socket, for attacks that must misbehave below the line level. */
  get raw(): net.Socket {
    return this.socket;
  }

  /** Half-closes and waits until the connection is fully closed. */
  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    await withTimeout(
      new Promise<void>((resolve) => {
        this.socket.once('close', () => resolve());
        this.socket.end();
      }),
      this.timeoutMs,
      `closing the connection to ${this.peer()}`,
    ).catch(() => this.socket.destroy());
  }

  /** Drops the connection at once (RST-like from the daemon's point of view). */
  destroy(): void {
    this.socket.destroy();
  }

  private peer(): string {
    return `${this.options.host}:${this.options.port} (from ${this.options.localAddress})`;
  }
}

export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
