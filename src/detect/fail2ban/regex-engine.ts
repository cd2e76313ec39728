/**
 * V8's linear-time regular expression engine, switched on once for the process.
 *
 * `--enable-experimental-regexp-engine` makes the `l` flag available: such a
 * RegExp runs in time linear in the subject (it refuses backreferences,
 * lookarounds, the `i`, `u` and `d` flags, and bounded repeats whose nested
 * replication exceeds 16). `--enable-experimental-regexp-engine-on-excessive-backtracks`
 * with `--regexp-backtracks-before-fallback` makes an ordinary RegExp whose
 * pattern the linear engine could run switch to it after that many
 * backtracks. Both take effect for RegExps created after the flags are set.
 */
import v8 from 'node:v8';

export const BACKTRACKS_BEFORE_FALLBACK = 10_000;

export interface RegExpEngineSupport {
  /** The `l` flag compiles. */
  linear: boolean;
  /** The fallback flags were set (V8 offers no way to read them back). */
  fallback: boolean;
}

let support: RegExpEngineSupport | null = null;

/** Sets the V8 flags (first call only) and reports what is available. */
export function regExpEngineSupport(): RegExpEngineSupport {
  if (support) return support;
  let fallback = false;
  try {
    v8.setFlagsFromString('--enable-experimental-regexp-engine');
    v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
    v8.setFlagsFromString(`--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_FALLBACK}`);
    fallback = true;
  } catch {
    fallback = false;
  }
  let linear = false;
  try {
    // A literal with the `l` flag would not even parse where the flag is unknown.
    // biome-ignore lint/complexity/useRegexLiterals: the flag must be tried at run time
    new RegExp('a', 'l');
    linear = true;
  } catch {
    linear = false;
  }
  support = { linear, fallback: fallback && linear };
  return support;
}

/** A RegExp with the `l` flag (plus `extra`), or null when V8 refuses it. */
export function tryLinear(source: string, extra = ''): RegExp | null {
  if (!regExpEngineSupport().linear) return null;
  try {
    return new RegExp(source, `l${extra}`);
  } catch {
    return null;
  }
}
