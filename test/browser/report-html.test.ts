// The HTML report in a real browser: Debian's Chromium, driven by playwright-core
// (no browser is ever downloaded). The page must make no request but its own
// document, draw every chart, log no error, fit a 390 px wide screen, and run no
// script of an attacker's. Screenshots go to test-artifacts/ for a person to look at.
//
// Without /usr/bin/chromium the test FAILS with the install command, unless
// MAILWARDEN_SKIP_BROWSER=1 is set, in which case it is skipped loudly.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { renderHtml } from '../../src/report/html.js';
import type { AuditReport } from '../../src/report/model.js';
import { HOSTILE, hostileReport, sampleReport } from '../fixtures/sample-report.js';
import { repoRoot } from '../support/paths.js';

const CHROMIUM = '/usr/bin/chromium';
const SKIP_ENV = 'MAILWARDEN_SKIP_BROWSER';
const ARTIFACTS = join(repoRoot, 'test-artifacts');
const CHART_IDS = ['chart-timeline', 'chart-subnets', 'chart-jails', 'chart-traffic'];

const available = existsSync(CHROMIUM);
const skip = !available && process.env[SKIP_ENV] === '1';
const SKIP_MESSAGE = `${SKIP_ENV}=1 and ${CHROMIUM} is missing: the HTML report browser tests were SKIPPED; nothing proves the report renders, draws its charts or stays inert (install with: apt-get install chromium)`;

if (skip) {
  process.on('exit', () => {
    console.error(`\n!!! ${SKIP_MESSAGE} !!!\n`);
  });
}

let browser: Browser | undefined;

before(async () => {
  if (!available) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
});

/** The browser, or a failure saying how to install it (the skip variable skips through each test's option instead). */
function requireBrowser(): Browser | undefined {
  if (!available) {
    assert.fail(
      `${CHROMIUM} is missing: install the Debian package chromium (as root: apt-get install chromium; ` +
        `\`npm test\` run as root installs it), or set ${SKIP_ENV}=1 to skip the browser tests`,
    );
  }
  return browser!;
}

interface Observed {
  requests: string[];
  errors: string[];
  dialogs: string[];
}

