import { bracketAddress, type Match } from './match.js';

/** Amavis (with its SpamAssassin and ClamAV verdicts). */
export function classifyAmavis(message: string): Match | null {
  const text = message.startsWith('(') ? message.slice(message.indexOf(') ') + 2) : message;
  if (text.startsWith('No decoder for')) {
    const ext = text.slice(14).trim().replace(/^\./, '');
    return { cls: 'no-decoder', detail: ext };
  }
  const verdict = /^(Passed|Blocked) ([A-Z-]+)(?: \(([^()]*)\))?/.exec(text);
  if (!verdict) return null;
  const [, action, kind, name] = verdict;
  const addr = bracketAddress(text, verdict[0].length);
  const m: Match = { cls: 'content-clean' };
  if (kind === 'INFECTED') {
    m.cls = 'virus-found';
    if (name) m.detail = name;
  } else if (kind === 'SPAM' || kind === 'SPAMMY') {
    m.cls = 'spam-blocked';
    m.detail = `${action} ${kind}`;
  } else if (kind === 'BANNED') {
    m.cls = 'policy-rejected';
    m.detail = `${action} BANNED${name ? ` (${name})` : ''}`;
  } else if (
    kind !== 'CLEAN' &&
    kind !== 'BAD-HEADER' &&
    kind !== 'UNCHECKED' &&
    kind !== 'OVERSIZED' &&
    kind !== 'MTA-BLOCKED'
  ) {
    return null;
  }
  if (addr && m.cls !== 'content-clean') m.ip = addr.ip;
  return m;
}

/** clamd: `/path/file: Eicar-Signature FOUND`. */
export function classifyClamav(message: string): Match | null {
  if (message.endsWith(' FOUND')) {
    const colon = message.lastIndexOf(': ');
    const signature = message.slice(colon + 2, -6);
    const hash = signature.indexOf('(');
    return { cls: 'virus-found', detail: hash > 0 ? signature.slice(0, hash) : signature };
  }
  return { cls: 'content-clean' };
}

export function classifyOpendkim(message: string): Match | null {
  const colon = message.indexOf(': ');
  const text = colon > 0 && colon < 20 ? message.slice(colon + 2) : message;
  if (text.startsWith('DKIM-Signature field added')) return { cls: 'content-clean', detail: 'signed' };
  if (text.startsWith('DKIM verification successful')) return { cls: 'content-clean', detail: 'verified' };
  if (
    text.startsWith('bad signature data') ||
    text.includes('verification failed') ||
    text.startsWith('key retrieval failed') ||
    text.includes('signature verification error') ||
    text.startsWith('no signature data') ||
    text.includes('key data is not secure')
  ) {
    return { cls: 'dkim-fail', detail: text };
  }
  if (
    text.startsWith('OpenDKIM Filter') ||
    text.startsWith('s=') ||
    text.startsWith('no signing table match')
  ) {
    return { cls: 'content-clean' };
  }
  return null;
}

export function classifyOpendmarc(message: string): Match | null {
  const m = /^[0-9A-Za-z]{5,20}: (\S+) (pass|fail|none|temperror|permerror|bestguesspass)$/.exec(message);
  if (!m) {
    if (message.startsWith('OpenDMARC Filter')) return { cls: 'content-clean' };
    return null;
  }
  return m[2] === 'fail' ? { cls: 'dmarc-fail', detail: m[1]! } : { cls: 'content-clean' };
}

export function classifySpamd(message: string): Match | null {
  const text = message.startsWith('spamd: ') ? message.slice(7) : message;
  if (text.startsWith('identified spam')) return { cls: 'spam-blocked', detail: text.split(' for ', 1)[0]! };
  if (
    text.startsWith('clean message') ||
    text.startsWith('result: ') ||
    text.startsWith('connection from') ||
    text.startsWith('processing message') ||
    text.startsWith('setuid to')
  ) {
    return { cls: 'content-clean' };
  }
  return null;
}
