import type { BanSettings } from '../settings/types.js';

/**
 * How long a ban lasts: the base duration for a first offence, multiplied by
 * the repeat factor for each earlier ban still remembered, never past the cap.
 */
export function banLength(level: number, bans: BanSettings): number {
  const length = bans.duration * bans.repeatFactor ** Math.max(0, level - 1);
  return Math.min(Number.isFinite(length) ? length : bans.maxDuration, bans.maxDuration);
}

/** `1h`, `4h`, `2d 16h`: a ban length as people read it. */
export function formatLength(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}
