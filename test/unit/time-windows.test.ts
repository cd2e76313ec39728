// Window counts and rhythms read a list of times in any order, the same as sorted,
// and never reorder the caller's list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxInWindow, rhythm } from '../../src/detect/tally.js';

test('unsorted times give what sorted ones give, and stay as they were', () => {
  const minute = 60_000;
  const sorted = [0, 1, 2, 3, 30, 31, 32, 90].map((m) => m * minute);
  const shuffled = [30, 2, 90, 0, 31, 3, 1, 32].map((m) => m * minute);
  const copy = [...shuffled];
  assert.equal(maxInWindow(shuffled, 10 * minute), 4);
  assert.equal(maxInWindow(sorted, 10 * minute), 4);
  assert.equal(rhythm(shuffled), rhythm(sorted));
  assert.deepEqual(shuffled, copy, 'the list is not sorted in place');
  assert.equal(maxInWindow([], minute), 0);
});
