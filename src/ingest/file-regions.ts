import { closeSync, openSync, readSync } from 'node:fs';

/** A byte range of a plain file that starts at a line start and ends after a newline (or at the end of the file). */
export interface FileRegion {
  start: number;
  end: number;
}

const BLOCK = 1 << 20;

/** The offset just after the first newline at or after `offset`, or `size` when there is none. */
function nextLineStart(fd: number, offset: number, size: number, buf: Buffer): number {
  let at = offset;
  while (at < size) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
    if (n <= 0) break;
    const nl = buf.indexOf(10);
    if (nl >= 0 && nl < n) return at + nl + 1;
    at += n;
  }
  return size;
}

/**
 * Cuts a plain (uncompressed) file into regions of about `regionBytes`, each
 * cut just after a newline, so that every line lies wholly in one region.
 */
export function fileRegions(path: string, size: number, regionBytes: number): FileRegion[] {
  const regions: FileRegion[] = [];
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    let start = 0;
    while (start < size) {
      const end = start + regionBytes >= size ? size : nextLineStart(fd, start + regionBytes - 1, size, buf);
      regions.push({ start, end });
      start = end;
    }
  } finally {
    closeSync(fd);
  }
  return regions;
}

/** Cuts a plain file into regions that end at the first line ends at or after the given offsets (ascending). */
export function regionsCutAt(path: string, size: number, offsets: number[]): FileRegion[] {
  const regions: FileRegion[] = [];
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    let start = 0;
    for (const offset of offsets) {
      if (start >= size) break;
      if (offset <= start) continue;
      const end = offset >= size ? size : nextLineStart(fd, offset - 1, size, buf);
      regions.push({ start, end });
      start = end;
    }
    if (start < size) regions.push({ start, end: size });
  } finally {
    closeSync(fd);
  }
  return regions;
}

/** Newlines in `b[from..to)`. */
export function newlinesIn(b: Buffer, from: number, to: number): number {
  let count = 0;
  for (let i = b.indexOf(10, from); i >= 0 && i < to; i = b.indexOf(10, i + 1)) count++;
  return count;
}

/** Newlines in a byte range of a file, read block by block. */
export function countFileNewlines(path: string, region: FileRegion): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(BLOCK);
    let count = 0;
    for (let at = region.start; at < region.end; ) {
      const n = readSync(fd, buf, 0, Math.min(BLOCK, region.end - at), at);
      if (n <= 0) break;
      count += newlinesIn(buf, 0, n);
      at += n;
    }
    return count;
  } finally {
    closeSync(fd);
  }
}

/** Reads a byte range of a file block by block, handing each block (valid until the next call) to `onBlock`. */
export function readFileRegion(
  path: string,
  region: FileRegion,
  onBlock: (block: Buffer) => void,
  blockBytes = 4 * BLOCK,
): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(blockBytes);
    for (let at = region.start; at < region.end; ) {
      const n = readSync(fd, buf, 0, Math.min(blockBytes, region.end - at), at);
      if (n <= 0)
        throw new Error(`${path}: file ended at byte ${at}, before ${region.end} (was it truncated?)`);
      onBlock(buf.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}
