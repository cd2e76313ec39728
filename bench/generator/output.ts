/**
 * Buffered, back-pressured output of the generated log: large chunks to a file or
 * through a gzip stream, one file after another as logrotate (with delaycompress)
 * would have left them.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';

const CHUNK = 1 << 20;
const MARGIN = 1 << 16;

export interface WrittenFile {
  name: string;
  lines: number;
  /** Bytes of log text (before compression). */
  bytes: number;
  compressed: boolean;
}

/** `mail.log.N.gz` … `mail.log.2.gz`, `mail.log.1`, `mail.log`: oldest first. */
export function rotationNames(rotate: number): { name: string; compressed: boolean }[] {
  const names: { name: string; compressed: boolean }[] = [];
  for (let n = rotate; n >= 1; n--) {
    names.push(
      n >= 2 ? { name: `mail.log.${n}.gz`, compressed: true } : { name: 'mail.log.1', compressed: false },
    );
  }
  names.push({ name: 'mail.log', compressed: false });
  return names;
}

class Sink {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private readonly file: WriteStream;
  private readonly gzip: Gzip | null;
  lines = 0;
  bytes = 0;

  constructor(
    readonly path: string,
    compressed: boolean,
  ) {
    this.file = createWriteStream(path);
    this.gzip = compressed ? createGzip({ level: 6 }) : null;
    if (this.gzip) this.gzip.pipe(this.file);
  }

  /** Appends one line (with its newline); true when the chunk is full and should be flushed. */
  append(text: string): boolean {
    if (text.length * 3 > CHUNK - this.pos) {
      // Only for absurdly long lines: never the case with recorded daemon output.
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length > CHUNK - this.pos) throw new Error('line longer than the output chunk');
      bytes.copy(this.buf, this.pos);
      this.pos += bytes.length;
      this.bytes += bytes.length;
    } else {
      const n = this.buf.write(text, this.pos);
      this.pos += n;
      this.bytes += n;
    }
    this.lines++;
    return this.pos > CHUNK - MARGIN;
  }

  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
    const target = this.gzip ?? this.file;
    if (!target.write(chunk)) await once(target, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    (this.gzip ?? this.file).end();
    await finished(this.file);
  }
}

/**
 * Writes lines in time order, switching to the next rotated file at each boundary:
 * callers check `time >= nextBoundary` and `await rotateTo(time)` first, and
 * `await flush()` whenever `append` says the chunk is full.
 */
export class RotatingLog {
  private readonly names: { name: string; compressed: boolean }[];
  private index = -1;
  private sink: Sink | null = null;
  private lastTime = 0;
  /** Start (µs) of the next file; +Infinity in the last one. */
  nextBoundary = Number.NEGATIVE_INFINITY;
  readonly files: WrittenFile[] = [];

  /** @param boundaries start (µs) of every file after the first, ascending: one fewer than files. */
  constructor(
    private readonly dir: string,
    rotate: number,
    private readonly boundaries: number[],
  ) {
    this.names = rotationNames(rotate);
    if (boundaries.length !== this.names.length - 1) throw new Error('one boundary per rotation expected');
  }

  append(time: number, text: string): boolean {
    this.lastTime = time;
    return this.sink!.append(text);
  }

  flush(): Promise<void> {
    return this.sink ? this.sink.flush() : Promise.resolve();
  }

  async rotateTo(time: number): Promise<void> {
    while (time >= this.nextBoundary && this.index < this.names.length - 1) await this.openNext();
  }

  private async openNext(): Promise<void> {
    await this.closeCurrent();
    this.index++;
    const entry = this.names[this.index]!;
    this.sink = new Sink(join(this.dir, entry.name), entry.compressed);
    this.nextBoundary = this.boundaries[this.index] ?? Number.POSITIVE_INFINITY;
  }

  private async closeCurrent(): Promise<void> {
    if (!this.sink) return;
    const sink = this.sink;
    this.sink = null;
    await sink.close();
    const entry = this.names[this.index]!;
    this.files.push({ name: entry.name, lines: sink.lines, bytes: sink.bytes, compressed: entry.compressed });
    // As logrotate leaves them: a file's modification time is that of its last line.
    const seconds = Math.floor(this.lastTime / 1e6);
    await utimes(sink.path, seconds, seconds);
  }

  /** Closes the last file, creating the (empty) files no line reached. */
  async end(): Promise<WrittenFile[]> {
    while (this.index < this.names.length - 1) await this.openNext();
    await this.closeCurrent();
    return this.files;
  }
}
