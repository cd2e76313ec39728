/**
 * Turns one received syslog message into one log line as `parseHeader` reads it.
 */

/** `<PRI>Mmm dd hh:mm:ss ` of RFC 3164, the PRI optional. */
const RFC3164_PREFIX = /^(?:<\d{1,3}>)?[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d(?:\.\d{1,9})? +/;
const LINE_BREAKS = /[\r\n\0]/g;

function trimTrailingTerminators(text: string): string {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 10 && c !== 13 && c !== 0) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

/** `postfix/smtpd[12]:`, `dovecot:`: a syslog tag rather than a host name. */
function looksLikeTag(token: string): boolean {
  if (token.endsWith(':')) return true;
  const open = token.indexOf('[');
  return open >= 0 && token.indexOf(']:', open) > open;
}

/**
 * Senders that log to a remote server directly (not through a local syslog
 * daemon) often leave out the HOSTNAME of RFC 3164: `<13>Nov 25 10:00:00 tag: msg`.
 * The sender's address takes its place so that the host is never lost.
 */
export function withSenderHost(line: string, sender: string): string {
  const prefix = RFC3164_PREFIX.exec(line);
  if (!prefix) return line;
  const start = prefix[0].length;
  const space = line.indexOf(' ', start);
  const token = line.slice(start, space < 0 ? line.length : space);
  if (!looksLikeTag(token)) return line;
  return `${line.slice(0, start)}${sender} ${line.slice(start)}`;
}

/** One message as one line: line ends removed, embedded line breaks (and NULs) made spaces, the host filled in. */
export function messageToLine(message: Buffer, sender: string): string {
  const text = trimTrailingTerminators(message.toString('utf8'));
  if (text === '') return '';
  return withSenderHost(text.replace(LINE_BREAKS, ' '), sender);
}
