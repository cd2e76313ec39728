import type { SecurityEvent } from '../classify/event.js';
import { maxOf, minOf } from '../detect/extremes.js';
import { subnetKey, subnetOf } from '../detect/subnets.js';
import { topN } from '../detect/top.js';
import type { RankedSource, TimeSeries } from '../report/model.js';

/** Benign classes the statistics count (all other tiers are counted too). */
export const STATISTICS_CLASSES = [
  'delivery-sent',
  'smtp-connect',
  'sasl-auth-success',
  'mail-login-success',
] as const;

const REJECT_CLASSES = new Set([
  'relay-denied',
  'unknown-recipient',
  'helo-rejected',
  'client-rejected',
  'sender-rejected',
  'policy-rejected',
  'pregreet',
  'postscreen-bare-newline',
  'postscreen-pipelining',
  'postscreen-non-smtp',
  'postscreen-dnsbl',
  'postscreen-denylisted',
  'too-many-errors',
  'non-smtp-command',
  'connection-limit',
]);

/** Mergeable counters behind the report's appendix: what happened, when, and from where. */
export interface StatisticsState {
  eventsByClass: Record<string, number>;
  byAddress: Map<string, { count: number; classes: Record<string, number> }>;
  /** Epoch hour → series → count. */
  hourly: Map<number, Record<string, number>>;
  traffic: {
    delivered: number;
    deferred: number;
    bounced: number;
    smtpd: number;
    /** postscreen connections counted from events (only when a time window is set); null: take them from the line accounting. */
    postscreen: number | null;
    loginsSucceeded: number;
    loginsFailed: number;
  };
  rejectsByReason: Record<string, number>;
  first: number;
  last: number;
}

const ADDRESSES_KEPT = 500_000;

export function newStatistics(): StatisticsState {
  return {
    eventsByClass: {},
    byAddress: new Map(),
    hourly: new Map(),
    traffic: {
      delivered: 0,
      deferred: 0,
      bounced: 0,
      smtpd: 0,
      postscreen: null,
      loginsSucceeded: 0,
      loginsFailed: 0,
    },
    rejectsByReason: {},
    first: Number.POSITIVE_INFINITY,
    last: Number.NEGATIVE_INFINITY,
  };
}

function bump(hourly: StatisticsState['hourly'], tsMs: number, series: string): void {
  const hour = Math.floor(tsMs / 3_600_000);
  let row = hourly.get(hour);
  if (!row) {
    row = {};
    hourly.set(hour, row);
  }
  row[series] = (row[series] ?? 0) + 1;
}

export function addStatistic(s: StatisticsState, e: SecurityEvent, tsMs: number): void {
  if (tsMs < s.first) s.first = tsMs;
  if (tsMs > s.last) s.last = tsMs;
  const t = s.traffic;
  switch (e.class) {
    case 'delivery-sent':
      t.delivered++;
      bump(s.hourly, tsMs, 'delivered');
      return;
    case 'delivery-deferred':
      t.deferred++;
      break;
    case 'delivery-bounced':
      t.bounced++;
      break;
    case 'smtp-connect':
      t.smtpd++;
      return;
    case 'postscreen-connect':
      t.postscreen = (t.postscreen ?? 0) + 1;
      return;
    case 'sasl-auth-success':
    case 'mail-login-success':
      t.loginsSucceeded++;
      return;
    case 'sasl-auth-failure':
    case 'mail-login-failure':
      t.loginsFailed++;
      break;
  }
  if (e.tier === 'benign') return;
  s.eventsByClass[e.class] = (s.eventsByClass[e.class] ?? 0) + 1;
  if (REJECT_CLASSES.has(e.class)) {
    const reason =
      e.class === 'client-rejected' && e.detail ? `client-rejected (${e.detail.slice(0, 60)})` : e.class;
    s.rejectsByReason[reason] = (s.rejectsByReason[reason] ?? 0) + 1;
    bump(s.hourly, tsMs, 'rejected');
  }
  if (e.tier === 'attack' || e.tier === 'signal') {
    bump(s.hourly, tsMs, e.class);
    if (e.ip) {
      let a = s.byAddress.get(e.ip);
      if (!a && s.byAddress.size < ADDRESSES_KEPT) {
        a = { count: 0, classes: {} };
        s.byAddress.set(e.ip, a);
      }
      if (a) {
        a.count++;
        a.classes[e.class] = (a.classes[e.class] ?? 0) + 1;
      }
    }
  }
}

