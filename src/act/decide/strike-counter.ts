import type { RuleSettings } from '../settings/types.js';

/** The last `count` event times of one address, in a ring. */
interface Ring {
  times: Float64Array;
  next: number;
  filled: number;
  newest: number;
}

export interface Threshold {
  rule: RuleSettings;
  /** The first and last of the `count` events that crossed it. */
  first: number;
  last: number;
}

/**
 * One rule's sliding window over every address: keeps only the last `count`
 * times of each (the threshold is crossed when those span no more than the
 * window), so memory is bounded by the rule's count, not by the event rate.
 */
export class StrikeCounter {
  private readonly rings = new Map<string, Ring>();

  constructor(readonly rule: RuleSettings) {}

  /** Records one event; returns the threshold when this event crosses it (and starts counting afresh). */
  record(address: string, ts: number): Threshold | null {
    const { count, window } = this.rule;
    let ring = this.rings.get(address);
    if (!ring) {
      ring = { times: new Float64Array(count), next: 0, filled: 0, newest: ts };
      this.rings.set(address, ring);
    }
    ring.times[ring.next] = ts;
    ring.next = (ring.next + 1) % count;
    if (ring.filled < count) ring.filled++;
    if (ts > ring.newest) ring.newest = ts;
    if (ring.filled < count) return null;
    // Lines of several sources may arrive slightly out of order: take the true span.
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const t of ring.times) {
      if (t < first) first = t;
      if (t > last) last = t;
    }
    if (last - first > window) return null;
    this.rings.delete(address);
    return { rule: this.rule, first, last };
  }

  /** How many events of the address are inside the window ending at `now`. */
  pending(address: string, now: number): number {
    const ring = this.rings.get(address);
    if (!ring) return 0;
    let n = 0;
    for (let i = 0; i < ring.filled; i++) if (now - ring.times[i]! <= this.rule.window) n++;
    return n;
  }

  clear(address: string): void {
    this.rings.delete(address);
  }

  /** Forgets addresses whose newest event left the window; returns how many. */
  prune(now: number): number {
    let removed = 0;
    for (const [address, ring] of this.rings) {
      if (now - ring.newest > this.rule.window) {
        this.rings.delete(address);
        removed++;
      }
    }
    return removed;
  }

  get addresses(): number {
    return this.rings.size;
  }
}
