/**
 * One open file of a followed path: its descriptor (kept open, so that a
 * renamed or truncated file can still be read), its identity, and where
 * reading stands in it.
 */
import type { BigIntStats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { FileCursor } from './file-cursor.js';
import { readFirstLineHash } from './first-line-hash.js';
import type { FileCheckpoint } from './source.js';

export interface FollowedFile {
  handle: FileHandle;
  dev: string;
  ino: string;
  /** Names the file in messages. */
  label: string;
  cursor: FileCursor;
  /** Size and modification time at the last look, to notice a change cheaply. */
  seenSize: number;
  seenMtimeNs: bigint;
  /** Failed attempts at reading a replaced file to its end. */
  drainFailures: number;
}

export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isNotFound(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Opens `path` for reading from its start; null when there is no such file. */
export async function openFollowed(path: string, label: string): Promise<FollowedFile | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile()) throw new Error(`${label} is not a regular file`);
    return {
      handle,
      dev: String(stats.dev),
      ino: String(stats.ino),
      label,
      cursor: FileCursor.atStart(),
      seenSize: Number(stats.size),
      seenMtimeNs: stats.mtimeNs,
      drainFailures: 0,
    };
  } catch (err) {
    await closeQuietly(handle);
    throw err;
  }
}

export async function closeQuietly(handle: FileHandle): Promise<void> {
  try {
    await handle.close();
  } catch {
    // Closing can only fail for a descriptor that is already unusable.
  }
}

/** What `path` names now; null when nothing. */
export async function statPath(path: string): Promise<BigIntStats | null> {
  try {
    return await stat(path, { bigint: true });
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export function isSameFile(stats: BigIntStats, file: { dev: string; ino: string }): boolean {
  return String(stats.dev) === file.dev && String(stats.ino) === file.ino;
}

/** Whether `file` still holds what the checkpoint read: long enough, and the same first line. */
export async function holdsCheckpointContent(
  file: FollowedFile,
  checkpoint: FileCheckpoint,
): Promise<boolean> {
  if (file.seenSize < checkpoint.offset) return false;
  if (checkpoint.offset === 0) return true;
  return (await readFirstLineHash(file.handle)) === checkpoint.firstLineHash;
}

export function cursorAtCheckpoint(checkpoint: FileCheckpoint): FileCursor {
  return FileCursor.at(checkpoint.offset, checkpoint.nextLineNo, checkpoint.firstLineHash);
}

/**
 * Counts the complete lines in the first `size` bytes, streaming through
 * `buffer`, and finds where the last of them ends.
 */
export async function countCompleteLines(
  handle: FileHandle,
  size: number,
  buffer: Buffer,
): Promise<{ lines: number; endOfLastLine: number }> {
  let lines = 0;
  let endOfLastLine = 0;
  let position = 0;
  while (position < size) {
    const wanted = Math.min(buffer.length, size - position);
    const { bytesRead } = await handle.read(buffer, 0, wanted, position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    for (let lineEnd = chunk.indexOf(0x0a); lineEnd >= 0; lineEnd = chunk.indexOf(0x0a, lineEnd + 1)) {
      lines++;
      endOfLastLine = position + lineEnd + 1;
    }
    position += bytesRead;
  }
  return { lines, endOfLastLine };
}
