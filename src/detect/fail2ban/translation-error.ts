/**
 * A fail2ban regular expression that mailwarden cannot evaluate exactly as
 * fail2ban's Python does: Python itself rejects it, or it uses a construct
 * that has no faithful JavaScript equivalent here. The filter is then reported
 * as not evaluable instead of being approximated.
 */
export class FilterTranslationError extends Error {
  override name = 'FilterTranslationError';

  constructor(
    /** The filter (or jail) the regex belongs to. */
    readonly filter: string,
    /** Which regex: `failregex[2]`, `prefregex`, `datepattern` ... */
    readonly regexLabel: string,
    /** The regex as fail2ban compiles it (tags substituted). */
    readonly regex: string,
    /** Why it cannot be translated. */
    readonly reason: string,
  ) {
    super(`filter ${filter}, ${regexLabel}: ${reason} in ${JSON.stringify(regex)}`);
  }
}

/** Thrown by the parser and emitter; turned into a FilterTranslationError by the caller who knows the filter. */
export class RegexUnsupportedError extends Error {
  override name = 'RegexUnsupportedError';
  constructor(
    message: string,
    /** Python itself rejects the pattern (as opposed to: valid Python, not translatable). */
    readonly pythonRejects: boolean,
    readonly position: number,
  ) {
    super(message);
  }
}
