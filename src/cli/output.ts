import type { Writable } from 'node:stream';

/** Buffered writes to a stream, honouring back-pressure, so that piping into `head` or a slow reader works. */
export class BufferedWriter {
  private buffer: string[] = [];
  private size = 0;

  constructor(
    private readonly out: Writable,
    private readonly flushAt = 1 << 16,
  ) {}

  async write(text: string): Promise<void> {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.out.write(text)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          this.out.off('error', onError);
          resolve();
        };
        const onError = (err: Error) => {
          this.out.off('drain', onDrain);
          reject(err);
        };
        this.out.once('drain', onDrain);
        this.out.once('error', onError);
      });
    }
  }
}
