/**
 * Where reading stands in one followed file: the complete lines consumed (their
 * end is the checkpoint offset), the partial line read after them, and the
 * first line's hash, which is learnt from the bytes read when reading starts at 0.
 */
import { MAX_LINE_BYTES } from '../line-splitter.js';
import { FIRST_LINE_HASH_BYTES, finalFirstLineHash, settledFirstLineHash } from './first-line-hash.js';

const LF = 0x0a;
const CR = 0x0d;

export interface CursorSink {
  /** A complete line; the cursor already stands after it when this is called. */
  line(text: string, lineNo: number): void;
  /** A line over MAX_LINE_BYTES, skipped without being kept in memory (still counted). */
  oversized(lineNo: number, bytes: number): void;
}

export class FileCursor {
  /** The end of the last complete line consumed. */
  offset: number;
  nextLineNo: number;
  /** Null until the file's first bytes decide it. */
  firstLineHash: string | null;
  /** Bytes of an unfinished line read after `offset`, at most MAX_LINE_BYTES. */
  private carry: Buffer | null = null;
  /** Bytes of an unfinished oversized line read after `offset` (not kept). */
  private skipping = 0;
  /** The file's first bytes, kept only until they decide the first line's hash. */
  private head: Buffer = Buffer.alloc(0);

  private constructor(offset: number, nextLineNo: number, firstLineHash: string | null) {
    this.offset = offset;
    this.nextLineNo = nextLineNo;
    this.firstLineHash = firstLineHash;
  }

  static atStart(): FileCursor {
    return new FileCursor(0, 1, null);
  }

  /** A cursor after `offset` bytes of complete lines; their first line's hash must be known then. */
  static at(offset: number, nextLineNo: number, firstLineHash: string): FileCursor {
    return offset === 0 ? FileCursor.atStart() : new FileCursor(offset, nextLineNo, firstLineHash);
  }

  /** Where the next read starts: after the unfinished line too. */
  get readPos(): number {
    return this.offset + (this.carry?.length ?? 0) + this.skipping;
  }

  /** Takes the bytes read at `readPos`, handing complete lines to `sink`. */
  consume(chunk: Buffer, sink: CursorSink): void {
    this.learnFirstLineHash(chunk);
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    let start = 0;
    for (let lineEnd = data.indexOf(LF); lineEnd >= 0; lineEnd = data.indexOf(LF, start)) {
      this.completeLine(data, start, lineEnd, sink);
      start = lineEnd + 1;
    }
    this.keepUnfinished(data.subarray(start));
  }

  /** The file is done: an unterminated last line is a line too. */
  finish(sink: CursorSink): void {
    if (this.firstLineHash === null) this.firstLineHash = finalFirstLineHash(this.head);
    this.head = Buffer.alloc(0);
    const carry = this.carry;
    const skipped = this.skipping;
    this.carry = null;
    this.skipping = 0;
    if (skipped > 0) {
      this.advance(skipped);
      sink.oversized(this.nextLineNo - 1, skipped);
    } else if (carry && carry.length > 0) {
      this.advance(carry.length);
      sink.line(decodeLine(carry, 0, carry.length), this.nextLineNo - 1);
    }
  }

  private completeLine(data: Buffer, start: number, lineEnd: number, sink: CursorSink): void {
    const length = this.skipping + (lineEnd - start);
    const wasSkipping = this.skipping > 0;
    this.skipping = 0;
    this.advance(length + 1);
    const lineNo = this.nextLineNo - 1;
    if (wasSkipping || length > MAX_LINE_BYTES) sink.oversized(lineNo, length);
    else sink.line(decodeLine(data, start, lineEnd), lineNo);
  }

  private advance(bytes: number): void {
    this.offset += bytes;
    this.nextLineNo++;
  }

  private keepUnfinished(rest: Buffer): void {
    if (rest.length === 0) return;
    if (this.skipping > 0) this.skipping += rest.length;
    else if (rest.length > MAX_LINE_BYTES) this.skipping = rest.length;
    // A copy: `rest` may be a view of the caller's reusable read buffer.
    else this.carry = Buffer.from(rest);
  }

  private learnFirstLineHash(chunk: Buffer): void {
    if (this.firstLineHash !== null) return;
    const missing = FIRST_LINE_HASH_BYTES - this.head.length;
    if (missing > 0) this.head = Buffer.concat([this.head, chunk.subarray(0, missing)]);
    this.firstLineHash = settledFirstLineHash(this.head);
    if (this.firstLineHash !== null) this.head = Buffer.alloc(0);
  }
}

function decodeLine(data: Buffer, start: number, lineEnd: number): string {
  const end = lineEnd > start && data[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
  return data.toString('utf8', start, end);
}
