import { isIPv4, isIPv6 } from 'node:net';

/** One address the syslog listener receives on. */
export interface SyslogEndpoint {
  transport: 'udp' | 'tcp';
  /** An IPv4 or IPv6 address (IPv6 without brackets) or a host name. */
  host: string;
  /** 0 asks the system for a free port (tests); parseSyslogEndpoints never returns 0. */
  port: number;
}

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;
const PORT = /^\d{1,5}$/;

function endpointError(part: string, reason: string): Error {
  return new Error(`invalid syslog endpoint "${part}": ${reason}`);
}

function parseTransport(part: string, scheme: string): SyslogEndpoint['transport'] {
  const transport = scheme.toLowerCase();
  if (transport !== 'udp' && transport !== 'tcp') {
    throw endpointError(part, `unknown scheme "${scheme}" (use udp:// or tcp://)`);
  }
  return transport;
}

/** Splits `host:port` or `[v6]:port` into its host and port texts. */
function splitHostPort(part: string, authority: string): { host: string; portText: string } {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) throw endpointError(part, 'missing "]" after the IPv6 address');
    const host = authority.slice(1, close);
    if (!isIPv6(host)) throw endpointError(part, `"${host}" is not an IPv6 address`);
    const rest = authority.slice(close + 1);
    if (!rest.startsWith(':')) throw endpointError(part, 'port required after "]" (e.g. [::1]:5514)');
    return { host, portText: rest.slice(1) };
  }
  const colon = authority.indexOf(':');
  if (colon < 0) throw endpointError(part, 'port required (e.g. 127.0.0.1:5514)');
  const host = authority.slice(0, colon);
  const portText = authority.slice(colon + 1);
  if (portText.includes(':'))
    throw endpointError(part, 'an IPv6 address must be in brackets, e.g. [::1]:5514');
  if (!isIPv4(host) && !HOST_NAME.test(host)) throw endpointError(part, `"${host}" is not a host`);
  return { host, portText };
}

function parsePort(part: string, portText: string): number {
  if (portText === '') throw endpointError(part, 'port required');
  const port = PORT.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw endpointError(part, `port "${portText}" is not 1 to 65535`);
  return port;
}

function parseEndpoint(part: string): SyslogEndpoint {
  const separator = part.indexOf('://');
  if (separator < 0) throw endpointError(part, 'expected udp://HOST:PORT or tcp://HOST:PORT');
  const transport = parseTransport(part, part.slice(0, separator));
  const authority = part.slice(separator + 3);
  if (authority.includes('/')) throw endpointError(part, 'no path allowed after the port');
  const { host, portText } = splitHostPort(part, authority);
  return { transport, host, port: parsePort(part, portText) };
}

/** Parses the CLI value `udp://127.0.0.1:5514,tcp://[::1]:5514`; throws an Error naming the bad part. */
export function parseSyslogEndpoints(text: string): SyslogEndpoint[] {
  const endpoints: SyslogEndpoint[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') throw new Error(`invalid syslog endpoints "${text}": empty entry`);
    const endpoint = parseEndpoint(part);
    const name = endpointUrl(endpoint);
    if (seen.has(name)) throw endpointError(part, 'listed twice');
    seen.add(name);
    endpoints.push(endpoint);
  }
  return endpoints;
}

/** `udp://127.0.0.1:5514`, `tcp://[::1]:5514`. */
export function endpointUrl(endpoint: SyslogEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.transport}://${host}:${endpoint.port}`;
}
