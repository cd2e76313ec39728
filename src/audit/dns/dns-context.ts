import { type DnsLookup, describeFailure } from './lookup.js';

/** What every check gets: the lookups, the notes to add to, and the server's known addresses. */
export interface DnsContext {
  lookup: DnsLookup;
  notes: string[];
  hostname: string;
  /** Normalised; empty when neither the input nor the host name's A/AAAA gave any. */
  serverAddresses: readonly string[];
}

/** Notes a lookup that got no usable answer, leaving the check it served undecided. */
export function noteFailedLookup(
  ctx: DnsContext,
  check: string,
  type: string,
  name: string,
  code: string,
): void {
  ctx.notes.push(`${check} not checked: the ${type} lookup of ${name} failed (${describeFailure(code)}).`);
}
