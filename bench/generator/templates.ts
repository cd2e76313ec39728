/**
 * Interaction templates cut out of recorded real daemon output.
 *
 * The recordings under test/fixtures/real/<release>/syslog/ hold what real Postfix,
 * postscreen and Dovecot wrote while a driver attacked them (and played innocent
 * clients) from known 127.x addresses; ground-truth.json says which address did what.
 * For every scenario and every address this module collects the lines of that
 * address's interaction: lines naming the address, lines of the same `service[pid]`
 * between its `connect from` and `disconnect from` (OpenSSL's `TLS library problem`
 * carries no address), lines of the Postfix queue ids it was given (cleanup, qmgr,
 * delivery) and lines of its Dovecot sessions. Each line keeps its program, its time
 * offset and its message text, with the parts that differ between interactions (client
 * address and port, pids, queue ids, session ids, message ids, user names, the
 * sender's domain) turned into slots that the generator fills in afresh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EventClass, LineClassifier, normalizeIp, type Tier, YearResolver } from '../../src/index.js';

export type SlotKind =
  | 'clientIp'
  | 'serverIp'
  | 'port'
  | 'pid'
  | 'mpid'
  | 'queueId'
  | 'session'
  | 'messageId'
  | 'user'
  | 'domain';

/** `known`: a mailbox of the server; `unknown`: a guessed local name; `remote`: an address elsewhere. */
export type UserKind = 'known' | 'unknown' | 'remote';

export interface Slot {
  kind: SlotKind;
  /** The recorded text the slot stands for. */
  original: string;
  /** pid slots: the program the process belongs to. */
  program?: string;
  /** user slots. */
  userKind?: UserKind;
  /** remote user slots: the local part and the slot of the domain. */
  local?: string;
  domainSlot?: number;
  /** unknown user slots: whether the name carried the server's domain. */
  withDomain?: boolean;
}

export interface TemplateLine {
  /** Microseconds after the template's first line. */
  offset: number;
  /** Syslog tag without pid: `postfix/submission/smtpd`, `dovecot`. */
  program: string;
  /** Slot of the process id, -1 when the line has none. */
  pidSlot: number;
  /** The message: literal text at even indexes, slot numbers at odd ones; starts and ends with text. */
  parts: (string | number)[];
  /** What mailwarden made of the recorded line. */
  cls: EventClass;
  tier: Tier;
  /** The recorded line's event carried the interaction's client address. */
  clientIp: boolean;
  /** Index of the client connection the line belongs to. */
  connection: number;
  /**
   * The client comes back here after a postscreen first contact (PASS NEW, 450 4.3.2):
   * the recording reconnected at once, a real MTA retries minutes later.
   */
  retry: boolean;
}

export interface Template {
  id: string;
  scenario: string;
  legit: boolean;
  /** The recorded client address. */
  address: string;
  lines: TemplateLine[];
  slots: Slot[];
  connections: number;
  /** Microseconds from the first to the last line. */
  duration: number;
  /** A connection passed postscreen for the first time (PASS NEW) and the client had to come back. */
  firstContact: boolean;
  /** Bytes of the recorded messages and tags (without the time stamp and host), for size estimates. */
  bodyBytes: number;
}

export interface ScenarioTemplates {
  id: string;
  legit: boolean;
  /** The event kinds the recording's ground truth expects (`account-compromise` included). */
  expectedKind: string[];
  /** One template per recorded address: everything that address did. */
  full: Template[];
  /** The same without first-contact connections: what a client that already passed postscreen does. */
  repeat: Template[];
  /** Single connections of `repeat`; for attacks only those with a non-benign event naming the client. */
  connections: Template[];
}

export interface ServiceLine {
  program: string;
  /** Whether the recorded line had a pid (the process is a singleton of the server). */
  pid: boolean;
  message: string;
  kind: 'start' | 'postscreen-cache';
}

export interface TemplateLibrary {
  release: string;
  hostname: string;
  domain: string;
  serverIp: string;
  /** Mailboxes the innocent traffic used. */
  knownUsers: string[];
  scenarios: ScenarioTemplates[];
  serviceLines: ServiceLine[];
}

interface GroundTruthFile {
  stack: {
    domain: string;
    listenAddress: string;
    ports: Record<string, number>;
  };
  scenarios: TruthEntry[];
  legitimate: TruthEntry[];
}

