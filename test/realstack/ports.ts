// Loopback ports of one stack instance: a base port plus the usual service
// number, so parallel runs only need different base ports.
import net from 'node:net';

export interface StackPorts {
  /** postscreen in front of smtpd, the "port 25" of the stack. */
  smtp: number;
  submission: number;
  submissions: number;
  imap: number;
  imaps: number;
  pop3: number;
  pop3s: number;
}

export const LISTEN_ADDRESS = '127.0.0.1';
export const DEFAULT_BASE_PORT = 20_000;
export const BASE_PORT_ENV = 'MAILWARDEN_REALSTACK_BASE_PORT';

export function stackPorts(basePort: number): StackPorts {
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort + 995 > 65_535) {
    throw new Error(`base port ${basePort} must be an integer with 1024 <= base and base + 995 <= 65535`);
  }
  return {
    smtp: basePort + 25,
    submission: basePort + 587,
    submissions: basePort + 465,
    imap: basePort + 143,
    imaps: basePort + 993,
    pop3: basePort + 110,
    pop3s: basePort + 995,
  };
}

export function basePortFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[BASE_PORT_ENV];
  if (raw === undefined || raw === '') return DEFAULT_BASE_PORT;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${BASE_PORT_ENV}=${raw} is not an integer`);
  return value;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: LISTEN_ADDRESS, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function assertPortsFree(ports: StackPorts): Promise<void> {
  const busy: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (!(await portFree(port))) busy.push(`${name}=${port}`);
  }
  if (busy.length > 0) {
    throw new Error(
      `loopback port(s) already in use: ${busy.join(', ')}; pick another base port (${BASE_PORT_ENV} or options.basePort)`,
    );
  }
}
