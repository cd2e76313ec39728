/**
 * Format-independent pieces of the report: labels, number and date formatting,
 * ordering of findings, and the day-by-day roll-up of a time series. Nothing here
 * escapes; the Markdown and HTML renderers escape what these return when it holds
 * report text.
 */
import {
  type Evidence,
  type Finding,
  type FindingStatus,
  SEVERITIES,
  type Severity,
} from '../findings/finding.js';
import type { AuditReport, TimeSeries } from './model.js';

export const REPORT_TITLE = 'Mail Server Security Analysis';

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

export const STATUS_LABEL: Record<FindingStatus, string> = {
  open: 'Open',
  mitigated: 'Mitigated',
  fixed: 'Fixed',
};

/** Label of a severity or status that may not be one of the known values (hand-edited JSON). */
export function severityLabel(s: string): string {
  return SEVERITY_LABEL[s as Severity] ?? s;
}

export function statusLabel(s: string): string {
  return STATUS_LABEL[s as FindingStatus] ?? s;
}

const GROUPING = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** 12,345 (and at most two decimals); anything not a finite number as written. */
export function formatCount(n: number): string {
  return typeof n === 'number' && Number.isFinite(n) ? GROUPING.format(n) : String(n);
}

/** A metric value: numbers grouped, strings as they are. */
export function formatMetric(v: number | string): string {
  return typeof v === 'number' ? formatCount(v) : String(v);
}

function parseIso(iso: string | null | undefined): Date | null {
  if (typeof iso !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(iso)) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const two = (n: number) => String(n).padStart(2, '0');

/** `October 10, 2025` (UTC), or null if `iso` is not an ISO 8601 time. */
export function formatDateLong(iso: string | null | undefined): string | null {
  const d = parseIso(iso);
  return d ? `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}` : null;
}

/** `2025-10-10 01:33:12 UTC` (seconds left out when `minutes`), or null if not an ISO 8601 time. */
export function formatTimestamp(iso: string | null | undefined, minutes = false): string | null {
  const d = parseIso(iso);
  if (!d) return null;
  const date = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}${minutes ? '' : `:${two(d.getUTCSeconds())}`}`;
  return `${date} ${time} UTC`;
}

/** `YYYY-MM-DD` of an ISO time (UTC), or null. */
export function dayOf(iso: string): string | null {
  const d = parseIso(iso);
  return d ? d.toISOString().slice(0, 10) : null;
}

/** `Oct 3 14:00` (UTC): a short label for a chart axis. */
export function shortBucketLabel(iso: string, bucketSeconds: number): string {
  const d = parseIso(iso);
  if (!d) return iso;
  const day = `${MONTHS[d.getUTCMonth()]!.slice(0, 3)} ${d.getUTCDate()}`;
  return bucketSeconds >= 86400 ? day : `${day} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/** `7 days`, `3 hours 20 minutes`, `22 minutes`, `45 seconds`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const units: [number, string][] = [
    [86400_000, 'day'],
    [3600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  const parts: string[] = [];
  let rest = Math.round(ms / 1000) * 1000;
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join(' ') : '0 seconds';
}

/** The analysed period as text: `2025-10-03 00:00 UTC – 2025-10-10 00:00 UTC (7 days)`. */
export function formatPeriod(period: AuditReport['period']): { text: string; raw: boolean } {
  const from = formatTimestamp(period.from, true);
  const to = formatTimestamp(period.to, true);
  if (period.from === null && period.to === null) {
    return { text: 'unknown (no timestamped events were read)', raw: false };
  }
  if (from && to) {
    const ms = new Date(period.to!).getTime() - new Date(period.from!).getTime();
    return { text: `${from} – ${to} (${formatDuration(ms)})`, raw: false };
  }
  // A time that is not ISO 8601 is shown as written (and escaped by the caller).
  return { text: `${from ?? period.from ?? 'unknown'} – ${to ?? period.to ?? 'unknown'}`, raw: true };
}

const ACRONYMS: Record<string, string> = {
  tls: 'TLS',
  ssl: 'SSL',
  helo: 'HELO',
  ehlo: 'EHLO',
  smtp: 'SMTP',
  sasl: 'SASL',
  imap: 'IMAP',
  pop3: 'POP3',
  dkim: 'DKIM',
  dmarc: 'DMARC',
  spf: 'SPF',
  dns: 'DNS',
  dnsbl: 'DNSBL',
  ip: 'IP',
  ipv4: 'IPv4',
  ipv6: 'IPv6',
  id: 'id',
};

/**
 * `attemptsPerHour` / `attempts_per_hour` / `attempts-per-hour` → `Attempts per hour`
 * (`tlsSessions` → `TLS sessions`). A key that is not such an identifier is returned
 * unchanged: it is shown as written (and escaped).
 */
export function humanizeKey(key: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*$/.test(key)) return key;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase());
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Entries by value, largest first, then by key. */
export function rankEntries(record: Record<string, number>): [string, number][] {
  return Object.entries(record).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) if (Number.isFinite(v)) total += v;
  return total;
}

