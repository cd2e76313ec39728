/**
 * The first `n` items in `compare` order, exactly as `[...items].sort(compare).slice(0, n)`
 * gives them (equal items keep their order), without sorting them all: a report
 * shows the top 20 or 25 of some 100,000 addresses.
 */
export function topN<T>(items: Iterable<T>, n: number, compare: (a: T, b: T) => number): T[] {
  const top: T[] = [];
  if (n <= 0) return top;
  for (const item of items) {
    if (top.length === n && compare(item, top[n - 1]!) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(item, top[mid]!) < 0) hi = mid;
      else lo = mid + 1;
    }
    top.splice(lo, 0, item);
    if (top.length > n) top.pop();
  }
  return top;
}
