import { isIP } from 'node:net';

/** A resolver as Node's `Resolver.setServers` takes it: `ADDR`, `ADDR:PORT` or `[ADDR6]:PORT`. */
export interface ResolverAddress {
  address: string;
  port: number;
  /** The form `setServers` accepts. */
  server: string;
}

export const DNS_PORT = 53;

/**
 * Parses `--resolver`: `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53`, `[2001:db8::53]:5353`.
 * Only addresses: a resolver named by host name would need a resolver to find it.
 */
export function parseResolver(text: string): ResolverAddress {
  const value = text.trim();
  let address = value;
  let portText: string | undefined;
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    const rest = close < 0 ? '' : value.slice(close + 1);
    if (close < 0 || (rest !== '' && !rest.startsWith(':'))) throw new Error(resolverError(text));
    address = value.slice(1, close);
    if (rest !== '') portText = rest.slice(1);
    if (isIP(address) !== 6) throw new Error(resolverError(text));
  } else if (value.indexOf(':') >= 0 && value.indexOf(':') === value.lastIndexOf(':')) {
    address = value.slice(0, value.indexOf(':'));
    portText = value.slice(value.indexOf(':') + 1);
    if (isIP(address) !== 4) throw new Error(resolverError(text));
  } else if (isIP(value) === 0) {
    throw new Error(resolverError(text));
  }
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) throw new Error(resolverError(text));
  const port = portText === undefined ? DNS_PORT : Number(portText);
  if (port < 1 || port > 65_535) throw new Error(resolverError(text));
  const server = isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
  return { address, port, server };
}

function resolverError(text: string): string {
  return `resolver ${JSON.stringify(text)} is not ADDR[:PORT] (an IPv4 or IPv6 address, IPv6 with a port as [ADDR]:PORT)`;
}
