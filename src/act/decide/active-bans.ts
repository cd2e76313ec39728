import { type Cidr, contains, formatShort, parseCidr } from '../../mitigate/cidr.js';
import type { BanRecord } from '../state/state-store.js';

/**
 * The bans in force, for the question asked of every attack event: is this
 * address already banned (on its own or inside a banned network)? Hosts are
 * a map lookup; networks are few and scanned.
 */
export class ActiveBans {
  private readonly hosts = new Map<string, BanRecord>();
  private readonly networks: { cidr: Cidr; ban: BanRecord }[] = [];

  constructor(bans: readonly BanRecord[] = []) {
    for (const b of bans) this.add(b);
  }

  add(ban: BanRecord): void {
    const cidr = parseCidr(ban.target);
    if (!cidr) return;
    if (ban.target.includes('/')) this.networks.push({ cidr, ban });
    else this.hosts.set(ban.target, ban);
  }

  /** The ban that covers `address`, if any. */
  covering(address: string, cidr: Cidr | null): BanRecord | undefined {
    const host = this.hosts.get(address);
    if (host) return host;
    if (cidr === null || this.networks.length === 0) return undefined;
    return this.networks.find((n) => contains(n.cidr, cidr))?.ban;
  }

  /** The ban of exactly this target. */
  of(target: Cidr): BanRecord | undefined {
    const text = formatShort(target);
    return this.hosts.get(text) ?? this.networks.find((n) => formatShort(n.cidr) === text)?.ban;
  }

  get size(): number {
    return this.hosts.size + this.networks.length;
  }
}