/** Opens the report's HTML from a file:// URL, recording requests, errors and dialogs. */
async function openReport(
  b: Browser,
  report: AuditReport,
  name: string,
  width: number,
): Promise<{ page: Page; url: string; seen: Observed; close: () => Promise<void> }> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.html`);
  writeFileSync(file, renderHtml(report));
  const url = pathToFileURL(file).href;
  const context = await b.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const seen: Observed = { requests: [], errors: [], dialogs: [] };
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('websocket', (ws) => seen.requests.push(ws.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') seen.errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => seen.errors.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    seen.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  // Anything but the document itself is refused (and recorded above).
  await context.route('**/*', (route) =>
    route.request().url() === url ? route.continue() : route.abort('blockedbyclient'),
  );
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction("document.documentElement.getAttribute('data-charts') !== null", undefined, {
    timeout: 10_000,
  });
  return { page, url, seen, close: () => context.close() };
}

interface CanvasState {
  id: string;
  width: number;
  height: number;
  painted: number;
  differsFromBlank: boolean;
  hasChart: boolean;
}

// The page functions are strings: the project compiles without the DOM library.
const CANVASES = `Array.from(document.querySelectorAll('canvas')).map((canvas) => {
  const blank = document.createElement('canvas');
  blank.width = canvas.width;
  blank.height = canvas.height;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  const box = canvas.getBoundingClientRect();
  return {
    id: canvas.id,
    width: box.width,
    height: box.height,
    painted,
    differsFromBlank: canvas.toDataURL() !== blank.toDataURL(),
    hasChart: typeof Chart !== 'undefined' && Chart.getChart(canvas) !== undefined,
  };
})`;

async function canvases(page: Page): Promise<CanvasState[]> {
  return (await page.evaluate(CANVASES)) as CanvasState[];
}

async function checkPage(page: Page, url: string, seen: Observed, width: number): Promise<void> {
  assert.equal(await page.getAttribute('html', 'data-charts'), 'ready', 'every chart was drawn');
  const drawn = await canvases(page);
  assert.deepEqual(
    drawn.map((c) => c.id),
    CHART_IDS,
  );
  for (const c of drawn) {
    assert.ok(c.hasChart, `${c.id} holds a Chart.js chart`);
    assert.ok(c.width > 0 && c.height > 0, `${c.id} has a size (${c.width}×${c.height})`);
    assert.ok(c.width <= width, `${c.id} fits the viewport (${c.width} > ${width})`);
    assert.ok(c.differsFromBlank, `${c.id} is not blank`);
    assert.ok(c.painted > 500, `${c.id} has painted pixels (${c.painted})`);
  }
  const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
  assert.ok(
    scrollWidth <= width,
    `nothing overflows horizontally at ${width} px (scrollWidth ${scrollWidth})`,
  );
  assert.deepEqual(seen.requests, [url], 'the only request is the document itself');
  assert.deepEqual(seen.errors, [], 'no console error or warning, no page error');
  assert.deepEqual(seen.dialogs, [], 'no dialog');
}

test('the sample report renders in Chromium at 1280 px: charts drawn, no request, no error', {
  skip: skip ? SKIP_MESSAGE : false,
}, async () => {
  const b = requireBrowser();
  if (!b) return;
  const { page, url, seen, close } = await openReport(b, sampleReport(), 'report-sample', 1280);
  try {
    await checkPage(page, url, seen, 1280);
    assert.equal(await page.title(), 'Mail Server Security Analysis — 2025-10-10');
    assert.equal(await page.locator('article.finding').count(), 7);
    assert.equal(await page.locator('.positive').count(), 5);
    // The policy lets only the page's own two scripts run: one added later does not,
    // and nothing may be fetched (the route above would abort it anyway).
    const injected = (await page.evaluate(`new Promise((resolve) => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.appendChild(s);
      setTimeout(() => resolve(window.__injected === true), 100);
    })`)) as boolean;
    assert.equal(injected, false, 'a script the page did not ship is blocked by the policy');
    await page.screenshot({ path: join(ARTIFACTS, 'report-1280.png'), fullPage: true });
  } finally {
    await close();
  }
});

test('the sample report fits a 390 px wide screen: no horizontal overflow, charts resized', {
  skip: skip ? SKIP_MESSAGE : false,
}, async () => {
  const b = requireBrowser();
  if (!b) return;
  const { page, url, seen, close } = await openReport(b, sampleReport(), 'report-sample-390', 390);
  try {
    await checkPage(page, url, seen, 390);
    // Wide tables scroll inside their own container instead of widening the page.
    const wideTables = (await page.evaluate(
      `Array.from(document.querySelectorAll('.table-wrap'))
        .filter((w) => w.scrollWidth > w.clientWidth)
        .map((w) => getComputedStyle(w).overflowX)`,
    )) as string[];
    assert.ok(
      wideTables.length > 0,
      'some table is wider than the screen (the test would prove nothing otherwise)',
    );
    assert.ok(
      wideTables.every((o) => o === 'auto'),
      'every wide table scrolls in its own container',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'report-390.png'), fullPage: true });
  } finally {
    await close();
  }
});

test('the hostile report runs no script of its own: no dialog, text shown as text', {
  skip: skip ? SKIP_MESSAGE : false,
}, async () => {
  const b = requireBrowser();
  if (!b) return;
  for (const width of [1280, 390]) {
    const { page, url, seen, close } = await openReport(b, hostileReport(), `report-hostile-${width}`, width);
    try {
      await checkPage(page, url, seen, width);
      const dom = (await page.evaluate(`({
        scripts: Array.from(document.scripts).map((s) => s.type || 'classic'),
        images: document.images.length,
        svgs: document.querySelectorAll('svg').length,
        eventHandlers: Array.from(document.querySelectorAll('*')).filter((el) =>
          Array.from(el.attributes).some((a) => a.name.startsWith('on')),
        ).length,
        links: Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href')),
        title: document.querySelector('article.finding h4')?.textContent ?? '',
      })`)) as {
        scripts: string[];
        images: number;
        svgs: number;
        eventHandlers: number;
        links: (string | null)[];
        title: string;
      };
      assert.deepEqual(dom.scripts, ['application/json', 'classic', 'classic']);
      assert.equal(dom.images, 0);
      assert.equal(dom.svgs, 0);
      assert.equal(dom.eventHandlers, 0);
      assert.ok(
        dom.links.every((href) => href?.startsWith('#')),
        `only in-page links: ${dom.links.filter((h) => !h?.startsWith('#')).join(', ')}`,
      );
      // The attacker's markup is on the page as text, with its control characters made visible.
      assert.ok(dom.title.includes('<script>alert(1)</script> "quotes\' `tick`'), dom.title);
      assert.ok(dom.title.includes('\\x1b[31mRED'), dom.title);
      assert.ok(dom.title.includes('\\u{202e}RLO'), dom.title);
      assert.ok(!dom.title.includes('\u202e') && !dom.title.includes('\u001b'));
      assert.ok(HOSTILE.includes('\u202e'));
      // The hostile page is very tall at 390 px: its full-page capture takes close to
      // Playwright's default 30 s on two cores, so it gets more time (it is an artifact).
      if (width === 390)
        await page.screenshot({
          path: join(ARTIFACTS, 'report-hostile-390.png'),
          fullPage: true,
          timeout: 180_000,
        });
    } finally {
      await close();
    }
  }
});
