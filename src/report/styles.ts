/** The HTML report's stylesheet (inlined; the page loads nothing). */
export const REPORT_CSS = `
:root {
  --ink: #0f172a; --body: #1e293b; --muted: #526077; --line: #e2e8f0; --soft: #f1f5f9;
  --bg: #f6f8fb; --card: #ffffff; --accent: #1d4ed8;
  --critical: #7f1d1d; --high: #dc2626; --medium: #d97706; --low: #2563eb; --info: #64748b;
  --ok: #15803d; --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--body);
  font: 15px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif;
  overflow-wrap: break-word;
}
.wrap { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
h1, h2, h3, h4, h5 { color: var(--ink); line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 1.55rem; margin: 0 0 16px; padding-bottom: 8px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.15rem; margin: 28px 0 12px; }
h4 { font-size: 1.12rem; margin: 0; }
h5 { font-size: .78rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 20px 0 8px; }
p { margin: 0 0 10px; }
a { color: var(--accent); }
code, pre, .mono { font-family: var(--mono); font-size: .86em; }
code { background: var(--soft); border-radius: 4px; padding: 1px 5px; overflow-wrap: anywhere; }
code.nw { white-space: nowrap; }
pre {
  margin: 0; padding: 12px 14px; border-radius: 8px; background: #0f172a; color: #e2e8f0;
  white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.5; font-size: 13px;
}
pre code { background: none; padding: 0; font-size: inherit; color: inherit; }
pre .src { color: #93c5fd; }
pre.cmd .l { display: block; padding-left: 3ch; text-indent: -3ch; }
.ev-dir { font-size: .85rem; color: var(--muted); margin: 0 0 6px; }
pre.evidence .ev { display: block; padding-left: var(--hang, 2ch); text-indent: calc(-1 * var(--hang, 2ch)); }
ul, ol { margin: 0 0 10px; padding-left: 1.4em; }
li { margin: 2px 0; }

.masthead { background: linear-gradient(135deg, #0f172a 0%, #1e3a8a 100%); color: #e2e8f0; padding: 36px 0 30px; }
.masthead .eyebrow { margin: 0 0 6px; font-size: .8rem; letter-spacing: .12em; text-transform: uppercase; color: #93c5fd; font-weight: 600; }
.masthead h1 { color: #fff; margin: 0 0 18px; font-size: 2rem; }
.meta { display: flex; flex-wrap: wrap; gap: 10px 44px; margin: 0; }
.meta div { min-width: 0; max-width: 100%; }
.meta dt { font-size: .72rem; text-transform: uppercase; letter-spacing: .08em; color: #94a3b8; }
.meta dd { margin: 2px 0 0; color: #f8fafc; font-weight: 500; }
.notice { margin: 16px 0 0; padding: 8px 12px; border-radius: 6px; background: rgba(255,255,255,.12); color: #fef3c7; }

nav.toc { position: sticky; top: 0; z-index: 5; background: rgba(255,255,255,.95); border-bottom: 1px solid var(--line); }
nav.toc ul { display: flex; flex-wrap: wrap; gap: 4px 18px; list-style: none; margin: 0 auto; padding: 10px 24px; max-width: 1120px; }
nav.toc a { color: var(--muted); text-decoration: none; font-size: .9rem; font-weight: 500; }
nav.toc a:hover { color: var(--accent); }

main { padding: 28px 0 40px; }
section { margin: 0 0 44px; scroll-margin-top: 56px; }
.lead { font-size: 1.08rem; color: var(--ink); max-width: 72ch; }

.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 160px), 1fr)); gap: 12px; margin: 18px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; min-width: 0; }
.card .label { font-size: .75rem; text-transform: uppercase; letter-spacing: .07em; color: var(--muted); font-weight: 600; }
.card .value { font-size: 1.75rem; font-weight: 700; color: var(--ink); line-height: 1.2; margin-top: 4px; font-variant-numeric: tabular-nums; }
.cards.compact { margin: 10px 0; }
.cards.three { grid-template-columns: repeat(auto-fit, minmax(min(100%, 96px), 1fr)); }
.cards.four { grid-template-columns: repeat(auto-fit, minmax(min(100%, 150px), 1fr)); }
.cards.compact .card { padding: 10px 12px; }
.cards.compact .label { letter-spacing: .03em; }
.cards.compact .value { font-size: 1.35rem; }
.card .sub { font-size: .85rem; color: var(--muted); margin-top: 2px; }
.sevbar { display: flex; height: 8px; border-radius: 4px; overflow: hidden; margin-top: 8px; background: var(--soft); }
.sevbar span { display: block; height: 100%; }

.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: .72rem; font-weight: 700; letter-spacing: .05em; text-transform: uppercase; white-space: nowrap; color: #fff; background: var(--info); vertical-align: middle; }
.badge.sev-critical, .sevbar .sev-critical { background: var(--critical); }
.badge.sev-high, .sevbar .sev-high { background: var(--high); }
.badge.sev-medium, .sevbar .sev-medium { background: var(--medium); }
.badge.sev-low, .sevbar .sev-low { background: var(--low); }
.badge.sev-info, .sevbar .sev-info { background: var(--info); }
.status { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: .72rem; font-weight: 700; letter-spacing: .05em; text-transform: uppercase; white-space: nowrap; border: 1.5px solid currentColor; vertical-align: middle; }
.status-open { color: #b91c1c; }
.status-mitigated { color: #b45309; }
.status-fixed { color: var(--ok); }

.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%; background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { padding: 7px 12px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); }
tr:last-child td { border-bottom: 0; }
th { background: var(--soft); color: var(--ink); font-weight: 600; white-space: nowrap; font-size: .82rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
td.rank { width: 1%; color: var(--muted); }
td.issue { min-width: 12em; }
td.issue a { font-weight: 600; text-decoration: none; }
td.issue a:hover { text-decoration: underline; }
.issue-id { margin-top: 3px; font-size: .92em; }
.rating { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
td.list { min-width: 14em; }
td.users { min-width: 18em; }
tr.total td { font-weight: 700; background: #fafbfc; }
tbody tr:hover td { background: #fafcff; }
.spark { font-family: var(--mono); letter-spacing: 0; white-space: pre; color: #1d4ed8; }

.group-title { display: flex; align-items: center; gap: 10px; margin: 30px 0 12px; font-size: 1rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.group-title .count { font-weight: 500; text-transform: none; letter-spacing: 0; }
article.finding { --sev: var(--info); background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--sev); border-radius: 10px; padding: 20px 22px; margin: 0 0 18px; box-shadow: 0 1px 2px rgba(15,23,42,.04); scroll-margin-top: 56px; min-width: 0; }
article.sev-critical { --sev: var(--critical); }
article.sev-high { --sev: var(--high); }
article.sev-medium { --sev: var(--medium); }
article.sev-low { --sev: var(--low); }
.finding-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 12px; }
.finding-head h4 { flex: 1 1 260px; min-width: 0; }
.finding-head .n { color: var(--muted); font-weight: 600; margin-right: 4px; }
.finding-head .tags { display: flex; gap: 6px; flex-wrap: wrap; }
.facts { display: grid; grid-template-columns: fit-content(40%) minmax(0, 1fr); gap: 4px 14px; margin: 12px 0 0; font-size: .9rem; }
.facts dt { color: var(--muted); font-weight: 600; min-width: 0; overflow-wrap: anywhere; }
.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 140px), 1fr)); gap: 8px; margin: 0; }
.metrics div { background: var(--soft); border-radius: 8px; padding: 8px 12px; min-width: 0; }
.metrics dt { font-size: .75rem; color: var(--muted); font-weight: 600; overflow-wrap: anywhere; }
.metrics dd { margin: 2px 0 0; font-weight: 700; color: var(--ink); font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.cmds { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr)); gap: 12px; margin-top: 10px; }
.cmds .variant { min-width: 0; }
.cmds .variant-label { font-size: .8rem; font-weight: 600; color: var(--muted); margin: 0 0 4px; }
.none { color: var(--muted); font-style: italic; }

.positives { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 300px), 1fr)); gap: 14px; }
.positive { background: var(--card); border: 1px solid var(--line); border-top: 4px solid var(--ok); border-radius: 10px; padding: 16px 18px; min-width: 0; }
.positive h3 { font-size: 1rem; margin: 0 0 8px; display: flex; gap: 8px; align-items: baseline; }
.positive h3::before { content: "\\2713"; color: var(--ok); font-weight: 800; }
.positive dl { display: grid; grid-template-columns: fit-content(55%) minmax(0, 1fr); gap: 2px 12px; margin: 8px 0 0; font-size: .88rem; }
.positive dt { color: var(--muted); min-width: 0; overflow-wrap: anywhere; }
.positive dd { margin: 0; min-width: 0; overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }

.steps { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 300px), 1fr)); gap: 14px; }
.steps .step-group { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px 8px; min-width: 0; }
.steps h3 { margin: 0 0 10px; font-size: 1rem; }
.steps li { margin: 0 0 8px; }
.monitor { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin: 0 0 14px; min-width: 0; }
.monitor h3 { margin: 0; font-size: 1rem; }

.grid-2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); gap: 18px; align-items: start; }
.grid-2 > * { min-width: 0; }
figure.chart { margin: 0 0 18px; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px 12px; min-width: 0; }
figure.chart figcaption { font-weight: 600; color: var(--ink); margin: 0 0 8px; font-size: .95rem; }
.chart-box { position: relative; width: 100%; height: 320px; }
.chart-box.tall { height: 360px; }
.chart-box canvas { display: block; max-width: 100%; }
.chart-error { color: #b91c1c; font-size: .9rem; }
.files { columns: 2 280px; margin: 0 0 12px; }
.files li { break-inside: avoid; }
.accounting { display: flex; height: 12px; border-radius: 6px; overflow: hidden; background: var(--soft); margin: 6px 0 14px; }
.accounting span { display: block; height: 100%; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: .85rem; color: var(--muted); margin: 0 0 8px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
footer { border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; padding: 18px 0 36px; }

@media (max-width: 640px) {
  body { font-size: 14.5px; }
  .wrap { padding: 0 14px; }
  nav.toc { position: static; }
  nav.toc ul { padding: 8px 14px; gap: 2px 14px; }
  .masthead { padding: 24px 0 22px; }
  .masthead h1 { font-size: 1.5rem; }
  h2 { font-size: 1.3rem; }
  article.finding { padding: 16px 14px; }
  .facts { grid-template-columns: 1fr; gap: 0; }
  .facts dd { margin-bottom: 6px; }
  .chart-box, .chart-box.tall { height: 260px; }
  .card .value { font-size: 1.45rem; }
  pre { font-size: 12px; padding: 10px 11px; }
  pre.evidence { --hang: 2ch !important; }
  th { white-space: normal; }
  .rating { flex-direction: column; align-items: flex-start; gap: 4px; }
  td.issue { min-width: 10em; }
}

@media print {
  @page { margin: 14mm 12mm; }
  body { background: #fff; font-size: 10pt; color: #000; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .masthead { background: #fff; color: #000; padding: 0 0 10px; border-bottom: 2px solid #000; }
  .masthead h1, .masthead .meta dd { color: #000; }
  .masthead .eyebrow, .masthead .meta dt { color: #444; }
  .notice { background: #fff; color: #000; border: 1px solid #000; }
  nav.toc { display: none; }
  main { padding-top: 12px; }
  section { margin-bottom: 20px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3, h4, h5, .group-title, .finding-head { break-after: avoid; page-break-after: avoid; }
  article.finding, .positive, .monitor, figure.chart, .card, .step-group { box-shadow: none; break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; border-color: #999; }
  pre { background: #f4f4f5; color: #000; border: 1px solid #ccc; font-size: 8.5pt; }
  pre .src { color: #1e3a8a; }
  a { color: inherit; text-decoration: none; }
  .chart-box, .chart-box.tall { height: 240px; }
  tbody tr:hover td { background: none; }
}
`;
