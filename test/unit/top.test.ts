import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topN } from '../../src/detect/top.js';

test('topN gives what a stable sort and a slice give, ties included', () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const byCount = (a: { count: number }, b: { count: number }) => b.count - a.count;
  for (let round = 0; round < 200; round++) {
    const size = Math.floor(random() * 300);
    // Few distinct counts: most comparisons are ties, which a stable sort keeps in input order.
    const items = Array.from({ length: size }, (_, id) => ({ id, count: Math.floor(random() * 6) }));
    for (const n of [0, 1, 5, 20, size, size + 3]) {
      assert.deepEqual(topN(items, n, byCount), [...items].sort(byCount).slice(0, n), `size ${size}, n ${n}`);
    }
  }
});
