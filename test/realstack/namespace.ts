// Every daemon of the stack runs inside its own private mount namespace
// (`unshare -m --propagation private`). Inside it:
//  - /dev is a fresh tmpfs holding the few device nodes the daemons open and a
//    /dev/log symlink to the harness's syslog socket. /dev/log must not be
//    created on the host's devtmpfs (the same filesystem is visible from every
//    mount namespace), so a private /dev is the only place it can live.
//  - /etc/resolv.conf, /etc/hosts and /etc/nsswitch.conf are replaced by files
//    of the harness: names resolve from the private hosts file and the only
//    nameserver is a loopback address where nothing listens, so a stray DNS
//    lookup fails at once instead of leaving the machine.
import { chmod, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Nothing listens here: queries get "connection refused" at once. */
export const DEAD_NAMESERVER = '127.254.53.1';

export interface NamespaceSetup {
  /** Directory with the wrapper script and the replacement /etc files. */
  dir: string;
  /** The socket /dev/log points to inside the namespace. */
  syslogSocket: string;
  mailHostname: string;
}

export interface Namespace {
  /** Prefix for a command line: [command, ...args] to run `argv` in a fresh namespace. */
  wrap(argv: readonly string[]): { command: string; args: string[] };
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

export async function prepareNamespace(setup: NamespaceSetup): Promise<Namespace> {
  const { dir, syslogSocket, mailHostname } = setup;
  const shortName = mailHostname.split('.')[0] ?? mailHostname;
  const machine = hostname();
  const hosts = [
    '127.0.0.1\tlocalhost',
    `127.0.0.1\t${mailHostname} ${shortName}`,
    ...(machine && machine !== shortName && machine !== 'localhost' ? [`127.0.1.1\t${machine}`] : []),
    '::1\tlocalhost ip6-localhost ip6-loopback',
    '',
  ].join('\n');
  const files = {
    resolv: join(dir, 'resolv.conf'),
    hosts: join(dir, 'hosts'),
    nsswitch: join(dir, 'nsswitch.conf'),
    script: join(dir, 'enter.sh'),
  };
  await writeFile(files.resolv, `nameserver ${DEAD_NAMESERVER}\noptions timeout:1 attempts:1\n`);
  await writeFile(files.hosts, hosts);
  await writeFile(
    files.nsswitch,
    ['passwd', 'group', 'shadow', 'gshadow', 'networks', 'protocols', 'services', 'ethers', 'rpc', 'netgroup']
      .map((db) => `${db}: files`)
      .concat('hosts: files dns', '')
      .join('\n'),
  );
  const bind = (source: string, target: string) =>
    `if [ -f ${target} ]; then mount --bind ${shellQuote(source)} ${target}; fi`;
  const script = [
    '#!/bin/sh',
    '# Runs as the first process of a private mount namespace, then execs the daemon.',
    'set -eu',
    'mount -t tmpfs -o mode=0755,nosuid,size=1m mailwarden-dev /dev',
    'mknod -m 0666 /dev/null c 1 3',
    'mknod -m 0666 /dev/zero c 1 5',
    'mknod -m 0666 /dev/full c 1 7',
    'mknod -m 0666 /dev/random c 1 8',
    'mknod -m 0666 /dev/urandom c 1 9',
    'mknod -m 0666 /dev/tty c 5 0',
    'ln -s /proc/self/fd /dev/fd',
    'ln -s /proc/self/fd/0 /dev/stdin',
    'ln -s /proc/self/fd/1 /dev/stdout',
    'ln -s /proc/self/fd/2 /dev/stderr',
    'mkdir -m 1777 /dev/shm',
    `ln -s ${shellQuote(syslogSocket)} /dev/log`,
    bind(files.resolv, '/etc/resolv.conf'),
    bind(files.hosts, '/etc/hosts'),
    bind(files.nsswitch, '/etc/nsswitch.conf'),
    'exec "$@"',
    '',
  ].join('\n');
  await writeFile(files.script, script);
  await chmod(files.script, 0o755);
  return {
    wrap(argv) {
      return {
        command: 'unshare',
        args: ['--mount', '--propagation', 'private', '/bin/sh', files.script, ...argv],
      };
    },
  };
}
