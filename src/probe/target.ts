/**
 * What to probe: `HOST[:PORT]` on the command line, and how TLS starts there
 * (implicit, or STARTTLS in SMTP, IMAP or POP3), chosen by port unless the user says.
 */
import { isIP } from 'node:net';

export const STARTTLS_MODES = ['smtp', 'imap', 'pop3', 'none'] as const;
/** `none`: TLS from the first byte (implicit TLS, as on 465, 993, 995). */
export type StartTlsMode = (typeof STARTTLS_MODES)[number];

/** The mail ports and how TLS starts on each. */
export const PORT_MODES: Readonly<Record<number, StartTlsMode>> = {
  25: 'smtp',
  587: 'smtp',
  465: 'none',
  143: 'imap',
  993: 'none',
  110: 'pop3',
  995: 'none',
};

/** The port probed when HOST has none: the MX port, which every mail server has. */
export const DEFAULT_PORT = 25;

export interface ProbeTarget {
  /** Host name or address, without brackets. */
  host: string;
  port: number;
  starttls: StartTlsMode;
  /** `host:port`, `[v6]:port`: how the endpoint is named in the report. */
  endpoint: string;
}

export class TargetError extends Error {
  override name = 'TargetError';
}

const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

export function endpointName(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * Parses `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address. `portDefaulted`
 * says DEFAULT_PORT was taken. Throws TargetError with what is wrong.
 */
export function parseTarget(
  text: string,
  starttls?: StartTlsMode,
): { target: ProbeTarget; portDefaulted: boolean } {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new TargetError(`"${text}": a [ without ]`);
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new TargetError(`"${text}": expected :PORT after ]`);
    portText = rest === '' ? undefined : rest.slice(1);
    if (isIP(host) !== 6) throw new TargetError(`"${text}": [${host}] is not an IPv6 address`);
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (isIP(host) === 0 && !HOST_NAME.test(host))
      throw new TargetError(`"${text}": "${host}" is not a host name or IP address`);
  }
  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 1 && port <= 65_535))
      throw new TargetError(`"${text}": "${portText}" is not a port number`);
  }
  const mode = starttls ?? PORT_MODES[port];
  if (mode === undefined) {
    throw new TargetError(
      `"${text}": port ${port} is not a standard mail port; say how TLS starts there with --starttls smtp, imap, pop3 or none`,
    );
  }
  return {
    target: { host, port, starttls: mode, endpoint: endpointName(host, port) },
    portDefaulted: portText === undefined,
  };
}
