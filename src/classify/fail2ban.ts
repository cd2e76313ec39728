import type { Match } from './match.js';

const LEVEL_WORD = /^[A-Z]+ +/;

/** fail2ban's own log: bans, unbans, failed actions, start-up. */
export function classifyFail2ban(program: string, message: string): Match | null {
  const text = message.replace(LEVEL_WORD, '');
  if (program === 'fail2ban.actions') {
    const action = /^\[([^\]]+)\] (Restore Ban|Ban|Unban|Reban) (\S+)/.exec(text);
    if (action) {
      return {
        cls: action[2] === 'Unban' ? 'fail2ban-unban' : 'fail2ban-ban',
        ip: action[3]!,
        detail: action[1]!,
      };
    }
    const failed = /^Failed to execute (?:un)?ban jail '([^']+)'/.exec(text);
    if (failed) {
      const ip = /'ip': '([^']+)'/.exec(text);
      return ip
        ? { cls: 'fail2ban-action-error', ip: ip[1]!, detail: failed[1]! }
        : { cls: 'fail2ban-action-error', detail: failed[1]! };
    }
  }
  if (program === 'fail2ban.utils') {
    // What a failed action command printed: `<id> -- stderr: '...'` and `<id> -- returned 127`.
    const output = /^[0-9a-f]+ -- (stderr: .{1,300}|returned \d+)/.exec(text);
    if (output) return { cls: 'fail2ban-service', detail: output[1]! };
  }
  const version = /Starting Fail2ban v(\S+)/.exec(text);
  if (version) return { cls: 'fail2ban-service', detail: version[1]! };
  return { cls: 'fail2ban-service' };
}