interface TruthEntry {
  id: string;
  expectedKind: string[];
  addresses: string[];
  users?: string[];
  mailboxSessions?: Record<string, number>;
}

const STANDARD_PORTS: Record<string, number> = {
  smtp: 25,
  submission: 587,
  submissions: 465,
  imap: 143,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
};

interface Rec {
  index: number;
  ts: number;
  host: string;
  program: string;
  pid: number | null;
  message: string;
  cls: EventClass;
  tier: Tier;
  eventIp: string | undefined;
  owner: string | null;
  conn: number;
}

interface Conn {
  address: string;
  recs: number[];
  firstContact: boolean;
}

const HEADER = /^(\S+) (\S+) ([^\s[\]:]+)(?:\[(\d+)\])?: (.*)$/;
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)$/;

/** Microseconds since the epoch of an RFC 3339 time stamp with up to six fraction digits. */
export function parseMicros(stamp: string): number {
  const m = RFC3339.exec(stamp);
  if (!m) throw new Error(`not an RFC 3339 time stamp: ${stamp}`);
  const seconds = Date.parse(`${m[1]}${m[3] === 'Z' ? 'Z' : m[3]}`);
  const fraction = Number((m[2] ?? '').padEnd(6, '0'));
  return seconds * 1000 + fraction;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds the recordings of a release: `<fixtures>/<release>/syslog/{mail.log,ground-truth.json}`. */
export function recordingDir(fixturesDir: string, release: string): string {
  return join(fixturesDir, release, 'syslog');
}

/** Reads one recording and cuts it into templates. Fast (a few hundred lines): done once per run. */
export function extractTemplates(dir: string, release: string): TemplateLibrary {
  const truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as GroundTruthFile;
  const text = readFileSync(join(dir, 'mail.log'), 'utf8');
  const rawLines = text.split('\n').filter((l) => l.length > 0);
  const serverIp = truth.stack.listenAddress;

  const entries = [
    ...truth.scenarios.map((e) => ({ entry: e, legit: false })),
    ...truth.legitimate.map((e) => ({ entry: e, legit: true })),
  ];
  const clients = new Set<string>();
  for (const { entry } of entries) for (const a of entry.addresses) clients.add(a);

  const knownUsers = new Set<string>();
  for (const e of truth.legitimate) {
    for (const u of e.users ?? []) knownUsers.add(u);
    for (const u of Object.keys(e.mailboxSessions ?? {})) knownUsers.add(u);
  }

  // Classify the whole recording in order, as mailwarden reads it.
  const classifier = new LineClassifier(
    { years: new YearResolver(Date.now(), 'UTC'), zone: 'UTC' },
    'mail.log',
  );
  const recs: Rec[] = rawLines.map((raw, index) => {
    const m = HEADER.exec(raw);
    if (!m) throw new Error(`${dir}/mail.log:${index + 1}: unexpected line shape`);
    const outcome = classifier.classifyText(raw, index + 1);
    if (outcome.kind !== 'event' && outcome.kind !== 'benign')
      throw new Error(`${dir}/mail.log:${index + 1}: recorded line not classified (${outcome.kind})`);
    return {
      index,
      ts: parseMicros(m[1]!),
      host: m[2]!,
      program: m[3]!,
      pid: m[4] !== undefined ? Number(m[4]) : null,
      message: m[5]!,
      cls: outcome.event.class,
      tier: outcome.event.tier,
      eventIp: outcome.event.ip,
      owner: null,
      conn: -1,
    };
  });

  // Which client a line names.
  const delimitedV4 = /(?<=[[=,(])(\d{1,3}(?:\.\d{1,3}){3})(?=[\]),:\s]|$)/g;
  const clientOf = (message: string): string | null => {
    for (const m of message.matchAll(delimitedV4)) if (clients.has(m[1]!)) return m[1]!;
    return null;
  };

  const conns: Conn[] = [];
  const newConn = (address: string): number => {
    conns.push({ address, recs: [], firstContact: false });
    return conns.length - 1;
  };
  const assign = (rec: Rec, conn: number): void => {
    rec.conn = conn;
    rec.owner = conns[conn]!.address;
    conns[conn]!.recs.push(rec.index);
  };

  const smtpdOpen = new Map<string, number>();
  const queueConn = new Map<string, number>();
  const sessionConn = new Map<string, number>();
  const postscreenConn = new Map<string, number>();
  const handoff = new Map<string, number>();
  const pendingAuth: Rec[] = [];

  for (const rec of recs) {
    const client = clientOf(rec.message);
    const msg = rec.message;
    if (rec.program.endsWith('/smtpd') && rec.pid !== null) {
      const key = `${rec.program}[${rec.pid}]`;
      if (msg.startsWith('connect from ') && client) {
        let conn = rec.program === 'postfix/smtpd' ? handoff.get(client) : undefined;
        if (conn !== undefined) handoff.delete(client);
        else conn = newConn(client);
        smtpdOpen.set(key, conn);
      }
      const conn = smtpdOpen.get(key);
      if (conn !== undefined && (client === null || client === conns[conn]!.address)) {
        assign(rec, conn);
        const queued = /^([0-9A-F]{6,}): client=/.exec(msg);
        if (queued) queueConn.set(queued[1]!, conn);
        if (msg.startsWith('disconnect from ')) smtpdOpen.delete(key);
      } else if (client) {
        assign(rec, newConn(client));
      }
    } else if (rec.program === 'postfix/postscreen') {
      const m = /\[([^\]]+)\]:(\d+)/.exec(msg);
      if (client && m) {
        const key = `${client}]:${m[2]}`;
        let conn = postscreenConn.get(key);
        if (conn === undefined) {
          conn = newConn(client);
          postscreenConn.set(key, conn);
        }
        assign(rec, conn);
        if (msg.startsWith('PASS OLD ')) handoff.set(client, conn);
        if (msg.startsWith('PASS NEW ')) conns[conn]!.firstContact = true;
      }
    } else if (rec.program.startsWith('postfix/')) {
      const q = /^([0-9A-F]{6,}): /.exec(msg);
      const conn = q ? queueConn.get(q[1]!) : undefined;
      if (conn !== undefined) assign(rec, conn);
      else if (client) assign(rec, newConn(client));
    } else if (rec.program === 'dovecot') {
      const s = /<([A-Za-z0-9+/]{16})>/.exec(msg);
      const known = s ? sessionConn.get(s[1]!) : undefined;
      if (known !== undefined) assign(rec, known);
      else if (client && s) {
        const conn = newConn(client);
        sessionConn.set(s[1]!, conn);
        assign(rec, conn);
      } else if (client) {
        pendingAuth.push(rec);
      }
    } else if (client) {
      assign(rec, newConn(client));
    }
  }

  // Dovecot's answers to Postfix's SASL questions carry the address but no session:
  // give each to the connection of that address whose next SASL failure it explains.
  const span = (c: Conn) => ({ start: recs[c.recs[0]!]!.ts, end: recs[c.recs[c.recs.length - 1]!]!.ts });
  const claimed = new Set<number>();
  for (const rec of pendingAuth) {
    const address = clientOf(rec.message)!;
    let best = -1;
    let bestTs = Number.POSITIVE_INFINITY;
    for (let c = 0; c < conns.length; c++) {
      const conn = conns[c]!;
      if (conn.address !== address || conn.recs.length === 0) continue;
      for (const i of conn.recs) {
        const r = recs[i]!;
        if (claimed.has(i) || r.ts < rec.ts - 5000) continue;
        if (!r.message.includes(' authentication failed')) continue;
        if (r.ts < bestTs) {
          bestTs = r.ts;
          best = c;
        }
        break;
      }
    }
    if (best < 0) {
      for (let c = 0; c < conns.length; c++) {
        const conn = conns[c]!;
        if (conn.address !== address || conn.recs.length === 0) continue;
        const { start, end } = span(conn);
        if (start <= rec.ts && rec.ts <= end) best = c;
      }
    }
    if (best < 0) best = newConn(address);
    else {
      const conn = conns[best]!;
      for (const i of conn.recs) {
        const r = recs[i]!;
        if (!claimed.has(i) && r.ts >= rec.ts - 5000 && r.message.includes(' authentication failed')) {
          claimed.add(i);
          break;
        }
      }
    }
    assign(rec, best);
  }
  for (const c of conns) c.recs.sort((a, b) => a - b);

  const portMap = new Map<string, string>();
  for (const [name, port] of Object.entries(truth.stack.ports)) {
    const standard = STANDARD_PORTS[name];
    if (standard !== undefined) portMap.set(String(port), String(standard));
  }

  const scenarios: ScenarioTemplates[] = [];
  for (const { entry, legit } of entries) {
    const full: Template[] = [];
    for (const address of entry.addresses) {
      const mine = recs.filter((r) => r.owner === address);
      if (mine.length === 0) continue;
      full.push(
        buildTemplate({
          id: `${entry.id}#${full.length}`,
          scenario: entry.id,
          legit,
          address,
          recs: mine,
          conns,
          serverIp,
          domain: truth.stack.domain,
          knownUsers,
          portMap,
        }),
      );
    }
    if (full.length === 0) continue;
    const repeat = full.map((t) => {
      if (!t.firstContact) return t;
      const drop = new Set(t.lines.filter(isPassNew).map((l) => l.connection));
      const keep = new Set<number>();
      for (let c = 0; c < t.connections; c++) if (!drop.has(c)) keep.add(c);
      return keep.size > 0 ? restrict(t, keep, `${t.id}/repeat`) : t;
    });
    const connections: Template[] = [];
    for (const t of repeat) {
      for (let c = 0; c < t.connections; c++) {
        if (!t.lines.some((l) => l.connection === c)) continue;
        const sub = restrict(t, new Set([c]), `${t.id}/conn${c}`);
        if (legit || sub.lines.some((l) => l.tier !== 'benign' && l.clientIp)) connections.push(sub);
      }
    }
    scenarios.push({ id: entry.id, legit, expectedKind: [...entry.expectedKind], full, repeat, connections });
  }

  // Lines of the server itself, kept to open the generated log and to recur as they do.
  const serviceLines: ServiceLine[] = [];
  for (const rec of recs) {
    if (rec.owner !== null) continue;
    const message = rec.message
      .replace(/\/tmp\/mailwarden-realstack-[^/\s]+\/postfix-data/g, '/var/lib/postfix')
      .replace(/\/tmp\/mailwarden-realstack-[^/\s,]+\/postfix/g, '/etc/postfix');
    if (message.includes('mailwarden')) continue;
    if (rec.program === 'postfix/postscreen' && message.startsWith('cache '))
      serviceLines.push({ program: rec.program, pid: rec.pid !== null, message, kind: 'postscreen-cache' });
    else if (rec.program === 'postfix/master' || message.startsWith('master: '))
      serviceLines.push({ program: rec.program, pid: rec.pid !== null, message, kind: 'start' });
  }

  return {
    release,
    hostname: recs[0]?.host ?? 'mail',
    domain: truth.stack.domain,
    serverIp,
    knownUsers: [...knownUsers].sort(),
    scenarios,
    serviceLines,
  };
}

