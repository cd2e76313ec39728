import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { deserializeState } from '../audit/analysis.js';
import { isGzipFile, isTruncatedGzip, openChunks } from '../ingest/chunks.js';
import {
  countFileNewlines,
  type FileRegion,
  fileRegions,
  newlinesIn,
  regionsCutAt,
} from '../ingest/file-regions.js';
import { type GzipPart, gzipDeclaredSize } from '../ingest/gzip-parts.js';
import { MAX_LINE_BYTES } from '../ingest/line-splitter.js';
import { describeFsError } from '../ingest/paths.js';
import { assertValidZone } from '../parse/time.js';
import { FileAccount, type RunStats, summarise } from './accounting.js';
import type { ChunkJob, ChunkProgress, ChunkResult } from './chunk-job.js';
import { runAnyJob, runJob } from './chunk-runner.js';
import { expandAccounted, type ScanOptions } from './read-events.js';

/** How each piece's result is used, in file order. */
export interface ParallelConsumer {
  mode: 'audit' | 'events';
  /** audit: merge the piece's analysis state. */
  state?: (state: unknown) => void;
  /** audit: an address found for a TLS detail line of an earlier piece. */
  lateAddress?: (ip: string, cls: string) => void;
  /** events: the piece's NDJSON lines. */
  lines?: (lines: string[]) => Promise<void> | void;
}

export interface ParallelOptions {
  /** Worker threads (default: the machine's cores). */
  workers?: number;
  /** Bytes per piece (default 8 MiB); tests use tiny pieces so that sessions cross boundaries. */
  pieceBytes?: number;
}