export function mergeStatistics(into: StatisticsState, later: StatisticsState): void {
  for (const [k, v] of Object.entries(later.eventsByClass))
    into.eventsByClass[k] = (into.eventsByClass[k] ?? 0) + v;
  for (const [ip, b] of later.byAddress) {
    const a = into.byAddress.get(ip);
    if (!a) {
      if (into.byAddress.size < ADDRESSES_KEPT) into.byAddress.set(ip, b);
      continue;
    }
    a.count += b.count;
    for (const [k, v] of Object.entries(b.classes)) a.classes[k] = (a.classes[k] ?? 0) + v;
  }
  for (const [hour, row] of later.hourly) {
    const mine = into.hourly.get(hour) ?? {};
    for (const [k, v] of Object.entries(row)) mine[k] = (mine[k] ?? 0) + v;
    into.hourly.set(hour, mine);
  }
  const { postscreen, ...counters } = later.traffic;
  for (const k of Object.keys(counters) as (keyof typeof counters)[]) into.traffic[k] += counters[k];
  if (postscreen !== null) into.traffic.postscreen = (into.traffic.postscreen ?? 0) + postscreen;
  for (const [k, v] of Object.entries(later.rejectsByReason))
    into.rejectsByReason[k] = (into.rejectsByReason[k] ?? 0) + v;
  into.first = Math.min(into.first, later.first);
  into.last = Math.max(into.last, later.last);
}

export function rankAddresses(s: StatisticsState, limit = 20): RankedSource[] {
  return topN(
    s.byAddress.entries(),
    limit,
    (a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]),
  ).map(([ip, a]) => ({ source: ip, count: a.count, classes: { ...a.classes } }));
}

export function rankSubnets(s: StatisticsState, limit = 20): RankedSource[] {
  // Counts first, keyed without making a string per address; the classes are summed only for the subnets shown.
  const subnets = new Map<number | string, RankedSource>();
  for (const [ip, a] of s.byAddress) {
    const key = subnetKey(ip);
    const r = subnets.get(key);
    if (r) {
      r.count += a.count;
      r.addresses = (r.addresses ?? 0) + 1;
    } else subnets.set(key, { source: subnetOf(ip), count: a.count, addresses: 1, classes: {} });
  }
  const top = topN(subnets.values(), limit, (a, b) => b.count - a.count || a.source.localeCompare(b.source));
  const shown = new Set(top);
  for (const [ip, a] of s.byAddress) {
    const r = subnets.get(subnetKey(ip))!;
    if (shown.has(r)) for (const [k, v] of Object.entries(a.classes)) r.classes[k] = (r.classes[k] ?? 0) + v;
  }
  return top;
}

/** A time series over the period: hourly up to 14 days, daily beyond. `only` picks the series. */
export function timeSeries(
  s: StatisticsState,
  only: (series: string) => boolean,
  forceDaily = false,
): TimeSeries {
  if (s.hourly.size === 0) return { bucketSeconds: 3600, buckets: [], series: {} };
  const hours = [...s.hourly.keys()];
  const firstHour = minOf(hours);
  const lastHour = maxOf(hours);
  const daily = forceDaily || lastHour - firstHour > 14 * 24;
  const step = daily ? 24 : 1;
  const start = daily ? Math.floor(firstHour / 24) * 24 : firstHour;
  const n = Math.floor((lastHour - start) / step) + 1;
  const buckets = Array.from({ length: n }, (_, i) => new Date((start + i * step) * 3_600_000).toISOString());
  const series: Record<string, number[]> = {};
  for (const [hour, row] of s.hourly) {
    const i = Math.floor((hour - start) / step);
    for (const [name, v] of Object.entries(row)) {
      if (!only(name)) continue;
      series[name] ??= new Array(n).fill(0);
      const arr = series[name]!;
      arr[i] = (arr[i] ?? 0) + v;
    }
  }
  return { bucketSeconds: step * 3600, buckets, series };
}

/** Counts an event's address that became known only after its piece was analysed (parallel reading). */
export function attributeAddress(s: StatisticsState, ip: string, cls: string): void {
  let a = s.byAddress.get(ip);
  if (!a && s.byAddress.size < ADDRESSES_KEPT) {
    a = { count: 0, classes: {} };
    s.byAddress.set(ip, a);
  }
  if (a) {
    a.count++;
    a.classes[cls] = (a.classes[cls] ?? 0) + 1;
  }
}
