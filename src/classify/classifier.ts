import type { ParsedLine } from '../parse/header.js';
import { parseTag } from '../parse/header.js';
import {
  classifyAmavis,
  classifyClamav,
  classifyOpendkim,
  classifyOpendmarc,
  classifySpamd,
} from './content.js';
import { classifyDovecot, classifyPamFailure } from './dovecot.js';
import { classifyFail2ban } from './fail2ban.js';
import type { ClassifyState, Match } from './match.js';
import { classifyPostfix } from './postfix.js';

export interface Classification {
  /** The service name reported in events: the syslog name, with Dovecot's process folded in (`dovecot/imap-login`). */
  service: string;
  /** Null when the program is known but the message is not (or the program is not a mail program). */
  match: Match | null;
}

const DOVECOT_PROCESSES = new Set([
  'imap-login',
  'pop3-login',
  'submission-login',
  'managesieve-login',
  'auth',
  'auth-worker',
  'dovecot-auth',
  'imap',
  'pop3',
  'lmtp',
  'submission',
  'managesieve',
  'master',
  'config',
  'anvil',
  'log',
  'stats',
  'indexer',
  'indexer-worker',
  'doveadm',
  'dict',
  'quota-status',
  'lda',
  'dovecot-lda',
  'imap-hibernate',
  'replicator',
  'aggregator',
]);

const AMAVIS = new Set(['amavis', 'amavisd', 'amavisd-new', '/usr/sbin/amavisd-new']);

function isPostfix(program: string): boolean {
  return program.startsWith('postfix');
}

export function classifyParsed(line: ParsedLine, state: ClassifyState): Classification {
  const { program, message } = line;
  if (isPostfix(program)) {
    const slash = program.lastIndexOf('/');
    const sub = slash < 0 ? program : program.slice(slash + 1);
    return { service: program, match: classifyPostfix(program, sub, line.pid, message, state) };
  }
  if (program === 'dovecot' || DOVECOT_PROCESSES.has(program)) return classifyDovecotLine(line);
  if (program.startsWith('fail2ban.')) return { service: program, match: classifyFail2ban(program, message) };
  if (AMAVIS.has(program)) return { service: program, match: classifyAmavis(message) };
  if (program === 'clamd') return { service: program, match: classifyClamav(message) };
  if (program === 'opendkim') return { service: program, match: classifyOpendkim(message) };
  if (program === 'opendmarc') return { service: program, match: classifyOpendmarc(message) };
  if (program === 'spamd') return { service: program, match: classifySpamd(message) };
  if (message.startsWith('pam_unix(')) return { service: program, match: classifyPamFailure(message) };
  return { service: program, match: null };
}

function classifyDovecotLine(line: ParsedLine): Classification {
  let sub = line.program;
  let tagArgs = line.tagArgs;
  let message = line.message;
  // Through syslog, Dovecot writes `dovecot: imap-login: ...` (sometimes `dovecot: dovecot: auth(default): ...`).
  for (let depth = 0; depth < 3 && sub === 'dovecot'; depth++) {
    const inner = parseTag(message);
    if (!inner) break;
    sub = inner.program;
    tagArgs = inner.tagArgs;
    message = inner.message;
  }
  if (sub === 'dovecot') return { service: 'dovecot', match: classifyDovecot('master', null, message) };
  return { service: `dovecot/${sub}`, match: classifyDovecot(sub, tagArgs, message) };
}
