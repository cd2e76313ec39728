/**
 * Whether a block held for every one of these addresses: postscreen refused
 * each (its access list rejected it: DENYLISTED, or BLACKLISTED before Postfix
 * 3.6) no earlier than its last attack counted here, so none attacked again
 * once blocked. This is how an access map the server consults (such as the
 * one `mailwarden mitigate` writes) shows in the logs. False for no addresses.
 */
export function blockHeld(
  lastAttack: Iterable<readonly [string, number]>,
  denylisted: ReadonlyMap<string, number> | undefined,
): boolean {
  if (!denylisted || denylisted.size === 0) return false;
  let any = false;
  for (const [ip, last] of lastAttack) {
    const since = denylisted.get(ip);
    if (since === undefined || since < last) return false;
    any = true;
  }
  return any;
}

/** A block whose addresses have not even been refused for this long before the logs end has done its job. */
export const FIXED_AFTER_QUIET_MS = 24 * 3600_000;

/**
 * What a held block means for a finding: `fixed` when none of the blocked
 * addresses was even refused in the last day of the logs (they gave up),
 * `mitigated` while they still knock and are refused, `open` otherwise.
 */
export function blockStatus(
  /** Each address with its last attack; read only when postscreen refused any address at all. */
  lastAttack: () => Iterable<readonly [string, number]>,
  ctx: {
    denylisted?: ReadonlyMap<string, number>;
    denylistedLast?: ReadonlyMap<string, number>;
    periodTo: number | null;
  },
): 'fixed' | 'mitigated' | 'open' {
  if (!ctx.denylisted || ctx.denylisted.size === 0) return 'open';
  const attacks = [...lastAttack()];
  if (!blockHeld(attacks, ctx.denylisted)) return 'open';
  if (ctx.periodTo === null || !ctx.denylistedLast) return 'mitigated';
  const quietSince = ctx.periodTo - FIXED_AFTER_QUIET_MS;
  return attacks.every(([ip]) => (ctx.denylistedLast!.get(ip) ?? Number.POSITIVE_INFINITY) <= quietSince)
    ? 'fixed'
    : 'mitigated';
}

export const BLOCK_FIXED_TEXT =
  " Every one of these addresses was refused by postscreen's access list and has not come back in the last day of the logs: fixed.";

export const BLOCK_HELD_TEXT =
  " Every one of these addresses was later refused by postscreen's access list (DENYLISTED) and attacked no more: the block holds.";
