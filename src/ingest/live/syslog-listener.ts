/**
 * Receives syslog messages over UDP and TCP (RFC 5426, RFC 6587) and hands
 * them over as log lines, each with its sender's address.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { normalizeIp } from '../../parse/address.js';
import type { LiveBatch, LiveSource } from './source.js';
import { endpointUrl, type SyslogEndpoint } from './syslog-endpoints.js';
import { type FrameResult, SyslogFramer } from './syslog-framing.js';
import { messageToLine } from './syslog-line.js';

export { parseSyslogEndpoints, type SyslogEndpoint } from './syslog-endpoints.js';

export interface SyslogLimits {
  /** Longer messages are dropped (and reported once per connection or UDP socket). */
  maxMessageBytes: number;
  /** Open TCP connections over all endpoints; further ones are closed at once. */
  maxConnections: number;
  /** A TCP connection silent for this long is closed. */
  idleTimeoutMs: number;
  /** Lines per batch at most. */
  maxBatchLines: number;
}

export const DEFAULT_SYSLOG_LIMITS: SyslogLimits = {
  maxMessageBytes: 64 * 1024,
  maxConnections: 256,
  idleTimeoutMs: 10 * 60_000,
  maxBatchLines: 2000,
};

type BatchHandler = (batch: LiveBatch) => void;
type ProblemHandler = (message: string) => void;

/** An endpoint being listened on, with the port actually bound. */
interface OpenEndpoint {
  endpoint: SyslogEndpoint;
  close(): Promise<void>;
}

interface PendingBatch {
  lines: string[];
  senders: string[];
}

/** Collects the messages of one event-loop turn into one batch per origin. */
class BatchQueue {
  private pending = new Map<string, PendingBatch>();
  private scheduled: NodeJS.Immediate | null = null;
  private closed = false;

  constructor(
    private readonly onBatch: BatchHandler,
    private readonly maxLines: number,
  ) {}

  add(origin: string, line: string, sender: string): void {
    if (this.closed) return;
    let batch = this.pending.get(origin);
    if (!batch) {
      batch = { lines: [], senders: [] };
      this.pending.set(origin, batch);
    }
    batch.lines.push(line);
    batch.senders.push(sender);
    if (batch.lines.length >= this.maxLines) {
      this.pending.delete(origin);
      this.handOver(origin, batch);
    } else if (this.scheduled === null) {
      this.scheduled = setImmediate(() => this.flush());
    }
  }

  flush(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    const batches = [...this.pending];
    this.pending.clear();
    for (const [origin, batch] of batches) this.handOver(origin, batch);
  }

  /** Hands over what is pending; later messages are ignored. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private handOver(origin: string, batch: PendingBatch): void {
    this.onBatch({ origin, lines: batch.lines, firstLineNo: 0, checkpoint: null, senders: batch.senders });
  }
}

function senderAddress(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  return normalizeIp(address) ?? address;
}

function bindError(endpoint: SyslogEndpoint, error: Error): Error {
  return new Error(`cannot listen for syslog on ${endpointUrl(endpoint)}: ${error.message}`, {
    cause: error,
  });
}

function closeQuietly(socket: UdpSocket): void {
  try {
    socket.close();
  } catch {
    // Never bound: nothing to close.
  }
}

function originOf(endpoint: SyslogEndpoint): string {
  return `syslog+${endpointUrl(endpoint)}`;
}

export class SyslogListener implements LiveSource {
  readonly key = 'syslog';
  private readonly limits: SyslogLimits;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private opened: OpenEndpoint[] = [];
  private readonly connections = new Set<Socket>();
  private batches: BatchQueue | null = null;
  private starting: Promise<void> = Promise.resolve();
  private problem: ProblemHandler = () => {};
  /** Whether refusing connections for the limit was reported (again after one closes). */
  private refusalReported = false;

  constructor(
    private readonly endpoints: SyslogEndpoint[],
    limits: Partial<SyslogLimits> = {},
  ) {
    if (endpoints.length === 0) throw new Error('the syslog listener needs at least one endpoint');
    this.limits = { ...DEFAULT_SYSLOG_LIMITS, ...limits };
  }

  /** The endpoints listened on, with the ports actually bound (port 0 resolved); empty when not listening. */
  addresses(): SyslogEndpoint[] {
    return this.opened.map((open) => ({ ...open.endpoint }));
  }

  async start(onBatch: BatchHandler, onProblem: ProblemHandler): Promise<void> {
    if (this.state !== 'idle') throw new Error('the syslog listener was already started');
    this.state = 'running';
    this.batches = new BatchQueue(onBatch, this.limits.maxBatchLines);
    this.problem = onProblem;
    this.starting = this.openAll();
    await this.starting;
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    await this.starting.catch(() => {});
    await this.closeAll();
  }

