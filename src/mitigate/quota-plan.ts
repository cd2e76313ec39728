/**
 * A dovecot-quotas.cf proposal for docker-mailserver when quotas are on and
 * nothing is limited (the audit's `quota-config-empty`): every account gets the
 * default limit, and a mailbox already larger (when docker-mailserver's
 * mail-data folder sits beside the config directory) gets room above its size.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { quotaChecks } from '../audit/config/quota-checks.js';
import type { ServerConfig } from '../config/server-config.js';

export interface QuotaPlan {
  file: { path: string; outName: string; before: string | null; after: string } | null;
  notes: string[];
}

const GIB = 1024 ** 3;
const FILES_WALKED = 200_000;

/** Bytes under a maildir, without following links; null when it is not there. */
function folderBytes(path: string): number | null {
  if (!existsSync(path)) return null;
  let total = 0;
  let walked = 0;
  const stack = [path];
  while (stack.length > 0 && walked < FILES_WALKED) {
    const dir = stack.pop()!;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      walked++;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isFile()) total += lstatSync(full).size;
    }
  }
  return total;
}

const gib = (bytes: number) => `${Math.max(1, Math.ceil(bytes / GIB))}G`;

export function planQuotas(config: ServerConfig, defaultGib: number): QuotaPlan {
  if (config.kind !== 'docker-mailserver') return { file: null, notes: [] };
  if (!quotaChecks(config).some((f) => f.id === 'quota-config-empty')) return { file: null, notes: [] };
  const accountsText = existsSync(join(config.dir, 'postfix-accounts.cf'))
    ? readFileSync(join(config.dir, 'postfix-accounts.cf'), 'utf8')
    : '';
  const accounts = accountsText
    .split('\n')
    .map((l) => l.trim().split('|', 1)[0]!.toLowerCase())
    .filter((a) => /^[^\s@#]+@[^\s@]+$/.test(a))
    .sort();
  if (accounts.length === 0)
    return { file: null, notes: ['quotas: no account in postfix-accounts.cf to give a quota'] };
  const mailData = join(dirname(config.dir), 'mail-data');
  const lines: string[] = [];
  const larger: string[] = [];
  for (const account of accounts) {
    const [local, domain] = account.split('@') as [string, string];
    const size = folderBytes(join(mailData, domain, local));
    // A mailbox over the default keeps working: its current size with half as much again to grow.
    const limit = size !== null && size * 1.5 > defaultGib * GIB ? gib(size * 1.5) : `${defaultGib}G`;
    if (limit !== `${defaultGib}G`) larger.push(`${account} (${(size! / GIB).toFixed(1)} GiB now)`);
    lines.push(`${account}:${limit}`);
  }
  const path = join(config.dir, 'dovecot-quotas.cf');
  const before = existsSync(path) ? readFileSync(path, 'utf8') : null;
  const header = [
    '# Written by `mailwarden mitigate`: quotas were enabled (ENABLE_QUOTAS=1) but no mailbox was limited.',
    `# Every account gets ${defaultGib}G${larger.length > 0 ? '; mailboxes already larger get their size and half as much again' : ''}.`,
    '# Change a line with: setup quota set USER SIZE (docker-mailserver reads this file on change).',
  ];
  return {
    file: { path, outName: 'dovecot-quotas.cf', before, after: `${[...header, ...lines].join('\n')}\n` },
    notes: [
      `quotas: ${accounts.length} account(s) limited to ${defaultGib}G in dovecot-quotas.cf${larger.length > 0 ? `; more for ${larger.join(', ')}` : ''}${existsSync(mailData) ? '' : ` (mailbox sizes unknown: no ${mailData} beside the config directory)`}`,
    ],
  };
}
