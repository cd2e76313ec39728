/**
 * The data of the HTML report's charts, computed on the server side: labels are
 * already made visible (a canvas would draw a bidi override as a real one), colours
 * are assigned, and the client script only hands the result to Chart.js.
 */
import { makeVisible } from './escape.js';
import { rankEntries, shortBucketLabel, sum } from './format.js';
import type { AuditReport } from './model.js';

export type ChartKind = 'timeline' | 'ranking' | 'columns' | 'grouped';

export interface ChartDataset {
  label: string;
  data: number[];
  color: string;
}

export interface ChartSpec {
  /** The id of the canvas. */
  id: string;
  kind: ChartKind;
  /** Accessible description of the chart, also shown as its caption. */
  title: string;
  labels: string[];
  datasets: ChartDataset[];
  /** What one unit is (`events`, `attempts`, `bans`, `messages`), for tooltips and axes. */
  unit: string;
  /** Extra text per label for tooltips (e.g. the number of addresses in a subnet). */
  notes?: string[];
}

/** Distinct, colour-blind-friendly colours (Okabe–Ito order, then Tableau). */
export const PALETTE = [
  '#0072b2',
  '#d55e00',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#8c564b',
  '#6b7280',
  '#b8860b',
  '#17becf',
];

const TRAFFIC_COLOURS: Record<string, string> = {
  delivered: '#15803d',
  deliveries: '#15803d',
  sent: '#15803d',
  deferred: '#d97706',
  bounced: '#dc2626',
  rejected: '#64748b',
  rejects: '#64748b',
};

const MAX_TIMELINE_SERIES = 7;
const MAX_RANKED = 10;

const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The charts a report has data for, in the order they appear. */
export function chartSpecs(report: AuditReport): Record<string, ChartSpec> {
  const s = report.statistics;
  const charts: Record<string, ChartSpec> = {};

  const tl = s.timeline;
  const ranked = rankEntries(Object.fromEntries(Object.entries(tl.series).map(([k, v]) => [k, sum(v)])));
  if (tl.buckets.length > 0 && ranked.length > 0) {
    // A single leftover class is drawn as itself rather than as "other".
    const keep = ranked.length === MAX_TIMELINE_SERIES + 1 ? ranked.length : MAX_TIMELINE_SERIES;
    const shown = ranked.slice(0, keep);
    const rest = ranked.slice(keep);
    const datasets = shown.map(([name], i) => ({
      label: makeVisible(name),
      data: tl.buckets.map((_, j) => finite(tl.series[name]?.[j])),
      color: PALETTE[i % PALETTE.length]!,
    }));
    if (rest.length > 0) {
      datasets.push({
        label: `other (${rest.length} classes)`,
        data: tl.buckets.map((_, j) => sum(rest.map(([name]) => finite(tl.series[name]?.[j])))),
        color: '#94a3b8',
      });
    }
    charts.timeline = {
      id: 'chart-timeline',
      kind: 'timeline',
      title: `Attack and signal events per ${tl.bucketSeconds >= 86400 ? 'day' : tl.bucketSeconds >= 3600 ? 'hour' : 'bucket'}, by class (UTC)`,
      labels: tl.buckets.map((b) => makeVisible(shortBucketLabel(b, tl.bucketSeconds))),
      datasets,
      unit: 'events',
    };
  }

  const subnets = s.topSubnets.slice(0, MAX_RANKED);
  if (subnets.length > 0) {
    charts.subnets = {
      id: 'chart-subnets',
      kind: 'ranking',
      title: 'Top subnets by attempts',
      labels: subnets.map((r) => makeVisible(r.source)),
      datasets: [{ label: 'attempts', data: subnets.map((r) => finite(r.count)), color: PALETTE[1]! }],
      unit: 'attempts',
      notes: subnets.map((r) =>
        r.addresses === undefined ? '' : `${r.addresses} address${r.addresses === 1 ? '' : 'es'}`,
      ),
    };
  }

  const jails = rankEntries(s.bansByJail);
  if (jails.length > 0 && sum(jails.map(([, v]) => v)) > 0) {
    charts.jails = {
      id: 'chart-jails',
      kind: 'columns',
      title: 'fail2ban bans per jail',
      labels: jails.map(([k]) => makeVisible(k)),
      datasets: [{ label: 'bans', data: jails.map(([, v]) => finite(v)), color: PALETTE[0]! }],
      unit: 'bans',
    };
  }

  const perDay = s.traffic.perDay;
  const trafficSeries = Object.keys(perDay.series);
  if (perDay.buckets.length > 0 && trafficSeries.length > 0) {
    charts.traffic = {
      id: 'chart-traffic',
      kind: 'grouped',
      title: 'Mail traffic per day (UTC)',
      labels: perDay.buckets.map((b) => makeVisible(shortBucketLabel(b, 86400))),
      datasets: trafficSeries.map((name, i) => ({
        label: makeVisible(name),
        data: perDay.buckets.map((_, j) => finite(perDay.series[name]?.[j])),
        color: TRAFFIC_COLOURS[name.toLowerCase()] ?? PALETTE[(i + 4) % PALETTE.length]!,
      })),
      unit: 'messages',
    };
  }
  return charts;
}
