import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** One thing to read: a file path, or `-` for standard input. */
export interface InputFile {
  path: string;
  /** Modification time in epoch ms (the reference for year inference), or null for stdin. */
  mtimeMs: number | null;
  /** Size in bytes on disk (compressed size for gzip), or null for stdin. */
  size: number | null;
}

/** Log files a directory is scanned for: mail.log*, maillog*, mail.err*, fail2ban.log*, and the daemons' own files. */
const LOG_NAME =
  /^(?:mail\.log|maillog|mail\.err|mail\.warn|mail\.info|fail2ban\.log|dovecot(?:-info)?\.log|postfix\.log)(?:[.-].*)?$/;

export interface RotationKey {
  family: string;
  /** Larger is older: `.10.gz` → 10, `-20251010` → minus the date, the live file → -Infinity. */
  age: number;
}

/**
 * Where a file stands in its rotation family: `mail.log.10.gz` is older than
 * `mail.log.9.gz`, which is older than `mail.log.1`, which is older than `mail.log`;
 * dateext names (`mail.log-20251010.gz`) order by date.
 */
export function rotationKey(path: string): RotationKey {
  const name = basename(path);
  const dir = dirname(path);
  const numeric = /^(.*?)\.(\d{1,4})(?:\.gz)?$/.exec(name);
  if (numeric) return { family: join(dir, numeric[1]!), age: Number(numeric[2]) };
  const dated = /^(.*?)-(\d{8})(\d{2,6})?(?:\.gz)?$/.exec(name);
  if (dated)
    return {
      family: join(dir, dated[1]!),
      age: 1e15 - Number(`${dated[2]}${(dated[3] ?? '').padEnd(6, '0')}`),
    };
  const plain = name.endsWith('.gz') ? name.slice(0, -3) : name;
  return { family: join(dir, plain), age: Number.NEGATIVE_INFINITY };
}

/** Orders files oldest to newest within each rotation family, families in order of first appearance. */
export function orderRotated(paths: string[]): string[] {
  const families = new Map<string, { path: string; age: number }[]>();
  for (const path of paths) {
    if (path === '-') {
      families.set(`-${families.size}`, [{ path, age: 0 }]);
      continue;
    }
    const key = rotationKey(path);
    const list = families.get(key.family) ?? [];
    list.push({ path, age: key.age });
    families.set(key.family, list);
  }
  const ordered: string[] = [];
  for (const list of families.values()) {
    list.sort((a, b) => b.age - a.age);
    for (const item of list) ordered.push(item.path);
  }
  return ordered;
}

export interface ExpandProblem {
  path: string;
  message: string;
}

/**
 * Expands files and directories into the ordered list of inputs. Problems (a path
 * that does not exist, a directory without log files) are returned, not thrown,
 * so that the rest is still read.
 */
export async function expandInputs(
  paths: string[],
): Promise<{ files: InputFile[]; problems: ExpandProblem[] }> {
  const found: string[] = [];
  const problems: ExpandProblem[] = [];
  const mtimes = new Map<string, { mtimeMs: number; size: number }>();
  for (const path of paths) {
    if (path === '-') {
      found.push(path);
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (err) {
      problems.push({ path, message: describeFsError(err) });
      continue;
    }
    if (info.isDirectory()) {
      let names: string[];
      try {
        names = await readdir(path);
      } catch (err) {
        problems.push({ path, message: describeFsError(err) });
        continue;
      }
      const logs = names.filter((n) => LOG_NAME.test(n)).sort();
      if (logs.length === 0)
        problems.push({
          path,
          message: 'directory holds no mail.log*, maillog*, mail.err* or fail2ban.log* files',
        });
      for (const name of logs) {
        const full = join(path, name);
        try {
          const s = await stat(full);
          if (!s.isFile()) continue;
          mtimes.set(full, { mtimeMs: s.mtimeMs, size: s.size });
          found.push(full);
        } catch (err) {
          problems.push({ path: full, message: describeFsError(err) });
        }
      }
    } else {
      mtimes.set(path, { mtimeMs: info.mtimeMs, size: info.size });
      found.push(path);
    }
  }
  const files = orderRotated(found).map((path) => {
    const info = path === '-' ? undefined : mtimes.get(path);
    return { path, mtimeMs: info?.mtimeMs ?? null, size: info?.size ?? null };
  });
  return { files, problems };
}

export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EACCES') return 'permission denied';
  if (e?.code === 'EISDIR') return 'is a directory';
  return e?.message ?? String(err);
}
