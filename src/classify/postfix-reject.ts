import { angleValue, bracketAddress, type Match } from './match.js';

/**
 * `reject: RCPT from host[ip]:port: 554 5.7.1 <x@y>: Relay access denied; from=<a> to=<b> proto=ESMTP helo=<h>`
 * (smtpd, with spaces between the key list) and postscreen's variant with commas.
 * `verb` is the word before the colon: reject, milter-reject, discard, hold...
 */
export function classifyReject(verb: string, body: string): Match | null {
  const from = body.indexOf(' from ');
  if (from < 0) return null;
  const stage = body.slice(0, from);
  const addr = bracketAddress(body, from);
  if (!addr) return null;
  const replyStart = body.charCodeAt(addr.end) === 58 ? addr.end + 2 : addr.end;
  const semi = body.indexOf('; from=<', replyStart);
  const reply = body.slice(replyStart, semi < 0 ? undefined : semi);
  const keys = semi < 0 ? '' : body.slice(semi);
  const base = addr.port !== undefined ? { ip: addr.ip, port: addr.port } : { ip: addr.ip };
  const rcpt = angleValue(keys, 'to');

  if (reply.includes('Relay access denied'))
    return { cls: 'relay-denied', ...base, ...(rcpt ? { detail: rcpt } : {}) };
  if (
    reply.includes('Recipient address rejected: User unknown') ||
    reply.includes('Recipient address rejected: undeliverable address') ||
    reply.includes('User unknown in ')
  ) {
    return { cls: 'unknown-recipient', ...base, ...(rcpt ? { detail: rcpt } : {}) };
  }
  if (reply.includes('Helo command rejected'))
    return { cls: 'helo-rejected', ...base, detail: reasonAfter(reply, 'Helo command rejected: ') };
  if (reply.includes('Sender address rejected'))
    return { cls: 'sender-rejected', ...base, detail: reasonAfter(reply, 'Sender address rejected: ') };
  if (reply.includes('too many connections') || reply.includes('ports busy')) {
    return { cls: 'connection-limit', ...base, detail: reply };
  }
  const blocked = reply.indexOf(' blocked using ');
  if (blocked >= 0) {
    const list = reply.slice(blocked + 15).split(/[;,\s]/, 1)[0] ?? '';
    return { cls: 'client-rejected', ...base, detail: list };
  }
  if (reply.includes('Client host rejected') || reply.includes('Access denied')) {
    return { cls: 'client-rejected', ...base, detail: reasonAfter(reply, 'Client host rejected: ') };
  }
  if (reply.includes('DMARC')) return { cls: 'dmarc-fail', ...base, detail: reply };
  if (/\bspam\b/i.test(reply)) return { cls: 'spam-blocked', ...base, detail: reply };
  if (verb === 'reject_warning') return { cls: 'queue-activity', ...base, detail: reply };
  return { cls: 'policy-rejected', ...base, detail: `${stage}: ${reply}` };
}

function reasonAfter(reply: string, marker: string): string {
  const at = reply.indexOf(marker);
  return at < 0 ? reply : reply.slice(at + marker.length);
}
