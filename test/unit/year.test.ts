import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readEvents, YearResolver } from '../../src/index.js';

test('a syslog date more than a day after the reference belongs to the previous year', () => {
  const years = new YearResolver(Date.parse('2026-01-02T10:00:00Z'), 'UTC');
  assert.equal(new Date(years.resolve(12, 31, 23, 59, 0, 0)).toISOString(), '2025-12-31T23:59:00.000Z');
  assert.equal(new Date(years.resolve(1, 2, 9, 0, 0, 0)).toISOString(), '2026-01-02T09:00:00.000Z');
  // Within a day after the reference: clock skew, same year.
  assert.equal(new Date(years.resolve(1, 3, 8, 0, 0, 0)).toISOString(), '2026-01-03T08:00:00.000Z');
});

test('a fixed --year overrides inference', () => {
  const years = new YearResolver(Date.parse('2026-01-02T10:00:00Z'), 'UTC', 2019);
  assert.equal(new Date(years.resolve(12, 31, 23, 59, 0, 0)).toISOString(), '2019-12-31T23:59:00.000Z');
});

test('a file that spans New Year takes its years from its modification time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-year-'));
  const file = join(dir, 'mail.log');
  writeFileSync(
    file,
    [
      'Dec 31 23:59:58 mail postfix/smtpd[1]: lost connection after CONNECT from unknown[192.0.2.1]',
      'Jan  1 00:00:03 mail postfix/smtpd[1]: lost connection after CONNECT from unknown[192.0.2.2]',
    ].join('\n'),
  );
  const mtime = new Date('2026-01-01T06:00:00Z');
  utimesSync(file, mtime, mtime);
  const events = [];
  for await (const e of readEvents([file], { tz: 'UTC' })) events.push(e.ts);
  assert.deepEqual(events, ['2025-12-31T23:59:58.000Z', '2026-01-01T00:00:03.000Z']);
});

test('local times are read in the --tz zone, across a daylight-saving change', () => {
  const years = new YearResolver(Date.parse('2025-12-01T00:00:00Z'), 'Europe/Berlin');
  assert.equal(new Date(years.resolve(10, 25, 12, 0, 0, 0)).toISOString(), '2025-10-25T10:00:00.000Z');
  assert.equal(new Date(years.resolve(10, 27, 12, 0, 0, 0)).toISOString(), '2025-10-27T11:00:00.000Z');
});