export interface NumberedFinding {
  /** 1-based position in the report. */
  n: number;
  finding: Finding;
}

export interface SeverityGroup {
  severity: Severity;
  items: NumberedFinding[];
}

function severityIndex(s: string): number {
  const i = SEVERITIES.indexOf(s as Severity);
  return i < 0 ? SEVERITIES.length : i;
}

/** Issues (kind `issue`) grouped by severity, critical first, numbered in that order. */
export function issuesBySeverity(findings: readonly Finding[]): SeverityGroup[] {
  const issues = findings
    .map((finding, i) => ({ finding, i }))
    .filter((x) => x.finding.kind !== 'positive')
    .sort((a, b) => severityIndex(a.finding.severity) - severityIndex(b.finding.severity) || a.i - b.i);
  const groups: SeverityGroup[] = [];
  issues.forEach(({ finding }, i) => {
    const last = groups[groups.length - 1];
    const item = { n: i + 1, finding };
    if (last && last.severity === finding.severity) last.items.push(item);
    else groups.push({ severity: finding.severity, items: [item] });
  });
  return groups;
}

export function positiveFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.kind === 'positive');
}

export interface DayRow {
  day: string;
  total: number;
  /** Per series, aligned with the `series` order of the roll-up. */
  perSeries: number[];
  /** Counts per slot of the day (24 for hourly buckets), or empty when buckets are a day or longer. */
  slots: number[];
}

export interface DailyRollup {
  series: string[];
  rows: DayRow[];
  /** Slots per day (0 when the buckets are a day or longer). */
  slotsPerDay: number;
  slotSeconds: number;
}

/**
 * A time series summed per UTC day, series ordered by total (largest first), with
 * each day's profile by bucket when the buckets are shorter than a day and divide it.
 */
export function dailyRollup(ts: TimeSeries): DailyRollup {
  const series = rankEntries(Object.fromEntries(Object.entries(ts.series).map(([k, v]) => [k, sum(v)]))).map(
    ([k]) => k,
  );
  const width = ts.bucketSeconds;
  const slotsPerDay =
    width > 0 && width < 86400 && 86400 % width === 0 && 86400 / width <= 48 ? 86400 / width : 0;
  const rows = new Map<string, DayRow>();
  ts.buckets.forEach((bucket, i) => {
    const day = dayOf(bucket) ?? bucket;
    let row = rows.get(day);
    if (!row) {
      row = { day, total: 0, perSeries: series.map(() => 0), slots: new Array<number>(slotsPerDay).fill(0) };
      rows.set(day, row);
    }
    let bucketTotal = 0;
    series.forEach((name, j) => {
      const v = ts.series[name]?.[i] ?? 0;
      if (!Number.isFinite(v)) return;
      row.perSeries[j]! += v;
      bucketTotal += v;
    });
    row.total += bucketTotal;
    if (slotsPerDay > 0) {
      const d = new Date(bucket);
      if (!Number.isNaN(d.getTime())) {
        const slot = Math.floor(
          (d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds()) / width,
        );
        if (slot >= 0 && slot < slotsPerDay) row.slots[slot]! += bucketTotal;
      }
    }
  });
  return { series, rows: [...rows.values()], slotsPerDay, slotSeconds: width };
}

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A one-line bar profile: `·` for zero, then eight heights scaled to `max`. */
export function sparkline(values: readonly number[], max: number): string {
  return values
    .map((v) => {
      if (!(v > 0) || !(max > 0)) return '·';
      const level = Math.min(BARS.length - 1, Math.floor((v / max) * BARS.length - 1e-9));
      return BARS[Math.max(0, level)]!;
    })
    .join('');
}

