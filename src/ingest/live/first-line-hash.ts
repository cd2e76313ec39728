/**
 * A followed file's identity by content: the SHA-256 of its first line. It tells
 * a file that was truncated and written again from the one that was read, even
 * when the new content has already grown past the old read position.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Only this much of the file's start is hashed when its first line is longer. */
export const FIRST_LINE_HASH_BYTES = 4096;

const LF = 0x0a;
const CR = 0x0d;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The hash as soon as the file's first bytes decide it (the first line is
 * complete, or at least FIRST_LINE_HASH_BYTES are there); null while the first
 * line may still grow. The line is hashed without its line end (LF or CRLF).
 */
export function settledFirstLineHash(head: Buffer): string | null {
  const window = head.subarray(0, FIRST_LINE_HASH_BYTES);
  const lineEnd = window.indexOf(LF);
  if (lineEnd >= 0) {
    const end = lineEnd > 0 && window[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    return sha256(window.subarray(0, end));
  }
  if (window.length >= FIRST_LINE_HASH_BYTES) return sha256(window);
  return null;
}

/** The hash of `head` taken as the whole file: an unterminated first line counts as it is; '' when empty. */
export function finalFirstLineHash(head: Buffer): string {
  const settled = settledFirstLineHash(head);
  if (settled !== null) return settled;
  return head.length === 0 ? '' : sha256(head);
}

/** The hash of the file's first line as it is now on disk (one small positioned read). */
export async function readFirstLineHash(handle: FileHandle): Promise<string> {
  const head = Buffer.alloc(FIRST_LINE_HASH_BYTES);
  const { bytesRead } = await handle.read(head, 0, FIRST_LINE_HASH_BYTES, 0);
  return finalFirstLineHash(head.subarray(0, bytesRead));
}
