/**
 * Finds a followed file after it was rotated away by rename: among the names
 * rotation gives it next to the live file (`mail.log.1`, `mail.log-20251010`),
 * by its device and inode.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Compressed rotations cannot be read at a byte offset of the original. */
const COMPRESSED_SUFFIX = /\.(gz|xz|bz2|zst|lz4|Z)$/;

export function isRotatedName(liveBase: string, name: string): boolean {
  const rotated = name.startsWith(`${liveBase}.`) || name.startsWith(`${liveBase}-`);
  return rotated && !COMPRESSED_SUFFIX.test(name);
}

/** The path of the rotated sibling of `livePath` that is the file dev+ino; null when there is none. */
export async function findRotatedSibling(livePath: string, dev: string, ino: string): Promise<string | null> {
  const dir = dirname(livePath);
  const liveBase = basename(livePath);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  for (const name of names.filter((n) => isRotatedName(liveBase, n)).sort()) {
    const path = join(dir, name);
    try {
      const stats = await stat(path, { bigint: true });
      if (stats.isFile() && String(stats.dev) === dev && String(stats.ino) === ino) return path;
    } catch {
      // Rotation may remove a name while we look; the others still count.
    }
  }
  return null;
}