/**
 * Prose written by the analysis (a description, a root cause): paragraphs split on
 * blank lines, and lines starting with `- ` or `* ` as list items. The text of each
 * block is still raw; the renderer escapes it.
 */
export type ProseBlock = { kind: 'paragraph'; lines: string[] } | { kind: 'list'; items: string[] };

export function proseBlocks(text: string): ProseBlock[] {
  const blocks: ProseBlock[] = [];
  for (const line of String(text).split('\n')) {
    const last = blocks[blocks.length - 1];
    const item = /^\s*[-*] (.*)$/.exec(line);
    if (line.trim() === '') {
      blocks.push({ kind: 'paragraph', lines: [] });
    } else if (item) {
      if (last?.kind === 'list') last.items.push(item[1]!);
      else blocks.push({ kind: 'list', items: [item[1]!] });
    } else if (last?.kind === 'paragraph') {
      last.lines.push(line);
    } else {
      blocks.push({ kind: 'paragraph', lines: [line] });
    }
  }
  return blocks.filter((b) => (b.kind === 'paragraph' ? b.lines.length > 0 : b.items.length > 0));
}

/**
 * Evidence as rows: each `file:line` padded to a common width (up to 40 characters),
 * then the line. When every file is in one directory, `directory` names it (ending in
 * `/`) and the rows show only what follows it.
 */
export function evidenceRows(evidence: readonly Evidence[]): {
  directory: string;
  rows: { source: string; line: string }[];
} {
  const sources = evidence.map((e) => String(e.source));
  const directory = commonDirectory(sources);
  const shown = sources.map((s) => s.slice(directory.length));
  const width = Math.min(40, Math.max(0, ...shown.map((s) => s.length)));
  return {
    directory,
    rows: evidence.map((e, i) => ({ source: shown[i]!.padEnd(width), line: String(e.line) })),
  };
}

/** The longest directory (ending in `/`) that every `file:line` starts with, or ''. */
function commonDirectory(sources: readonly string[]): string {
  if (sources.length === 0) return '';
  let prefix = sources[0]!.slice(0, sources[0]!.lastIndexOf('/') + 1);
  for (const s of sources) {
    while (prefix && !s.startsWith(prefix))
      prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1);
  }
  // Only the directory part of a file name: never cut inside a `file:line` whose file has no `/`.
  return sources.every((s) => s.length > prefix.length && !s.slice(prefix.length).startsWith(':'))
    ? prefix
    : '';
}

/** Commands as lines: a command written over several lines (a heredoc) keeps its lines. */
export function commandLines(commands: readonly string[]): string[] {
  return commands.flatMap((c) => String(c).split('\n'));
}

/** Up to `limit` items, and how many were left out. */
export function firstItems<T>(items: readonly T[] | undefined, limit: number): { shown: T[]; more: number } {
  const all = items ?? [];
  return { shown: all.slice(0, limit), more: Math.max(0, all.length - limit) };
}

/** The sum of attempts over the attack families (or of attack events when no family counts). */
export function totalAttempts(report: AuditReport): number {
  const families = sum(Object.values(report.statistics.attemptsByFamily));
  return families > 0 ? families : sum(Object.values(report.statistics.eventsByClass));
}
