import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A file mitigate writes: its content before (null: it does not exist) and after. */
export interface FileChange {
  path: string;
  before: string | null;
  after: string;
}

/** What was done to one file, so that it can be undone. */
export interface AppliedChange {
  path: string;
  /** Where the previous content was saved; null when the file is new. */
  backup: string | null;
}

/** Backups go to `mailwarden-backup/<UTC time>/` beside each file (a copy beside it would look like another map to the audit). */
export const BACKUP_DIR = 'mailwarden-backup';

/** `20251010T013502Z`. */
export function backupStamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same directory,
 * flushed to disk, then renamed over the target, keeping the target's mode
 * (or `mode` for a new file). Readers see the old or the new file, never a
 * part of one.
 */
export async function writeAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const existing = await stat(path).catch(() => undefined);
  if (!existing) await mkdir(dirname(path), { recursive: true });
  const temp = join(
    dirname(path),
    `.${basename(path)}.mailwarden-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  const handle = await open(temp, 'wx', existing ? existing.mode & 0o7777 : mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    if (existing) await chmod(temp, existing.mode & 0o7777);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

async function backupDir(path: string, stamp: string): Promise<string> {
  const base = join(dirname(path), BACKUP_DIR, stamp);
  let dir = base;
  for (let n = 2; existsSync(join(dir, basename(path))); n++) dir = `${base}-${n}`;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Applies the changes one by one: a copy of each existing file's current content
 * into the backup directory, then the atomic write. On a failure part-way the
 * files already written are restored before the error is thrown again.
 */
export async function applyChanges(changes: readonly FileChange[], stamp: string): Promise<AppliedChange[]> {
  const applied: AppliedChange[] = [];
  try {
    for (const c of changes) {
      let backup: string | null = null;
      if (c.before !== null) {
        // The content read when planning is what is saved: it is what the diff was made against.
        const current = await readFile(c.path, 'utf8');
        if (current !== c.before)
          throw new Error(`${c.path} changed while mitigate was running; nothing of it was written`);
        backup = join(await backupDir(c.path, stamp), basename(c.path));
        await writeAtomic(backup, current, 0o600);
      } else if (existsSync(c.path)) {
        throw new Error(`${c.path} appeared while mitigate was running; nothing of it was written`);
      }
      await writeAtomic(c.path, c.after);
      applied.push({ path: c.path, backup });
    }
  } catch (error) {
    const problems = await restoreChanges(applied);
    if (problems.length > 0)
      throw new Error(`${(error as Error).message}; restoring also failed: ${problems.join('; ')}`);
    throw error;
  }
  return applied;
}

/** Puts every file back as it was (backups copied back atomically, new files removed); returns what failed. */
export async function restoreChanges(applied: readonly AppliedChange[]): Promise<string[]> {
  const problems: string[] = [];
  for (const a of [...applied].reverse()) {
    try {
      if (a.backup === null) await unlink(a.path);
      else await writeAtomic(a.path, await readFile(a.backup, 'utf8'));
    } catch (error) {
      problems.push(`${a.path}: ${(error as Error).message}`);
    }
  }
  return problems;
}
