import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { orderRotated, readEvents } from '../../src/index.js';

test('numeric rotations are read oldest first, 10 before 9', () => {
  const shuffled = ['mail.log', 'mail.log.1', 'mail.log.10.gz', 'mail.log.2.gz', 'mail.log.9.gz'];
  assert.deepEqual(orderRotated(shuffled), [
    'mail.log.10.gz',
    'mail.log.9.gz',
    'mail.log.2.gz',
    'mail.log.1',
    'mail.log',
  ]);
});

test('dateext rotations are read by date, then the live file', () => {
  const names = ['mail.log', 'mail.log-20251010.gz', 'mail.log-20250930', 'mail.log-20251003.gz'];
  assert.deepEqual(orderRotated(names), [
    'mail.log-20250930',
    'mail.log-20251003.gz',
    'mail.log-20251010.gz',
    'mail.log',
  ]);
});

test('separate families keep their order of appearance', () => {
  assert.deepEqual(orderRotated(['mail.log', 'fail2ban.log.1', 'mail.log.1', 'fail2ban.log']), [
    'mail.log.1',
    'mail.log',
    'fail2ban.log.1',
    'fail2ban.log',
  ]);
});

test('a directory is read as its rotated families, gzip streamed, in time order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-rot-'));
  const line = (n: number) =>
    `2025-10-${String(n).padStart(2, '0')}T10:00:00.000000+00:00 mail postfix/smtpd[1]: lost connection after CONNECT from unknown[192.0.2.${n}]\n`;
  writeFileSync(join(dir, 'mail.log.10.gz'), gzipSync(line(1)));
  writeFileSync(join(dir, 'mail.log.9.gz'), gzipSync(line(2)));
  writeFileSync(join(dir, 'mail.log.1'), line(3));
  writeFileSync(join(dir, 'mail.log'), line(4));
  writeFileSync(join(dir, 'unrelated.txt'), line(5));
  const ips: string[] = [];
  for await (const e of readEvents([dir])) ips.push(e.ip ?? '');
  assert.deepEqual(ips, ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']);
});