class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly all: Worker[] = [];

  /** Workers start when first needed: an audit of one plain file keeps one thread's part on the main thread. */
  constructor(readonly size: number) {}

  private spawn(): Worker {
    // The main script's flags (--input-type, --expose-gc...) are not all valid in a worker.
    // A young generation of 64 MB: per-line garbage dies young, and smaller ones cost 15% in collections.
    const w = new Worker(new URL('./scan-worker.js', import.meta.url), {
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 64, maxOldGenerationSizeMb: 1024 },
    });
    this.all.push(w);
    // A worker whose job ended it leaves the pool; the next job starts a new one.
    w.once('exit', () => {
      this.all.splice(this.all.indexOf(w), 1);
      const idle = this.idle.indexOf(w);
      if (idle >= 0) this.idle.splice(idle, 1);
      const next = this.waiting.shift();
      if (next) next(this.spawn());
    });
    return w;
  }

  run(job: ChunkJob, onProgress?: (bytes: number) => void): Promise<ChunkResult> {
    return new Promise((resolve, reject) => {
      const start = (w: Worker) => {
        const onMessage = (m: ChunkResult | ChunkProgress) => {
          if ('progress' in m) {
            onProgress?.(m.progress);
            return;
          }
          w.off('message', onMessage);
          w.off('error', onError);
          if (!job.endsWorker) this.release(w);
          resolve(m);
        };
        const onError = (err: Error) => {
          w.off('message', onMessage);
          reject(err);
        };
        w.on('message', onMessage);
        w.once('error', onError);
        w.postMessage(job, job.bytes ? [job.bytes.buffer as ArrayBuffer] : []);
      };
      const w = this.idle.pop() ?? (this.all.length < this.size ? this.spawn() : undefined);
      if (w) start(w);
      else this.waiting.push(start);
    });
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

/** About the smallest part of a plain file worth a thread of its own in an audit. */
const MIN_AUDIT_PART_BYTES = 16 << 20;
/**
 * The main thread's part is this much larger than a worker's: a worker starts
 * later (the lines before its part are counted first) and must serialise its
 * state at the end, and the main thread would otherwise wait for it.
 */
const MAIN_PART_FACTOR = 1.04;

/** Where the parts of a plain file end, one per thread, the main thread's first. */
function auditPartEnds(size: number, threads: number): number[] {
  const count = Math.max(1, Math.min(threads, Math.ceil(size / MIN_AUDIT_PART_BYTES)));
  if (count === 1) return [];
  const first = Math.min(size, Math.ceil((size / count) * MAIN_PART_FACTOR));
  const rest = (size - first) / (count - 1);
  return Array.from({ length: count - 1 }, (_, i) => Math.ceil(first + i * rest));
}

/** The size of a regular, uncompressed file (read in ranges by the workers), or null for what must be streamed. */
async function plainFileSize(path: string, size: number | null): Promise<number | null> {
  if (path === '-' || size === null) return null;
  try {
    const info = await stat(path);
    if (!info.isFile() || (await isGzipFile(path))) return null;
    return info.size;
  } catch {
    return null;
  }
}

/** The uncompressed size a regular gzip file declares (a hint for cutting it), or null for anything else. */
async function gzipFileSize(path: string, size: number | null): Promise<number | null> {
  if (path === '-' || size === null || process.env.MAILWARDEN_REGION_BYTES) return null;
  try {
    const info = await stat(path);
    if (!info.isFile() || !(await isGzipFile(path))) return null;
    return await gzipDeclaredSize(path);
  } catch {
    return null;
  }
}

/**
 * The parallel reader: the main thread reads (and decompresses) each input, cuts
 * it into pieces at line boundaries and counts their lines; worker threads
 * classify and analyse the pieces; results are merged strictly in file order,
 * so the outcome equals one single-threaded pass.
 */
export async function scanParallel(
  inputs: string[],
  options: ScanOptions & ParallelOptions,
  consumer: ParallelConsumer,
): Promise<RunStats> {
  if (options.tz !== undefined) assertValidZone(options.tz);
  const warn = options.onWarning ?? (() => {});
  const maxWarnings = options.maxWarningsPerFile ?? 10;
  const pieceBytes = options.pieceBytes ?? Number(process.env.MAILWARDEN_PIECE_BYTES ?? 8 << 20);
  const threads = Math.max(1, options.workers ?? availableParallelism());
  const pool = new WorkerPool(threads);
  const inFlightLimit = threads * 2;
  const accounts: FileAccount[] = [];
  const { files, totalBytes } = await expandAccounted(inputs, accounts, warn);
  let bytesBefore = 0;
  let nextId = 0;
  try {
    for (const input of files) {
      const name = input.path === '-' ? '(stdin)' : input.path;
      const account = new FileAccount(name);
      accounts.push(account);
      const reference = options.now?.getTime() ?? input.mtimeMs ?? Date.now();
      const tlsRunning = new Map<string, { ip: string; port?: number }>();
      const queue: Promise<ChunkResult>[] = [];
      let warned = 0;
      let invalidUtf8 = 0;
      const absorb = async (r: ChunkResult) => {
        for (const p of r.pendingTls) {
          const linked = tlsRunning.get(p.key);
          if (consumer.mode === 'audit') {
            if (linked) consumer.lateAddress?.(linked.ip, p.class);
          } else if (r.lines && p.event) {
            const e = { ...p.event };
            const source = e['source'];
            delete e['source'];
            if (linked) {
              e['ip'] = linked.ip;
              if (linked.port !== undefined) e['port'] = linked.port;
            }
            delete e['detail'];
            r.lines[p.index] = JSON.stringify({
              ...e,
              ...(p.event['detail'] !== undefined ? { detail: p.event['detail'] } : {}),
              source,
            });
          }
        }
        for (const [k, v] of r.tlsTail) tlsRunning.set(k, v);
        account.absorb(r.account);
        if (r.readError) readFailed(r.readError);
        invalidUtf8 += r.invalidUtf8;
        for (const w of r.warnings) if (warned++ < maxWarnings * 2) warn(w);
        if (consumer.mode === 'audit')
          consumer.state?.(r.stateBytes ? deserializeState(r.stateBytes) : r.state);
        else if (r.lines) await consumer.lines?.(r.lines);
      };
      const makeJob = (
        piece: Buffer | FileRegion | GzipPart,
        firstLine: number,
        final: boolean,
      ): ChunkJob => {
        const job: ChunkJob = {
          id: nextId++,
          mode: consumer.mode,
          file: name,
          firstLine,
          final,
          reference,
          all: options.all === true || consumer.mode === 'audit',
          sinceMs: options.since?.getTime() ?? Number.NEGATIVE_INFINITY,
          untilMs: options.until?.getTime() ?? Number.POSITIVE_INFINITY,
          maxWarnings,
        };
        if (options.tz !== undefined) job.tz = options.tz;
        if (options.year !== undefined) job.year = options.year;
        if (options.wanted) job.wanted = [...options.wanted];
        if (Buffer.isBuffer(piece)) {
          job.bytes = new Uint8Array(piece.length);
          job.bytes.set(piece);
        } else if ('from' in piece) job.gzipPart = { path: input.path, ...piece };
        else job.range = { path: input.path, ...piece };
        return job;
      };
      const progress = (read: number) => {
        regionBytesRead += read;
        options.onProgress?.(bytesBefore + regionBytesRead, totalBytes);
      };
      const dispatch = async (piece: Buffer | FileRegion, firstLine: number, final: boolean) => {
        queue.push(pool.run(makeJob(piece, firstLine, final), progress));
        while (queue.length >= inFlightLimit) await absorb(await queue.shift()!);
      };
      // Chunks gather in a list and are joined once per piece: joining on every chunk would copy each byte many times.
      let parts: Buffer[] = [];
      let partsLength = 0;
      let lineBase = 0;
      let skipping = 0;
      let regionBytesRead = 0;
      const skippedLongLine = (bytes: number) => {
        lineBase++;
        account.lines++;
        account.malformed++;
        warn({
          file: name,
          line: lineBase,
          message: `line of ${bytes} bytes exceeds the ${MAX_LINE_BYTES}-byte limit; skipped`,
        });
      };
      const carry = () => (parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsLength));
      const readFailed = (failure: { message: string; truncated: boolean }) => {
        if (failure.truncated) {
          warn({
            file: name,
            message: 'compressed data ends early (truncated gzip); lines before it were read',
          });
          return;
        }
        warn({
          file: name,
          line: account.lines,
          message: `read error after line ${account.lines}: ${failure.message}`,
          fatal: account.lines === 0,
        });
        if (account.lines === 0) account.error = failure.message;
      };
      const plainSize = await plainFileSize(input.path, input.size);
      const gzipSize =
        plainSize === null && consumer.mode === 'audit' && options.pieceBytes === undefined
          ? await gzipFileSize(input.path, input.size)
          : null;
      if (gzipSize !== null) {
        // A gzip file in one part per thread: each part decompresses from the start and
        // skips to its own (decompressing is several times faster than classifying), so
        // that each thread keeps one state instead of merging one per piece.
        const cuts = [0, ...auditPartEnds(gzipSize, threads)];
        const jobs = cuts.map((from, i) =>
          makeJob({ from, to: cuts[i + 1] ?? null }, 0, i === cuts.length - 1),
        );
        const rest = jobs.slice(1).map((job) => pool.run({ ...job, endsWorker: true }, progress));
        let local: ChunkResult;
        try {
          local = await runAnyJob(jobs[0]!, progress);
        } catch (err) {
          for (const r of rest) r.catch(() => {});
          throw err;
        }
        queue.push(Promise.resolve(local), ...rest);
      } else if (plainSize !== null) {
        // A plain file: each thread reads its own range, so none reads or copies for another.
        if (
          consumer.mode === 'audit' &&
          options.pieceBytes === undefined &&
          !process.env.MAILWARDEN_REGION_BYTES
        ) {
          // One part per thread, the first analysed here: its state needs no cloning, and
          // each other part's state is cloned and merged once (merging many small pieces'
          // overlapping per-address states cost more than it saved).
          const parts = regionsCutAt(input.path, plainSize, auditPartEnds(plainSize, threads));
          const firstLines = [0];
          for (let i = 0; i < parts.length - 1; i++)
            firstLines.push(firstLines[i]! + countFileNewlines(input.path, parts[i]!));
          const here = makeJob(parts[0] ?? { start: 0, end: 0 }, 0, parts.length <= 1);
          const rest = parts
            .slice(1)
            .map((part, i) =>
              pool.run(
                { ...makeJob(part, firstLines[i + 1]!, i === parts.length - 2), endsWorker: true },
                progress,
              ),
            );
          let local: ChunkResult;
          try {
            local = runJob(here, progress);
          } catch (err) {
            // The workers' parts are abandoned with this error: theirs must not surface unhandled.
            for (const r of rest) r.catch(() => {});
            throw err;
          }
          queue.push(Promise.resolve(local), ...rest);
        } else {
          // Pieces (events; an audit when a piece size is set, as tests do to cross boundaries).
          const regionBytes = options.pieceBytes ?? Number(process.env.MAILWARDEN_REGION_BYTES ?? 8 << 20);
          const regions = fileRegions(input.path, plainSize, regionBytes);
          for (let i = 0; i < regions.length; i++) {
            await dispatch(regions[i]!, lineBase, i === regions.length - 1);
            if (i < regions.length - 1) lineBase += countFileNewlines(input.path, regions[i]!);
          }
          if (regions.length === 0) await dispatch({ start: 0, end: 0 }, 0, true);
        }
      } else
        try {
          const chunks = await openChunks(input.path, options.stdin, (read) =>
            options.onProgress?.(bytesBefore + read, totalBytes),
          );
          for await (const chunk of chunks) {
            let incoming: Buffer = chunk;
            if (skipping > 0) {
              const nl = incoming.indexOf(10);
              if (nl < 0) {
                skipping += incoming.length;
                continue;
              }
              // An over-long line, skipped without holding it: counted here, as the splitter would.
              skippedLongLine(skipping + nl);
              skipping = 0;
              incoming = incoming.subarray(nl + 1);
            }
            parts.push(incoming);
            partsLength += incoming.length;
            if (partsLength < pieceBytes) continue;
            const data = carry();
            const cut = data.lastIndexOf(10);
            parts = [];
            partsLength = 0;
            if (cut < 0) {
              skipping = data.length;
              continue;
            }
            const piece = data.subarray(0, cut + 1);
            const lines = newlinesIn(piece, 0, piece.length);
            await dispatch(piece, lineBase, false);
            lineBase += lines;
            const rest = data.subarray(cut + 1);
            if (rest.length > 0) {
              parts.push(rest);
              partsLength = rest.length;
            }
          }
          if (skipping > 0) skippedLongLine(skipping);
          await dispatch(carry(), lineBase, true);
        } catch (err) {
          if (isTruncatedGzip(err)) {
            await dispatch(carry(), lineBase, true);
            warn({
              file: name,
              message: 'compressed data ends early (truncated gzip); lines before it were read',
            });
          } else {
            account.error = describeFsError(err);
            warn({
              file: name,
              line: lineBase,
              message: `read error after line ${lineBase}: ${describeFsError(err)}`,
              fatal: lineBase === 0,
            });
            if (lineBase > 0) delete account.error;
          }
        }
      while (queue.length > 0) await absorb(await queue.shift()!);
      if (invalidUtf8 > maxWarnings)
        warn({ file: name, message: `${invalidUtf8 - maxWarnings} more lines with invalid UTF-8` });
      bytesBefore += input.size ?? 0;
    }
  } finally {
    await pool.close();
  }
  return summarise(accounts.map((a) => a.snapshot()));
}
