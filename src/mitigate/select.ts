import { DETECTORS } from '../audit/detectors.js';
import type { Finding } from '../findings/finding.js';
import type { AddressActivity } from './activity.js';
import type { Tally } from './aggregate.js';
import { type Cidr, compareCidr, hostCidr, overlaps, parseCidr } from './cidr.js';
import type { ProtectedSet } from './protect.js';

/** An attacking address mitigate does not block, and why. */
export interface Unblocked {
  address: string;
  reason: string;
}

export interface Selection {
  /** Attacking addresses that may be blocked, with their attack events. */
  candidates: Map<string, Tally>;
  unblocked: Unblocked[];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Findings that are no reason to block an address (it is protected, or the finding is not about attacks). */
const NOT_BLOCKING = new Set(['account-compromise-suspected', 'client-ip-hidden']);

/**
 * Adds what the logs and the audit show about clients to the protections:
 * an address that logged in successfully is never added to the map (with no
 * failure before: a user; with failures before: possibly a guessed password,
 * which the audit reports as account-compromise-suspected, and blocking it
 * would lock the owner out without stopping whoever holds the password); an
 * address every client appears as (client-ip-hidden) is never blocked at all.
 */
export function protectClients(
  activity: ReadonlyMap<string, AddressActivity>,
  findings: readonly Finding[],
  protections: ProtectedSet,
): void {
  for (const f of findings) {
    if (f.id !== 'client-ip-hidden') continue;
    for (const s of f.sources) {
      const cidr = parseCidr(s.source);
      if (cidr)
        protections.add(
          cidr,
          'every client appears as this address (the audit reports client-ip-hidden): blocking it would shut everyone out',
        );
    }
  }
  const compromise = findings.find((f) => f.id === 'account-compromise-suspected');
  for (const [ip, a] of activity) {
    if (a.logins === 0) continue;
    const cidr = hostCidr(ip);
    if (!cidr) continue;
    if (a.failures === 0 || a.firstFailure > a.firstLogin) {
      protections.add(
        cidr,
        `logged in successfully (first at ${iso(a.firstLogin)}) with no failed login before it: a user of this server`,
        'observed',
      );
      continue;
    }
    const listed = compromise?.sources.find((s) => s.source === ip);
    const failed = listed ? `${listed.count} failed logins` : 'failed logins';
    protections.add(
      cidr,
      `logged in successfully at ${iso(a.firstLogin)} after ${failed} from the same address (first at ${iso(a.firstFailure)})${listed ? ': the audit reports account-compromise-suspected' : ''}. Not blocked: it may be the owner mistyping, and a guessed password is not stopped by blocking one address; reset the password first, then add a line for it outside mitigate's block if it must be blocked`,
      'observed',
    );
  }
}

/** The attacking addresses (attack events from the activity), split into candidates and the protected ones. */
export function selectAttackers(
  activity: ReadonlyMap<string, AddressActivity>,
  protections: ProtectedSet,
): Selection {
  const candidates = new Map<string, Tally>();
  const unblocked: Unblocked[] = [];
  for (const [ip, a] of activity) {
    if (a.events === 0) continue;
    const cidr = hostCidr(ip);
    if (!cidr) continue;
    const protection = protections.find(cidr);
    if (protection) {
      unblocked.push({ address: ip, reason: protection.reason });
      continue;
    }
    candidates.set(ip, { events: a.events, first: a.first, last: a.last, classes: { ...a.classes } });
  }
  unblocked.sort((x, y) => compareCidr(hostCidr(x.address)!, hostCidr(y.address)!));
  return { candidates, unblocked };
}

/**
 * The ids of the audit's issues that name one of `addresses`, or name a subnet
 * overlapping `cidr` and are made of event classes these addresses had (a
 * subnet in one finding says nothing of its addresses' part in another).
 */
export function findingIndex(
  findings: readonly Finding[],
): (cidr: Cidr, addresses: readonly string[], classes: Record<string, number>) => string[] {
  const classesOf = new Map(DETECTORS.map((d) => [d.id, new Set<string>(d.classes)]));
  const byAddress = new Map<string, Set<string>>();
  const subnets: { cidr: Cidr; id: string }[] = [];
  for (const f of findings) {
    if (f.kind !== 'issue' || NOT_BLOCKING.has(f.id)) continue;
    for (const s of f.sources) {
      if (s.kind === 'address') {
        const ids = byAddress.get(s.source) ?? new Set<string>();
        ids.add(f.id);
        byAddress.set(s.source, ids);
      } else {
        const cidr = parseCidr(s.source);
        if (cidr) subnets.push({ cidr, id: f.id });
      }
    }
  }
  return (cidr, addresses, classes) => {
    const ids = new Set<string>();
    for (const a of addresses) for (const id of byAddress.get(a) ?? []) ids.add(id);
    for (const s of subnets) {
      const made = classesOf.get(s.id);
      if (overlaps(s.cidr, cidr) && made && Object.keys(classes).some((c) => made.has(c))) ids.add(s.id);
    }
    return [...ids].sort();
  };
}
