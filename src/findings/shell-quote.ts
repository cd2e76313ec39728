/** Quotes text for a POSIX shell command line in a recommendation (single quotes, `'` as `'\''`). */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
