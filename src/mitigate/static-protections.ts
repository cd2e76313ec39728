import { readFileSync } from 'node:fs';
import type { PostfixConfig } from '../config/postfix/postfix-config.js';
import { describeSource } from '../config/source.js';
import { formatShort, parseCidr } from './cidr.js';
import type { UserEntry } from './cidr-map.js';
import { userEntryKind } from './cidr-map.js';
import { addPrivateRanges, mynetworksRanges, ProtectedSet, parseAllowlist } from './protect.js';

export interface StaticProtectionInput {
  /** Networks given on the command line or in the settings. */
  allow: readonly string[];
  /** How the user wrote them, for the reason text: `--allow` or `allow (mailwarden.toml)`. */
  allowLabel: string;
  allowlistFile?: string | null;
  postfix?: PostfixConfig | null;
  /** The reject map's own entries (the administrator's permit lines protect), and its path. */
  mapEntries?: readonly UserEntry[];
  mapPath?: string;
  includePrivate: boolean;
}

export interface StaticProtections {
  protections: ProtectedSet;
  /** The same networks as fail2ban's ignoreip words. */
  ignoreip: string[];
  notes: string[];
}

/**
 * What may never be blocked, whatever the logs show: the allowlist, Postfix's
 * mynetworks, the administrator's permit lines in the map, and (unless asked)
 * private and loopback ranges. Shared by mitigate and watch, so both spare the
 * same networks for the same written reasons.
 */
export function staticProtections(input: StaticProtectionInput): StaticProtections {
  const protections = new ProtectedSet();
  const ignoreip: string[] = [];
  const notes: string[] = [];
  for (const text of input.allow) {
    const cidr = parseCidr(text);
    if (!cidr)
      throw new Error(
        `${input.allowLabel}: "${text}" is not an address or network (CIDR)${input.allowLabel === '--allow' ? '; --allow takes every word after it, so give the logs before it' : ''}`,
      );
    protections.add(cidr, `allowlisted (${input.allowLabel} ${text})`);
    ignoreip.push(formatShort(cidr));
  }
  if (input.allowlistFile) {
    const file = input.allowlistFile;
    for (const e of parseAllowlist(readFileSync(file, 'utf8'), file)) {
      protections.add(e.cidr, `allowlisted (${file}:${e.line})`);
      ignoreip.push(formatShort(e.cidr));
    }
  }
  const pf = input.postfix;
  if (pf) {
    const mySource = pf.setting('mynetworks')?.source;
    const { cidrs, unread } = mynetworksRanges(pf.value('mynetworks'));
    for (const c of cidrs) {
      protections.add(
        c,
        `in mynetworks${mySource ? ` (${describeSource(mySource)})` : ''}: a trusted network`,
      );
      ignoreip.push(formatShort(c));
    }
    if (unread.length > 0)
      notes.push(
        `mynetworks entries that are not addresses cannot be checked here and are not protected by that rule: ${unread.join(' ')} (give them with --allow)`,
      );
    if (pf.setting('mynetworks') === undefined)
      notes.push(
        "mynetworks is not set: Postfix trusts this host's own networks, which mailwarden cannot see; protect the server's public addresses with --allow",
      );
  }
  for (const u of input.mapEntries ?? [])
    if (userEntryKind(u.result) === 'permit')
      protections.add(
        u.cidr,
        `your own entry "${formatShort(u.cidr)} ${u.result}" (${input.mapPath}:${u.line})`,
      );
  if (!input.includePrivate) addPrivateRanges(protections);
  return { protections, ignoreip, notes };
}
