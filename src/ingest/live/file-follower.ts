/**
 * Follows a log file like `tail -F`: hands over complete lines as they are
 * appended, follows rotation by rename (to the new file, after reading the old
 * one to its end) and by copytruncate (reading the file again from its start),
 * waits for a file that does not exist yet, and resumes from a checkpoint, also
 * when the file was rotated while nobody watched.
 *
 * Changes are noticed through fs.watch on the file and its directory, with a
 * poll timer as the fallback for filesystems where fs.watch misses events.
 *
 * After a rename the old file is read on until the path names a new file with
 * content, since until then the writer may not have reopened its log; lines
 * written to the old file after the switch are not read. Truncation is noticed
 * by the size falling below the read position, or, when the file was truncated
 * and grew past it between two looks, by a changed first line (a new first line
 * identical to the old one cannot be told apart).
 *
 * Without a checkpoint, `from: 'end'` counts the lines already in the file (one
 * streaming read at disk speed, during start()) so that line numbers stay true.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { MAX_LINE_BYTES } from '../line-splitter.js';
import { type CursorSink, FileCursor } from './file-cursor.js';
import { applyCheckpoint, moveToEnd } from './file-start.js';
import { readFirstLineHash } from './first-line-hash.js';
import {
  closeQuietly,
  errorCode,
  errorText,
  type FollowedFile,
  isSameFile,
  openFollowed,
  statPath,
} from './followed-file.js';
import type { FileCheckpoint, LiveBatch, LiveSource, SourceCheckpoint } from './source.js';

export interface FileFollowerOptions {
  /** Where to begin without a (valid) checkpoint: after the lines already there, or at the start. */
  from: 'end' | 'start';
  /** How often to look at the file when fs.watch says nothing; default 250. */
  pollMs?: number;
}

const DEFAULT_POLL_MS = 250;
const READ_BUFFER_BYTES = 256 * 1024;
const MAX_BATCH_LINES = 2000;
/** A replaced file that cannot be read this many times in a row is given up, so the new one is not held back. */
const MAX_DRAIN_ATTEMPTS = 20;

type BatchHandler = (batch: LiveBatch) => void;
type ProblemHandler = (message: string) => void;

export class FileFollower implements LiveSource {
  readonly key: string;
  private readonly path: string;
  private readonly from: 'end' | 'start';
  private readonly pollMs: number;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

  private onBatch: BatchHandler = () => {};
  private onProblem: ProblemHandler = () => {};
  private checkpoint: FileCheckpoint | null = null;
  /** False until the start policy (or checkpoint) has been applied. */
  private positioned = false;
  /** The file the path named when last looked at. */
  private current: FollowedFile | null = null;
  /** A file to read to its end before `current`: a rotated one. */
  private previous: FollowedFile | null = null;

  private dirWatcher: FSWatcher | null = null;
  private fileWatcher: FSWatcher | null = null;
  private watchedFile: string | null = null;
  private pollTimer: NodeJS.Timeout | null = null;

  private started = false;
  private stopped = false;
  /** The check in progress; checks never overlap. */
  private running: Promise<void> | null = null;
  private rerunRequested = false;
  private lastFailure: string | null = null;
  private readonly noticesGiven = new Set<string>();

  constructor(path: string, options: FileFollowerOptions) {
    this.path = resolve(path);
    this.key = `file:${this.path}`;
    this.from = options.from;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  async start(onBatch: BatchHandler, onProblem: ProblemHandler, resume?: SourceCheckpoint): Promise<void> {
    if (this.started) throw new Error(`${this.key} was already started`);
    this.started = true;
    this.onBatch = onBatch;
    this.onProblem = onProblem;
    this.checkpoint = this.usableCheckpoint(resume);
    // Positioned before start() resolves, so that lines appended afterwards count as new.
    const positioning = this.attempt(() => this.position()).then(() => {
      this.running = null;
    });
    this.running = positioning;
    await positioning;
    if (this.stopped) return;
    this.pollTimer = setInterval(() => this.requestCheck(), this.pollMs);
    this.requestCheck();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.closeWatchers();
    while (this.running) await this.running;
    for (const file of [this.previous, this.current]) if (file) await closeQuietly(file.handle);
    this.previous = null;
    this.current = null;
  }

  private usableCheckpoint(resume: SourceCheckpoint | undefined): FileCheckpoint | null {
    if (!resume) return null;
    if (resume.kind !== 'file' || resolve(resume.path) !== this.path) {
      this.problem(`${this.path}: the stored position is not this file's; starting from the ${this.from}`);
      return null;
    }
    return resume;
  }

  // --- scheduling -----------------------------------------------------------

  private requestCheck(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerunRequested = true;
      return;
    }
    this.running = this.checkUntilSettled();
  }

