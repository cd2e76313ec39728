import { isUtf8 } from 'node:buffer';

/** A line longer than this is reported as malformed and skipped without being held in memory. */
export const MAX_LINE_BYTES = 64 * 1024;

export interface LineHandler {
  /**
   * The line is `data[start..end)` (without its newline), valid until the next call:
   * read in place, so that most lines never become objects of their own. `clean`: it
   * is known to be valid UTF-8 without NUL bytes (checked once for its whole block).
   */
  line(data: Buffer, start: number, end: number, lineNo: number, clean: boolean): void;
  oversized(lineNo: number, bytes: number): void;
}

/**
 * Splits a byte stream into lines on `\n` (dropping a trailing `\r`), working on
 * Buffers so that a line is decoded only once and only when it is needed.
 */
export class LineSplitter {
  private carry: Buffer | null = null;
  private skipping = 0;
  private lineNo = 0;

  constructor(
    private readonly handler: LineHandler,
    /** Lines before this splitter's first one, when it reads a later part of a file. */
    firstLineOffset = 0,
  ) {
    this.lineNo = firstLineOffset;
  }

  get linesSeen(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    const carry = this.carry;
    if (!carry) {
      this.scan(chunk, 0);
      return;
    }
    this.carry = null;
    const nl = chunk.indexOf(10);
    if (nl < 0) {
      this.scan(Buffer.concat([carry, chunk]), 0);
      return;
    }
    // Only the line that straddles the two blocks is copied, not the whole new block.
    this.scan(Buffer.concat([carry, chunk.subarray(0, nl + 1)]), 0);
    this.scan(chunk, nl + 1);
  }

  /** Hands over the whole lines of `data` from `start`, and keeps the unfinished one. */
  private scan(data: Buffer, from: number): void {
    let start = from;
    // One check for all the whole lines of the block instead of one per line: most blocks are clean text.
    const lastNl = data.lastIndexOf(10);
    const whole = data.subarray(start, lastNl + 1);
    const clean = lastNl >= start && isUtf8(whole) && whole.indexOf(0) < 0;
    for (;;) {
      const nl = data.indexOf(10, start);
      if (nl < 0) break;
      this.lineNo++;
      if (this.skipping > 0) {
        this.handler.oversized(this.lineNo, this.skipping + nl - start);
        this.skipping = 0;
      } else if (nl - start > MAX_LINE_BYTES) {
        this.handler.oversized(this.lineNo, nl - start);
      } else {
        const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
        this.handler.line(data, start, end, this.lineNo, clean);
      }
      start = nl + 1;
    }
    const rest = data.length - start;
    if (rest === 0) return;
    if (this.skipping > 0 || rest > MAX_LINE_BYTES) {
      this.skipping += rest;
      return;
    }
    this.carry = Buffer.from(data.subarray(start));
  }

  /** The last line may lack its newline (and is still a line). */
  end(): void {
    if (this.skipping > 0) {
      this.lineNo++;
      this.handler.oversized(this.lineNo, this.skipping);
      this.skipping = 0;
      return;
    }
    if (this.carry && this.carry.length > 0) {
      this.lineNo++;
      const c = this.carry;
      const end = c[c.length - 1] === 13 ? c.length - 1 : c.length;
      this.handler.line(c, 0, end, this.lineNo, false);
    }
    this.carry = null;
  }
}
