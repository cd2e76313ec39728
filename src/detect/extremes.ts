/**
 * The largest and smallest of many numbers. `Math.max(...values)` passes each
 * value as an argument and overflows the stack from about 125,000 values: an
 * audit with that many attacking addresses would fail.
 */
export function maxOf(values: Iterable<number>, empty = Number.NEGATIVE_INFINITY): number {
  let best = empty;
  for (const v of values) if (v > best) best = v;
  return best;
}

export function minOf(values: Iterable<number>, empty = Number.POSITIVE_INFINITY): number {
  let best = empty;
  for (const v of values) if (v < best) best = v;
  return best;
}
