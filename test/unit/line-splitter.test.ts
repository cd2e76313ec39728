// However a stream is cut into blocks, the splitter hands over the same lines with the
// same numbers, says a line is clean only when it is, and skips oversized lines whole.
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { test } from 'node:test';
import { LineSplitter, MAX_LINE_BYTES } from '../../src/ingest/line-splitter.js';

type Seen = [lineNo: number, text: string] | [lineNo: number, 'oversized', bytes: number];

function split(blocks: Buffer[]): Seen[] {
  const seen: Seen[] = [];
  const splitter = new LineSplitter({
    line(data, start, end, lineNo, clean) {
      const bytes = data.subarray(start, end);
      if (clean) assert.ok(isUtf8(bytes) && bytes.indexOf(0) < 0, `line ${lineNo} said clean but is not`);
      seen.push([lineNo, bytes.toString('latin1')]);
    },
    oversized(lineNo, bytes) {
      seen.push([lineNo, 'oversized', bytes]);
    },
  });
  for (const b of blocks) splitter.push(b);
  splitter.end();
  return seen;
}

/** Cuts `data` at pseudo-random places (seeded), some blocks one byte long. */
function cut(data: Buffer, seed: number): Buffer[] {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x;
  };
  const blocks: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    const size = next() % 4 === 0 ? 1 : 1 + (next() % 9000);
    blocks.push(data.subarray(at, at + size));
    at += size;
  }
  return blocks;
}

test('every way of cutting a stream into blocks gives the same lines', () => {
  const lines: Buffer[] = [];
  for (let i = 0; i < 400; i++)
    lines.push(Buffer.from(`line ${i} ${'x'.repeat(i % 97)}${i % 5 === 0 ? '\r' : ''}`));
  lines.push(Buffer.from([0x61, 0xff, 0xfe, 0x62]));
  lines.push(Buffer.from('with a NUL \0 inside'));
  lines.push(Buffer.from(`${'y'.repeat(MAX_LINE_BYTES + 10)}`));
  lines.push(Buffer.from('after the long one'));
  lines.push(Buffer.from(''));
  lines.push(Buffer.from('last, without a newline'));
  const data = Buffer.concat(
    lines.flatMap((l, i) => (i === lines.length - 1 ? [l] : [l, Buffer.from('\n')])),
  );
  const whole = split([data]);
  assert.equal(whole.length, lines.length);
  assert.deepEqual(whole[1], [2, 'line 1 x']);
  assert.deepEqual(whole[0], [1, 'line 0 ']);
  assert.deepEqual(whole[lines.length - 4], [lines.length - 3, 'oversized', MAX_LINE_BYTES + 10]);
  assert.deepEqual(whole[lines.length - 1], [lines.length, 'last, without a newline']);
  for (const seed of [1, 2, 3, 42, 1234]) assert.deepEqual(split(cut(data, seed)), whole, `seed ${seed}`);
  assert.deepEqual(split([...data].map((b) => Buffer.from([b]))), whole, 'one byte at a time');
});
