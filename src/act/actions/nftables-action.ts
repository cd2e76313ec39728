import { formatShort, parseCidr } from '../../mitigate/cidr.js';
import { MAIL_PORTS } from '../../mitigate/nftables.js';
import type { NftablesActionSettings } from '../settings/types.js';
import type { BanRecord } from '../state/state-store.js';
import { type ActionOp, allOutcomes, type BanAction, type OpOutcome } from './action.js';
import { banCover } from './ban-cover.js';
import { commandFailure, runActionCommand } from './run-command.js';

interface NftSetJson {
  nftables?: { set?: { elem?: unknown[] } }[];
}

/** An element of `nft -j list set`: an address, a prefix (`a/len`), or a range (`from-to`, as nft writes it). */
function elementText(e: unknown): string | null {
  if (typeof e === 'string') return e;
  if (!e || typeof e !== 'object') return null;
  const o = e as Record<string, unknown>;
  if (o.prefix && typeof o.prefix === 'object') {
    const p = o.prefix as { addr?: unknown; len?: unknown };
    return typeof p.addr === 'string' && typeof p.len === 'number' ? `${p.addr}/${p.len}` : null;
  }
  if (Array.isArray(o.range) && o.range.length === 2) {
    const [from, to] = o.range.map(elementText);
    return from && to ? `${from}-${to}` : null;
  }
  // An element with options (`{"elem": {"val": ..., "timeout": ...}}`).
  if (o.elem && typeof o.elem === 'object') return elementText((o.elem as Record<string, unknown>).val);
  return null;
}

/** The element as the sets are compared: a network in mitigate's short form, or a range as nft wrote it. */
function normalElement(text: string): string {
  const cidr = parseCidr(text);
  return cidr ? formatShort(cidr) : text;
}

/**
 * Keeps two nftables interval sets (IPv4, IPv6) equal to the bans in force:
 * reads what they hold, deletes what no ban covers any more, adds what is
 * missing (deletes first, since interval sets refuse overlapping elements).
 * Creates the table with its sets and drop rules for the mail ports when it
 * does not exist (the same shape as mitigate's mailwarden-blocklist.nft).
 */
export class NftablesAction implements BanAction {
  readonly name = 'nftables' as const;

  constructor(
    private readonly settings: NftablesActionSettings,
    private readonly execPrefix: string | null,
  ) {}

  describe(): string {
    const s = this.settings;
    return `nftables sets ${s.family} ${s.table} ${s.set4}/${s.set6}`;
  }

  private nft(args: string[]) {
    return runActionCommand(this.execPrefix, [...this.settings.command, ...args]);
  }

  /** Creates the table when it is missing; a table of that name must hold both sets and rules that drop them. */
  async check(): Promise<string[]> {
    const s = this.settings;
    const listed = await this.nft(['list', 'table', s.family, s.table]);
    if (listed.status !== 0) {
      const created = await this.nft([this.creationScript()]);
      return created.status === 0 ? [] : [`nftables: ${commandFailure(created)}`];
    }
    const problems: string[] = [];
    for (const set of this.sets()) {
      const held = await this.list(set.name);
      if (typeof held === 'string')
        problems.push(
          `nftables: table ${s.family} ${s.table} exists without a usable set ${set.name} (${held}); delete the table so the watcher creates it, or name another table in actions.nftables`,
        );
      else if (!listed.output.includes(`@${set.name}`))
        problems.push(
          `nftables: no rule of table ${s.family} ${s.table} uses @${set.name}: its bans would not drop anything`,
        );
    }
    return problems;
  }

  private creationScript(): string {
    const { family, table, set4, set6 } = this.settings;
    const ports = `{ ${MAIL_PORTS.join(', ')} }`;
    const rules = (chain: string) => {
      const out = [
        `add chain ${family} ${table} ${chain} { type filter hook ${chain} priority filter - 10; policy accept; }`,
      ];
      if (family !== 'ip6')
        out.push(`add rule ${family} ${table} ${chain} ip saddr @${set4} tcp dport ${ports} drop`);
      if (family !== 'ip')
        out.push(`add rule ${family} ${table} ${chain} ip6 saddr @${set6} tcp dport ${ports} drop`);
      return out;
    };
    const lines = [`add table ${family} ${table}`];
    if (family !== 'ip6')
      lines.push(`add set ${family} ${table} ${set4} { type ipv4_addr; flags interval; }`);
    if (family !== 'ip') lines.push(`add set ${family} ${table} ${set6} { type ipv6_addr; flags interval; }`);
    lines.push(...rules('input'), ...rules('forward'));
    return lines.join('; ');
  }

  private sets(): { name: string; family: 4 | 6 }[] {
    const { family, set4, set6 } = this.settings;
    const out: { name: string; family: 4 | 6 }[] = [];
    if (family !== 'ip6') out.push({ name: set4, family: 4 });
    if (family !== 'ip') out.push({ name: set6, family: 6 });
    return out;
  }

  private async list(set: string): Promise<Set<string> | string> {
    const r = await this.nft(['-j', 'list', 'set', this.settings.family, this.settings.table, set]);
    if (r.status !== 0) return commandFailure(r);
    try {
      const json = JSON.parse(r.output) as NftSetJson;
      const elems = json.nftables?.find((x) => x.set)?.set?.elem ?? [];
      const out = new Set<string>();
      for (const e of elems) {
        const text = elementText(e);
        if (text !== null) out.add(normalElement(text));
      }
      return out;
    } catch (error) {
      return `nft -j list set ${set}: unreadable output: ${(error as Error).message}`;
    }
  }

  async held(): Promise<Set<string> | null> {
    const all = new Set<string>();
    for (const s of this.sets()) {
      const held = await this.list(s.name);
      if (typeof held === 'string') return null;
      for (const t of held) all.add(t);
    }
    return all;
  }

  async perform(ops: readonly ActionOp[], active: readonly BanRecord[]): Promise<OpOutcome[]> {
    const cover = banCover(active);
    const { family, table } = this.settings;
    for (const s of this.sets()) {
      const held = await this.list(s.name);
      if (typeof held === 'string') return allOutcomes(ops, { kind: 'failed', error: held });
      const want = new Set(cover.filter((c) => c.family === s.family).map(formatShort));
      const remove = [...held].filter((t) => !want.has(t));
      const add = [...want].filter((t) => !held.has(t));
      const script: string[] = [];
      if (remove.length > 0)
        script.push(`delete element ${family} ${table} ${s.name} { ${remove.join(', ')} }`);
      if (add.length > 0) script.push(`add element ${family} ${table} ${s.name} { ${add.join(', ')} }`);
      if (script.length === 0) continue;
      const r = await this.nft([script.join('; ')]);
      if (r.status !== 0) return allOutcomes(ops, { kind: 'failed', error: commandFailure(r) });
    }
    return allOutcomes(ops, { kind: 'done' });
  }
}
