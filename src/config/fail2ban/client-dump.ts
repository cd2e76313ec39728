/**
 * `fail2ban-client -d` output: the commands the client would send to the
 * server, one Python literal per line (`['set', 'postfix', 'maxretry', 5]`).
 * It is fail2ban's own view of a configuration once every file, include and
 * interpolation is applied, so it is both an input (saved from a host or a
 * container) and the reference the configuration reader is tested against.
 */
import { ConfigParseError } from '../source.js';

export type PyValue = string | number | boolean | null | PyValue[];

/** One jail as `fail2ban-client -d` describes it; settings keep the value printed. */
export interface DumpedJail {
  name: string;
  backend: string;
  settings: Map<string, PyValue>;
  prefregex: string | null;
  failregex: string[];
  ignoreregex: string[];
  datepattern: string | null;
  logpaths: string[];
  journalmatch: string[][];
  actions: string[];
  ignoreip: string[];
  /** Whether a `start` command follows (every jail the client adds is started). */
  started: boolean;
}

export interface Fail2banDump {
  /** Server settings: loglevel, logtarget, dbfile ... */
  server: Map<string, PyValue>;
  jails: Map<string, DumpedJail>;
}

/** Parses one Python literal (strings, numbers, True/False/None, lists and tuples) as repr() writes it. */
export function parsePythonLiteral(text: string, file = 'fail2ban-client -d', line = 0): PyValue {
  let i = 0;
  const fail = (why: string): never => {
    throw new ConfigParseError(file, line, `${why} at column ${i + 1}`);
  };
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const parseString = (): string => {
    const quote = text[i]!;
    i++;
    let out = '';
    while (i < text.length && text[i] !== quote) {
      const c = text[i]!;
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '\\':
        case "'":
        case '"':
          out += e;
          break;
        case 'x':
          out += String.fromCharCode(Number.parseInt(text.slice(i, i + 2), 16));
          i += 2;
          break;
        case 'u':
          out += String.fromCharCode(Number.parseInt(text.slice(i, i + 4), 16));
          i += 4;
          break;
        case 'U':
          out += String.fromCodePoint(Number.parseInt(text.slice(i, i + 8), 16));
          i += 8;
          break;
        default:
          fail(`unknown escape \\${e ?? ''}`);
      }
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    return out;
  };
  const parseValue = (): PyValue => {
    skipSpace();
    const c = text[i];
    if (c === "'" || c === '"') return parseString();
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const items: PyValue[] = [];
      skipSpace();
      while (text[i] !== close) {
        items.push(parseValue());
        skipSpace();
        if (text[i] === ',') {
          i++;
          skipSpace();
        } else if (text[i] !== close) fail(`expected , or ${close}`);
      }
      i++;
      return items;
    }
    const word = /^(?:True|False|None|-?\d+(?:\.\d+)?)/.exec(text.slice(i, i + 40));
    if (!word) return fail('expected a Python literal');
    i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0]);
  };
  const value = parseValue();
  skipSpace();
  if (i !== text.length) fail('trailing text');
  return value;
}

const asStrings = (v: PyValue | undefined): string[] =>
  Array.isArray(v) ? v.map((x) => String(x)) : v === undefined || v === null ? [] : [String(v)];

function newJail(name: string, backend: string): DumpedJail {
  return {
    name,
    backend,
    settings: new Map(),
    prefregex: null,
    failregex: [],
    ignoreregex: [],
    datepattern: null,
    logpaths: [],
    journalmatch: [],
    actions: [],
    ignoreip: [],
    started: false,
  };
}

/** Reads `fail2ban-client -d` output; log lines the client prints before the commands are skipped. */
export function parseClientDump(text: string, file = 'fail2ban-client -d'): Fail2banDump {
  const dump: Fail2banDump = { server: new Map(), jails: new Map() };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line.startsWith('[')) continue;
    const command = parsePythonLiteral(line, file, n + 1);
    if (!Array.isArray(command) || command.length === 0) continue;
    const [verb, target, ...rest] = command;
    const jail = typeof target === 'string' ? dump.jails.get(target) : undefined;
    if (verb === 'add' && typeof target === 'string') {
      dump.jails.set(target, newJail(target, String(rest[0] ?? 'auto')));
    } else if (verb === 'start' && jail) {
      jail.started = true;
    } else if (verb === 'set' && jail === undefined && typeof target === 'string') {
      dump.server.set(target, rest[0] ?? null);
    } else if ((verb === 'set' || verb === 'multi-set') && jail) {
      const [key, ...values] = rest;
      const k = String(key);
      const first = values[0];
      switch (k) {
        case 'prefregex':
          jail.prefregex = String(first);
          break;
        case 'addfailregex':
          jail.failregex.push(...asStrings(first));
          break;
        case 'addignoreregex':
          jail.ignoreregex.push(...asStrings(first));
          break;
        case 'datepattern':
          jail.datepattern = String(first);
          break;
        case 'addlogpath':
          jail.logpaths.push(...asStrings(first));
          break;
        case 'addjournalmatch':
          jail.journalmatch.push(values.map((v) => String(v)));
          break;
        case 'addaction':
          jail.actions.push(String(first));
          break;
        case 'addignoreip':
          // One command carries every address: ['set', jail, 'addignoreip', ip1, ip2, ...].
          jail.ignoreip.push(...values.flatMap((v) => asStrings(v)));
          break;
        case 'action':
          break;
        default:
          jail.settings.set(k, values.length === 1 ? first! : values);
      }
    }
  }
  return dump;
}
