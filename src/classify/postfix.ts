import {
  bracketAddress,
  type ClassifyState,
  type Match,
  textUntil,
  valueAt,
  wordAfter,
  wordAt,
} from './match.js';
import { classifyReject } from './postfix-reject.js';
import { classifyPostscreen } from './postscreen.js';

/**
 * Strips a leading queue id that Postfix puts before many messages: `NOQUEUE: `,
 * short ids (upper-case hex, `4ABC123: `) or long ids (`44JCRG5tYPzCqt2: `, with digits and letters).
 */
function stripQueueId(message: string): { queueId: string | null; body: string } {
  const colon = message.indexOf(': ');
  if (colon < 5 || colon > 20) return { queueId: null, body: message };
  const id = message.slice(0, colon);
  if (id !== 'NOQUEUE' && !isQueueId(id)) return { queueId: null, body: message };
  return { queueId: id, body: message.slice(colon + 2) };
}

function isQueueId(id: string): boolean {
  let digits = 0;
  let upperHexOnly = true;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 70) continue;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) upperHexOnly = false;
    else return false;
  }
  return upperHexOnly ? id.length >= 5 : id.length >= 12 && digits > 0;
}

function withAddress(cls: Match['cls'], text: string, from: number, detail?: string): Match {
  const addr = bracketAddress(text, from);
  const m: Match = { cls };
  if (addr) {
    m.ip = addr.ip;
    if (addr.port !== undefined) m.port = addr.port;
  }
  if (detail !== undefined) m.detail = detail;
  return m;
}

/** `lost connection after EHLO from host[ip]`, `too many errors after RCPT from ...`: detail is the command. */
function afterCommand(cls: Match['cls'], body: string, prefixLength: number): Match {
  const from = body.indexOf(' from ', prefixLength);
  const command = body.slice(prefixLength, from < 0 ? undefined : from);
  return withAddress(cls, body, from < 0 ? body.length : from, command);
}

const REJECT_VERBS = ['reject', 'milter-reject', 'reject_warning', 'discard', 'hold'];

function classifySmtpd(
  service: string,
  pid: number | null,
  message: string,
  state: ClassifyState,
): Match | null {
  const { queueId, body } = stripQueueId(message);
  const c = body.charCodeAt(0);
  switch (c) {
    case 99 /* c */:
      if (body.startsWith('connect from ')) return withAddress('smtp-connect', body, 13);
      if (body.startsWith('client=')) {
        const cls = body.includes('sasl_username=') ? 'sasl-auth-success' : 'smtp-client';
        const m = withAddress(cls, body, 7, queueId ?? undefined);
        const user = body.indexOf('sasl_username=');
        if (user >= 0) m.user = valueAt(body, user + 14);
        return m;
      }
      break;
    case 100 /* d */:
      if (body.startsWith('disconnect from ')) {
        const addr = bracketAddress(body, 16);
        const stats = addr ? body.slice(addr.end).trim() : '';
        const cls = failedAuth(stats) ? 'auth-command-abuse' : 'smtp-disconnect';
        return withAddress(cls, body, 16, stats);
      }
      break;
    case 108 /* l */:
      if (body.startsWith('lost connection after ')) return afterCommand('lost-connection', body, 22);
      break;
    case 116 /* t */:
      if (body.startsWith('timeout after ')) return afterCommand('smtp-timeout', body, 14);
      if (body.startsWith('too many errors after ')) return afterCommand('too-many-errors', body, 22);
      break;
    case 105 /* i */:
      if (body.startsWith('improper command pipelining after '))
        return afterCommand('improper-pipelining', body, 34);
      break;
    case 83 /* S */:
      if (body.startsWith('SSL_accept error from ')) {
        const addr = bracketAddress(body, 22);
        const reason = addr ? body.slice(addr.end + 2) : '';
        if (addr && pid !== null) {
          state.lastTlsFailure.set(
            `${service}[${pid}]`,
            addr.port !== undefined ? { ip: addr.ip, port: addr.port } : { ip: addr.ip },
          );
        }
        return withAddress('tls-handshake-failure', body, 22, reason);
      }
      break;
    case 119 /* w */:
      if (body.startsWith('warning: ')) return classifySmtpdWarning(service, pid, body.slice(9), state);
      break;
    case 65 /* A */:
    case 84 /* T */:
    case 85 /* U */:
    case 86 /* V */:
      if (body.includes(' TLS connection established from ')) {
        const at = body.indexOf(' from ');
        const colon = body.indexOf(': ', at);
        return withAddress('tls-established', body, at, colon > 0 ? body.slice(colon + 2) : undefined);
      }
      break;
    case 97 /* a */:
      if (body.startsWith('abort: TLS from '))
        return withAddress('tls-handshake-failure', body, 16, 'STARTTLS aborted');
      break;
  }
  const colon = body.indexOf(': ');
  if (colon > 0 && colon < 16) {
    const verb = body.slice(0, colon);
    if (REJECT_VERBS.includes(verb)) return classifyReject(verb, body.slice(colon + 2));
  }
  return null;
}

/** `auth=0/3` (and any `auth=a/b` with a < b) in the disconnect statistics. */
function failedAuth(stats: string): boolean {
  const at = stats.indexOf('auth=');
  if (at < 0 || (at > 0 && stats.charCodeAt(at - 1) !== 32)) return false;
  const value = wordAt(stats, at + 5);
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  return Number(value.slice(0, slash)) < Number(value.slice(slash + 1));
}

const LIMIT_WARNINGS = ['rate limit exceeded', 'concurrency limit exceeded', 'limit exceeded:'];

