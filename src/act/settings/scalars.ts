/** Specs for the plain values of the settings file: strings, numbers, switches, durations, commands. */
import { formatDuration, parseDuration } from './duration.js';
import { describeValue } from './problems.js';
import { expected, leaf, Rejection, type Spec } from './spec.js';
import { didYouMean } from './suggest.js';
import type { DurationMs } from './types.js';

export function text(): Spec<string> {
  return leaf((value) =>
    typeof value === 'string' && value.trim() !== '' ? value : expected('a non-empty string', value),
  );
}

/** A string that must match `pattern` (anchored), described to the user as `what`. */
export function matching(pattern: RegExp, what: string): Spec<string> {
  return leaf((value) => (typeof value === 'string' && pattern.test(value) ? value : expected(what, value)));
}

export function bool(): Spec<boolean> {
  return leaf((value) => (typeof value === 'boolean' ? value : expected('true or false', value)));
}

export function integer(min: number, max?: number): Spec<number> {
  const what = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return leaf((value) =>
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value >= min &&
    (max === undefined || value <= max)
      ? value
      : expected(what, value),
  );
}

export function number(min: number): Spec<number> {
  return leaf((value) =>
    typeof value === 'number' && Number.isFinite(value) && value >= min
      ? value
      : expected(`a number >= ${min}`, value),
  );
}

export function oneOf<const V extends string>(values: readonly V[]): Spec<V> {
  const allowed = new Set<string>(values);
  const what = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return leaf((value) => {
    if (typeof value === 'string' && allowed.has(value)) return value as V;
    const hint = typeof value === 'string' ? didYouMean(value, values) : '';
    return new Rejection(`must be ${what}, got ${describeValue(value)}${hint}`);
  });
}

/**
 * A duration (see parseDuration). `zero: 'allowed'` where zero has a meaning
 * (e.g. "no memory of past bans"); elsewhere it would mean "never" or "spin",
 * and is refused.
 */
export function duration(zero: 'allowed' | 'refused' = 'refused'): Spec<DurationMs> {
  return leaf((value) => {
    const ms = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : null;
    if (ms === null) {
      return expected(
        'a duration such as "90s", "10m", "24h", "30d", "1w" or "1h30m" (a bare number is seconds)',
        value,
      );
    }
    if (ms === 0 && zero === 'refused') return new Rejection(`must be longer than ${formatDuration(0)}`);
    return ms;
  });
}

/** An argument list: a list of strings, or one string split on whitespace (no quoting). */
export function command(): Spec<string[]> {
  const what = 'a command: a list of strings or one string of words';
  return leaf((value) => {
    if (typeof value === 'string') {
      const words = value.trim().split(/\s+/).filter(Boolean);
      return words.length > 0 ? words : expected(what, value);
    }
    if (Array.isArray(value) && value.length > 0 && value.every((w) => typeof w === 'string' && w !== '')) {
      return value as string[];
    }
    return expected(what, value);
  });
}
