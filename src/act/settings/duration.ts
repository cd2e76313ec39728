import type { DurationMs } from './types.js';

const UNIT_MS = {
  w: 7 * 24 * 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
  h: 60 * 60 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
} as const;
type Unit = keyof typeof UNIT_MS;

// `ms` before `m`: the alternation takes the first unit that matches.
const PART = /\s*(\d+)(ms|[wdhms])/y;
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;

/**
 * Milliseconds for a settings duration: `90s`, `10m`, `24h`, `30d`, `1w`, `250ms`,
 * or several units largest first (`1h30m`, `1d 12h`). A bare number is seconds
 * (`90`, `0.5`). Signs, fractions of a unit and units out of order are refused,
 * so a typo never becomes a different length. Null when the text is no duration.
 *
 * (fail2ban's own duration syntax, read by src/config/fail2ban/duration.ts, is
 * not reused: it evaluates arithmetic, accepts negative values and months.)
 */
export function parseDuration(value: string | number): DurationMs | null {
  if (typeof value === 'number') return secondsToMs(value);
  const text = value.trim();
  if (BARE_SECONDS.test(text)) return secondsToMs(Number(text));
  let total = 0;
  let position = 0;
  let previousUnit: Unit | null = null;
  while (position < text.length) {
    PART.lastIndex = position;
    const match = PART.exec(text);
    if (!match) return null;
    const unit = match[2] as Unit;
    if (previousUnit !== null && UNIT_MS[unit] >= UNIT_MS[previousUnit]) return null;
    total += Number(match[1]) * UNIT_MS[unit];
    previousUnit = unit;
    position = PART.lastIndex;
  }
  if (previousUnit === null || !Number.isSafeInteger(total)) return null;
  return total;
}

function secondsToMs(seconds: number): DurationMs | null {
  if (!Number.isFinite(seconds) || seconds < 0) return null;
  const ms = Math.round(seconds * 1000);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** The shortest text `parseDuration` reads back as `ms`: `1h30m`, `30d`, `2w`, `0s`. */
export function formatDuration(ms: DurationMs): string {
  if (ms === 0) return '0s';
  const units: Unit[] = ms % UNIT_MS.w === 0 ? ['w'] : ['d', 'h', 'm', 's', 'ms'];
  let rest = ms;
  let out = '';
  for (const unit of units) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * UNIT_MS[unit];
  }
  return out;
}
