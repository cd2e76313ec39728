/**
 * A live source of log lines for `mailwarden watch`: a followed file, the
 * journal, or a syslog listener. Sources hand over complete lines in batches,
 * each batch with the position after its last line, so that the watcher can
 * store the position in the same transaction as what the lines decided.
 */
export interface LiveBatch {
  /** Which source, as shown in logs and metrics: the file path, `journal`, `syslog+udp://127.0.0.1:5514`. */
  origin: string;
  /** Complete lines, without their line ends, as text `parseHeader` reads. */
  lines: string[];
  /** 1-based number of the first line within the current file (files only; 0 otherwise). */
  firstLineNo: number;
  /** Where the source stands after these lines; null for sources that cannot resume (syslog). */
  checkpoint: SourceCheckpoint | null;
  /** For syslog: the sender's address of each line (same length as `lines`); undefined otherwise. */
  senders?: string[];
}

/** A followed file's position: the file (inode), how far it was read, and a hash of its first line. */
export interface FileCheckpoint {
  kind: 'file';
  path: string;
  /** Device and inode of the file read, as decimal strings (inode numbers may exceed 2^53). */
  dev: string;
  ino: string;
  /** Bytes consumed: the end of the last complete line handed over. */
  offset: number;
  /** SHA-256 (hex) of the file's first line, or of its first 4096 bytes when no line end is in them; '' for an empty file. */
  firstLineHash: string;
  /** 1-based number of the next line. */
  nextLineNo: number;
}

/** The journal's position: the cursor of the last entry handed over. */
export interface JournalCheckpoint {
  kind: 'journal';
  cursor: string;
}

export type SourceCheckpoint = FileCheckpoint | JournalCheckpoint;

export interface LiveSource {
  /** A stable key under which the watcher stores this source's checkpoint (e.g. `file:/var/log/mail.log`). */
  readonly key: string;
  /**
   * Starts reading, from `resume` when given (and still valid), else from the
   * source's start policy. `onBatch` is called synchronously per batch and
   * never concurrently; `onProblem` is told of anything the user should see
   * (a file that vanished, journalctl exiting); the source keeps trying.
   */
  start(
    onBatch: (batch: LiveBatch) => void,
    onProblem: (message: string) => void,
    resume?: SourceCheckpoint,
  ): Promise<void>;
  /** Stops reading; resolves once no more batches will come. Lines not yet handed over stay unread (they are after the checkpoint). */
  stop(): Promise<void>;
}
