import type { GzipPart } from '../ingest/gzip-parts.js';
import type { FileAccountData } from './accounting.js';
import type { ReadWarning } from './read-events.js';

/** What the main thread sends a worker: one piece of one file, cut at a line boundary. */
export interface ChunkJob {
  id: number;
  mode: 'audit' | 'events';
  file: string;
  /** The piece itself (read by the main thread), or ... */
  bytes?: Uint8Array;
  /** ... where the worker reads it: a byte range of a plain file, ... */
  range?: { path: string; start: number; end: number };
  /** ... or a part of a gzip file by uncompressed offsets (`firstLine` is then counted by the reader). */
  gzipPart?: { path: string } & GzipPart;
  /** Lines of the file before this piece. */
  firstLine: number;
  /** The last piece of the file: its last line may lack a newline. */
  final: boolean;
  reference: number;
  tz?: string;
  year?: number;
  all: boolean;
  sinceMs: number;
  untilMs: number;
  maxWarnings: number;
  /** Classes that become events (absent: all). */
  wanted?: string[];
  /**
   * The worker's only job: it sends its state serialised (transferred, not cloned)
   * and ends, so that its heap is freed while the main thread is still reading.
   */
  endsWorker?: boolean;
}

/** A `warning: TLS library problem` line whose address lies in an earlier piece. */
export interface PendingTls {
  key: string;
  /** events mode: the index of its placeholder in `lines`. */
  index: number;
  /** events mode: the event's JSON without the address, to be completed. */
  event?: Record<string, unknown>;
  class: string;
}

/** A worker reading a range tells how far it got, for the progress display. */
export interface ChunkProgress {
  progress: number;
}

export interface ChunkResult {
  id: number;
  account: FileAccountData;
  warnings: ReadWarning[];
  invalidUtf8: number;
  /** audit mode: the analysis state of the piece, ... */
  state?: unknown;
  /** ... or that state as `serializeState` wrote it (a job that ends its worker). */
  stateBytes?: Uint8Array[];
  /** events mode: one NDJSON line per event, in order. */
  lines?: string[];
  /** The last TLS failure per process seen in this piece, for the pieces after it. */
  tlsTail: [string, { ip: string; port?: number }][];
  pendingTls: PendingTls[];
  /** A gzip part: the lines of the file before it. */
  linesBefore?: number;
  /** A gzip part: reading failed inside it (lines before the failure were read). */
  readError?: { message: string; truncated: boolean };
}