  private async checkUntilSettled(): Promise<void> {
    do {
      this.rerunRequested = false;
      await this.attempt(() => this.check());
    } while (this.rerunRequested && !this.stopped);
    this.running = null;
  }

  /** Runs `step`, reporting a failure once (until a step succeeds); the poll timer tries again. */
  private async attempt(step: () => Promise<void>): Promise<void> {
    try {
      await step();
      this.lastFailure = null;
    } catch (err) {
      const failure = `${this.path}: ${errorText(err)}`;
      if (failure !== this.lastFailure) this.problem(`${failure}; trying again every ${this.pollMs} ms`);
      this.lastFailure = failure;
    }
  }

  private problem(message: string): void {
    try {
      this.onProblem(message);
    } catch {
      // A failing reporter must not stop the follower.
    }
  }

  private noticeOnce(topic: string, message: string): void {
    if (this.noticesGiven.has(topic)) return;
    this.noticesGiven.add(topic);
    this.problem(message);
  }

  // --- one look at the path -------------------------------------------------

  private async check(): Promise<void> {
    if (!this.positioned) await this.position();
    this.ensureWatchers();
    if (this.previous) await this.drainPrevious();
    if (this.stopped || this.previous) return;
    if (!this.current) this.current = await this.openNewFile();
    if (!this.current) return;
    if (await this.isReplaced(this.current)) {
      this.previous = this.current;
      this.previous.label = `${this.path} (rotated)`;
      this.current = null;
      await this.drainPrevious();
      if (this.stopped || this.previous) return;
      this.current = await this.openNewFile();
      if (!this.current) return;
    }
    this.ensureWatchers();
    await this.restartIfTruncated(this.current);
    await this.readAvailable(this.current);
  }

  /** A file that appears after the follower started is new content: read from its start. */
  private async openNewFile(): Promise<FollowedFile | null> {
    const file = await openFollowed(this.path, this.path);
    if (file) this.noticesGiven.delete('waiting');
    else this.noticeOnce('waiting', `${this.path} does not exist (yet); waiting for it to appear`);
    return file;
  }

  /**
   * Whether the path now names another file with content. While the new file
   * is still empty (or the path names nothing), the writer may not have
   * reopened its log yet and still append to the old file, so it is read on.
   */
  private async isReplaced(file: FollowedFile): Promise<boolean> {
    const stats = await statPath(this.path);
    if (!stats) {
      this.noticeOnce(
        'vanished',
        `${this.path} was removed or renamed; reading on in the old file until a new one appears`,
      );
      return false;
    }
    this.noticesGiven.delete('vanished');
    return !isSameFile(stats, file) && stats.size > 0n;
  }

  private async restartIfTruncated(file: FollowedFile): Promise<void> {
    const stats = await file.handle.stat({ bigint: true });
    const size = Number(stats.size);
    const changed = size !== file.seenSize || stats.mtimeNs !== file.seenMtimeNs;
    file.seenSize = size;
    file.seenMtimeNs = stats.mtimeNs;
    if (size < file.cursor.readPos) {
      this.restart(file, `${file.label} was truncated; reading it again from its start`);
      return;
    }
    // Truncated and written past the old position between two looks: only the first line tells.
    const hash = file.cursor.firstLineHash;
    if (!changed || file.cursor.offset === 0 || hash === null) return;
    if ((await readFirstLineHash(file.handle)) !== hash) {
      this.restart(file, `${file.label} was truncated and written again; reading it again from its start`);
    }
  }

  private restart(file: FollowedFile, message: string): void {
    this.problem(message);
    file.cursor = FileCursor.atStart();
  }

  /** Reads a replaced file to its end, hands over its unterminated last line, and closes it. */
  private async drainPrevious(): Promise<void> {
    const file = this.previous;
    if (!file) return;
    try {
      await this.readAvailable(file);
    } catch (err) {
      file.drainFailures++;
      if (file.drainFailures < MAX_DRAIN_ATTEMPTS) throw err;
      this.problem(`${file.label}: ${errorText(err)}; giving up on it, the rest of its lines are lost`);
    }
    // Stopped: the rest stays after the checkpoint, unread.
    if (this.stopped) return;
    if (file.drainFailures < MAX_DRAIN_ATTEMPTS) this.deliverFrom(file, (sink) => file.cursor.finish(sink));
    await closeQuietly(file.handle);
    this.previous = null;
  }

