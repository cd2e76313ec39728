import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHART_SCRIPT } from '../../src/report/client-script.js';
import {
  escapeForTerminal,
  escapeHtml,
  escapeMarkdownInline,
  INVISIBLE_OR_CONTROL,
  makeVisible,
  markdownCodeBlock,
  markdownCodeSpan,
  safeJson,
} from '../../src/report/escape.js';
import { CSP_DIRECTIVES, renderHtml } from '../../src/report/html.js';
import { renderReport } from '../../src/report/index.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { AuditReport } from '../../src/report/model.js';
import {
  HOSTILE,
  HOSTILE_FENCE_BREAK,
  HOSTILE_HELO,
  HOSTILE_USER,
  hostileReport,
  sampleReport,
} from '../fixtures/sample-report.js';

const HOSTILE_STRINGS = [HOSTILE, HOSTILE_FENCE_BREAK, HOSTILE_HELO, HOSTILE_USER];

/** ESC, NUL, the other C0 and C1 controls, bidi overrides and isolates, zero-width characters. */
const DANGEROUS_CLASS =
  '\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2066-\\u2069\\ufeff';
const RAW_DANGEROUS = new RegExp(`[${DANGEROUS_CLASS}]`, 'u');

function rawChars(text: string, allowNewline = true): string[] {
  const found = new Set<string>();
  for (const ch of text) {
    if (allowNewline && ch === '\n') continue;
    if (INVISIBLE_OR_CONTROL.test(ch) || RAW_DANGEROUS.test(ch))
      found.add(`U+${ch.codePointAt(0)!.toString(16)}`);
  }
  return [...found];
}

function assertNoRawChars(text: string, what: string, allowNewline = true): void {
  assert.deepEqual(
    rawChars(text, allowNewline),
    [],
    `${what} holds no raw control, bidi or invisible character`,
  );
}

// --- The escapers one by one ---

test('makeVisible shows every control, bidi and invisible character as inert text', () => {
  assert.equal(makeVisible('a\u001b[31mb\u0000c'), 'a\\x1b[31mb\\x00c');
  assert.equal(makeVisible('\u202eexe.txt\u2066'), '\\u{202e}exe.txt\\u{2066}');
  assert.equal(makeVisible('zw\u200bj\u2060t\u{e0041}'), 'zw\\u{200b}j\\u{2060}t\\u{e0041}');
  assert.equal(makeVisible('line\r\nnext\tcol\u0085'), 'line\\x0d\\x0anext\\x09col\\x85');
  assert.equal(makeVisible('lone \ud800 surrogate'), 'lone \\u{d800} surrogate');
  assert.equal(makeVisible('ünïcødé ✓ 日本 😀'), 'ünïcødé ✓ 日本 😀', 'printable text is left alone');
  for (const s of HOSTILE_STRINGS) assertNoRawChars(makeVisible(s), 'makeVisible', false);
});

test('escapeForTerminal (the CLI one, reused) leaves no raw control or bidi character in hostile text', () => {
  for (const s of HOSTILE_STRINGS) {
    const out = escapeForTerminal(s);
    assert.doesNotMatch(out, RAW_DANGEROUS);
    assert.ok(!out.includes('\u001b') && !out.includes('\u0000') && !out.includes('\u202e'));
  }
});

function decodeEntities(html: string): string {
  return html.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : "'",
  );
}

