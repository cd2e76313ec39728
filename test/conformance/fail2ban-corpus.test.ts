import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LineClassifier, type LineOutcome, normalizeIp, YearResolver } from '../../src/index.js';
import { localToUtc } from '../../src/parse/time.js';
import { fail2banCorpusDir, repoRoot } from '../support/paths.js';
import { type AnnotatedLine, readAnnotated } from './fail2ban-corpus.js';

// The corpus README: times are local CET/CEST, "now" is 2005-08-14 12:00:00 CEST.
const ZONE = 'Europe/Berlin';
const NOW = Date.parse('2005-08-14T12:00:00+02:00');

interface Exception {
  file: string;
  contains: string;
  reason: string;
}
const exceptions = (
  JSON.parse(readFileSync(join(repoRoot, 'test', 'conformance', 'fail2ban-exceptions.json'), 'utf8')) as {
    exceptions: Exception[];
  }
).exceptions;

function expectedInstant(time: string): number {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d\d):(\d\d):(\d\d)/.exec(time);
  if (!m) throw new Error(`unreadable corpus time ${time}`);
  return localToUtc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, 0, ZONE);
}

interface Figures {
  lines: number;
  positives: number;
  matched: number;
  missed: string[];
  wrong: string[];
  negatives: number;
  attackOnNegative: string[];
  excused: number;
}

function evaluate(file: string): Figures {
  const { lines, physicalLines } = readAnnotated(file);
  const classifier = new LineClassifier({ years: new YearResolver(NOW, ZONE), zone: ZONE }, file);
  const figures: Figures = {
    lines: physicalLines,
    positives: 0,
    matched: 0,
    missed: [],
    wrong: [],
    negatives: 0,
    attackOnNegative: [],
    excused: 0,
  };
  for (const line of lines) {
    const outcome = classifier.classifyText(line.text, line.lineNo);
    if (line.match) checkPositive(file, line, outcome, figures);
    else checkNegative(file, line, outcome, figures);
  }
  return figures;
}

function checkPositive(file: string, line: AnnotatedLine, outcome: LineOutcome, figures: Figures): void {
  figures.positives++;
  const where = `${file}:${line.lineNo}`;
  if (outcome.kind !== 'event' || (outcome.event.tier !== 'attack' && outcome.event.tier !== 'signal')) {
    figures.missed.push(
      `${where} (${outcome.kind}${outcome.kind === 'event' ? ` ${outcome.event.class}` : ''}): ${line.text.slice(0, 140)}`,
    );
    return;
  }
  const e = outcome.event;
  const problems: string[] = [];
  if (line.host !== undefined && e.ip !== normalizeIp(line.host)) problems.push(`ip ${e.ip} != ${line.host}`);
  if (line.time !== undefined) {
    const expected = expectedInstant(line.time);
    const actual = Math.floor(Date.parse(e.ts) / 1000) * 1000;
    if (actual !== expected) problems.push(`time ${e.ts} != ${new Date(expected).toISOString()}`);
  }
  if (line.user !== undefined && e.user !== line.user) problems.push(`user ${e.user} != ${line.user}`);
  if (problems.length > 0) figures.wrong.push(`${where} ${e.class}: ${problems.join(', ')}`);
  else figures.matched++;
}

function checkNegative(file: string, line: AnnotatedLine, outcome: LineOutcome, figures: Figures): void {
  figures.negatives++;
  if (outcome.kind !== 'event' || outcome.event.tier !== 'attack') return;
  if (exceptions.some((x) => x.file === file && line.text.includes(x.contains))) {
    figures.excused++;
    return;
  }
  figures.attackOnNegative.push(`${file}:${line.lineNo} ${outcome.event.class}: ${line.text.slice(0, 140)}`);
}

const FILES = ['postfix', 'dovecot'];

for (const file of FILES) {
  test(`fail2ban corpus "${file}": every match:true line is an attack or signal with its address, time and user; no match:false line is an attack`, () => {
    const f = evaluate(file);
    console.log(
      `[corpus ${file}] lines ${f.lines}, positives ${f.positives}, matched ${f.matched}, missed ${f.missed.length}, wrong user/time ${f.wrong.length}, negatives ${f.negatives}, attack events on negative lines ${f.attackOnNegative.length} (+${f.excused} documented exceptions)`,
    );
    assert.deepEqual(f.missed, [], 'positive lines without an attack or signal event');
    assert.deepEqual(f.wrong, [], 'positive lines with the wrong address, time or user');
    assert.deepEqual(f.attackOnNegative, [], 'negative lines that produced an attack event');
    assert.ok(f.positives > 40, 'the corpus file was read');
  });
}

test('every documented exception names a line that exists in the corpus', () => {
  for (const x of exceptions) {
    const { lines } = readAnnotated(x.file);
    assert.ok(
      lines.some((l) => l.text.includes(x.contains)),
      `${x.file}: "${x.contains}" not found`,
    );
    assert.ok(x.reason.length > 40, 'each exception gives its reason');
  }
});

test('every file of the corpus, the ReDoS samples of dovecot and domino-smtp included, goes through without hanging', {
  timeout: 10_000,
}, () => {
  const names = readdirSync(fail2banCorpusDir).sort();
  assert.ok(names.includes('domino-smtp') && names.includes('dovecot'));
  for (const name of names) {
    const { lines } = readAnnotated(name);
    const classifier = new LineClassifier({ years: new YearResolver(NOW, ZONE), zone: ZONE }, name);
    const outcomes: Record<string, number> = {};
    for (const line of lines) {
      const kind = classifier.classifyText(line.text, line.lineNo).kind;
      outcomes[kind] = (outcomes[kind] ?? 0) + 1;
    }
    assert.equal(
      Object.values(outcomes).reduce((a, b) => a + b, 0),
      lines.length,
    );
  }
});
