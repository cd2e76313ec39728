// The byte-level paths (header split, benign shortcut) must give every line the outcome
// the full classifier gives its text: checked on every line of real daemon output,
// fail2ban's corpus, generated logs and hostile variants of the commonest lines.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ALL_CLASSES } from '../../src/classify/taxonomy.js';
import { YearResolver } from '../../src/parse/time.js';
import { FileAccount } from '../../src/pipeline/accounting.js';
import { LineClassifier } from '../../src/pipeline/line-classifier.js';
import { withGeneratedLogs } from '../support/generated-logs.js';
import { forEachLine } from '../support/log-lines.js';
import { fail2banCorpusDir, repoRoot } from '../support/paths.js';

const ctx = () => ({ years: new YearResolver(Date.parse('2026-12-01T00:00:00Z'), 'UTC'), zone: 'UTC' });
const every = new Set(ALL_CLASSES);

interface Pair {
  bytes: LineClassifier;
  text: LineClassifier;
  lines: number;
}

function pairFor(file: string): Pair {
  return {
    bytes: new LineClassifier(ctx(), file, every, true),
    text: new LineClassifier(ctx(), file, every, true),
    lines: 0,
  };
}

/** Classifies `line` both ways, its bytes inside a block with other lines after it. */
function agree(p: Pair, line: Buffer, lineNo: number, where: string): void {
  if (line.length === 0) return; // a blank line is counted before any classifier sees it
  const block = Buffer.concat([
    line,
    Buffer.from('\n2025-01-01T00:00:00Z h postfix/smtpd[1]: rip=9.9.9.9, ]:77 ,x\n'),
  ]);
  const account = new FileAccount('x');
  const fromBytes = p.bytes.classifyBytes(block, 0, line.length, lineNo, account, false, () => {});
  const fromText = p.text.classifyText(line.toString('utf8'), lineNo);
  assert.deepEqual(fromBytes, fromText, where);
  p.lines++;
}

function checkFile(file: string, totals: { lines: number }): void {
  const p = pairFor(file);
  forEachLine(file, (line, lineNo) => agree(p, line, lineNo, `${file}:${lineNo}`));
  totals.lines += p.lines;
}

function logsUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? logsUnder(path) : [path];
  });
}

test('every line of real daemon output, the corpus and generated logs gets the same outcome from bytes and from text', async () => {
  const totals = { lines: 0 };
  for (const file of logsUnder(join(repoRoot, 'test', 'fixtures', 'real')).filter((f) => f.endsWith('.log')))
    checkFile(file, totals);
  for (const file of logsUnder(fail2banCorpusDir)) checkFile(file, totals);
  checkFile(join(repoRoot, 'examples', 'docker-mailserver', 'mail-logs', 'mail.log'), totals);
  await withGeneratedLogs('3MB', 17, (file) => checkFile(file, totals));
  assert.ok(totals.lines > 20_000, `${totals.lines} lines compared`);
});