test('escapeHtml leaves no markup character and decodes back to the visible text', () => {
  for (const s of HOSTILE_STRINGS) {
    const out = escapeHtml(s);
    assert.doesNotMatch(out, /[<>"']/);
    assert.ok(!/&(?!amp;|lt;|gt;|quot;|#39;)/.test(out), 'every & starts one of our entities');
    assertNoRawChars(out, 'escapeHtml', false);
    assert.equal(decodeEntities(out), makeVisible(s));
  }
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&amp;</a>`),
    '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
  );
});

/** What CommonMark makes of backslash escapes in inline text (the only construct left in escaped text). */
function unescapeMarkdown(md: string): string {
  return md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

test('escapeMarkdownInline escapes every inline construct and keeps the text on one line', () => {
  for (const s of HOSTILE_STRINGS) {
    const out = escapeMarkdownInline(s);
    assert.ok(!out.includes('\n') && !out.includes('\r'), 'one line');
    assertNoRawChars(out, 'escapeMarkdownInline', false);
    // Every Markdown-active character is preceded by an odd number of backslashes.
    for (const m of out.matchAll(/(\\*)([`*_[\]<>|~&$])/g)) {
      assert.equal(m[1]!.length % 2, 1, `${m[2]} at ${m.index} is escaped in ${out}`);
    }
    // Rendered, the text reads exactly as the visible form of the input.
    assert.equal(unescapeMarkdown(out), makeVisible(s));
  }
  assert.equal(escapeMarkdownInline('a|b'), 'a\\|b');
  assert.equal(escapeMarkdownInline('`code`'), '\\`code\\`');
  assert.equal(escapeMarkdownInline('x\ny'), 'x\\x0ay', 'a line break is made visible');
  assert.equal(escapeMarkdownInline('\\x1b'), '\\x1b', 'a backslash before a letter stays single');
  assert.equal(escapeMarkdownInline('a\\'), 'a\\\\', 'a trailing backslash cannot escape what follows');
  assert.equal(escapeMarkdownInline('# heading'), '\\# heading');
  assert.equal(escapeMarkdownInline('1. item'), '1\\. item');
  assert.equal(escapeMarkdownInline('---'), '\\---');
  assert.equal(escapeMarkdownInline('-1'), '-1', 'not a list marker');
  assert.equal(escapeMarkdownInline('13.4'), '13.4', 'not a list marker');
  assert.equal(escapeMarkdownInline('  root '), '\\x20\\x20root\\x20', 'edge spaces are shown');
  assert.equal(escapeMarkdownInline('&#x202E;'), '\\&#x202E;', 'no entity can produce a character');
  assert.equal(escapeMarkdownInline('see http://evil.example/'), 'see http\\://evil.example/', 'no autolink');
  assert.equal(escapeMarkdownInline('www.evil.example'), 'www\\.evil.example', 'no autolink');
});

interface Fence {
  char: string;
  length: number;
  /** Index of the opening line. */
  open: number;
  /** Index of the closing line (or -1 when never closed). */
  close: number;
}

/** The fenced code blocks of a Markdown document, found as CommonMark finds them. */
function fences(lines: readonly string[]): Fence[] {
  const out: Fence[] = [];
  let current: Fence | undefined;
  lines.forEach((line, i) => {
    if (current) {
      const m = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (m && m[1]![0] === current.char && m[1]!.length >= current.length) {
        current.close = i;
        current = undefined;
      }
      return;
    }
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (m && !(m[1]![0] === '`' && m[2]!.includes('`'))) {
      current = { char: m[1]![0]!, length: m[1]!.length, open: i, close: -1 };
      out.push(current);
    }
  });
  return out;
}

