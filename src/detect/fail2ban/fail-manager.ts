/**
 * fail2ban's failure counting for one jail, replayed on log time: when would
 * fail2ban have banned an address, given the lines its filter matched?
 *
 * fail2ban (1.0 and 1.1, server/failmanager.py and ticket.py) keeps, per address,
 * a retry count with the time of the first and last failure. A failure older
 * than findtime is dropped by the periodic clean-up; when the counted interval
 * grows beyond findtime, the count is rescaled to the rate over the last findtime
 * (`round(retry / (t - first) * findtime)`, Python's rounding, half to even).
 * At maxretry the address is banned and its count forgotten.
 */

interface Failures {
  retry: number;
  first: number;
  last: number;
}

export interface BanDecision {
  address: string;
  /** Log time of the failure that reached maxretry, seconds. */
  atSeconds: number;
}

/** Python 3's round(): halves go to the even neighbour. */
export function pythonRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export class FailManager {
  private readonly failures = new Map<string, Failures>();
  /** Addresses banned, with the end of their ban (seconds; Infinity for bantime -1). */
  private readonly bannedUntil = new Map<string, number>();

  constructor(
    private readonly maxretry: number,
    private readonly findtimeSeconds: number,
    private readonly bantimeSeconds: number,
  ) {}

  /** Counts one failure at `t` (seconds); returns the ban when this one reaches maxretry. */
  fail(address: string, t: number): BanDecision | null {
    const until = this.bannedUntil.get(address);
    if (until !== undefined && t < until) return null;
    let f = this.failures.get(address);
    if (f && f.last <= t - this.findtimeSeconds) {
      this.failures.delete(address);
      f = undefined;
    }
    if (!f) {
      f = { retry: 1, first: t, last: t };
      this.failures.set(address, f);
    } else {
      if (t > f.last) {
        if (f.first < t - this.findtimeSeconds) {
          f.retry = pythonRound((f.retry / (t - f.first)) * this.findtimeSeconds);
          f.first = t - this.findtimeSeconds;
        }
        f.last = t;
      }
      f.retry += 1;
    }
    if (f.retry < this.maxretry) return null;
    this.failures.delete(address);
    this.bannedUntil.set(
      address,
      this.bantimeSeconds < 0 ? Number.POSITIVE_INFINITY : t + this.bantimeSeconds,
    );
    return { address, atSeconds: t };
  }

  /** The highest count an address reached without a ban (for "under the threshold"). */
  pending(address: string): number {
    return this.failures.get(address)?.retry ?? 0;
  }
}