test('hostile and unusual connection, submission, delivery and login lines get the same fields both ways', () => {
  const p = pairFor('hostile.log');
  const s = '2025-10-10T01:33:12.123456+02:00 mail';
  const lines = [
    `${s} postfix/smtpd[1]: connect from unknown[192.0.2.1]`,
    `${s} postfix/submission/smtpd[1]: connect from unknown[192.0.2.1]:587`,
    `${s} postfix/smtpd[1]: connect from a[b]c[192.0.2.1]`,
    `${s} postfix/smtpd[1]: connect from unknown[2001:DB8::1]`,
    `${s} postfix/smtpd[1]: connect from unknown[::ffff:192.0.2.1]`,
    `${s} postfix/smtpd[1]: connect from unknown[192.0.2.1`,
    `${s} postfix/smtpd[1]: connect from unknown[]`,
    `${s} postfix/smtpd[1]: connect from ünknown[192.0.2.1]`,
    `${s} postfix/smtpd[1]: connect from unknown[192.0.2.1]:1234567890123`,
    `${s} postfix/smtpd[1]: 4ABC123DEF: client=x[192.0.2.1], sasl_method=PLAIN, sasl_username=a@b.c`,
    `${s} postfix/smtpd[1]: 4ABC123DEF: client=x[192.0.2.1], sasl_method=PLAIN, sasl_username=`,
    `${s} postfix/smtpd[1]: 4ABC123DEF: client=x[192.0.2.1], sasl_method=PLAIN, sasl_username=üser`,
    `${s} postfix/smtpd[1]: 4ABC123DEF: client=x[192.0.2.1], sasl_method=PLAIN, sasl_username=a\tb`,
    `${s} postfix/smtpd[1]: 4ABC123DEF: client=x[192.0.2.1], sasl_username=a, sasl_username=b`,
    `${s} postfix/smtpd[1]: 4ABC123DEF: client=x, sasl_username=a`,
    `${s} postfix/smtpd[1]: NOQUEUE: client=x[192.0.2.1], sasl_username=a`,
    `${s} postfix/smtpd[1]: 44JCRG5tYPzCqt2: client=x[192.0.2.1], sasl_username=a`,
    `${s} postfix/smtpd[1]: 0123456789ABCDEF01234: client=x[192.0.2.1], sasl_username=a`,
    `${s} postfix/virtual[1]: 4ABC123DEF: to=<a@b>, relay=virtual, delay=0.1, dsn=2.0.0, status=sent (delivered)`,
    `${s} postfix/smtp[1]: 4ABC123DEF: to=<a@b>, relay=mx.example[192.0.2.1]:25, status=sent (250 ok)`,
    `${s} postfix/lmtp[1]: 4ABC123DEF: to=<a@b>, status=deliverable (would deliver)`,
    `${s} postfix/smtp[1]: 4ABC123DEF: to=<status=sent@b>, relay=x, status=deferred (later)`,
    `${s} postfix/smtp[1]: 4ABC123DEF: to=<a@b>, relay=, status=sent`,
    `${s} postfix/smtp[1]: 4ABC123DEF: to=<a@b>, relay=ü, status=sent`,
    `${s} postfix/smtp[1]: 4ABC123DEF: to=<a@b>, status=sent`,
    `${s} postfix/smtp[1]: 4ABC123DEF: to=<a@b>, relay=x, status=sent2`,
    `${s} postfix/smtpd[1]: 4ABC123DEF: to=<a@b>, relay=x, status=sent`,
    `${s} dovecot: imap-login: Login: user=<a@b>, method=PLAIN, rip=192.0.2.1, lip=127.0.0.1, mpid=1, TLS, session=<x>`,
    `${s} dovecot: pop3-login: Logged in: user=<a@b>, method=PLAIN, rip=192.0.2.1, lip=127.0.0.1`,
    `${s} dovecot: imap-login: Login: user=<a,rip=6.6.6.6>, method=PLAIN, rip=192.0.2.1, lip=::1`,
    `${s} dovecot: imap-login: Login: user=<x method=EVIL>, method=PLAIN, rip=192.0.2.1`,
    `${s} dovecot: imap-login: Login: user=<>, method=PLAIN, rip=192.0.2.1`,
    `${s} dovecot: imap-login: Login: user=<a, method=PLAIN(rip=192.0.2.1)`,
    `${s} dovecot: imap-login: Login: user=<a>, method=PLAIN, (rip=192.0.2.1, lip=::1)`,
    `${s} dovecot: imap-login: Login: user=<a>, method=PLAIN, xrip=192.0.2.1`,
    `${s} dovecot: imap-login: Login: user=<ü>, method=PLAIN, rip=192.0.2.1`,
    `${s} dovecot: imap-login: Login: user=<a>, method=PLAIN`,
    `${s} dovecot: imap-login: Login: user=<a>, method=PLAIN, rip=`,
    `${s} dovecot: submission-login: Login: user=<a>, method=LOGIN, rip=2001:db8::1, lip=::1`,
    `${s} dovecot: imap-login: Info: Login: user=<a>, method=PLAIN, rip=192.0.2.1`,
    `${s} dovecot: dovecot: imap-login: Login: user=<a>, method=PLAIN, rip=192.0.2.1`,
    `${s} dovecot: IMAP-login: Login: user=<a>, method=PLAIN, rip=192.0.2.1`,
    `${s} dovecot[12]: imap-login: Login: user=<a>, method=PLAIN, rip=192.0.2.1`,
    'Oct 10 01:33:12 mail postfix/smtpd[1]: connect from unknown[192.0.2.1]',
    'Oct  1 01:33:12 mail dovecot: imap-login: Login: user=<a>, method=PLAIN, rip=192.0.2.1',
  ];
  lines.forEach((line, i) => {
    agree(p, Buffer.from(line), i + 1, line);
  });
});