test('markdownCodeBlock: no line inside can close the fence, and each line stays one line', () => {
  const lines = [
    ...HOSTILE_STRINGS,
    '```',
    '``````````',
    '   ````````````',
    '~~~',
    'a ` b `` c',
    '\u001b[2J`\u0000',
  ];
  const block = markdownCodeBlock(lines);
  const out = block.split('\n');
  assert.equal(out.length, lines.length + 2, 'one output line per input line, plus the two fences');
  const found = fences(out);
  assert.equal(found.length, 1);
  assert.deepEqual([found[0]!.open, found[0]!.close], [0, out.length - 1]);
  const longestRun = Math.max(
    ...out.slice(1, -1).flatMap((l) => (l.match(/`+/g) ?? []).map((r) => r.length)),
  );
  assert.ok(found[0]!.length > longestRun);
  assertNoRawChars(block, 'markdownCodeBlock');
  assert.deepEqual(out.slice(1, -1), lines.map(makeVisible));
  assert.equal(
    markdownCodeBlock(['x'], 'sh; rm -rf /'),
    '```shrm-rf\nx\n```',
    'the info string is sanitised',
  );
});

test('markdownCodeSpan: a delimiter longer than any backtick run; pipes escaped in tables', () => {
  assert.equal(markdownCodeSpan('a`b'), '``a`b``');
  assert.equal(markdownCodeSpan('`x'), '`` `x ``');
  assert.equal(markdownCodeSpan('a|b', true), '`a\\|b`');
  assert.equal(markdownCodeSpan('\u001b'), '`\\x1b`');
  assert.equal(markdownCodeSpan(''), '');
});

test('safeJson escapes what JSON.stringify leaves raw, and parses back to the same value', () => {
  const value = { s: HOSTILE_STRINGS, tag: 'x\u{e0041}y', nel: '\u0085', ls: '\u2028\u2029' };
  for (const forScript of [false, true]) {
    const json = safeJson(value, 2, forScript);
    assertNoRawChars(json, 'safeJson');
    assert.deepEqual(JSON.parse(json), value);
    if (forScript) assert.doesNotMatch(json, /[<>&]/);
  }
});

// --- Whole documents ---

function markdownOutsideCode(md: string): { outside: string[]; code: string[] } {
  const lines = md.split('\n');
  const blocks = fences(lines);
  assert.ok(
    blocks.every((b) => b.close > b.open),
    'every fenced block is closed',
  );
  const inCode = new Set<number>();
  for (const b of blocks) for (let i = b.open; i <= b.close; i++) inCode.add(i);
  return {
    outside: lines.filter((_, i) => !inCode.has(i)),
    code: lines.filter((_, i) => inCode.has(i)),
  };
}

/** A line with its code spans removed, found as CommonMark finds them (a backtick run closed by one of the same length). */
function withoutCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] === '\\') {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (line[i] !== '`') {
      out += line[i];
      i++;
      continue;
    }
    const run = /^`+/.exec(line.slice(i))![0];
    let close = -1;
    for (const m of line.slice(i + run.length).matchAll(/`+/g)) {
      if (m[0].length === run.length) {
        close = i + run.length + m.index!;
        break;
      }
    }
    if (close < 0) {
      out += run;
      i += run.length;
    } else {
      out += '[code]';
      i = close + run.length;
    }
  }
  return out;
}

/** Cells of a GFM table row: pipes not escaped by a backslash separate them. */
function cellCount(row: string): number {
  let count = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\') i++;
    else if (row[i] === '|') count++;
  }
  return count - 1;
}

