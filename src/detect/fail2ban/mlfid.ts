/**
 * fail2ban's multi-line failure ids (`<F-MLFID>`, server/filter.py
 * `_mergeFailure`): lines of one connection or one queued message share an id;
 * the captures of earlier lines are kept under that id (at most 100 ids, each
 * for 5 minutes, oldest dropped first: `Utils.Cache(maxCount=100, maxTime=300)`)
 * and merged into the later line that names the address. `<F-NOFAIL>` marks a
 * line that is not a failure by itself, `<F-MLFGAINED>` one that clears what
 * was pending, `<F-MLFFORGET>` one that ends the id; a failure without address
 * stays pending until a later line of the same id brings one.
 *
 * fail2ban's cache expires on the wall clock while it follows the log live;
 * replaying a log, the log's own time stamps stand in for that clock.
 */

export type FailData = Map<string, unknown>;

const MAX_COUNT = 100;
const MAX_TIME_MS = 300_000;

export class MlfidCache {
  private readonly entries = new Map<string, { value: FailData; expires: number }>();

  get(key: string, now: number): FailData | null {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expires > now) return e.value;
    this.entries.delete(key);
    return null;
  }

  set(key: string, value: FailData, now: number): void {
    if (this.entries.size >= MAX_COUNT) {
      for (const [k, e] of this.entries) {
        this.entries.delete(k);
        if (e.expires > now && this.entries.size < MAX_COUNT) break;
      }
    }
    const existing = this.entries.get(key);
    if (existing) {
      existing.value = value;
      existing.expires = now + MAX_TIME_MS;
    } else this.entries.set(key, { value, expires: now + MAX_TIME_MS });
  }

  unset(key: string): void {
    this.entries.delete(key);
  }
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '' || v === 0) return false;
  if (v instanceof Set) return v.size > 0;
  return true;
}

function updateUsers(fail: FailData, user: unknown): Set<string> | undefined {
  let users = fail.get('users') as Set<string> | undefined;
  if (truthy(user)) {
    if (!truthy(users)) {
      users = new Set();
      fail.set('users', users);
    }
    users!.add(user as string);
    return users;
  }
  return users;
}

/** fail2ban's `_mergeFailure`: the failure data after merging with what the id collected. */
export function mergeFailure(cache: MlfidCache, mlfid: string, incoming: FailData, now: number): FailData {
  let fail = incoming;
  const cached = cache.get(mlfid, now);
  let users: Set<string> | undefined;
  let flags = 0;
  if (truthy(fail.get('mlfgained'))) {
    flags |= 8 | 1;
    if (!truthy(fail.get('nofail'))) fail.set('nofail', fail.get('mlfgained'));
  } else if (truthy(fail.get('nofail'))) flags |= 1;
  const forget = fail.get('mlfforget');
  fail.delete('mlfforget');
  if (truthy(forget)) flags |= 2;
  if (cached) {
    users = updateUsers(cached, fail.get('user'));
    if (truthy(pop(cached, 'nofail'))) flags |= 4;
    if (truthy(pop(cached, 'mlfgained'))) flags |= 4;
    if (flags & 8) cached.delete('mlfpending');
    for (const [k, v] of fail) if (v !== undefined && v !== null) cached.set(k, v);
    fail = cached;
    if (flags & 2) cache.unset(mlfid);
  } else if (!(flags & 2)) {
    users = updateUsers(fail, fail.get('user'));
    cache.set(mlfid, fail, now);
  }
  if (truthy(pop(fail, 'mlfpending')) || (users && users.size > 1)) {
    fail.delete('nofail');
    fail.delete('mlfgained');
  }
  return fail;
}

function pop(map: FailData, key: string): unknown {
  const v = map.get(key);
  map.delete(key);
  return v;
}
