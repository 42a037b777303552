/**
 * Every dashboard page in a real Chromium, against the control plane with real backups,
 * verifications, certificates and SARIF uploads (src/server/testing.ts: real repository, catalog,
 * CA; a manual clock, so the data — and so the layout — is the same on every run):
 * - each page loads through the navigation, every same-site link on it answers, and the browser
 *   reports no console error and no CSP violation;
 * - a screenshot of every page goes to bench/out/screenshots/ (the run's output folder, ignored by
 *   git; CI keeps it as an artifact);
 * - the layout is compared with a committed baseline (test/e2e/fixtures/dashboard-layout.json):
 *   the boxes of the frame, the navigation, each section and each chart, within a few pixels.
 *   A change that moves them fails here; HOLDFAST_UPDATE_LAYOUT=1 writes a new baseline on purpose.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { dismissFinding } from '../../src/sast/index.js';
import { highReport, uploadReport } from '../../src/server/dashboard/testing.js';
import { baseYaml, testPlane, type TestPlane } from '../../src/server/testing.js';
import { launchBrowser, screenshotDir } from '../harness/browser.js';

const baselineFile = new URL('./fixtures/dashboard-layout.json', import.meta.url).pathname;
const TOLERANCE = 6;

/** The pages, and the element each one is ready with. */
const pages: [string, string, string][] = [
  ['overview', '/ui', '#overview'],
  ['incidents', '/ui/incidents', '#incidents'],
  ['volumes', '/ui/volumes', '#volume-charts svg'],
  ['volume', '/ui/volumes/data', '#restore-points'],
  ['certificates', '/ui/certificates', '#chart-certificates svg'],
  ['findings', '/ui/findings?state=all', '#findings tr.rule'],
  ['findings-list', '/ui/findings?view=list&state=all&perPage=2', '#findings tr.finding'],
  ['runs', '/ui/runs', '#jobs'],
  ['timeline', '/ui/timeline', '#timeline'],
  ['not-found', '/ui/no-such-page', '[data-testid=not-found]'],
];

type Box = { x: number; y: number; w: number; h: number };

/** The boxes that make the layout: frame, navigation, sections, charts (rows are content, not layout). */
// Runs in the page (the test's TypeScript has no DOM types, so it is text).
const layoutScript = `(() => {
  const out = {};
  const box = (el, withY = true) => {
    const r = el.getBoundingClientRect();
    return { x: Math.round(r.x), y: withY ? Math.round(r.y + window.scrollY) : 0, w: Math.round(r.width), h: Math.round(r.height) };
  };
  const header = document.querySelector('header.top');
  if (header) out.header = box(header);
  document.querySelectorAll('header.top nav a').forEach((a, i) => (out['nav' + i + ':' + a.textContent] = box(a)));
  // Only the first section's position and width: later ones move with the content above them.
  const first = document.querySelector('main > section');
  if (first) out.section0 = { ...box(first), h: 0 };
  document.querySelectorAll('figure.chart svg').forEach((svg) => (out['chart:' + svg.closest('figure').id] = box(svg, false)));
  const login = document.querySelector('form.login');
  if (login) out.login = box(login);
  return out;
})()`;

/** The boxes that make the layout: frame, navigation, first section, charts (rows are content, not layout). */
async function layoutOf(page: Page): Promise<Record<string, Box>> {
  return (await page.evaluate(layoutScript)) as Record<string, Box>;
}

function compare(name: string, got: Record<string, Box>, want: Record<string, Box> | undefined): string[] {
  if (!want) return [`${name}: no baseline (run with HOLDFAST_UPDATE_LAYOUT=1 to write one)`];
  const out: string[] = [];
  for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) {
    const a = got[k];
    const b = want[k];
    if (!a || !b) {
      out.push(`${name} ${k}: ${a ? 'new' : 'missing'}`);
      continue;
    }
    for (const d of ['x', 'y', 'w', 'h'] as const)
      if (Math.abs(a[d] - b[d]) > TOLERANCE) out.push(`${name} ${k}.${d}: ${a[d]} (baseline ${b[d]})`);
  }
  return out;
}

