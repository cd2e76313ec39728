/** Specs for the values that mean something to mailwarden: event classes, networks, addresses, names. */
import { ALL_CLASSES, EVENT_CLASSES, type EventClass } from '../../classify/taxonomy.js';
import { parseCidr } from '../../mitigate/cidr.js';
import { describeValue } from './problems.js';
import { matching } from './scalars.js';
import { expected, isTable, leaf, Rejection, type Spec } from './spec.js';
import { didYouMean } from './suggest.js';

export function eventClass(): Spec<EventClass> {
  return leaf((value) => {
    if (typeof value !== 'string') return expected('an event class name', value);
    if (Object.hasOwn(EVENT_CLASSES, value)) return value as EventClass;
    const hint = didYouMean(value, ALL_CLASSES) || ' (see docs/event-classes.md)';
    return new Rejection(`${describeValue(value)} is not an event class${hint}`);
  });
}

/** An address or a CIDR network, kept as written. */
export function network(): Spec<string> {
  return leaf((value) => {
    if (typeof value !== 'string') return expected('an IP address or CIDR network', value);
    if (parseCidr(value) === null)
      return new Rejection(`${describeValue(value)} is not an IP address or CIDR network`);
    return value.trim();
  });
}

const HOST_PORT = /^(?:\[([^\]\s]*)\]|([^[\]:\s]*)):(\d{1,5})$/;

function isLoopback(host: string, bracketed: boolean): boolean {
  if (!bracketed && host.toLowerCase() === 'localhost') return true;
  if (host.includes('/')) return false;
  const address = parseCidr(host);
  if (address === null) return false;
  // IPv6 needs brackets (an IPv4-mapped address is read as IPv4 but is still written with colons).
  if (bracketed !== host.includes(':')) return false;
  return address.family === 4 ? address.network >> 24n === 127n : address.network === 1n;
}

/**
 * `host:port` on a loopback address. The endpoint answers without
 * authentication, so it is never bound where the network could reach it.
 */
export function loopbackListen(): Spec<string> {
  const what = 'a loopback host:port such as "127.0.0.1:9464", "[::1]:9464" or "localhost:9464"';
  return leaf((value) => {
    if (typeof value !== 'string') return expected(what, value);
    const match = HOST_PORT.exec(value);
    const bracketed = match?.[1] !== undefined;
    const host = match?.[1] ?? match?.[2];
    if (!match || host === undefined || !isLoopback(host, bracketed)) return expected(what, value);
    const port = Number(match[3]);
    if (port < 1 || port > 65535)
      return new Rejection(`port must be from 1 to 65535, got ${describeValue(value)}`);
    return value;
  });
}

export function httpUrl(): Spec<string> {
  return leaf((value) => {
    if (typeof value === 'string' && URL.canParse(value)) {
      const { protocol } = new URL(value);
      if (protocol === 'http:' || protocol === 'https:') return value;
    }
    return expected('an http:// or https:// URL', value);
  });
}

/** nftables table and set names, as nft's own grammar takes them unquoted. */
export function nftName(): Spec<string> {
  return matching(
    /^[A-Za-z][A-Za-z0-9_-]{0,31}$/,
    'a name of letters, digits, "_" and "-" that starts with a letter (at most 32 characters)',
  );
}

/** Jail names reach a command line; nothing a shell or fail2ban-client could take for syntax. */
export function jailName(): Spec<string> {
  return matching(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'a jail name of letters, digits, ".", "_" and "-" (at most 64 characters)',
  );
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const LINE_BREAK_OR_NUL = /[\r\n\0]/;

/** HTTP request headers: names as HTTP tokens, values without line breaks (no header injection). */
export function httpHeaders(): Spec<Record<string, string>> {
  return {
    read(value, at, ctx) {
      if (!isTable(value)) {
        ctx.problems.add(at, `must be a table of header names and values, got ${describeValue(value)}`);
        return undefined;
      }
      const out: [string, string][] = [];
      let complete = true;
      for (const [name, given] of Object.entries(value)) {
        if (!HEADER_NAME.test(name)) {
          ctx.problems.add([...at, name], 'is not a valid HTTP header name');
          complete = false;
        } else if (typeof given !== 'string' || LINE_BREAK_OR_NUL.test(given)) {
          ctx.problems.add(
            [...at, name],
            `must be a string without line breaks, got ${describeValue(given)}`,
          );
          complete = false;
        } else out.push([name, given]);
      }
      // fromEntries defines own properties: a header named `__proto__` stays a header.
      return complete ? Object.fromEntries(out) : undefined;
    },
  };
}
