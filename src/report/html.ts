/**
 * The audit report as one self-contained HTML file: inline CSS, Chart.js inlined
 * from the installed package, the chart data in a JSON island, and a
 * Content-Security-Policy that forbids every request. The document is built here as
 * strings, every report value through `escapeHtml`; the client script only draws the
 * charts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Finding, FindingSource } from '../findings/finding.js';
import { banHistorySummary, banHistoryTable } from './ban-history-table.js';
import { type ChartSpec, chartSpecs } from './chart-data.js';
import { CHART_SCRIPT } from './client-script.js';
import { classCoverageTable, jailTable, type TextTable } from './coverage-table.js';
import { escapeHtml as h, safeJson } from './escape.js';
import {
  commandLines,
  dailyRollup,
  evidenceRows,
  firstItems,
  formatCount,
  formatDateLong,
  formatMetric,
  formatPeriod,
  formatTimestamp,
  humanizeKey,
  issuesBySeverity,
  type NumberedFinding,
  positiveFindings,
  proseBlocks,
  REPORT_TITLE,
  rankEntries,
  type SeverityGroup,
  severityLabel,
  sparkline,
  statusLabel,
  sum,
  totalAttempts,
} from './format.js';
import type { AuditReport, RankedSource } from './model.js';
import { REPORT_CSS } from './styles.js';

/** The policy of the report page: nothing may be fetched, only the page's own inline scripts run. */
export const CSP_DIRECTIVES =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

const MAX_SOURCES = 25;
const MAX_USERS = 8;
const MAX_FILES = 50;

let chartJsSource: string | undefined;

/**
 * The Chart.js UMD bundle of the installed package. Its `exports` map does not list
 * the UMD file, so it is found beside the package's main entry.
 */
export function chartJsBundle(): string {
  if (chartJsSource !== undefined) return chartJsSource;
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve('chart.js/dist/chart.umd.min.js');
  } catch {
    path = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  }
  // A script element ends at the first `</script`, and `<!--` changes how it is
  // parsed; in the bundle these could only sit in strings or regular expressions,
  // where `<\/` and `<\!` mean the same.
  chartJsSource = readFileSync(path, 'utf8')
    .replace(/<\/(script)/gi, '<\\/$1')
    .replace(/<!--/g, '<\\!--');
  return chartJsSource;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

const sevClass = (s: string) => `sev-${/^[a-z]+$/.test(s) ? s : 'info'}`;
const statusClass = (s: string) => `status-${/^[a-z]+$/.test(s) ? s : 'open'}`;
const num = (n: number) => h(formatCount(n));
/** An address, id or file name as code; a short one is kept on one line. */
const token = (text: string) =>
  `<code${String(text).length <= 48 ? ' class="nw"' : ''}>${h(String(text))}</code>`;
const when = (iso: string | null | undefined, minutes = false) =>
  h(formatTimestamp(iso, minutes) ?? String(iso ?? '—'));

/** `2025-10-06 00:07` for a table cell whose header says UTC. */
const shortTime = (iso: string) => {
  const t = formatTimestamp(iso, true);
  return t ? t.replace(/ UTC$/, '') : h(String(iso));
};

