import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  } finally {
    await handle.close();
  }
}

/**
 * The bytes of one input, decompressed when it is gzip (recognised by its magic
 * number, not its name). Streams: nothing holds a whole file.
 */
export async function openChunks(
  path: string,
  stdin: Readable = process.stdin,
  onBytesRead?: (bytes: number) => void,
): Promise<AsyncIterable<Buffer>> {
  if (path === '-') return sniffStdin(stdin);
  const gz = await isGzipFile(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (!gz) return onBytesRead ? counted(raw, onBytesRead) : raw;
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (err) => gunzip.destroy(err));
  // A reader that stops early ends the gunzip stream: the file must close with it.
  gunzip.on('close', () => raw.destroy());
  if (onBytesRead) {
    let read = 0;
    raw.on('data', (chunk) => {
      read += chunk.length;
      onBytesRead(read);
    });
  }
  return raw.pipe(gunzip);
}

/**
 * Like `openChunks` for a file, but a plain file's blocks share one buffer, each
 * valid until the next is read: a reader that copies what it keeps (evidence lines)
 * then reads a large file without leaving a trail of buffers for the collector.
 */
export async function openBlocks(path: string): Promise<AsyncIterable<Buffer>> {
  if (await isGzipFile(path)) return openChunks(path);
  return reuseOneBuffer(path);
}

async function* reuseOneBuffer(path: string): AsyncIterable<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead <= 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** zlib's ways of saying that compressed data stops early (a truncated or still-growing .gz). */
export function isTruncatedGzip(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e?.message ?? '');
}

async function* counted(
  source: AsyncIterable<Buffer>,
  onBytesRead: (bytes: number) => void,
): AsyncIterable<Buffer> {
  let read = 0;
  for await (const chunk of source) {
    read += chunk.length;
    onBytesRead(read);
    yield chunk;
  }
}

async function* sniffStdin(stdin: Readable): AsyncIterable<Buffer> {
  const iterator = stdin[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await iterator.next();
  if (first.done) return;
  const head = first.value as Buffer;
  if (head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    (async () => {
      try {
        gunzip.write(head);
        for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
          if (!gunzip.write(r.value)) await new Promise((resolve) => gunzip.once('drain', resolve));
        }
        gunzip.end();
      } catch (err) {
        gunzip.destroy(err as Error);
      }
    })();
    yield* gunzip as AsyncIterable<Buffer>;
    return;
  }
  yield head;
  for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
}