interface BuildInput {
  id: string;
  scenario: string;
  legit: boolean;
  address: string;
  recs: Rec[];
  conns: Conn[];
  serverIp: string;
  domain: string;
  knownUsers: Set<string>;
  portMap: Map<string, string>;
}

interface Token {
  start: number;
  end: number;
  priority: number;
  /** A slot key, or null for a literal replacement. */
  key: string | null;
  value: string;
  literal?: string;
}

const USER_RULES: RegExp[] = [
  /sasl_username=([^,\s]+)/dg,
  /(?:passwd-file|passwd|shadow|pam|sql|ldap|static|checkpassword|auth)\(([^,()]+),/dg,
  /user=<([^>]+)>/dg,
  /(?:imap|pop3|lmtp|submission|managesieve)\(([^)]+)\)</dg,
  /(?:from|to)=<([^>]+)>/dg,
  /(?:FROM|TO):<([^>]+)>/dg,
  /: \d{3} \d\.\d\.\d{1,3} <([^>]+)>: /dg,
];

function buildTemplate(input: BuildInput): Template {
  const { recs, address, serverIp, domain, knownUsers, portMap } = input;
  const slots: Slot[] = [];
  const slotIndex = new Map<string, number>();
  const slot = (key: string, make: () => Slot): number => {
    let i = slotIndex.get(key);
    if (i === undefined) {
      const made = make();
      i = slots.length;
      slots.push(made);
      slotIndex.set(key, i);
    }
    return i;
  };

  // Users and the remote domains they name, over the whole interaction first.
  const users = new Set<string>();
  for (const rec of recs) {
    for (const rule of USER_RULES) for (const m of rec.message.matchAll(rule)) users.add(m[1]!);
  }
  const remoteDomains = new Set<string>();
  for (const u of users) {
    const at = u.lastIndexOf('@');
    if (at > 0 && !knownUsers.has(u) && u.slice(at + 1) !== domain) remoteDomains.add(u.slice(at + 1));
  }
  const domainKeys = [...remoteDomains].sort((a, b) => b.length - a.length);
  const userSlot = (u: string): number =>
    slot(`user:${u}`, () => {
      if (knownUsers.has(u)) return { kind: 'user', original: u, userKind: 'known' };
      const at = u.lastIndexOf('@');
      const userDomain = at > 0 ? u.slice(at + 1) : null;
      if (userDomain !== null && userDomain !== domain) {
        const domainSlot = slot(`domain:${userDomain}`, () => ({ kind: 'domain', original: userDomain }));
        return { kind: 'user', original: u, userKind: 'remote', local: u.slice(0, at), domainSlot };
      }
      return { kind: 'user', original: u, userKind: 'unknown', withDomain: userDomain !== null };
    });

  const ipPattern = escapeRegExp(address);
  const serverPattern = escapeRegExp(serverIp);
  const clientRule = new RegExp(`(?<=[[=,(])${ipPattern}(?=[\\]),:\\s]|$)`, 'dg');
  const serverRule = new RegExp(`(?<=[[=,(])${serverPattern}(?=[\\]),:\\s]|$)`, 'dg');
  const clientPortRule = new RegExp(`\\[${ipPattern}\\]:(\\d+)`, 'dg');
  const serverPortRule = new RegExp(`\\[${serverPattern}\\]:(\\d+)`, 'dg');

  const connIndex = new Map<number, number>();
  const lines: TemplateLine[] = [];
  const t0 = recs[0]!.ts;
  let last = 0;
  for (const rec of recs) {
    const msg = rec.message;
    const tokens: Token[] = [];
    // Every rule has the `d` flag: the group's own position, not the first equal text in the match.
    const add = (
      m: RegExpMatchArray,
      group: number,
      priority: number,
      key: string | null,
      literal?: string,
    ) => {
      const value = m[group]!;
      const start = m.indices![group]![0];
      const token: Token = { start, end: start + value.length, priority, key, value };
      if (literal !== undefined) token.literal = literal;
      tokens.push(token);
    };
    for (const m of msg.matchAll(clientRule)) add(m, 0, 0, 'clientIp');
    for (const m of msg.matchAll(serverRule)) add(m, 0, 1, 'serverIp');
    for (const m of msg.matchAll(clientPortRule)) add(m, 1, 2, `port:${m[1]}`);
    for (const m of msg.matchAll(serverPortRule)) add(m, 1, 3, null, portMap.get(m[1]!) ?? m[1]!);
    for (const m of msg.matchAll(/^([0-9A-F]{6,12}): /dg)) add(m, 1, 4, `queueId:${m[1]}`);
    for (const rule of USER_RULES) for (const m of msg.matchAll(rule)) add(m, 1, 5, `user:${m[1]}`);
    for (const m of msg.matchAll(/message-id=<([^@>]+)@/dg)) add(m, 1, 6, `messageId:${m[1]}`);
    for (const m of msg.matchAll(/mpid=(\d+)/dg)) add(m, 1, 7, `mpid:${m[1]}`);
    for (const m of msg.matchAll(/\)<(\d+)></dg)) add(m, 1, 7, `mpid:${m[1]}`);
    for (const m of msg.matchAll(/<([A-Za-z0-9+/]{16})>/dg)) add(m, 1, 8, `session:${m[1]}`);
    for (const d of domainKeys) {
      for (let at = msg.indexOf(d); at >= 0; at = msg.indexOf(d, at + d.length)) {
        tokens.push({ start: at, end: at + d.length, priority: 9, key: `domain:${d}`, value: d });
      }
    }
    tokens.sort((a, b) => a.start - b.start || a.priority - b.priority);

    const parts: (string | number)[] = [];
    let cursor = 0;
    let text = '';
    for (const token of tokens) {
      if (token.start < cursor) continue;
      text += msg.slice(cursor, token.start);
      cursor = token.end;
      if (token.key === null) {
        text += token.literal ?? token.value;
        continue;
      }
      const key = token.key;
      const kind = key.slice(0, key.indexOf(':') < 0 ? key.length : key.indexOf(':')) as SlotKind;
      let index: number;
      if (kind === 'user') index = userSlot(token.value);
      else index = slot(key, () => ({ kind, original: token.value }));
      parts.push(text, index);
      text = '';
    }
    parts.push(text + msg.slice(cursor));

    let connection = connIndex.get(rec.conn);
    if (connection === undefined) {
      connection = connIndex.size;
      connIndex.set(rec.conn, connection);
    }
    const pidSlot =
      rec.pid === null
        ? -1
        : slot(`pid:${rec.program}[${rec.pid}]#${connection}`, () => ({
            kind: 'pid',
            original: String(rec.pid),
            program: rec.program,
          }));
    const offset = Math.max(last, rec.ts - t0);
    last = offset;
    lines.push({
      offset,
      program: rec.program,
      pidSlot,
      parts,
      cls: rec.cls,
      tier: rec.tier,
      clientIp: rec.eventIp !== undefined && rec.eventIp === normalizeIp(address),
      connection,
      retry: false,
    });
  }

  // Mark where a client that got postscreen's 450 comes back.
  const firstContactConns = new Set<number>();
  for (const rec of recs)
    if (input.conns[rec.conn]?.firstContact) firstContactConns.add(connIndex.get(rec.conn)!);
  if (firstContactConns.size > 0) {
    let lastFirstContact = -1;
    lines.forEach((l, i) => {
      if (firstContactConns.has(l.connection)) lastFirstContact = i;
    });
    const next = lines.findIndex((l, i) => i > lastFirstContact && !firstContactConns.has(l.connection));
    if (next > 0) lines[next]!.retry = true;
  }

  return {
    id: input.id,
    scenario: input.scenario,
    legit: input.legit,
    address,
    lines,
    slots,
    connections: connIndex.size,
    duration: last,
    firstContact: firstContactConns.size > 0,
    bodyBytes: bodyBytesOf(lines, slots),
  };
}

