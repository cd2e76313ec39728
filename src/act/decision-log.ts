import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * The structured log of every decision (ban, spared, unban, action outcomes,
 * reconciliation, problems): one JSON object per line, with a time and a kind.
 * Values that came from logs are JSON-escaped by construction.
 */
export class DecisionLog {
  private readonly file: WriteStream | null;

  constructor(
    private readonly out: Writable | null,
    filePath?: string,
  ) {
    this.file = filePath ? createWriteStream(filePath, { flags: 'a', mode: 0o640 }) : null;
  }

  write(kind: string, fields: Record<string, unknown>): void {
    const line = `${JSON.stringify({ time: new Date().toISOString(), kind, ...fields })}\n`;
    this.out?.write(line);
    this.file?.write(line);
  }

  async close(): Promise<void> {
    const file = this.file;
    if (file) await new Promise<void>((resolve) => file.end(resolve));
  }
}