function classifySmtpdWarning(
  service: string,
  pid: number | null,
  w: string,
  state: ClassifyState,
): Match | null {
  if (w.startsWith('TLS library problem: ')) {
    const linked = pid !== null ? state.lastTlsFailure.get(`${service}[${pid}]`) : undefined;
    const m: Match = { cls: 'tls-library-problem', detail: w.slice(21) };
    if (linked) {
      m.ip = linked.ip;
      if (linked.port !== undefined) m.port = linked.port;
    }
    return m;
  }
  if (w.startsWith('non-SMTP command from ')) {
    const addr = bracketAddress(w, 22);
    return withAddress('non-smtp-command', w, 22, addr ? w.slice(addr.end + 2) : undefined);
  }
  if (w.startsWith('hostname ')) {
    const marker = ' does not resolve to address ';
    const at = w.indexOf(marker);
    if (at < 0) return null;
    const ip = (w.slice(at + marker.length).split(/[:\s]/, 1)[0] ?? '').trim();
    return { cls: 'hostname-mismatch', ip, detail: w.slice(9, at) };
  }
  const sasl = w.indexOf(': SASL ');
  if (sasl > 0 && w.includes(' authentication failed')) {
    const addr = bracketAddress(w);
    const mechanism = wordAfter(w, ': SASL ') ?? '';
    const failedAt = w.indexOf('authentication failed');
    let reason = w.slice(failedAt + 21).replace(/^:\s?/, '');
    let user: string | undefined;
    const userAt = reason.lastIndexOf(', sasl_username=');
    if (userAt >= 0) {
      user = reason.slice(userAt + 16);
      reason = reason.slice(0, userAt);
    }
    const cls = reason.startsWith('Connection lost to authentication server')
      ? 'sasl-auth-error'
      : 'sasl-auth-failure';
    const m = withAddress(cls, w, 0, cls === 'sasl-auth-error' ? reason : mechanism);
    if (!addr) delete m.ip;
    if (user && user !== '(unavailable)') m.user = user;
    return m;
  }
  for (const marker of LIMIT_WARNINGS) {
    if (w.includes(marker)) {
      const from = w.indexOf(' from ');
      return withAddress('connection-limit', w, Math.max(from, 0), w.split(':', 1)[0]);
    }
  }
  return null;
}

const DELIVERY_AGENTS = new Set(['smtp', 'lmtp', 'local', 'virtual', 'pipe', 'error', 'discard', 'retry']);
const QUEUE_PROGRAMS = new Set([
  'qmgr',
  'pickup',
  'cleanup',
  'bounce',
  'trivial-rewrite',
  'scache',
  'verify',
  'tlsmgr',
  'postsuper',
  'sendmail',
  'postdrop',
  'postqueue',
  'flush',
  'showq',
  'proxymap',
  'oqmgr',
  'nqmgr',
  'defer',
  'trace',
]);
const SERVICE_PROGRAMS = new Set([
  'master',
  'postfix-script',
  'postlogd',
  'anvil',
  'dnsblog',
  'tlsproxy',
  'postfix',
  'postlog',
  'postmulti',
]);

function classifyDelivery(body: string): Match {
  const status = body.indexOf('status=');
  if (status < 0) return { cls: 'queue-activity' };
  const word = wordAt(body, status + 7);
  if (word === 'sent' || word === 'deliverable') {
    const relay = body.indexOf('relay=');
    return { cls: 'delivery-sent', detail: relay >= 0 ? textUntil(body, relay + 6, ',') : '' };
  }
  const reasonStart = body.indexOf('(', status);
  const reason = reasonStart > 0 ? body.slice(reasonStart + 1, body.endsWith(')') ? -1 : undefined) : word;
  if (word === 'deferred' || word === 'undeliverable') return { cls: 'delivery-deferred', detail: reason };
  if (word === 'bounced' || word === 'expired') return { cls: 'delivery-bounced', detail: reason };
  return { cls: 'queue-activity' };
}

/**
 * Postfix: `subprogram` is the last part of the syslog name (`smtpd` of `postfix/submissions/smtpd`),
 * which names the daemon whatever service or instance prefix stands before it.
 */
export function classifyPostfix(
  service: string,
  subprogram: string,
  pid: number | null,
  message: string,
  state: ClassifyState,
): Match | null {
  if (subprogram === 'smtpd') return classifySmtpd(service, pid, message, state);
  if (subprogram === 'postscreen') return classifyPostscreen(message);
  const { body } = stripQueueId(message);
  if (DELIVERY_AGENTS.has(subprogram)) {
    if (body.startsWith('to=<')) return classifyDelivery(body);
    if (body.startsWith('warning: ')) return null;
    return { cls: 'queue-activity' };
  }
  if (QUEUE_PROGRAMS.has(subprogram)) {
    const colon = body.indexOf(': ');
    if (colon > 0 && colon < 16) {
      const verb = body.slice(0, colon);
      if (REJECT_VERBS.includes(verb)) return classifyReject(verb, body.slice(colon + 2));
    }
    if (body.startsWith('warning: ') || body.startsWith('fatal: ') || body.startsWith('panic: ')) return null;
    return { cls: 'queue-activity' };
  }
  if (SERVICE_PROGRAMS.has(subprogram)) {
    if (subprogram === 'anvil' || subprogram === 'dnsblog') {
      return body.startsWith('warning: ') ? null : { cls: 'postfix-service' };
    }
    if (body.startsWith('fatal: ') || body.startsWith('panic: ')) return null;
    return { cls: 'postfix-service' };
  }
  return null;
}
