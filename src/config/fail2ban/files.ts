/**
 * The files of a fail2ban configuration directory as fail2ban would find
 * them, with overlay files placed over it (what a container copies into
 * /etc/fail2ban at start) and base files hidden (what an image does not ship).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative } from 'node:path';

/** A file placed at `as` (relative to the fail2ban directory); `text`, when given, is its content and `path` only names it. */
export interface Fail2banOverlay {
  path: string;
  as: string;
  text?: string;
}

export interface Fail2banFile {
  text: string;
  /** The name to report: the overlay's path, or the file's own path. */
  display: string;
}

const relKey = (p: string) => normalize(p).replace(/\/+$/, '');

export class Fail2banFileSet {
  readonly dir: string;
  private readonly overlays = new Map<string, Fail2banOverlay>();
  private readonly texts = new Map<string, Fail2banFile | null>();
  /** Files that exist but could not be read (not UTF-8, unreadable), with why. */
  readonly unreadable: string[] = [];

  constructor(
    dir: string,
    overlays: readonly Fail2banOverlay[] = [],
    private readonly hidden: (rel: string) => boolean = () => false,
  ) {
    // fail2ban strips the trailing slashes of its base directory.
    this.dir = dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
    for (const o of overlays) this.overlays.set(relKey(o.as), o);
  }

  /** The path relative to the base directory, or null when it lies outside. */
  private rel(path: string): string | null {
    const r = relative(this.dir, normalize(path));
    if (r === '' || r.startsWith('..') || isAbsolute(r)) return null;
    return relKey(r);
  }

  private overlay(path: string): Fail2banOverlay | undefined {
    const r = this.rel(path);
    return r === null ? undefined : this.overlays.get(r);
  }

  private onDisk(path: string): boolean {
    const r = this.rel(path);
    if (r !== null && this.hidden(r)) return false;
    return existsSync(path);
  }

  /** os.path.exists. */
  exists(path: string): boolean {
    return this.overlay(path) !== undefined || this.onDisk(path);
  }

  /** os.path.isfile. */
  isFile(path: string): boolean {
    if (this.overlay(path)) return true;
    if (!this.onDisk(path)) return false;
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  }

  /** The text of a file as fail2ban opens it (UTF-8), or null when it cannot be read. */
  read(path: string): Fail2banFile | null {
    const key = normalize(path);
    if (this.texts.has(key)) return this.texts.get(key)!;
    let result: Fail2banFile | null = null;
    const o = this.overlay(path);
    let bytes: Buffer | null = null;
    let display = key;
    if (o) {
      display = o.path;
      if (o.text !== undefined) result = { text: o.text, display };
      else bytes = this.bytes(o.path);
    } else if (this.isFile(path)) bytes = this.bytes(path);
    if (bytes !== null) {
      try {
        // Python's utf-8 codec keeps a byte-order mark as a character.
        result = { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), display };
      } catch {
        this.unreadable.push(`${display}: not UTF-8, fail2ban skips the file`);
      }
    }
    this.texts.set(key, result);
    return result;
  }

  private bytes(path: string): Buffer | null {
    try {
      return readFileSync(path);
    } catch (e) {
      this.unreadable.push(`${path}: ${(e as Error).message}`);
      return null;
    }
  }

  /**
   * Python's sorted(glob.glob(f'{dir}/*{suffix}')): entries of `dir` whose
   * name ends with `suffix`, hidden names excluded, as `dir/name`, sorted.
   */
  glob(dir: string, suffix: string): string[] {
    const names = new Set<string>();
    if (this.onDisk(dir)) {
      try {
        for (const name of readdirSync(dir)) if (this.onDisk(join(dir, name))) names.add(name);
      } catch {
        // not a directory
      }
    }
    const r = this.rel(dir);
    if (r !== null) for (const key of this.overlays.keys()) if (dirname(key) === r) names.add(basename(key));
    return [...names]
      .filter((n) => !n.startsWith('.') && n.endsWith(suffix))
      .map((n) => `${dir}/${n}`)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
