import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type Cidr, formatShort } from './cidr.js';

export const NFT_FILE = 'mailwarden-blocklist.nft';
export const NFT_TABLE = 'mailwarden';

/** SMTP (25, 465, 587), POP3 (110, 995), IMAP (143, 993) and ManageSieve (4190). */
export const MAIL_PORTS: readonly number[] = [25, 110, 143, 465, 587, 993, 995, 4190];

function set(name: string, type: string, entries: Cidr[]): string[] {
  const lines = [`\tset ${name} {`, `\t\ttype ${type}`, '\t\tflags interval'];
  if (entries.length > 0) {
    lines.push('\t\telements = {');
    entries.forEach((e, i) => {
      lines.push(`\t\t\t${formatShort(e)}${i < entries.length - 1 ? ',' : ''}`);
    });
    lines.push('\t\t}');
  }
  lines.push('\t}');
  return lines;
}

/**
 * An nftables file with the same networks as the map: `table inet mailwarden`
 * with one interval set per family and a drop rule for the mail ports, hooked
 * into input (services on this host) and forward (containers behind published
 * ports). Loading it replaces the table, so it can be loaded again after every
 * run. Entries must not overlap (interval sets refuse that).
 */
export function renderNftables(entries: readonly Cidr[], header: readonly string[]): string {
  const v4 = entries.filter((e) => e.family === 4);
  const v6 = entries.filter((e) => e.family === 6);
  const ports = `{ ${MAIL_PORTS.join(', ')} }`;
  const chain = (name: string) => [
    `\tchain ${name} {`,
    `\t\ttype filter hook ${name} priority filter - 10; policy accept;`,
    `\t\tip saddr @blocked4 tcp dport ${ports} drop`,
    `\t\tip6 saddr @blocked6 tcp dport ${ports} drop`,
    '\t}',
  ];
  return `${[
    '#!/usr/sbin/nft -f',
    ...header.map((h) => (h === '' ? '#' : `# ${h}`)),
    // Declaring the table first makes the delete work when it does not exist yet.
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    ...set('blocked4', 'ipv4_addr', v4),
    ...set('blocked6', 'ipv6_addr', v6),
    ...chain('input'),
    ...chain('forward'),
    '}',
  ].join('\n')}\n`;
}

/** A command on PATH or in the sbin directories a non-root PATH lacks. */
export function findSbinCommand(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin'];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

export type NftCheck =
  | { kind: 'ok' }
  | { kind: 'skipped'; why: string }
  | { kind: 'rejected'; output: string };

/** `nft -c -f` on the text (checks it without loading anything); skipped when nft is missing or may not run. */
export async function checkNftables(text: string, nft = findSbinCommand('nft')): Promise<NftCheck> {
  if (nft === undefined) return { kind: 'skipped', why: 'nft is not installed' };
  const dir = await mkdtemp(join(tmpdir(), 'mailwarden-nft-'));
  const file = join(dir, NFT_FILE);
  try {
    await writeFile(file, text);
    return await new Promise<NftCheck>((resolve) => {
      execFile(nft, ['-c', '-f', file], { timeout: 30_000 }, (error, stdout, stderr) => {
        if (!error) return resolve({ kind: 'ok' });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ kind: 'skipped', why: 'nft is not installed' });
        const output = `${stdout}${stderr}`.trim();
        if (/Operation not permitted|Permission denied/i.test(output))
          return resolve({ kind: 'skipped', why: 'nft -c may not run here (it needs CAP_NET_ADMIN)' });
        resolve({ kind: 'rejected', output });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