function tableHtml(
  headers: { label: string; num?: boolean }[],
  rows: { cells: string[]; className?: string }[],
  numeric: boolean[] = headers.map((c) => c.num ?? false),
  cellClasses: (string | undefined)[] = [],
): string {
  const head = headers.map((c) => `<th scope="col"${c.num ? ' class="num"' : ''}>${c.label}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr${r.className ? ` class="${r.className}"` : ''}>${r.cells
          .map((cell, i) => {
            const cls = [numeric[i] ? 'num' : '', cellClasses[i] ?? ''].filter(Boolean).join(' ');
            return `<td${cls ? ` class="${cls}"` : ''}>${cell}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

function prose(text: string, className = ''): string {
  const cls = className ? ` class="${className}"` : '';
  return proseBlocks(text)
    .map((b) =>
      b.kind === 'paragraph'
        ? `<p${cls}>${b.lines.map((l) => h(l.trim())).join('<br>')}</p>`
        : `<ul>${b.items.map((i) => `<li>${h(i.trim())}</li>`).join('')}</ul>`,
    )
    .join('\n');
}

/** Command lines, one block each, so that a wrapped line hangs under its start and stays told apart. */
function pre(lines: readonly string[]): string {
  return `<pre class="cmd"><code>${lines.map((l) => `<span class="l">${h(l)}\n</span>`).join('')}</code></pre>`;
}

const EVIDENCE_LABELS = {
  logs: 'Log evidence',
  configuration: 'Configuration evidence',
  probe: 'Probe evidence',
};

function evidenceBlock(evidence: Finding['evidence']): string {
  const { directory, rows } = evidenceRows(evidence);
  const hang = Math.min(42, (rows[0]?.source.length ?? 0) + 2);
  // One block per line, so a wrapped line hangs under its text, not under its file:line.
  const lines = rows.map(
    (r) => `<span class="ev"><span class="src">${h(r.source)}</span>  ${h(r.line)}\n</span>`,
  );
  const where = directory ? `<p class="ev-dir">Files in ${token(directory)}</p>` : '';
  return `${where}<pre class="evidence" style="--hang:${hang}ch"><code>${lines.join('')}</code></pre>`;
}

function commandsHtml(docker: readonly string[], plain: readonly string[]): string {
  const variant = (label: string, cmds: readonly string[]) =>
    `<div class="variant"><p class="variant-label">${label}</p>${
      cmds.length > 0 ? pre(commandLines(cmds)) : '<p class="none">No command needed.</p>'
    }</div>`;
  if (docker.length === 0 && plain.length === 0) return '';
  return `<div class="cmds">${variant('docker-mailserver', docker)}${variant('Plain Postfix/Dovecot host', plain)}</div>`;
}

function chartFigure(spec: ChartSpec | undefined, tall = false, height?: number): string {
  if (!spec) return '';
  const style = height ? ` style="height:${Math.round(height)}px"` : '';
  return `<figure class="chart"><figcaption>${h(spec.title)}</figcaption><div class="chart-box${tall ? ' tall' : ''}"${style}><canvas id="${h(spec.id)}" role="img" aria-label="${h(spec.title)}"></canvas></div></figure>`;
}

function masthead(report: AuditReport): string {
  const period = formatPeriod(report.period);
  const files = report.inputs.files.length;
  const meta: [string, string][] = [
    ['Date', h(formatDateLong(report.generatedAt) ?? String(report.generatedAt))],
    ['Period analysed', h(period.text)],
    ['Logs read', `${num(files)} file${files === 1 ? '' : 's'}, ${num(report.inputs.lines)} lines`],
    ['Generated by', `${h(`${report.generator.name} ${report.generator.version}`)}`],
  ];
  return `<header class="masthead"><div class="wrap">
<p class="eyebrow">mailwarden security audit</p>
<h1>${REPORT_TITLE}</h1>
<dl class="meta">${meta.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>${
    report.redacted
      ? '\n<p class="notice">Redacted: user names and address tails are masked throughout.</p>'
      : ''
  }
</div></header>`;
}

const NAV: [string, string][] = [
  ['summary', 'Summary'],
  ['issues', 'Issues'],
  ['positive', 'Positive findings'],
  ['next-steps', 'Next steps'],
  ['monitoring', 'Monitoring'],
  ['statistics', 'Statistics'],
];

function nav(): string {
  return `<nav class="toc" aria-label="Sections"><ul>${NAV.map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`).join('')}</ul></nav>`;
}

function severityBar(groups: SeverityGroup[], total: number): string {
  if (total === 0) return '';
  return `<div class="sevbar" aria-hidden="true">${groups
    .map(
      (g) =>
        `<span class="${sevClass(g.severity)}" style="width:${((100 * g.items.length) / total).toFixed(2)}%"></span>`,
    )
    .join('')}</div>`;
}

function summary(report: AuditReport, charts: Record<string, ChartSpec>): string {
  const groups = issuesBySeverity(report.findings);
  const issueCount = sum(groups.map((g) => g.items.length));
  const bySeverity = groups
    .map((g) => `${g.items.length} ${severityLabel(g.severity).toLowerCase()}`)
    .join(', ');
  const bans = sum(Object.values(report.statistics.bansByJail));
  const positives = positiveFindings(report.findings).length;
  const inputs = report.inputs;
  const card = (label: string, value: string, sub = '', extra = '') =>
    `<div class="card"><div class="label">${label}</div><div class="value">${value}</div>${sub ? `<div class="sub">${sub}</div>` : ''}${extra}</div>`;
  const cards = [
    card('Issues', String(issueCount), h(bySeverity || 'none'), severityBar(groups, issueCount)),
    card(
      'Attack attempts',
      num(totalAttempts(report)),
      `${num(sum(Object.values(report.statistics.eventsByClass)))} events`,
    ),
    card('fail2ban bans', num(bans), `${Object.keys(report.statistics.bansByJail).length} jails`),
    card('Positive findings', String(positives), 'what works'),
    card(
      'Lines read',
      num(inputs.lines),
      `${inputs.lines > 0 ? ((100 * inputs.unrecognised) / inputs.lines).toFixed(1) : '0.0'} % unrecognised`,
    ),
  ].join('');
  const index =
    issueCount > 0
      ? tableHtml(
          [{ label: '#', num: true }, { label: 'Issue' }, { label: 'Severity / status' }],
          groups.flatMap((g) =>
            g.items.map(({ n, finding: f }) => ({
              cells: [
                String(n),
                `<a href="#issue-${n}">${h(f.title)}</a><div class="issue-id">${token(f.id)}</div>`,
                `<div class="rating"><span class="badge ${sevClass(f.severity)}">${h(severityLabel(f.severity))}</span><span class="status ${statusClass(f.status)}">${h(statusLabel(f.status))}</span></div>`,
              ],
            })),
          ),
          undefined,
          ['rank', 'issue'],
        )
      : '';
  return `<section id="summary">
<h2>Executive Summary</h2>
${prose(report.executiveSummary, 'lead') || '<p class="none">No summary.</p>'}
<div class="cards">${cards}</div>
${chartFigure(charts.timeline, true)}
${index ? `<h3>Issues at a glance</h3>\n${index}` : ''}
</section>`;
}

function sourcesTable(sources: readonly FindingSource[]): string {
  const { shown, more } = firstItems(sources, MAX_SOURCES);
  const rows = shown.map((s) => {
    const users = firstItems(s.users, MAX_USERS);
    const userText =
      users.shown.map((u) => token(u)).join(', ') + (users.more > 0 ? ` (+${users.more} more)` : '');
    return {
      cells: [
        token(s.source),
        h(String(s.kind)),
        num(s.count),
        s.addresses === undefined ? '—' : num(s.addresses),
        shortTime(s.first),
        shortTime(s.last),
        s.banned === undefined ? '—' : s.banned ? 'yes' : '<strong>no</strong>',
        userText || '—',
      ],
    };
  });
  const table = tableHtml(
    [
      { label: 'Source' },
      { label: 'Kind' },
      { label: 'Attempts', num: true },
      { label: 'Addresses', num: true },
      { label: 'First seen (UTC)' },
      { label: 'Last seen (UTC)' },
      { label: 'Banned' },
      { label: 'Users' },
    ],
    rows,
    undefined,
    // Users come last: the one column of any length.
    ['', '', '', '', 'nowrap', 'nowrap', '', 'list users'],
  );
  return more > 0
    ? `${table}<p class="none">… and ${more} more sources (all of them are in the JSON report).</p>`
    : table;
}

function metricTiles(metrics: Finding['metrics']): string {
  return `<dl class="metrics">${Object.entries(metrics ?? {})
    .map(([k, v]) => `<div><dt>${h(humanizeKey(k))}</dt><dd>${h(formatMetric(v))}</dd></div>`)
    .join('')}</dl>`;
}

function issueArticle({ n, finding: f }: NumberedFinding): string {
  const parts = [
    `<article class="finding ${sevClass(f.severity)}" id="issue-${n}">`,
    `<div class="finding-head"><h4><span class="n">${n}.</span>${h(f.title)}</h4><div class="tags"><span class="badge ${sevClass(f.severity)}">${h(severityLabel(f.severity))}</span><span class="status ${statusClass(f.status)}">${h(statusLabel(f.status))}</span></div></div>`,
    `<dl class="facts"><dt>Finding id</dt><dd>${token(f.id)}</dd><dt>Status</dt><dd>${h(statusLabel(f.status))}</dd>${f.severityRule ? `<dt>Severity rule</dt><dd>${h(f.severityRule)}</dd>` : ''}</dl>`,
    `<h5>Description</h5>${prose(f.description) || '<p class="none">None.</p>'}`,
  ];
  if (f.sources.length > 0) parts.push(`<h5>Sources</h5>${sourcesTable(f.sources)}`);
  if (f.evidence.length > 0)
    parts.push(`<h5>${EVIDENCE_LABELS[f.evidenceFrom ?? 'logs']}</h5>${evidenceBlock(f.evidence)}`);
  if (f.rootCause) parts.push(`<h5>Root cause</h5>${prose(f.rootCause)}`);
  const rec = f.recommendation;
  parts.push(
    `<h5>Recommendation</h5>${prose(rec.summary)}${commandsHtml(rec.dockerMailserver, rec.plainHost)}`,
  );
  if (Object.keys(f.metrics ?? {}).length > 0) parts.push(`<h5>Metrics</h5>${metricTiles(f.metrics)}`);
  parts.push('</article>');
  return parts.join('\n');
}

function issuesSection(report: AuditReport): string {
  const groups = issuesBySeverity(report.findings);
  const body =
    groups.length === 0
      ? '<p>No issues were found in the logs read.</p>'
      : groups
          .map(
            (g) =>
              `<h3 class="group-title"><span class="badge ${sevClass(g.severity)}">${h(severityLabel(g.severity))}</span><span class="count">${g.items.length} issue${g.items.length === 1 ? '' : 's'}</span></h3>\n${g.items.map(issueArticle).join('\n')}`,
          )
          .join('\n');
  return `<section id="issues">\n<h2>Issues Identified</h2>\n${body}\n</section>`;
}

function positivesSection(report: AuditReport): string {
  const found = positiveFindings(report.findings);
  const body =
    found.length === 0
      ? '<p class="none">None recorded.</p>'
      : `<div class="positives">${found
          .map((f) => {
            const metrics = Object.entries(f.metrics ?? {});
            const dl =
              metrics.length > 0
                ? `<dl>${metrics.map(([k, v]) => `<dt>${h(humanizeKey(k))}</dt><dd>${h(formatMetric(v))}</dd>`).join('')}</dl>`
                : '';
            return `<div class="positive"><h3>${h(f.title)}</h3>${prose(f.description)}${dl}<p class="none">${token(f.id)}</p></div>`;
          })
          .join('\n')}</div>`;
  return `<section id="positive">\n<h2>Positive Security Findings</h2>\n${body}\n</section>`;
}

function nextStepsSection(report: AuditReport): string {
  const groups: [string, string[]][] = [
    ['Immediate', report.nextSteps.immediate],
    ['This Week', report.nextSteps.thisWeek],
    ['This Month', report.nextSteps.thisMonth],
  ];
  let start = 1;
  const body = groups
    .map(([label, steps]) => {
      const list =
        steps.length > 0
          ? `<ol start="${start}">${steps.map((s) => `<li>${h(s)}</li>`).join('')}</ol>`
          : '<p class="none">Nothing.</p>';
      start += steps.length;
      return `<div class="step-group"><h3>${label}</h3>${list}</div>`;
    })
    .join('');
  return `<section id="next-steps">\n<h2>Recommended Next Steps</h2>\n<div class="steps">${body}</div>\n</section>`;
}

function monitoringSection(report: AuditReport): string {
  const body =
    report.monitoringCommands.length === 0
      ? '<p class="none">None.</p>'
      : report.monitoringCommands
          .map(
            (c) =>
              `<div class="monitor"><h3>${h(c.title)}</h3>${commandsHtml([c.dockerMailserver], [c.plainHost])}</div>`,
          )
          .join('\n');
  return `<section id="monitoring">\n<h2>Commands for Monitoring</h2>\n${body}\n</section>`;
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '—';
}

function countTable(
  label: string,
  valueLabel: string,
  record: Record<string, number>,
  asCode: boolean,
): string {
  const ranked = rankEntries(record ?? {});
  if (ranked.length === 0) return '<p class="none">None.</p>';
  const total = sum(ranked.map(([, v]) => v));
  return tableHtml(
    [{ label }, { label: valueLabel, num: true }, { label: 'Share', num: true }],
    [
      ...ranked.map(([k, v]) => ({ cells: [asCode ? token(k) : h(k), num(v), percent(v, total)] })),
      { cells: ['Total', num(total), ''], className: 'total' },
    ],
  );
}

function activity(classes: Record<string, number>): string {
  const ranked = rankEntries(classes ?? {});
  const shown = ranked.slice(0, 3).map(([k, v]) => `${h(k)} ×${num(v)}`);
  if (ranked.length > 3) shown.push(`+${ranked.length - 3} more`);
  return shown.join(', ') || '—';
}

function rankedTable(sources: readonly RankedSource[], subnets: boolean): string {
  if (sources.length === 0) return '<p class="none">None.</p>';
  const headers = [
    { label: '#', num: true },
    { label: subnets ? 'Subnet' : 'Address' },
    { label: 'Attempts', num: true },
  ];
  if (subnets) headers.push({ label: 'Addresses', num: true });
  headers.push({ label: 'Activity' });
  return tableHtml(
    headers,
    sources.map((s, i) => ({
      cells: [
        String(i + 1),
        token(s.source),
        num(s.count),
        ...(subnets ? [s.addresses === undefined ? '—' : num(s.addresses)] : []),
        activity(s.classes),
      ],
    })),
    undefined,
    subnets ? ['rank', '', '', '', 'list'] : ['rank', '', '', 'list'],
  );
}

function timelineTable(report: AuditReport): string {
  const rollup = dailyRollup(report.statistics.timeline);
  if (rollup.rows.length === 0) return '<p class="none">No events in the period.</p>';
  const shown = rollup.series.slice(0, 4);
  const other = rollup.series.length > shown.length;
  const maxSlot = Math.max(0, ...rollup.rows.flatMap((r) => r.slots));
  const headers = [
    { label: 'Day (UTC)' },
    { label: 'Total', num: true },
    ...shown.map((s) => ({ label: token(s), num: true })),
  ];
  if (other) headers.push({ label: 'Other', num: true });
  if (rollup.slotsPerDay > 0) headers.push({ label: 'Profile 00→24 UTC' });
  const rows = rollup.rows.map((r) => {
    const cells = [h(r.day), num(r.total), ...shown.map((_, j) => num(r.perSeries[j] ?? 0))];
    if (other) cells.push(num(sum(r.perSeries.slice(shown.length))));
    if (rollup.slotsPerDay > 0) cells.push(`<span class="spark">${h(sparkline(r.slots, maxSlot))}</span>`);
    return { cells };
  });
  const note =
    rollup.slotsPerDay > 0
      ? `<p class="none">Each profile mark is one ${rollup.slotSeconds / 60}-minute bucket; the highest bar is ${num(maxSlot)} events, · is none.</p>`
      : '';
  return tableHtml(headers, rows, undefined, ['nowrap']) + note;
}

function accountingBar(inputs: AuditReport['inputs']): string {
  const parts: [string, number, string][] = [
    ['Classified', inputs.classified, '#0072b2'],
    ['Benign', inputs.benign, '#94a3b8'],
    ['Unrecognised', inputs.unrecognised, '#e69f00'],
    ['Malformed', inputs.malformed, '#d55e00'],
  ];
  const total = sum(parts.map(([, v]) => v));
  if (total <= 0) return '';
  const bar = parts
    .filter(([, v]) => v > 0)
    .map(([, v, c]) => `<span style="width:${((100 * v) / total).toFixed(3)}%;background:${c}"></span>`)
    .join('');
  const legend = parts
    .map(([label, v, c]) => `<span><i style="background:${c}"></i>${label} ${percent(v, total)}</span>`)
    .join('');
  return `<div class="accounting" aria-hidden="true">${bar}</div><div class="legend">${legend}</div>`;
}

const LAYOUT_NAMES = {
  'docker-mailserver': 'docker-mailserver',
  mailcow: 'mailcow',
  plain: 'plain Postfix/Dovecot host',
};

function coverageSection(report: AuditReport): string {
  const m = report.fail2banCoverage;
  if (!m) return '';
  const render = (t: TextTable) =>
    tableHtml(
      t.headers.map((label, i) => ({ label: h(label), num: t.numeric[i] ?? false })),
      t.rows.map((r) => ({ cells: r.map((x) => h(x)) })),
    );
  return `<section id="fail2ban-coverage">
<h2>Appendix: fail2ban Coverage</h2>
<p>Every enabled jail's filter run on every line read, with fail2ban's counting (maxretry within findtime) replayed on log time: ${num(m.neverBanned)} of ${num(m.attackers)} attacking addresses would never be banned.</p>
${m.classes.length > 0 ? render(classCoverageTable(m)) : '<p class="none">No attack lines with a client address.</p>'}
${render(jailTable(m))}
${m.notes.length > 0 ? `<ul>${m.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : ''}
</section>`;
}

function banHistorySection(report: AuditReport): string {
  const history = report.banHistory;
  if (!history) return '';
  const t = banHistoryTable(history);
  return `<section id="ban-history">
<h2>Appendix: Ban History (mailwarden watch)</h2>
<p>${h(banHistorySummary(history))}</p>
${
  t.rows.length > 0
    ? tableHtml(
        t.headers.map((label, i) => ({ label: h(label), num: t.numeric[i] ?? false })),
        t.rows.map((r) => ({ cells: r.map((x) => h(x)) })),
      )
    : '<p class="none">No bans recorded.</p>'
}
</section>`;
}

function configurationSection(report: AuditReport): string {
  const c = report.configuration;
  if (!c) return '';
  const files = firstItems(c.files, MAX_FILES);
  const fileList = `<ul class="files">${files.shown.map((f) => `<li><code>${h(f)}</code></li>`).join('')}${
    files.more > 0 ? `<li class="none">… and ${files.more} more</li>` : ''
  }</ul>`;
  const notes =
    c.notes.length > 0
      ? `<h3>Not checked</h3><ul>${c.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>`
      : '';
  return `<section id="configuration">
<h2>Appendix: Configuration Read</h2>
<p><strong>Layout:</strong> ${h(LAYOUT_NAMES[c.kind])} at <code>${h(c.directory)}</code>${c.hostname ? `; mail host name <code>${h(c.hostname)}</code>` : ''}${c.domains.length > 0 ? `; domains ${c.domains.map((d) => `<code>${h(d)}</code>`).join(', ')}` : ''}.</p>
<p>${num(c.files.length)} file${c.files.length === 1 ? '' : 's'} read:</p>
${fileList}
${notes}
</section>`;
}

function statisticsSection(report: AuditReport, charts: Record<string, ChartSpec>): string {
  const s = report.statistics;
  const inputs = report.inputs;
  const files = firstItems(inputs.files, MAX_FILES);
  const fileList = `<ul class="files">${files.shown.map((f) => `<li><code>${h(f)}</code></li>`).join('')}${
    files.more > 0 ? `<li class="none">… and ${files.more} more</li>` : ''
  }</ul>`;
  const accounting = tableHtml(
    [
      { label: 'Lines', num: true },
      { label: 'Classified', num: true },
      { label: 'Benign', num: true },
      { label: 'Unrecognised', num: true },
      { label: 'Malformed', num: true },
    ],
    [
      {
        cells: [
          num(inputs.lines),
          num(inputs.classified),
          num(inputs.benign),
          num(inputs.unrecognised),
          num(inputs.malformed),
        ],
      },
    ],
  );
  const t = s.traffic;
  const c = t.connections;
  const subnetCount = Math.min(10, s.topSubnets.length);
  const perDay = t.perDay;
  const perDaySeries = Object.keys(perDay.series);
  const perDayTable =
    perDay.buckets.length > 0 && perDaySeries.length > 0
      ? tableHtml(
          [{ label: 'Day (UTC)' }, ...perDaySeries.map((k) => ({ label: h(humanizeKey(k)), num: true }))],
          perDay.buckets.map((b, i) => ({
            cells: [
              h(formatTimestamp(b)?.slice(0, 10) ?? b),
              ...perDaySeries.map((k) => num(perDay.series[k]?.[i] ?? 0)),
            ],
          })),
          undefined,
          ['nowrap'],
        )
      : '';
  const cards = (items: [string, number][], className: string) =>
    `<div class="cards compact ${className}">${items
      .map(
        ([label, v]) =>
          `<div class="card"><div class="label">${label}</div><div class="value">${num(v)}</div></div>`,
      )
      .join('')}</div>`;
  const trafficCards =
    cards(
      [
        ['Delivered', t.delivered],
        ['Deferred', t.deferred],
        ['Bounced', t.bounced],
      ],
      'three',
    ) +
    cards(
      [
        ['smtpd connections', c.smtpd],
        ['postscreen connections', c.postscreen],
        ['Logins succeeded', c.loginsSucceeded],
        ['Logins failed', c.loginsFailed],
      ],
      'four',
    );
  return `<section id="statistics">
<h2>Appendix: Attack Statistics</h2>
<p><strong>Analysis period:</strong> ${h(formatPeriod(report.period).text)}</p>
<h3>Inputs and line accounting</h3>
<p>${num(inputs.files.length)} file${inputs.files.length === 1 ? '' : 's'} read:</p>
${fileList}
${accountingBar(inputs)}
${accounting}
<div class="grid-2">
<div><h3>Events by class</h3><p class="none">Attack and signal events, one per log line.</p>${countTable('Class', 'Events', s.eventsByClass, true)}</div>
<div><h3>Attempts by attack family</h3><p class="none">One attempt per connection or login attempt.</p>${countTable('Family', 'Attempts', s.attemptsByFamily, true)}</div>
</div>
<h3>Timeline per day</h3>
${timelineTable(report)}
<h3>Top subnets</h3>
${chartFigure(charts.subnets, false, subnetCount > 0 ? Math.max(180, 34 * subnetCount + 50) : undefined)}
${rankedTable(s.topSubnets, true)}
<h3>Top addresses</h3>
${rankedTable(s.topAddresses, false)}
<h3>Bans per jail</h3>
<div class="grid-2">
<div>${chartFigure(charts.jails) || '<p class="none">No bans in the logs read.</p>'}</div>
<div>${Object.keys(s.bansByJail).length > 0 ? countTable('Jail', 'Bans', s.bansByJail, true) : ''}</div>
</div>
<h3>Mail traffic</h3>
${trafficCards}
${chartFigure(charts.traffic)}
<div class="grid-2">
<div><h4>Rejects by reason</h4>${countTable('Reason', 'Rejects', t.rejectsByReason, false)}</div>
<div>${perDayTable ? `<h4>Per day</h4>${perDayTable}` : ''}</div>
</div>
</section>`;
}

/** The whole report as one self-contained HTML document, ending with a newline. */
export function renderHtml(report: AuditReport): string {
  const charts = chartSpecs(report);
  const chartJs = chartJsBundle();
  const island = safeJson({ charts, report }, undefined, true);
  // With hashes listed, a browser that knows them ignores 'unsafe-inline' and runs
  // only these two scripts; an older one falls back to 'unsafe-inline'.
  const csp = CSP_DIRECTIVES.replace(
    "script-src 'unsafe-inline'",
    `script-src 'unsafe-inline' ${sha256(chartJs)} ${sha256(CHART_SCRIPT)}`,
  );
  const title = `${REPORT_TITLE} — ${formatTimestamp(report.generatedAt)?.slice(0, 10) ?? ''}`.replace(
    / — $/,
    '',
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(`${csp}; base-uri 'none'; form-action 'none'`)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="${h(`${report.generator.name} ${report.generator.version}`)}">
<title>${h(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${masthead(report)}
${nav()}
<main class="wrap">
${summary(report, charts)}
${issuesSection(report)}
${positivesSection(report)}
${nextStepsSection(report)}
${monitoringSection(report)}
${statisticsSection(report, charts)}
${coverageSection(report)}
${banHistorySection(report)}
${configurationSection(report)}
</main>
<footer><div class="wrap">Generated by ${h(`${report.generator.name} ${report.generator.version}`)} at ${when(report.generatedAt)}. All times are UTC. This file is self-contained: it loads nothing from the network.</div></footer>
<script type="application/json" id="report-data">${island}</script>
<script>${chartJs}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}