  /** Listens on every endpoint; when one cannot, closes the others and rejects. */
  private async openAll(): Promise<void> {
    const results = await Promise.allSettled(this.endpoints.map((endpoint) => this.open(endpoint)));
    for (const result of results) if (result.status === 'fulfilled') this.opened.push(result.value);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) {
      this.state = 'stopped';
      await this.closeAll();
      throw failure.reason;
    }
  }

  private async closeAll(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await Promise.all(this.opened.splice(0).map((open) => open.close()));
    this.batches?.close();
  }

  private open(endpoint: SyslogEndpoint): Promise<OpenEndpoint> {
    return endpoint.transport === 'udp' ? this.openUdp(endpoint) : this.openTcp(endpoint);
  }

  private openUdp(endpoint: SyslogEndpoint): Promise<OpenEndpoint> {
    const socket = createSocket(isIPv6(endpoint.host) ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        closeQuietly(socket);
        reject(bindError(endpoint, error));
      };
      socket.once('error', failed);
      socket.bind(endpoint.port, endpoint.host, () => {
        socket.off('error', failed);
        const bound = { ...endpoint, port: socket.address().port };
        this.receiveDatagrams(socket, originOf(bound));
        resolve({ endpoint: bound, close: () => new Promise((done) => socket.close(() => done())) });
      });
    });
  }

  private receiveDatagrams(socket: UdpSocket, origin: string): void {
    let oversizedReported = false;
    socket.on('error', (error) => this.problem(`${origin}: ${error.message}`));
    socket.on('message', (datagram: Buffer, peer: RemoteInfo) => {
      const sender = senderAddress(peer.address);
      if (datagram.length <= this.limits.maxMessageBytes) {
        this.receive(origin, datagram, sender);
      } else if (!oversizedReported) {
        oversizedReported = true;
        this.problem(
          `${origin}: dropped a ${datagram.length}-byte datagram from ${sender}, over the limit of ` +
            `${this.limits.maxMessageBytes} bytes (further ones are not reported)`,
        );
      }
    });
  }

  private openTcp(endpoint: SyslogEndpoint): Promise<OpenEndpoint> {
    return new Promise((resolve, reject) => {
      let origin = originOf(endpoint);
      const server: Server = createServer((socket) => this.accept(socket, origin));
      const failed = (error: Error) => reject(bindError(endpoint, error));
      server.once('error', failed);
      server.listen(endpoint.port, endpoint.host, () => {
        server.off('error', failed);
        server.on('error', (error) => this.problem(`${origin}: ${error.message}`));
        const address = server.address();
        const bound = { ...endpoint, port: typeof address === 'object' && address ? address.port : 0 };
        origin = originOf(bound);
        resolve({ endpoint: bound, close: () => new Promise((done) => server.close(() => done())) });
      });
    });
  }

  private accept(socket: Socket, origin: string): void {
    if (this.state !== 'running') {
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.limits.maxConnections) {
      socket.destroy();
      this.reportRefusal(origin);
      return;
    }
    this.connections.add(socket);
    socket.on('close', () => {
      this.connections.delete(socket);
      this.refusalReported = false;
    });
    // Peers that reset or vanish are routine; the close handler does the rest.
    socket.on('error', () => {});
    socket.setTimeout(this.limits.idleTimeoutMs, () => socket.destroy());
    this.readStream(socket, origin, senderAddress(socket.remoteAddress));
  }

  private readStream(socket: Socket, origin: string, sender: string): void {
    const framer = new SyslogFramer(this.limits.maxMessageBytes);
    let oversizedReported = false;
    const take = (result: FrameResult) => {
      for (const message of result.messages) this.receive(origin, message, sender);
      if (result.oversized > 0 && !oversizedReported) {
        oversizedReported = true;
        this.problem(
          `${origin}: dropped a message from ${sender} over the limit of ${this.limits.maxMessageBytes} ` +
            'bytes (further ones on this connection are not reported)',
        );
      }
      if (result.fatal !== undefined) {
        this.problem(`${origin}: reset the connection from ${sender}: ${result.fatal}`);
        socket.resetAndDestroy();
      }
    };
    socket.on('data', (chunk: Buffer) => take(framer.push(chunk)));
    socket.on('end', () => take(framer.end()));
  }

  private reportRefusal(origin: string): void {
    if (this.refusalReported) return;
    this.refusalReported = true;
    this.problem(
      `${origin}: refusing TCP connections: ${this.limits.maxConnections} are open, the limit ` +
        '(reported again once one has closed)',
    );
  }

  private receive(origin: string, message: Buffer, sender: string): void {
    const line = messageToLine(message, sender);
    if (line !== '') this.batches?.add(origin, line, sender);
  }
}
