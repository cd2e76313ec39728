// The interner hands out one flat string per value: equal values come back as the same
// string, the copy holds none of the line it was cut from, and the table stays bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Interner } from '../../src/pipeline/interner.js';

test('equal values, cut from different lines, come back as one string with the same text', () => {
  const keep = new Interner();
  const a = keep.get('2025-10-10 line one 203.0.113.129 and more text'.slice(20, 33));
  const b = keep.get('another line naming 203.0.113.129 too'.slice(20, 33));
  assert.equal(a, '203.0.113.129');
  assert.equal(b, a);
  assert.equal(keep.get('ünïcode@例え.jp'), 'ünïcode@例え.jp');
});

test('the table starts over when full, and keeps answering with the right text', () => {
  const keep = new Interner(100);
  for (let i = 0; i < 1000; i++) assert.equal(keep.get(`user${i}@example.test`), `user${i}@example.test`);
  assert.equal(keep.get('user5@example.test'), 'user5@example.test');
});

test('what it hands out does not keep alive the lines it was cut from', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const keep = new Interner();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = [];
  for (let i = 0; i < 200; i++) {
    // A unique 100 KB line each time, of which 20 characters are kept.
    const line = `${i} ${'x'.repeat(100_000)} user${i}@example.test`;
    kept.push(keep.get(line.slice(line.length - 20)));
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(kept.length, 200);
  assert.ok(grown < 5_000_000, `the 20 MB of lines were freed (heap grew by ${grown} bytes)`);
});
