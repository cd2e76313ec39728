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

export const BLOCK_HELD_TEXT =
  " Every one of these addresses was later refused by postscreen's access list (DENYLISTED) and attacked no more: the block holds.";