  private async readAvailable(file: FollowedFile): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const { bytesRead } = await file.handle.read(this.buffer, 0, this.buffer.length, file.cursor.readPos);
      if (bytesRead === 0 || this.stopped) return;
      const chunk = this.buffer.subarray(0, bytesRead);
      this.deliverFrom(file, (sink) => file.cursor.consume(chunk, sink));
    }
  }

  /**
   * Hands the lines `feed` produces to onBatch, in batches of at most
   * MAX_BATCH_LINES consecutive lines (a skipped line ends a batch, so that
   * firstLineNo numbers all of its lines).
   */
  private deliverFrom(file: FollowedFile, feed: (sink: CursorSink) => void): void {
    let lines: string[] = [];
    let firstLineNo = 0;
    const flush = () => {
      if (lines.length === 0 || this.stopped) return;
      const batch = { origin: this.path, lines, firstLineNo, checkpoint: this.checkpointOf(file) };
      lines = [];
      this.onBatch(batch);
    };
    feed({
      line: (text, lineNo) => {
        if (lines.length === 0) firstLineNo = lineNo;
        lines.push(text);
        if (lines.length >= MAX_BATCH_LINES) flush();
      },
      oversized: (lineNo, bytes) => {
        flush();
        this.problem(
          `${file.label}: line ${lineNo} has ${bytes} bytes, more than the ${MAX_LINE_BYTES} allowed; skipped`,
        );
      },
    });
    flush();
  }

  private checkpointOf(file: FollowedFile): FileCheckpoint {
    const { offset, nextLineNo, firstLineHash } = file.cursor;
    const { dev, ino } = file;
    return {
      kind: 'file',
      path: this.path,
      dev,
      ino,
      offset,
      firstLineHash: firstLineHash ?? '',
      nextLineNo,
    };
  }

  // --- where to begin -------------------------------------------------------

  private async position(): Promise<void> {
    const file = await openFollowed(this.path, this.path);
    let previous: FollowedFile | null = null;
    try {
      const report = (message: string) => this.problem(message);
      if (this.checkpoint) previous = await applyCheckpoint(this.path, file, this.checkpoint, report);
      else if (file && this.from === 'end') await moveToEnd(file, this.buffer);
    } catch (err) {
      if (file) await closeQuietly(file.handle);
      throw err;
    }
    if (!file) this.noticeOnce('waiting', `${this.path} does not exist (yet); waiting for it to appear`);
    this.previous = previous;
    this.current = file;
    this.positioned = true;
  }

  // --- notification ---------------------------------------------------------

  private ensureWatchers(): void {
    if (this.stopped) return;
    const liveBase = basename(this.path);
    this.dirWatcher ??= this.tryWatch(
      dirname(this.path),
      (name) => name === null || name.startsWith(liveBase),
    );
    const file = this.current;
    const identity = file ? `${file.dev}:${file.ino}` : null;
    // The file watcher follows an inode: after rotation it must be set on the new file.
    if (!identity || identity === this.watchedFile) return;
    this.fileWatcher?.close();
    this.fileWatcher = this.tryWatch(this.path, () => true);
    this.watchedFile = this.fileWatcher ? identity : null;
  }

  private tryWatch(target: string, isRelevant: (name: string | null) => boolean): FSWatcher | null {
    try {
      const watcher = watch(target, { persistent: false }, (_event, name) => {
        if (isRelevant(name)) this.requestCheck();
      });
      watcher.on('error', () => this.dropWatcher(watcher));
      return watcher;
    } catch (err) {
      // A missing file or directory is watched once it exists; polling covers the time until then.
      if (errorCode(err) !== 'ENOENT') {
        this.noticeOnce(
          'watch',
          `cannot watch ${target} (${errorText(err)}); noticing changes by looking every ${this.pollMs} ms`,
        );
      }
      return null;
    }
  }

  private dropWatcher(watcher: FSWatcher): void {
    watcher.close();
    if (this.dirWatcher === watcher) this.dirWatcher = null;
    if (this.fileWatcher === watcher) {
      this.fileWatcher = null;
      this.watchedFile = null;
    }
  }

  private closeWatchers(): void {
    this.dirWatcher?.close();
    this.fileWatcher?.close();
    this.dirWatcher = null;
    this.fileWatcher = null;
    this.watchedFile = null;
  }
}
