import { bracketAddress, type Match } from './match.js';
import { classifyReject } from './postfix-reject.js';

function at(cls: Match['cls'], text: string, from: number, detail?: string): Match | null {
  const addr = bracketAddress(text, from);
  if (!addr) return null;
  const m: Match = { cls, ip: addr.ip };
  if (addr.port !== undefined) m.port = addr.port;
  if (detail !== undefined) m.detail = detail;
  return m;
}

/** The text after `after ` in `... from [ip]:port after CMD[: text]`. */
function afterPart(text: string): string | undefined {
  const i = text.indexOf(' after ');
  return i < 0 ? undefined : text.slice(i + 7);
}

/** postscreen(8): one line per test outcome, always `[address]:port`, never a hostname. */
export function classifyPostscreen(message: string): Match | null {
  switch (message.charCodeAt(0)) {
    case 67 /* C */:
      if (message.startsWith('CONNECT from [')) return at('postscreen-connect', message, 13);
      if (message.startsWith('COMMAND PIPELINING from [')) {
        const addr = bracketAddress(message, 24);
        const tail = addr ? afterPart(message.slice(addr.end)) : undefined;
        return at('postscreen-pipelining', message, 24, tail?.split(':', 1)[0]);
      }
      if (
        message.startsWith('COMMAND TIME LIMIT') ||
        message.startsWith('COMMAND COUNT LIMIT') ||
        message.startsWith('COMMAND LENGTH LIMIT')
      ) {
        return at('postscreen-limit', message, 0, message.slice(0, message.indexOf(' LIMIT') + 6));
      }
      break;
    case 80 /* P */:
      if (message.startsWith('PREGREET ')) {
        const addr = bracketAddress(message, 9);
        if (!addr) return null;
        const text = message.slice(addr.end).replace(/^: /, '');
        return at('pregreet', message, 9, text);
      }
      if (message.startsWith('PASS NEW [')) return at('postscreen-pass', message, 9, 'NEW');
      if (message.startsWith('PASS OLD [')) return at('postscreen-pass', message, 9, 'OLD');
      if (message.startsWith('PENALTY ')) return at('postscreen-limit', message, 8, 'PENALTY');
      break;
    case 78 /* N */:
      if (message.startsWith('NON-SMTP COMMAND from [')) {
        const addr = bracketAddress(message, 22);
        const tail = addr ? afterPart(message.slice(addr.end)) : undefined;
        const colon = tail?.indexOf(': ') ?? -1;
        return at('postscreen-non-smtp', message, 22, tail && colon >= 0 ? tail.slice(colon + 2) : tail);
      }
      if (message.startsWith('NOQUEUE: reject: ')) {
        if (message.includes(': 450 4.3.2 Service currently unavailable;'))
          return at('postscreen-retry', message, 17);
        return classifyReject('reject', message.slice(17));
      }
      break;
    case 66 /* B */:
      if (message.startsWith('BARE NEWLINE from [')) {
        const addr = bracketAddress(message, 18);
        return at(
          'postscreen-bare-newline',
          message,
          18,
          addr ? afterPart(message.slice(addr.end)) : undefined,
        );
      }
      if (message.startsWith('BLACKLISTED [')) return at('postscreen-denylisted', message, 11);
      if (message.startsWith('BDAT without valid RCPT from ['))
        return at('policy-rejected', message, 0, 'BDAT without valid RCPT');
      break;
    case 68 /* D */:
      if (message.startsWith('DNSBL rank ')) {
        const rank = message.slice(11).split(' ', 1)[0];
        return at('postscreen-dnsbl', message, 11, rank);
      }
      if (message.startsWith('DENYLISTED [')) return at('postscreen-denylisted', message, 10);
      if (message.startsWith('DISCONNECT [')) return at('postscreen-disconnect', message, 10);
      if (message.startsWith('DATA without valid RCPT from ['))
        return at('policy-rejected', message, 0, 'DATA without valid RCPT');
      break;
    case 72 /* H */:
      if (message.startsWith('HANGUP after ')) {
        const phase = message.indexOf(' in ');
        return at('postscreen-hangup', message, 13, phase >= 0 ? message.slice(phase + 4) : undefined);
      }
      break;
    case 65 /* A */:
      if (message.startsWith('ALLOWLISTED [')) return at('postscreen-pass', message, 11, 'ALLOWLISTED');
      if (message.startsWith('ALLOWLIST VETO ['))
        return at('postscreen-connect', message, 14, 'ALLOWLIST VETO');
      break;
    case 87 /* W */:
      if (message.startsWith('WHITELISTED [')) return at('postscreen-pass', message, 11, 'ALLOWLISTED');
      if (message.startsWith('WHITELIST VETO ['))
        return at('postscreen-connect', message, 14, 'ALLOWLIST VETO');
      break;
    case 114 /* r */:
      if (message.startsWith('reject: connect from ['))
        return at('connection-limit', message, 20, 'all screening ports busy');
      break;
    case 101 /* e */:
    case 108 /* l */:
      if (message.includes(' STRESS mode')) return { cls: 'postfix-service', detail: message };
      break;
    case 99 /* c */:
      if (message.startsWith('cache ')) return { cls: 'postfix-service' };
      break;
  }
  return null;
}
