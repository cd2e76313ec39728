import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type ParsedLine, parseHeader, YearResolver } from '../../src/index.js';
import { JournalSource, type JournalSourceOptions } from '../../src/ingest/live/journal-source.js';
import type { LiveBatch, SourceCheckpoint } from '../../src/ingest/live/source.js';
import {
  findCommand,
  MissingPackagesError,
  missingPackages,
  REQUIREMENTS,
} from '../realstack/requirements.js';
import { SKIP_ENV, skipRequested } from '../realstack/skip-policy.js';
import { repoRoot } from '../support/paths.js';

const run = promisify(execFile);
const JOURNAL_PACKAGES = ['systemd', 'systemd-journal-remote'];
const JOURNAL_REQUIREMENTS = REQUIREMENTS.filter((req) => JOURNAL_PACKAGES.includes(req.debianPackage));

/** A test on real journalctl output: fails when the tools are missing, unless the real-stack skip is asked for. */
function journalTest(name: string, fn: () => Promise<void>): void {
  const missing = missingPackages(JOURNAL_REQUIREMENTS);
  if (missing.length === 0) test(name, { timeout: 30_000 }, fn);
  else if (skipRequested()) test(name, { skip: `${SKIP_ENV}=1 and ${missing.join(', ')} missing` }, () => {});
  else
    test(name, () => {
      throw new MissingPackagesError(missing);
    });
}

const ctx = { years: new YearResolver(Date.now(), 'UTC'), zone: 'UTC' };

function parsed(line: string): ParsedLine {
  const result = parseHeader(line, ctx);
  assert.ok(!('error' in result), `expected a parse of: ${line} (${'error' in result ? result.error : ''})`);
  return result;
}

// --- Journal files written by systemd-journal-remote from journal export format ---

interface MailRecord {
  program: string;
  pid: number;
  unit: string;
  /** Text, or raw bytes (export format then writes the field in its binary form). */
  message: string | Buffer;
  /** Microseconds since the epoch. */
  realtimeUs: number;
  /** Microseconds since boot. */
  monotonicUs: number;
}

const BOOT_ID = '5f1c2d3e4a5b6c7d8e9fa0b1c2d3e4f5';

/** `KEY=value\n`, or, for values with a newline or raw bytes, `KEY\n` + 64-bit LE length + data + `\n`. */
function exportField(name: string, value: string | Buffer): Buffer {
  if (typeof value === 'string' && !value.includes('\n')) return Buffer.from(`${name}=${value}\n`);
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(data.length));
  return Buffer.concat([Buffer.from(`${name}\n`), length, data, Buffer.from('\n')]);
}

function exportEntry(record: MailRecord): Buffer {
  const fields: [string, string | Buffer][] = [
    ['__REALTIME_TIMESTAMP', String(record.realtimeUs)],
    ['__MONOTONIC_TIMESTAMP', String(record.monotonicUs)],
    ['_BOOT_ID', BOOT_ID],
    ['_HOSTNAME', 'mail'],
    ['_TRANSPORT', 'syslog'],
    ['SYSLOG_IDENTIFIER', record.program],
    ['_PID', String(record.pid)],
    ['_SYSTEMD_UNIT', record.unit],
    ['MESSAGE', record.message],
  ];
  return Buffer.concat([...fields.map(([name, value]) => exportField(name, value)), Buffer.from('\n')]);
}

let exportCount = 0;

/** Appends records to a journal file (created if absent) the way systemd-journal-remote writes them. */
async function appendToJournal(journal: string, records: MailRecord[]): Promise<void> {
  const exportFile = `${journal}.${++exportCount}.export`;
  writeFileSync(exportFile, Buffer.concat(records.map(exportEntry)));
  const remote = JOURNAL_REQUIREMENTS.flatMap((req) => req.candidates)
    .filter((candidate) => candidate.endsWith('systemd-journal-remote'))
    .map((candidate) => findCommand(candidate))
    .find((found) => found !== undefined);
  assert.ok(remote, 'systemd-journal-remote not found');
  await run(remote, ['--split-mode=none', `--output=${journal}`, exportFile]);
}

let recordCount = 0;

