import { open } from 'node:fs/promises';
import { openChunks } from './chunks.js';
import { newlinesIn } from './file-regions.js';

/**
 * The uncompressed size a gzip file declares in its last four bytes (modulo 4 GiB,
 * and of its last member only): a hint for cutting it into parts of about equal
 * size, never relied on for correctness.
 */
export async function gzipDeclaredSize(path: string): Promise<number | null> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 18) return null;
    const tail = Buffer.alloc(4);
    const { bytesRead } = await handle.read(tail, 0, 4, size - 4);
    return bytesRead === 4 ? tail.readUInt32LE(0) : null;
  } finally {
    await handle.close();
  }
}

/**
 * A part of a gzip file by uncompressed offsets, cut as `regionsCutAt` cuts a plain
 * file: it starts just after the first newline at or after `from - 1` (at the start
 * when `from` is 0) and ends just after the first newline at or after `to - 1` (at
 * the end when `to` is null). Parts cut at the same offsets tile the file.
 */
export interface GzipPart {
  from: number;
  to: number | null;
}

export interface GzipPartReader {
  /** Called once, before any block: the lines of the file before the part. */
  start(linesBefore: number): void;
  block(data: Buffer): void;
  /** Compressed bytes read while in the part (for progress), as they are read. */
  progress?(bytes: number): void;
}

export interface GzipPartOutcome {
  /** The part's start was reached (it may still be empty). */
  started: boolean;
  /** The file ended inside the part (its last line may lack a newline). */
  ended: boolean;
  /** Decompression or reading failed at this point, inside the part when `started`. */
  error?: unknown;
}

/**
 * Decompresses the file from its start (gzip cannot be entered in the middle),
 * counting the newlines before the part, and hands over the part's bytes.
 */
export async function readGzipPart(
  path: string,
  part: GzipPart,
  reader: GzipPartReader,
): Promise<GzipPartOutcome> {
  let position = 0;
  let linesBefore = 0;
  let started = false;
  let compressedRead = 0;
  let reported = 0;
  const begin = (at: number): boolean => {
    started = true;
    reported = compressedRead;
    reader.start(linesBefore);
    // Empty when the newline that starts it already lies at or after the end offset.
    return part.to === null || at < part.to;
  };
  if (part.from === 0 && !begin(0)) return { started, ended: false };
  const chunks = await openChunks(path, undefined, (read) => {
    compressedRead = read;
  });
  try {
    for await (const chunk of chunks) {
      const chunkStart = position;
      position += chunk.length;
      let from = 0;
      if (!started) {
        const nl = position > part.from - 1 ? chunk.indexOf(10, Math.max(0, part.from - 1 - chunkStart)) : -1;
        linesBefore += newlinesIn(chunk, 0, nl < 0 ? chunk.length : nl + 1);
        if (nl < 0) continue;
        from = nl + 1;
        if (!begin(chunkStart + from)) return { started, ended: false };
      }
      if (part.to !== null && position > part.to - 1) {
        const nl = chunk.indexOf(10, Math.max(from, part.to - 1 - chunkStart));
        if (nl >= 0) {
          reader.block(chunk.subarray(from, nl + 1));
          return { started, ended: false };
        }
      }
      if (from < chunk.length) reader.block(from === 0 ? chunk : chunk.subarray(from));
      if (compressedRead > reported) {
        reader.progress?.(compressedRead - reported);
        reported = compressedRead;
      }
    }
    return { started, ended: started };
  } catch (error) {
    return { started, ended: false, error };
  }
}