test('renderMarkdown of the hostile report: nothing breaks out of its place', () => {
  const md = renderMarkdown(hostileReport());
  assertNoRawChars(md, 'the Markdown report');
  const { outside, code } = markdownOutsideCode(md);

  // The fence-breaking evidence line sits inside a code block, whole, on one line.
  const breaker = makeVisible(HOSTILE_FENCE_BREAK);
  assert.ok(code.some((l) => l.endsWith(breaker)));
  assert.ok(!outside.some((l) => l.includes('Injected heading') && !l.includes('\\x0a')));

  // Outside code, no raw HTML: every < outside a code span is escaped, so no tag can open.
  for (const line of outside) {
    const text = withoutCodeSpans(line);
    for (const m of text.matchAll(/(\\*)</g)) assert.equal(m[1]!.length % 2, 1, `unescaped < in: ${text}`);
  }
  // Headings are only the report's own.
  const headings = outside.filter((l) => /^ {0,3}#{1,6}( |$)/.test(l));
  for (const heading of headings) {
    assert.match(
      heading,
      /^(# Mail Server Security Analysis|## [A-Z][A-Za-z :]+|### \d+\. \*\*.*\*\* \([A-Z][a-z]+\)|### .+)$/,
    );
  }
  assert.equal(headings.filter((l) => l.startsWith('# ')).length, 1);
  assert.deepEqual(
    headings.filter((l) => l.startsWith('## ')),
    [
      '## Executive Summary',
      '## Issues Identified',
      '## Positive Security Findings',
      '## Recommended Next Steps',
      '## Commands for Monitoring',
      '## Appendix: Attack Statistics',
    ],
  );

  // Every table row has as many cells as its header.
  let header: number | undefined;
  for (const line of outside) {
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    if (header === undefined) header = cellCount(line);
    else
      assert.equal(
        cellCount(line),
        header,
        `row with ${cellCount(line)} cells under a ${header}-cell header: ${line}`,
      );
  }
});

test('renderMarkdown of the sample report follows the structure of the hand-made analysis', () => {
  const md = renderMarkdown(sampleReport());
  assertNoRawChars(md, 'the Markdown report');
  const headings = md.split('\n').filter((l) => /^#{1,3} /.test(l));
  const order = [
    '# Mail Server Security Analysis',
    '## Executive Summary',
    '## Issues Identified',
    '### 1. **TLS handshake campaign from 198.51.100.0/24** (High)',
    '### 2. **SMTP AUTH password guessing from 203.0.113.0/24** (High)',
    '### 3. **PREGREET spam bot** (Medium)',
    '### 4. **Amavis cannot decode .zst archives** (Medium)',
    '### 5. **fail2ban does not cover TLS handshake failures** (Medium)',
    '### 6. **Mailbox quotas enabled but not configured** (Low)',
    '### 7. **Inbound DKIM verification failures** (Info)',
    '## Positive Security Findings',
    '## Recommended Next Steps',
    '### Immediate',
    '### This Week',
    '### This Month',
    '## Commands for Monitoring',
  ];
  assert.deepEqual(headings.slice(0, order.length), order);
  assert.ok(headings.includes('## Appendix: Attack Statistics'));
  for (const h of ['### Top subnets', '### Bans per jail', '### Timeline per day', '### Mail traffic']) {
    assert.ok(headings.includes(h), h);
  }
  assert.match(md, /^- \*\*Date:\*\* October 10, 2025$/m);
  assert.match(
    md,
    /^- \*\*Period analysed:\*\* 2025-10-03 00:00 UTC – 2025-10-09 23:58 UTC \(6 days 23 hours\)$/m,
  );
  assert.match(md, /^- \*\*Finding id:\*\* `tls-handshake-campaign`$/m);
  assert.match(md, /^- \*\*Status:\*\* Open$/m);
  assert.match(
    md,
    /^mail\.log:18234 {2}\S+ mail postfix\/submissions\/smtpd\[477\]: SSL_accept error from unknown\[198\.51\.100\.134\]: lost connection$/m,
  );
  assert.match(md, /^\| `198\.51\.100\.0\/24` \| subnet \| 1,284 \| 37 \| 2025-10-06 00:07:41 UTC \| /m);
  assert.match(md, /\*\*docker-mailserver:\*\*\n\n```sh\necho '198\.51\.100\.0\/24 REJECT'/);
  assert.match(md, /\*\*Plain Postfix\/Dovecot host:\*\*\n\n```sh\n/);
  assert.match(md, /^4\. Install zstd/m, 'next steps are numbered across the three groups');
  assert.match(md, /^\| 2025-10-09 \| 1,282 \| .* \| `[·▁▂▃▄▅▆▇█]{24}` \|$/m, 'a text timeline per day');
  assert.match(md, /^\| `postfix` \| 22 \| 39\.3 % \|$/m);
  assert.ok(md.endsWith('\n') && !md.endsWith('\n\n'));
});

interface Tag {
  name: string;
  attributes: string[];
  raw: string;
}

/**
 * The tags of an HTML document as a browser's tokenizer sees them (enough for this
 * check): the text of script and style elements is skipped up to its end tag.
 */
function tags(html: string): { tags: Tag[]; scripts: { open: string; body: string }[] } {
  const found: Tag[] = [];
  const scripts: { open: string; body: string }[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      i = html.indexOf('-->', lt) + 3;
      continue;
    }
    const m = /^<\/?([A-Za-z][A-Za-z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/.exec(html.slice(lt, lt + 20000));
    if (!m) {
      if (/^<[!?/A-Za-z]/.test(html.slice(lt, lt + 2)) && !html.startsWith('<!DOCTYPE', lt)) {
        assert.fail(`unparsed tag-like text at ${lt}: ${html.slice(lt, lt + 60)}`);
      }
      i = lt + 1;
      continue;
    }
    const name = m[1]!.toLowerCase();
    const attributes = [...m[2]!.matchAll(/([^\s"'=/]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?/g)].map(
      (a) => a[1]!.toLowerCase(),
    );
    found.push({ name, attributes, raw: m[0] });
    i = lt + m[0].length;
    if (!m[0].startsWith('</') && (name === 'script' || name === 'style')) {
      const end = html.toLowerCase().indexOf(`</${name}`, i);
      assert.ok(end >= 0, `${name} element is closed`);
      if (name === 'script') scripts.push({ open: m[0], body: html.slice(i, end) });
      i = end;
    }
  }
  return { tags: found, scripts };
}

const ALLOWED_TAGS = new Set(
  'html head meta title style body header div p h1 h2 h3 h4 h5 dl dt dd nav ul ol li a main section span figure figcaption canvas table thead tbody tr th td code pre strong br article footer i script'.split(
    ' ',
  ),
);
const ALLOWED_ATTRIBUTES = new Set(
  'lang charset http-equiv content name class id href scope style start role aria-label aria-hidden type'.split(
    ' ',
  ),
);

function checkHtmlDocument(html: string, report: AuditReport): void {
  assertNoRawChars(html, 'the HTML report');
  const { tags: all, scripts } = tags(html);

  // Exactly our three scripts: the JSON island, Chart.js, the chart drawer.
  assert.equal((html.match(/<script/gi) ?? []).length, 3, 'three <script in the whole document');
  assert.deepEqual(
    scripts.map((s) => s.open),
    ['<script type="application/json" id="report-data">', '<script>', '<script>'],
  );
  assert.equal(scripts[2]!.body, CHART_SCRIPT);
  assert.ok(!/<script>alert/i.test(html.replace(/&lt;script&gt;alert/g, '')));

  for (const tag of all) {
    assert.ok(ALLOWED_TAGS.has(tag.name), `unexpected <${tag.name}>: ${tag.raw.slice(0, 80)}`);
    for (const a of tag.attributes) {
      assert.ok(
        ALLOWED_ATTRIBUTES.has(a),
        `unexpected attribute ${a} on <${tag.name}>: ${tag.raw.slice(0, 80)}`,
      );
    }
    const href = /href="([^"]*)"/.exec(tag.raw);
    if (href) assert.match(href[1]!, /^#[a-z0-9-]+$/, 'only in-page links');
  }
  assert.ok(!all.some((t) => t.attributes.includes('src')), 'nothing is loaded');

  // The policy comes first, before anything it governs.
  const meta = all.filter((t) => t.name === 'meta');
  assert.match(meta[0]!.raw, /charset="utf-8"/);
  assert.match(meta[1]!.raw, /http-equiv="Content-Security-Policy"/);
  const csp = decodeEntities(/content="([^"]*)"/.exec(meta[1]!.raw)![1]!);
  assert.match(
    csp,
    /^default-src 'none'; script-src 'unsafe-inline' 'sha256-[A-Za-z0-9+/=]+' 'sha256-[A-Za-z0-9+/=]+'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'$/,
  );
  assert.equal(
    CSP_DIRECTIVES,
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:",
  );

  // The island holds no '<' at all, and gives back the report.
  const island = scripts[0]!.body;
  assert.ok(!island.includes('<'));
  const data = JSON.parse(island) as { report: AuditReport; charts: Record<string, { labels: string[] }> };
  assert.deepEqual(data.report, report);
  assert.deepEqual(Object.keys(data.charts), ['timeline', 'subnets', 'jails', 'traffic']);

  // The chart script builds nothing from data as markup and evaluates no code.
  assert.doesNotMatch(
    CHART_SCRIPT,
    /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|setTimeout\(['"]/,
  );
}

test('renderHtml of the hostile report: only our tags, attributes and scripts; the data comes back intact', () => {
  const report = hostileReport();
  const html = renderHtml(report);
  checkHtmlDocument(html, report);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &quot;quotes&#39; `tick`'));
  assert.ok(html.includes('\\x1b[31mRED'));
  assert.ok(html.includes('\\u{202e}RLO'));
  assert.ok(html.includes(escapeHtml(HOSTILE_USER)));
  // Chart labels are made visible on the server side: a canvas would obey a bidi override.
  const island = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)![1]!;
  const charts = JSON.parse(island).charts as Record<
    string,
    { labels: string[]; datasets: { label: string }[] }
  >;
  for (const spec of Object.values(charts)) {
    for (const text of [...spec.labels, ...spec.datasets.map((d) => d.label)]) {
      assertNoRawChars(text, 'a chart label', false);
    }
  }
});

test('renderHtml of the sample report: same sections as the Markdown, charts for the statistics', () => {
  const report = sampleReport();
  const html = renderHtml(report);
  checkHtmlDocument(html, report);
  for (const heading of [
    'Executive Summary',
    'Issues Identified',
    'Positive Security Findings',
    'Recommended Next Steps',
    'Commands for Monitoring',
    'Appendix: Attack Statistics',
  ]) {
    assert.ok(html.includes(`<h2>${heading}</h2>`), heading);
  }
  for (const id of ['chart-timeline', 'chart-subnets', 'chart-jails', 'chart-traffic']) {
    assert.ok(html.includes(`<canvas id="${id}"`), id);
  }
  assert.equal((html.match(/<article class="finding /g) ?? []).length, 7);
  assert.ok(html.includes('<code class="nw">tls-handshake-campaign</code>'));
  assert.ok(
    html.includes(
      'postfix/submissions/smtpd[477]: SSL_accept error from unknown[198.51.100.134]: lost connection',
    ),
  );
  assert.ok(html.includes('<ol start="4">'), 'next steps numbered across the groups');
});

test('renderReport: md and html are the renderers, json parses back to the same report', () => {
  for (const report of [sampleReport(), hostileReport()]) {
    assert.equal(renderReport(report, 'md'), renderMarkdown(report));
    assert.equal(renderReport(report, 'html'), renderHtml(report));
    const json = renderReport(report, 'json');
    assert.ok(json.endsWith('}\n'));
    assertNoRawChars(json, 'the JSON report');
    assert.deepEqual(JSON.parse(json), report);
  }
  const hostile = JSON.parse(renderReport(hostileReport(), 'json')) as AuditReport;
  assert.equal(hostile.findings[0]!.evidence.at(-1)!.line, HOSTILE_FENCE_BREAK);
  assert.throws(() => renderReport(sampleReport(), 'pdf' as 'md'), /unknown report format/);
});

test('a report with nothing in it renders in every format', () => {
  const empty: AuditReport = {
    schemaVersion: 1,
    generator: { name: 'mailwarden', version: '0.1.0' },
    generatedAt: '2025-10-10T00:00:00Z',
    inputs: { files: [], lines: 0, classified: 0, benign: 0, unrecognised: 0, malformed: 0 },
    period: { from: null, to: null },
    executiveSummary: '',
    findings: [],
    nextSteps: { immediate: [], thisWeek: [], thisMonth: [] },
    monitoringCommands: [],
    statistics: {
      eventsByClass: {},
      attemptsByFamily: {},
      topAddresses: [],
      topSubnets: [],
      bansByJail: {},
      timeline: { bucketSeconds: 3600, buckets: [], series: {} },
      traffic: {
        delivered: 0,
        deferred: 0,
        bounced: 0,
        rejectsByReason: {},
        connections: { smtpd: 0, postscreen: 0, loginsSucceeded: 0, loginsFailed: 0 },
        perDay: { bucketSeconds: 86400, buckets: [], series: {} },
        perHour: { bucketSeconds: 3600, buckets: [], series: {} },
      },
    },
    redacted: true,
  };
  const md = renderMarkdown(empty);
  assert.match(md, /No issues were found in the logs read\./);
  assert.match(md, /\*\*Period analysed:\*\* unknown/);
  assert.match(md, /\*\*Redacted:\*\*/);
  const html = renderHtml(empty);
  assert.ok(!html.includes('<canvas'), 'no chart without data');
  assert.match(html, /Redacted: user names and address tails are masked/);
  assert.deepEqual(JSON.parse(renderReport(empty, 'json')), empty);
});