function record(program: string, pid: number, unit: string, message: string | Buffer): MailRecord {
  recordCount++;
  return {
    program,
    pid,
    unit,
    message,
    realtimeUs: Date.now() * 1000 + recordCount,
    monotonicUs: recordCount * 1000,
  };
}

function firstRecords(): MailRecord[] {
  return [
    record('postfix/smtpd', 4001, 'postfix@-.service', 'connect from unknown[192.0.2.10]'),
    record(
      'dovecot',
      4100,
      'dovecot.service',
      'imap-login: Disconnected\n(auth failed, 3 attempts): rip=192.0.2.11',
    ),
    record(
      'postfix/smtpd',
      4001,
      'postfix@-.service',
      Buffer.from('warning: bad name r\xe9ception', 'latin1'),
    ),
  ];
}

function messageText(message: string | Buffer): string {
  return typeof message === 'string' ? message : message.toString('utf8');
}

/** A journal directory removed after the test. */
function withJournal(fn: (journal: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwarden-journal-'));
    try {
      // journalctl -f needs an absolute --file path: it watches the file's directory.
      await fn(join(dir, 'mail.journal'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

// --- Running a source ---

interface Harness {
  source: JournalSource;
  batches: LiveBatch[];
  problems: string[];
  lines(): string[];
  lastCheckpoint(): SourceCheckpoint | null;
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  waitForProblems(count: number, timeoutMs?: number): Promise<string[]>;
}

async function waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function follow(options: JournalSourceOptions, resume?: SourceCheckpoint): Promise<Harness> {
  const source = new JournalSource(options);
  const batches: LiveBatch[] = [];
  const problems: string[] = [];
  await source.start(
    (batch) => batches.push(batch),
    (problem) => problems.push(problem),
    resume,
  );
  const lines = () => batches.flatMap((batch) => batch.lines);
  return {
    source,
    batches,
    problems,
    lines,
    lastCheckpoint: () => batches.at(-1)?.checkpoint ?? null,
    async waitForLines(count, timeoutMs = 10_000) {
      await waitUntil(
        `${count} lines (have ${lines().length}; problems: ${problems.join(' / ')})`,
        () => lines().length >= count,
        timeoutMs,
      );
      return lines();
    },
    async waitForProblems(count, timeoutMs = 10_000) {
      await waitUntil(
        `${count} problem reports (have: ${problems.join(' / ')})`,
        () => problems.length >= count,
        timeoutMs,
      );
      return problems;
    },
  };
}

function fileOptions(journal: string, extra: Partial<JournalSourceOptions> = {}): JournalSourceOptions {
  return { from: 'start', command: ['journalctl'], extraArgs: ['--file', journal], ...extra };
}

function cursorOf(line: string): string {
  const cursor = (JSON.parse(line) as { __CURSOR?: unknown }).__CURSOR;
  assert.equal(typeof cursor, 'string');
  return cursor as string;
}

function assertRecord(line: string, expected: MailRecord): void {
  const p = parsed(line);
  assert.equal(p.program, expected.program);
  assert.equal(p.pid, expected.pid);
  assert.equal(p.host, 'mail');
  assert.equal(p.message, messageText(expected.message));
  assert.equal(p.ts, Math.floor(expected.realtimeUs / 1000));
}

describe('recorded journalctl -o json output', () => {
  test('every record parses to program, pid, message and time', () => {
    const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'journal', 'postfix-dovecot.jsonl'), 'utf8');
    const lines = text.split('\n').filter((line) => line !== '');
    const records = lines.map(parsed);
    assert.deepEqual(
      records.map((p) => [p.program, p.pid, p.host]),
      [
        ['postfix/smtpd', 4001, 'mail'],
        ['postfix/smtpd', 4001, 'mail'],
        ['dovecot', 4100, 'mail'],
        ['dovecot', 4101, 'mail'],
        ['postfix/smtpd', 4001, 'mail'],
      ],
    );
    assert.equal(new Date(records[0]!.ts).toISOString(), '2025-10-10T01:33:12.123Z');
    assert.equal(records[0]!.message, 'connect from unknown[192.0.2.10]');
    assert.match(records[2]!.message, /^imap-login: Disconnected: .*rip=192\.0\.2\.11,/);
    // A non-UTF-8 MESSAGE comes as an array of bytes.
    assert.ok(Array.isArray((JSON.parse(lines[3]!) as { MESSAGE: unknown }).MESSAGE));
    assert.equal(records[3]!.message, 'auth: Info: passwd-file(r\ufffdception,192.0.2.12): unknown user');
    assert.equal(records[4]!.message, 'lost connection after AUTH from unknown[192.0.2.10]\nsecond line');
  });
});

describe('journal source on real journalctl', () => {
  test('key names the units', () => {
    assert.equal(new JournalSource({ from: 'end' }).key, 'journal');
    assert.equal(
      new JournalSource({ from: 'end', units: ['postfix.service', 'dovecot.service'] }).key,
      'journal:postfix.service,dovecot.service',
    );
  });

  journalTest(
    'follows a journal file from the start and live, with the cursor of the last record',
    withJournal(async (journal) => {
      const records = firstRecords();
      await appendToJournal(journal, records);
      const harness = await follow(fileOptions(journal));
      try {
        const lines = await harness.waitForLines(3);
        for (const [i, expected] of records.entries()) assertRecord(lines[i]!, expected);
        assert.ok(
          Array.isArray((JSON.parse(lines[2]!) as { MESSAGE: unknown }).MESSAGE),
          'bytes as an array',
        );
        assert.deepEqual(harness.lastCheckpoint(), { kind: 'journal', cursor: cursorOf(lines[2]!) });
        assert.ok(
          harness.batches.every((batch) => batch.origin === 'journal' && batch.senders === undefined),
        );

        const live = record(
          'postfix/smtpd',
          4002,
          'postfix@-.service',
          'disconnect from unknown[192.0.2.10]',
        );
        await appendToJournal(journal, [live]);
        const after = await harness.waitForLines(4);
        assertRecord(after[3]!, live);
        assert.deepEqual(harness.lastCheckpoint(), { kind: 'journal', cursor: cursorOf(after[3]!) });
        assert.deepEqual(harness.problems, []);
      } finally {
        await harness.source.stop();
      }
    }),
  );

  journalTest(
    'resumes after the stored cursor without repeating records; from the end sees only new ones',
    withJournal(async (journal) => {
      await appendToJournal(journal, firstRecords());
      const first = await follow(fileOptions(journal));
      await first.waitForLines(3);
      await first.source.stop();
      const checkpoint = first.lastCheckpoint();
      assert.ok(checkpoint);

      const later = [
        record('postfix/smtpd', 4003, 'postfix@-.service', 'connect from unknown[192.0.2.20]'),
        record('dovecot', 4101, 'dovecot.service', 'imap-login: Login: user=<a@example.org>, rip=192.0.2.21'),
      ];
      await appendToJournal(journal, later);
      const resumed = await follow(fileOptions(journal), checkpoint);
      try {
        await resumed.waitForLines(2);
        await sleep(300);
        assert.equal(resumed.lines().length, 2, 'nothing repeated');
        for (const [i, expected] of later.entries()) assertRecord(resumed.lines()[i]!, expected);
      } finally {
        await resumed.source.stop();
      }

      const fromEnd = await follow(fileOptions(journal, { from: 'end' }));
      try {
        await sleep(1000);
        assert.deepEqual(fromEnd.lines(), [], 'from the end: no old records');
        const fresh = record('postfix/smtpd', 4004, 'postfix@-.service', 'connect from unknown[192.0.2.30]');
        await appendToJournal(journal, [fresh]);
        const [line] = await fromEnd.waitForLines(1);
        assertRecord(line!, fresh);
      } finally {
        await fromEnd.source.stop();
      }
    }),
  );

  journalTest(
    'only the given units',
    withJournal(async (journal) => {
      const records = firstRecords();
      await appendToJournal(journal, records);
      const harness = await follow(fileOptions(journal, { units: ['dovecot.service'] }));
      try {
        await harness.waitForLines(1);
        await sleep(300);
        assert.equal(harness.lines().length, 1);
        assertRecord(harness.lines()[0]!, records[1]!);
      } finally {
        await harness.source.stop();
      }
    }),
  );

  journalTest(
    'a journalctl that exits is reported and restarted after the last cursor',
    withJournal(async (journal) => {
      await appendToJournal(journal, firstRecords());
      // timeout(1) ends each journalctl run after a second, with status 124.
      const harness = await follow(fileOptions(journal, { command: ['timeout', '1', 'journalctl'] }));
      try {
        await harness.waitForLines(3);
        const [problem] = await harness.waitForProblems(1);
        assert.match(problem!, /^journal: timeout 1 journalctl exited with status 124; restarting in 1 s$/);
        const next = record('postfix/smtpd', 4005, 'postfix@-.service', 'connect from unknown[192.0.2.40]');
        await appendToJournal(journal, [next]);
        const lines = await harness.waitForLines(4);
        await harness.waitForProblems(2);
        assert.equal(harness.lines().length, 4, 'no record repeated after the restart');
        assertRecord(lines[3]!, next);
        assert.equal(new Set(lines.map(cursorOf)).size, 4);
      } finally {
        await harness.source.stop();
      }
    }),
  );

  journalTest(
    'from the end, a journalctl that exits before any record is restarted from when following began',
    withJournal(async (journal) => {
      await appendToJournal(journal, firstRecords());
      const harness = await follow(
        fileOptions(journal, { from: 'end', command: ['timeout', '1', 'journalctl'] }),
      );
      try {
        await harness.waitForProblems(1);
        const gap = record('postfix/smtpd', 4006, 'postfix@-.service', 'written while journalctl was down');
        await appendToJournal(journal, [gap]);
        const [line] = await harness.waitForLines(1);
        assertRecord(line!, gap);
        await harness.waitForProblems(2);
        assert.equal(harness.lines().length, 1, 'no old record, none repeated');
      } finally {
        await harness.source.stop();
      }
    }),
  );

  journalTest(
    'journalctl failing at once is reported with its stderr, and retried with a doubling delay',
    async () => {
      const harness = await follow({
        from: 'end',
        extraArgs: ['--file', '/nonexistent/mailwarden/x.journal'],
      });
      try {
        const problems = await harness.waitForProblems(2, 5000);
        assert.match(
          problems[0]!,
          /^journal: journalctl exited with status 1: .*No such file or directory.*; restarting in 1 s$/,
        );
        assert.match(problems[1]!, /restarting in 2 s$/);
      } finally {
        await harness.source.stop();
      }
    },
  );

  journalTest(
    'a cursor journalctl rejects is forgotten and reading starts over',
    withJournal(async (journal) => {
      await appendToJournal(journal, firstRecords());
      const harness = await follow(fileOptions(journal), { kind: 'journal', cursor: 'not-a-cursor' });
      try {
        const [problem] = await harness.waitForProblems(1);
        assert.match(
          problem!,
          /Failed to seek to cursor.*the stored cursor was not accepted, reading from the start/,
        );
        await harness.waitForLines(3);
      } finally {
        await harness.source.stop();
      }
    }),
  );
});

describe('journal source output handling', () => {
  test('a line that is no JSON is reported and skipped; the cursor comes from __CURSOR', async () => {
    const script =
      'printf \'%s\\n\' "not json" \'{"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1760059992123456","MESSAGE":"m","SYSLOG_IDENTIFIER":"x"}\'; exec sleep 60';
    const harness = await follow({ from: 'start', command: ['sh', '-c', script, 'sh'] });
    try {
      const [line] = await harness.waitForLines(1);
      assert.equal(parsed(line!).message, 'm');
      assert.deepEqual(harness.lastCheckpoint(), { kind: 'journal', cursor: 'c1' });
      assert.equal(harness.problems.length, 1);
      assert.match(harness.problems[0]!, /no JSON record: not json$/);
    } finally {
      const stopping = Date.now();
      await harness.source.stop();
      assert.ok(Date.now() - stopping < 2000, 'stop ends the process with SIGTERM');
    }
  });

  test('a command that cannot be run is reported', async () => {
    const harness = await follow({ from: 'end', command: ['/nonexistent/mailwarden/journalctl'] });
    try {
      const [problem] = await harness.waitForProblems(1);
      assert.match(
        problem!,
        /could not be run: spawn \/nonexistent\/mailwarden\/journalctl ENOENT; restarting in 1 s$/,
      );
    } finally {
      await harness.source.stop();
    }
  });
});