describe('the dashboard in a browser', { timeout: 240_000 }, () => {
  let t: TestPlane;
  let url = '';

  before(async () => {
    t = await testPlane({
      yaml: baseYaml(`certificates:\n  web: { commonName: web.local, ipAddresses: [127.0.0.1], certFile: ./certs/tls.crt, keyFile: ./certs/tls.key, validity: 2h, renewBefore: 1h }\n`),
    });
    const upload = (report: Buffer | string) => uploadReport(t, report);
    // Four hours of a small shop: a backup every hour (the data grows), a verification, a
    // certificate issued and renewed, and two scanners' reports.
    for (let h = 0; h < 4; h++) {
      writeFileSync(join(t.dir, 'data', `orders-${h}.json`), JSON.stringify(Array.from({ length: 200 * (h + 1) }, (_, i) => ({ id: i, item: `anchor ${h}` }))));
      await t.cp.scheduler.runNow('backup/hourly/data');
      await t.cp.scheduler.runNow('certificate/web');
      if (h === 1) await upload(readFileSync(new URL('./fixtures/shop-semgrep.sarif', import.meta.url)));
      if (h === 2) await t.cp.scheduler.runNow('verify/hourly/data');
      t.clock.advance(3_600_000);
    }
    await upload(highReport());
    const medium = t.cp.d.catalog.sast.listFindings({ severities: ['medium'] })[0]!;
    dismissFinding(t.cp.d.catalog, t.clock, { id: medium.id, reason: 'false-positive', actor: 'alice' });
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(screenshotDir, { recursive: true });
  });
  after(() => t?.dispose());

  it('loads every page through its link, follows every link, shows no console or CSP error, and keeps its layout', async () => {
    const b = await launchBrowser();
    const problems: string[] = [];
    try {
      const page = await b.context.newPage();
      page.on('console', (m) => {
        // The 404 page is meant to answer 404, and Chromium says so on the console.
        const expected = page.url().endsWith('/ui/no-such-page') && /status of 404/.test(m.text());
        if ((m.type() === 'error' || m.type() === 'warning') && !expected) problems.push(`${page.url()}: console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
      page.on('response', (r) => {
        if (r.status() >= 400 && !r.url().includes('/ui/no-such-page')) problems.push(`${r.url()}: HTTP ${r.status()}`);
      });
      // Content Security Policy violations reach the page as events; a listener added before any script records them.
      await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));" });

      await page.goto(`${url}/ui`);
      assert.match(page.url(), /\/ui\/login$/);
      const layout: Record<string, Record<string, Box>> = {};
      layout.login = await layoutOf(page);
      await page.screenshot({ path: join(screenshotDir, 'page-login.png') });
      await page.fill('input[name=token]', t.token);
      await page.click('button[type=submit]');
      await page.waitForSelector('#overview');

      // Through the navigation, as a person would.
      for (const name of ['Incidents', 'Volumes', 'Certificates', 'Findings', 'Runs', 'Timeline', 'Overview']) {
        await page.click(`header.top nav a:text-is("${name}")`);
        await page.waitForLoadState('load');
        assert.equal(await page.locator('header.top nav a[aria-current=page]').innerText(), name, `${name} is marked current`);
      }

      const links = new Set<string>();
      for (const [name, path, ready] of pages) {
        await page.goto(`${url}${path}`);
        await page.waitForSelector(ready);
        layout[name] = await layoutOf(page);
        await page.screenshot({ path: join(screenshotDir, `page-${name}.png`), fullPage: true });
        for (const href of await page.locator('a[href^="/ui"]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))) links.add(new URL(href, url).href.split('#')[0]!);
      }
      // The README's picture (docs/dashboard.png is a copy of this one).
      await page.setViewportSize({ width: 1200, height: 640 });
      await page.goto(`${url}/ui`);
      await page.screenshot({ path: join(screenshotDir, 'readme-overview.png') });
      await page.setViewportSize({ width: 1400, height: 1000 });
      const [first] = t.cp.d.catalog.sast.listFindings({ severities: ['high'] });
      await page.goto(`${url}/ui/findings/${first!.id}`);
      await page.waitForSelector('#history li');
      await page.screenshot({ path: join(screenshotDir, 'page-finding.png'), fullPage: true });
      const run = t.cp.runs.list({ kind: 'backup' })[0]!;
      await page.goto(`${url}/ui/runs/${run.id}`);
      await page.screenshot({ path: join(screenshotDir, 'page-run.png'), fullPage: true });

      for (const l of links) {
        const r = await page.request.get(l);
        if (r.status() !== 200) problems.push(`link ${l}: HTTP ${r.status()}`);
      }
      if (process.env.HOLDFAST_UPDATE_LAYOUT) writeFileSync(baselineFile, JSON.stringify(layout, null, 1) + '\n');
      assert.ok(links.size > 25, `links followed: ${links.size}`);
      assert.deepEqual(problems, []);

      const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as Record<string, Record<string, Box>>;
      const diffs = Object.keys(layout).flatMap((k) => compare(k, layout[k]!, baseline[k]));
      assert.deepEqual(diffs, [], 'the layout moved: look at bench/out/screenshots/page-*.png');
    } finally {
      await b.close();
    }
  });

  it('notices a broken layout: the comparison fails when the page loses its stylesheet', async () => {
    const b = await launchBrowser();
    try {
      const page = await b.context.newPage();
      await page.goto(`${url}/ui/login`);
      await page.fill('input[name=token]', t.token);
      await page.click('button[type=submit]');
      await page.goto(`${url}/ui/volumes`);
      await page.waitForSelector('#volume-charts svg');
      await page.evaluate("document.querySelectorAll('style').forEach((s) => s.remove())");
      const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as Record<string, Record<string, Box>>;
      assert.notDeepEqual(compare('volumes', await layoutOf(page), baseline.volumes), []);
    } finally {
      await b.close();
    }
  });
});
