import { shellQuote } from '../findings/shell-quote.js';

/** One word of a shell command line: as is when it holds nothing the shell would read, else quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : shellQuote(word);
}

/** A command line for a POSIX shell, each word quoted where needed. */
export function commandLine(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}

/**
 * The command line run for `argv` with an optional prefix (`docker exec
 * mailserver`, `ssh mail sudo`): the prefix is the administrator's own shell
 * text, taken as given; every word mailwarden adds is quoted.
 */
export function prefixedCommand(prefix: string | undefined, argv: readonly string[]): string {
  const command = commandLine(argv);
  return prefix !== undefined && prefix.trim() !== '' ? `${prefix.trim()} ${command}` : command;
}