/** The template cut down to some of its connections, time rebased and slots renumbered. */
export function restrict(t: Template, keep: Set<number>, id: string): Template {
  const kept = t.lines.filter((l) => keep.has(l.connection));
  if (kept.length === 0) throw new Error(`${id}: no lines left`);
  const slotMap = new Map<number, number>();
  const slots: Slot[] = [];
  const remap = (i: number): number => {
    let j = slotMap.get(i);
    if (j === undefined) {
      const original = t.slots[i]!;
      const copy: Slot = { ...original };
      j = slots.length;
      slotMap.set(i, j);
      slots.push(copy);
      if (original.domainSlot !== undefined) copy.domainSlot = remap(original.domainSlot);
    }
    return j;
  };
  const connMap = new Map<number, number>();
  const t0 = kept[0]!.offset;
  const lines = kept.map((l, i) => {
    let connection = connMap.get(l.connection);
    if (connection === undefined) {
      connection = connMap.size;
      connMap.set(l.connection, connection);
    }
    const parts = l.parts.map((p) => (typeof p === 'number' ? remap(p) : p));
    return {
      ...l,
      offset: l.offset - t0,
      pidSlot: l.pidSlot < 0 ? -1 : remap(l.pidSlot),
      parts,
      connection,
      retry: i > 0 && l.retry,
    };
  });
  return {
    id,
    scenario: t.scenario,
    legit: t.legit,
    address: t.address,
    lines,
    slots,
    connections: connMap.size,
    duration: lines[lines.length - 1]!.offset,
    firstContact: lines.some(isPassNew),
    bodyBytes: bodyBytesOf(lines, slots),
  };
}

function isPassNew(line: TemplateLine): boolean {
  const first = line.parts[0];
  return line.program === 'postfix/postscreen' && typeof first === 'string' && first.startsWith('PASS NEW ');
}

/** Bytes of the lines' tags and messages when filled with the recorded values. */
function bodyBytesOf(lines: TemplateLine[], slots: Slot[]): number {
  let n = 0;
  for (const l of lines) {
    n += l.program.length + 2 + (l.pidSlot < 0 ? 0 : slots[l.pidSlot]!.original.length + 2);
    for (const p of l.parts) n += typeof p === 'string' ? p.length : slots[p]!.original.length;
  }
  return n;
}
