let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * `Date.prototype.toISOString` for log times, which come many to a second:
 * the text up to the second is made once per second and reused.
 */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const full = new Date(second * 1000).toISOString();
    cachedPrefix = full.slice(0, full.length - 4);
    cachedSecond = second;
  }
  const frac = ms - second * 1000;
  return `${cachedPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}
