/**
 * One pass over the audit's inputs for the coverage matrix: every line goes
 * through this project's classifier (its attack class and address) and through
 * every enabled jail's filter (fail2ban's decision), oldest file first.
 */
import { basename } from 'node:path';
import { openChunks } from '../../ingest/chunks.js';
import { LineSplitter } from '../../ingest/line-splitter.js';
import { expandInputs, rotationKey } from '../../ingest/paths.js';
import { YearResolver } from '../../parse/time.js';
import { LineClassifier } from '../../pipeline/line-classifier.js';
import { BAN_WORTHY_CLASSES } from '../fail2ban-coverage.js';
import {
  CoverageMatrixBuilder,
  type Fail2banCoverageMatrix,
  type JailToEvaluate,
} from './coverage-matrix.js';

export interface CoveragePassOptions {
  tz?: string;
  year?: number;
  now?: Date;
}

/** What the pass learns beside the matrix, for telling why a jail stays silent. */
export interface LogFacts {
  /** The newest `Starting Fail2ban vX` seen in fail2ban.log. */
  fail2banVersion: string | null;
  /** Lines in Dovecot 2.4's wording (`Login aborted`, `auth(user,ip,sasl:…)<session>`). */
  dovecot24Lines: number;
}

// Dovecot 2.4's login-failure and auth-process shapes, which older fail2ban filters do not know.
const DOVECOT_24 = /-login: (?:Info: )?Login aborted|(?:^|\s)auth\([^)]{0,300}\)<[^>]{0,100}>: /;

function globMatch(glob: string, path: string): boolean {
  if (!/[*?[]/.test(glob)) return glob === path;
  let pattern = '';
  for (const c of glob)
    pattern += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|\\]/g, '\\$&');
  return new RegExp(`^${pattern}$`).test(path);
}

/**
 * Which input files each jail reads: the inputs its logpath names, else those
 * with the same file name (a copy of /var/log/mail.log is mail.log), else all
 * of them (logs gathered under other names are assumed to be what it reads).
 */
export function jailReaders(
  paths: readonly string[],
  jails: readonly JailToEvaluate[],
): Map<string, boolean[]> {
  const perJail = jails.map((jail) => {
    // Rotated generations count as the file itself (mail.log.1, mail.log.2.gz, mail.log-20251010).
    const live = (p: string) => rotationKey(p).family;
    const exact = paths.filter((p) => jail.logpaths.some((l) => globMatch(l, live(p))));
    if (exact.length > 0) return new Set(exact);
    const named = paths.filter((p) => jail.logpaths.some((l) => globMatch(basename(l), basename(live(p)))));
    return new Set(named.length > 0 ? named : paths);
  });
  return new Map(paths.map((p) => [p, perJail.map((set) => set.has(p))]));
}

export async function evaluateCoverage(
  inputs: string[],
  jails: readonly JailToEvaluate[],
  options: CoveragePassOptions = {},
  notes: string[] = [],
): Promise<{ matrix: Fail2banCoverageMatrix; facts: LogFacts }> {
  const builder = new CoverageMatrixBuilder(jails);
  const facts: LogFacts = { fail2banVersion: null, dovecot24Lines: 0 };
  const { files } = await expandInputs(inputs);
  const readers = jailReaders(
    files.map((f) => f.path),
    jails,
  );
  for (const input of files) {
    const reads = readers.get(input.path);
    const reference = options.now?.getTime() ?? input.mtimeMs ?? Date.now();
    const classifier = new LineClassifier(
      { years: new YearResolver(reference, options.tz, options.year), zone: options.tz },
      input.path,
    );
    const splitter = new LineSplitter({
      line: (data, start, end, lineNo) => {
        if (end === start) return;
        const text = data.toString('utf8', start, end);
        const outcome = classifier.classifyText(text, lineNo);
        if (outcome.kind === 'event' || outcome.kind === 'benign') {
          const { event } = outcome;
          if (event.class === 'fail2ban-service' && event.detail && /^\d+\.\d+/.test(event.detail))
            facts.fail2banVersion = event.detail;
          if (event.service.startsWith('dovecot') && DOVECOT_24.test(text)) facts.dovecot24Lines++;
          const attack =
            BAN_WORTHY_CLASSES.has(event.class) && event.ip ? { cls: event.class, address: event.ip } : null;
          builder.line(text, outcome.tsMs, attack, event.class, reads);
        } else {
          builder.line(text, null, null, outcome.kind === 'counted' ? outcome.cls : outcome.kind, reads);
        }
      },
      oversized: () => {},
    });
    const chunks = await openChunks(input.path);
    for await (const chunk of chunks) splitter.push(chunk);
    splitter.end();
  }
  return { matrix: builder.result(notes), facts };
}
