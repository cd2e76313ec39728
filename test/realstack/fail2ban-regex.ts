// What the real fail2ban-regex matches, and this project's class for the same
// lines: the two sides the fail2ban tests compare.
import { execFileSync } from 'node:child_process';
import { YearResolver } from '../../src/parse/time.js';
import { LineClassifier } from '../../src/pipeline/line-classifier.js';

/** The lines `fail2ban-regex` matches in `log` with `filter`, as it prints them (`-o msg`). */
export function fail2banRegexMatches(configDir: string, log: string, filter: string): string[] {
  const out = execFileSync('fail2ban-regex', ['-c', configDir, '-o', 'msg', log, filter], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out.split('\n').filter((l) => l !== '');
}

/** This project's class for each line (or how the line was counted), as the coverage pass sees it. */
export function classesOf(lines: string[], file: string): string[] {
  const classifier = new LineClassifier(
    { years: new YearResolver(Date.now(), undefined), zone: undefined },
    file,
  );
  return lines.map((text, i) => {
    const outcome = classifier.classifyText(text, i + 1);
    return outcome.kind === 'event' || outcome.kind === 'benign'
      ? outcome.event.class
      : outcome.kind === 'counted'
        ? outcome.cls
        : outcome.kind;
  });
}
