// A real DNS server for tests: Debian's dnsmasq in the foreground on 127.0.0.1
// and a free high port, answering only from the records given (NXDOMAIN for
// every other name, nothing forwarded), and ended by its own pid.

import { createSocket } from 'node:dgram';
import { promises as dns } from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from '../realstack/processes.js';
import { findCommand } from '../realstack/requirements.js';
import { WaitAbortedError, waitFor } from '../realstack/wait.js';

export interface DnsRecords {
  /** TXT records: each one's strings (dnsmasq cuts a string longer than 255 bytes into several). */
  txt?: { name: string; strings: string[] }[];
  /** MX records; `host: ''` publishes a null MX (`0 .`). */
  mx?: { domain: string; host: string; preference: number }[];
  /** A/AAAA records, with the PTR of each address naming the first name unless `ptr` says otherwise. */
  hosts?: { name: string; addresses: string[] }[];
  /** PTR records, winning over those `hosts` implies. */
  ptr?: { address: string; name: string }[];
  /** Domains whose names get no answer at all (forwarded to a loopback port nothing serves). */
  unanswered?: string[];
}

export interface DnsServer {
  /** `127.0.0.1:PORT`, as `checkDns` takes it. */
  address: string;
  port: number;
  stop(): Promise<void>;
}

const LISTEN = '127.0.0.1';

// On the command line dnsmasq splits option values at commas and keeps quotes
// as text, so such values cannot be expressed.
function plain(value: string, what: string): string {
  if (/[,"\\\n]/.test(value))
    throw new Error(
      `${what} ${JSON.stringify(value)}: commas, quotes, backslashes and newlines cannot be passed to dnsmasq`,
    );
  return value;
}

function reverseName(address: string): string {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address))
    throw new Error(`PTR records here take IPv4 addresses, not ${address}`);
  return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
}

export function dnsmasqArgs(records: DnsRecords, port: number): string[] {
  return [
    `--port=${port}`,
    `--listen-address=${LISTEN}`,
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--no-daemon',
    '--conf-file=/dev/null',
    '--pid-file',
    '--log-queries',
    // Every name is local: unknown names get NXDOMAIN, as from an authoritative server, not REFUSED.
    '--local=/#/',
    ...(records.txt ?? []).map(
      (r) =>
        `--txt-record=${plain(r.name, 'TXT name')},${r.strings.map((s) => plain(s, 'TXT string')).join(',')}`,
    ),
    ...(records.mx ?? []).map(
      (r) => `--mx-host=${plain(r.domain, 'MX domain')},${plain(r.host, 'MX host')},${r.preference}`,
    ),
    ...(records.hosts ?? []).map(
      (r) =>
        `--host-record=${plain(r.name, 'host name')},${r.addresses.map((a) => plain(a, 'address')).join(',')}`,
    ),
    ...(records.ptr ?? []).map((r) => `--ptr-record=${reverseName(r.address)},${plain(r.name, 'PTR name')}`),
    // Port 9 (discard) on loopback: the query is refused there and dnsmasq never answers it.
    ...(records.unanswered ?? []).map((d) => `--server=/${plain(d, 'domain')}/${LISTEN}#9`),
  ];
}

/** A UDP port nothing listens on right now (dnsmasq may still lose a race for it: then it is retried). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, LISTEN, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Whether the server answers at all: NXDOMAIN counts, it is an answer. */
async function answers(address: string): Promise<true | undefined> {
  const resolver = new dns.Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([address]);
  try {
    await resolver.resolve4('ready.invalid');
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'ENOTFOUND' || code === 'ENODATA' ? true : undefined;
  }
}

/** Starts dnsmasq with these records and waits until it answers. */
export async function startDnsServer(records: DnsRecords): Promise<DnsServer> {
  const dnsmasq = findCommand('dnsmasq');
  if (!dnsmasq) throw new Error('dnsmasq is missing: install the Debian package dnsmasq-base');
  const dir = mkdtempSync(join(tmpdir(), 'mailwarden-dns-'));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freeUdpPort();
      const daemon = startDaemon('dnsmasq', dnsmasq, dnsmasqArgs(records, port), {
        outputFile: join(dir, `dnsmasq-${port}.log`),
      });
      const address = `${LISTEN}:${port}`;
      try {
        await waitFor(`dnsmasq to answer on ${address}`, async () => {
          if (daemon.hasExited) throw new WaitAbortedError(`dnsmasq exited: ${daemon.output().trim()}`);
          return answers(address);
        });
      } catch (error) {
        await daemon.stop();
        if (attempt < 5 && daemon.output().includes('Address already in use')) continue;
        throw error;
      }
      return {
        address,
        port,
        stop: async () => {
          await daemon.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
