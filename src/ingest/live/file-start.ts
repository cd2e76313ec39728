/**
 * Where a file follower begins: after the lines already in the file, or at a
 * stored checkpoint, which may be in the path's current file, in the file the
 * path named before rotation, or nowhere any more.
 */
import { FileCursor } from './file-cursor.js';
import { readFirstLineHash } from './first-line-hash.js';
import {
  closeQuietly,
  countCompleteLines,
  cursorAtCheckpoint,
  type FollowedFile,
  holdsCheckpointContent,
  openFollowed,
} from './followed-file.js';
import { findRotatedSibling } from './rotated-siblings.js';
import type { FileCheckpoint } from './source.js';

/** Positions `file` after the complete lines already there; an unfinished last line is handed over once complete. */
export async function moveToEnd(file: FollowedFile, buffer: Buffer): Promise<void> {
  const { lines, endOfLastLine } = await countCompleteLines(file.handle, file.seenSize, buffer);
  if (endOfLastLine === 0) return;
  file.cursor = FileCursor.at(endOfLastLine, lines + 1, await readFirstLineHash(file.handle));
}

/**
 * Positions `file` (what `path` names now, read from its start otherwise)
 * after the checkpoint when it holds the content read before. Returns the file
 * read before when it was rotated away, positioned at the checkpoint, to be
 * read to its end first.
 */
export async function applyCheckpoint(
  path: string,
  file: FollowedFile | null,
  checkpoint: FileCheckpoint,
  report: (message: string) => void,
): Promise<FollowedFile | null> {
  if (file && file.dev === checkpoint.dev && file.ino === checkpoint.ino) {
    if (await holdsCheckpointContent(file, checkpoint)) file.cursor = cursorAtCheckpoint(checkpoint);
    else report(`${path} was truncated or rewritten while not followed; reading it from its start`);
    return null;
  }
  const rotated = await openRotatedAway(path, checkpoint);
  if (rotated) return rotated;
  // The same content under another inode, e.g. restored from a copy.
  if (file && (await holdsCheckpointContent(file, checkpoint))) {
    file.cursor = cursorAtCheckpoint(checkpoint);
    return null;
  }
  report(
    `${path}: the file read before (device ${checkpoint.dev}, inode ${checkpoint.ino}) is gone; ` +
      `lines written to it after the stored position may be lost; reading ${path} from its start`,
  );
  return null;
}

async function openRotatedAway(path: string, checkpoint: FileCheckpoint): Promise<FollowedFile | null> {
  const rotatedPath = await findRotatedSibling(path, checkpoint.dev, checkpoint.ino);
  if (!rotatedPath) return null;
  const rotated = await openFollowed(rotatedPath, rotatedPath);
  if (!rotated) return null;
  try {
    const isIt =
      rotated.dev === checkpoint.dev &&
      rotated.ino === checkpoint.ino &&
      (await holdsCheckpointContent(rotated, checkpoint));
    if (!isIt) {
      await closeQuietly(rotated.handle);
      return null;
    }
  } catch (err) {
    await closeQuietly(rotated.handle);
    throw err;
  }
  rotated.cursor = cursorAtCheckpoint(checkpoint);
  return rotated;
}
