/**
 * The findings view as a security reviewer uses it, in a real Chromium against the control plane
 * (src/server/testing.ts: real repository, catalog and SARIF ingest; a manual clock). Two versions
 * of the shop ran, each backed up, each scanned: Bandit found 60 high B602 results in both, a
 * medium one, and one high result v2 fixed; Semgrep found 7 high results in v1. The reviewer
 * filters by severity and tool with the page's form, reads the true total, pages to page 2, and
 * opens a finding to see its history, the versions that carry it and the backups they wrote.
 * Every step waits for what it reads (no sleeps): the machine may be loaded.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commit, digest, testPlane, type TestPlane } from '../../src/server/testing.js';
import { uploadReport } from '../../src/server/dashboard/testing.js';
import { launchBrowser, loggedInPage, screenshotDir } from '../harness/browser.js';
import { findingRows, findingsTotal } from '../harness/findings-page.js';

const v1 = commit;
const v2 = '5b1d7c0e9a8f6e4d3c2b1a09f8e7d6c5b4a39281';
const HIGH = 60;

type Result = { rule: string; level: 'error' | 'warning'; path: string; line: number; message: string };

const sarif = (tool: string, rules: { id: string; name: string }[], results: Result[]) =>
  JSON.stringify({
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              helpUri: `https://example.test/rules/${r.id}`,
            })),
          },
        },
        results: results.map((r) => ({
          ruleId: r.rule,
          level: r.level,
          message: { text: r.message },
          locations: [
            { physicalLocation: { artifactLocation: { uri: r.path }, region: { startLine: r.line } } },
          ],
        })),
      },
    ],
  });

const banditRules = [
  { id: 'B602', name: 'subprocess_popen_with_shell_equals_true' },
  { id: 'B608', name: 'hardcoded_sql_expressions' },
];
const shell = Array.from({ length: HIGH }, (_, i): Result => ({
  rule: 'B602',
  level: 'error',
  path: `app/jobs/job_${String(i).padStart(2, '0')}.py`,
  line: 10 + i,
  message: `subprocess call with shell=True identified (job ${i})`,
}));
const sql: Result = {
  rule: 'B608',
  level: 'warning',
  path: 'app/orders.py',
  line: 40,
  message: 'Possible SQL injection vector through string-based query construction',
};
const fixedInV2: Result = {
  rule: 'B602',
  level: 'error',
  path: 'app/legacy.py',
  line: 7,
  message: 'subprocess call with shell=True identified (legacy)',
};
const semgrep = Array.from({ length: 7 }, (_, i): Result => ({
  rule: 'python.lang.security.audit.eval-detected',
  level: 'error',
  path: `app/calc_${i}.py`,
  line: 3,
  message: `Detected the use of eval() (calc ${i})`,
}));

describe('the findings view in a browser', { timeout: 300_000 }, () => {
  let t: TestPlane;
  let url = '';
  const snapshots: Record<string, string> = {};

  const upload = (version: string, report: string) => uploadReport(t, report, version);
  const deploy = (version: string) =>
    writeFileSync(
      join(t.dir, 'version.json'),
      JSON.stringify({ commit: version, imageDigest: digest, repository: 'github.com/holdfast/shop' }),
    );
  const backUp = async (version: string) => {
    const before = new Set(t.cp.d.catalog.restorePoints.list({ volume: 'data' }).map((p) => p.snapshotId));
    await t.cp.scheduler.runNow('backup/hourly/data');
    const made = t.cp.d.catalog.restorePoints
      .list({ volume: 'data' })
      .filter((p) => !before.has(p.snapshotId));
    assert.equal(made.length, 1, `one backup while ${version.slice(0, 7)} ran`);
    snapshots[version] = made[0]!.snapshotId;
  };

  before(async () => {
    t = await testPlane();
    // v1 runs, is backed up and scanned by both tools.
    await backUp(v1);
    await upload(v1, sarif('Bandit', banditRules, [...shell, sql, fixedInV2]));
    await upload(
      v1,
      sarif('Semgrep', [{ id: 'python.lang.security.audit.eval-detected', name: 'eval-detected' }], semgrep),
    );
    t.clock.advance(3_600_000);
    // v2 replaces it: the same B602 results, the legacy one fixed; backed up while it runs.
    deploy(v2);
    writeFileSync(join(t.dir, 'data', 'orders-v2.json'), JSON.stringify([{ id: 2, item: 'written by v2' }]));
    await backUp(v2);
    await upload(v2, sarif('Bandit', banditRules, [...shell, sql]));
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(screenshotDir, { recursive: true });
  });
  after(() => t?.dispose());

  const total = findingsTotal;
  const rows = findingRows;

  it('filters by severity and tool with the form, shows the true total, and pages through it', async () => {
    const b = await launchBrowser();
    try {
      // Generous: the login and every wait below may be slow on a loaded machine.
      b.context.setDefaultTimeout(90_000);
      const page = await loggedInPage(b.context, url, t.token);
      await page.click('header.top nav a:text-is("Findings")');
      await page.waitForSelector('#findings tr.rule');
      // Open findings of both tools and every severity: 60 + 1 B602/B608 of Bandit, 7 of Semgrep.
      assert.equal(await total(page), HIGH + 1 + semgrep.length);

      // The reviewer's question: which high findings did Bandit report?
      const form = page.locator('form[data-testid=filters]');
      await form.locator('select[name=severity]').selectOption('high');
      await form.locator('select[name=tool]').selectOption('Bandit');
      await Promise.all([page.waitForURL(/severity=high/), form.locator('button[type=submit]').click()]);
      await page.waitForSelector('#findings tr.rule');
      assert.equal(await total(page), HIGH, 'the open high Bandit findings, the fixed one not among them');
      const groups = await page
        .locator('#findings tr.rule')
        .evaluateAll((trs) =>
          trs.map((tr) => [
            tr.getAttribute('data-tool'),
            tr.getAttribute('data-rule'),
            tr.getAttribute('data-count'),
          ]),
        );
      assert.deepEqual(groups, [['Bandit', 'B602', String(HIGH)]]);
      assert.equal(
        await page.locator('#findings tr.rule .rule-name').innerText(),
        'subprocess_popen_with_shell_equals_true',
      );
      // The form shows the filters it applied.
      assert.equal(await form.locator('select[name=severity]').inputValue(), 'high');
      assert.equal(await form.locator('select[name=tool]').inputValue(), 'Bandit');

      // One by one, keeping the filters: page 1 of 2, 50 rows.
      await Promise.all([page.waitForURL(/view=list/), page.click('.tabs a:text-is("One by one")')]);
      await page.waitForSelector('#findings tr.finding');
      assert.equal(await total(page), HIGH);
      assert.match(await page.locator('[data-testid=findings-count]').innerText(), /\(showing 1–50\)/);
      assert.match(await page.locator('[data-testid=pager]').innerText(), /page 1 of 2/);
      const first = await rows(page);
      assert.equal(first.length, 50);
      for (const r of first)
        assert.deepEqual([r.severity, r.tool, r.state], ['high', 'Bandit', 'open'], r.where);

      // Page 2: the other 10, none repeated, the filters kept.
      await Promise.all([page.waitForURL(/page=2/), page.click('[data-testid=pager] a[rel=next]')]);
      await page.waitForSelector('#findings tr.finding');
      assert.equal(await total(page), HIGH);
      assert.match(await page.locator('[data-testid=findings-count]').innerText(), /\(showing 51–60\)/);
      assert.match(await page.locator('[data-testid=pager]').innerText(), /page 2 of 2/);
      const second = await rows(page);
      assert.equal(second.length, HIGH - 50);
      for (const r of second)
        assert.deepEqual([r.severity, r.tool, r.state], ['high', 'Bandit', 'open'], r.where);
      const where = [...first, ...second].map((r) => r.where).sort();
      assert.deepEqual(
        where,
        shell.map((r) => `${r.path}:${r.line}`).sort(),
        'the two pages are the 60 results, each once',
      );
      assert.equal(await page.locator('[data-testid=pager] a[rel=next]').count(), 0, 'no page 3');
      await page.screenshot({ path: join(screenshotDir, 'findings-filtered-page2.png'), fullPage: true });
    } finally {
      await b.close();
    }
  });

  it('opens a finding: its history, the versions that carry it and the backups they wrote', async () => {
    const b = await launchBrowser();
    try {
      // Generous: the login and every wait below may be slow on a loaded machine.
      b.context.setDefaultTimeout(90_000);
      const page = await loggedInPage(b.context, url, t.token);
      // A finding both versions carry, reached from the filtered list.
      await page.goto(`${url}/ui/findings?view=list&severity=high&tool=Bandit&state=open`);
      const row = page.locator('#findings tr.finding', { hasText: 'app/jobs/job_00.py:10' });
      await Promise.all([page.waitForURL(/\/ui\/findings\/[^?]+$/), row.locator('td a').first().click()]);
      await page.waitForSelector('#history li');
      assert.deepEqual(
        await page.locator('#history li').evaluateAll((li) => li.map((l) => l.getAttribute('data-event'))),
        ['first seen'],
      );
      assert.match(await page.locator('#history li').innerText(), new RegExp(`in ${v1.slice(0, 12)}`));
      assert.deepEqual(
        (
          await page
            .locator('#versions tr.version')
            .evaluateAll((tr) => tr.map((r) => r.getAttribute('data-commit')))
        ).sort(),
        [v1, v2].sort(),
      );
      assert.deepEqual(
        (
          await page
            .locator('#backups tr.backup')
            .evaluateAll((tr) => tr.map((r) => r.getAttribute('data-snapshot')))
        ).sort(),
        [snapshots[v1], snapshots[v2]].sort(),
      );

      // The one v2 fixed: first seen in v1, fixed in v2, carried by v1 alone and so by its backup alone.
      await page.goto(`${url}/ui/findings?view=list&severity=high&tool=Bandit&state=fixed`);
      await page.waitForSelector('#findings tr.finding');
      assert.equal(await total(page), 1);
      await Promise.all([
        page.waitForURL(/\/ui\/findings\/[^?]+$/),
        page.locator('#findings tr.finding td a').first().click(),
      ]);
      await page.waitForSelector('#history li');
      assert.deepEqual(
        await page.locator('#history li').evaluateAll((li) => li.map((l) => l.getAttribute('data-event'))),
        ['first seen', 'fixed'],
      );
      assert.match(
        await page.locator('#history li[data-event=fixed]').innerText(),
        new RegExp(`in ${v2.slice(0, 12)}`),
      );
      assert.deepEqual(
        await page
          .locator('#versions tr.version')
          .evaluateAll((tr) => tr.map((r) => r.getAttribute('data-commit'))),
        [v1],
      );
      assert.deepEqual(
        await page
          .locator('#backups tr.backup')
          .evaluateAll((tr) => tr.map((r) => r.getAttribute('data-snapshot'))),
        [snapshots[v1]],
      );
      await page.screenshot({ path: join(screenshotDir, 'finding-fixed.png'), fullPage: true });
    } finally {
      await b.close();
    }
  });
});
