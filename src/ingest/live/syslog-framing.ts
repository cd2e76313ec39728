/**
 * RFC 6587 framing of syslog over TCP. Each message is framed either by
 * octet counting (`LEN SP MSG`) or, non-transparently, by a trailing LF (NUL is
 * accepted too). Senders may mix both on one connection, so the first byte of
 * each message decides: a digit starts an octet count.
 */

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SPACE = 0x20;
/** Longer than any message length a sender may announce (10 digits exceed 4 GiB). */
const MAX_COUNT_DIGITS = 9;
/** An announced length above this many maximal messages means the stream is garbage, not one long message. */
const ABSURD_LENGTH_FACTOR = 16;

export interface FrameResult {
  /** Complete messages, without their framing. */
  messages: Buffer[];
  /** How many messages were dropped for exceeding the maximal size. */
  oversized: number;
  /** Set when the stream cannot be framed any further: the connection should be reset. */
  fatal?: string;
}

type State = 'boundary' | 'count' | 'octets' | 'skipOctets' | 'line' | 'skipLine';

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

function findTerminator(chunk: Buffer, from: number): number {
  for (let i = from; i < chunk.length; i++) {
    const byte = chunk[i];
    if (byte === LF || byte === NUL) return i;
  }
  return -1;
}

/** Splits one TCP connection's byte stream into syslog messages; bounded by `maxMessageBytes`. */
export class SyslogFramer {
  private state: State = 'boundary';
  private parts: Buffer[] = [];
  private partsLength = 0;
  private announced = 0;
  private countDigits = 0;
  private remaining = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Frames the next chunk of the stream. After a fatal result, the framer must not be used again. */
  push(chunk: Buffer): FrameResult {
    const result: FrameResult = { messages: [], oversized: 0 };
    let i = 0;
    while (i < chunk.length && result.fatal === undefined) {
      i = this.step(chunk, i, result);
    }
    return result;
  }

  /** The peer closed: a last LF-framed message without its LF still counts; a cut octet-counted one does not. */
  end(): FrameResult {
    const result: FrameResult = { messages: [], oversized: 0 };
    if (this.state === 'line' && this.partsLength > 0) this.emit(result);
    this.reset('boundary');
    return result;
  }

  /** Consumes bytes from `i` in the current state; returns where the next step starts. */
  private step(chunk: Buffer, i: number, result: FrameResult): number {
    switch (this.state) {
      case 'boundary':
        return this.startMessage(chunk, i);
      case 'count':
        return this.readCount(chunk, i, result);
      case 'octets':
      case 'skipOctets':
        return this.readOctets(chunk, i, result);
      case 'line':
        return this.readLine(chunk, i, result);
      case 'skipLine':
        return this.skipLine(chunk, i);
    }
  }

  private startMessage(chunk: Buffer, i: number): number {
    const byte = chunk[i]!;
    // Stray terminators between messages (a CRLF sender, an empty line) are no messages.
    if (byte === LF || byte === NUL || byte === CR) return i + 1;
    if (isDigit(byte)) {
      this.announced = 0;
      this.countDigits = 0;
      this.state = 'count';
    } else {
      this.state = 'line';
    }
    return i;
  }

  private readCount(chunk: Buffer, i: number, result: FrameResult): number {
    const byte = chunk[i]!;
    if (isDigit(byte)) {
      this.announced = this.announced * 10 + (byte - 0x30);
      this.countDigits++;
      if (this.countDigits > MAX_COUNT_DIGITS) result.fatal = 'octet count has too many digits';
      return i + 1;
    }
    if (byte !== SPACE || this.announced === 0) {
      result.fatal = 'a message starting with a digit is no valid octet count (expected "LENGTH MESSAGE")';
      return i;
    }
    if (this.announced > this.maxMessageBytes * ABSURD_LENGTH_FACTOR) {
      result.fatal = `octet count ${this.announced} is absurd`;
      return i;
    }
    this.remaining = this.announced;
    if (this.announced > this.maxMessageBytes) {
      result.oversized++;
      this.state = 'skipOctets';
    } else {
      this.state = 'octets';
    }
    return i + 1;
  }

  private readOctets(chunk: Buffer, i: number, result: FrameResult): number {
    const take = Math.min(this.remaining, chunk.length - i);
    if (this.state === 'octets') this.keep(chunk.subarray(i, i + take));
    this.remaining -= take;
    if (this.remaining === 0) {
      if (this.state === 'octets') this.emit(result);
      this.reset('boundary');
    }
    return i + take;
  }

  private readLine(chunk: Buffer, i: number, result: FrameResult): number {
    const terminator = findTerminator(chunk, i);
    const end = terminator < 0 ? chunk.length : terminator;
    this.keep(chunk.subarray(i, end));
    if (this.partsLength > this.maxMessageBytes) {
      result.oversized++;
      this.reset(terminator < 0 ? 'skipLine' : 'boundary');
    } else if (terminator >= 0) {
      this.emit(result);
      this.reset('boundary');
    }
    return terminator < 0 ? end : terminator + 1;
  }

  private skipLine(chunk: Buffer, i: number): number {
    const terminator = findTerminator(chunk, i);
    if (terminator < 0) return chunk.length;
    this.state = 'boundary';
    return terminator + 1;
  }

  private keep(part: Buffer): void {
    if (part.length === 0) return;
    // Copied: a subarray would keep the whole socket chunk alive.
    this.parts.push(Buffer.from(part));
    this.partsLength += part.length;
  }

  private emit(result: FrameResult): void {
    const message = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
    if (message.length > 0) result.messages.push(message);
  }

  private reset(state: State): void {
    this.state = state;
    this.parts = [];
    this.partsLength = 0;
  }
}
