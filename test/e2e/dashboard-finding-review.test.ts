/**
 * A security reviewer in a real Chromium (the harness of dashboard-findings.test.ts: the control
 * plane of src/server/testing.ts with a real repository, catalog and SARIF ingest) filters the
 * findings by state, by version and by the workload they are deployed on, then reads on a
 * finding's page why it has its severity and what its rule is. Real reports
 * (test/fixtures/sast/conformance): v1 of the shop was scanned by gosec (18 results; ten of its
 * MEDIUM-tagged rules written at level error) and Trivy (8 CVEs with their full texts); v2, which
 * replaced it on workload "app", by gosec again without the weak-hash result (G401), so that one
 * is fixed. Every step waits for what it reads (no sleeps): the machine may be loaded.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { commit, testPlane, type TestPlane } from '../../src/server/testing.js';
import { uploadReport } from '../../src/server/dashboard/testing.js';
import { launchBrowser, loggedInPage, screenshotDir } from '../harness/browser.js';
import { findingRows, findingsTotal } from '../harness/findings-page.js';

const v1 = commit;
const v2 = '7c3e9a1b5d2f4e6a8c0b1d3f5a7e9c2b4d6f8a01';
// v2's own image: one digest is built from one commit.
const v2Digest = 'sha256:' + 'cd'.repeat(32);
const fixtures = new URL('../fixtures/sast/conformance/', import.meta.url);
const gosec = readFileSync(new URL('gosec-go-notes.sarif.json', fixtures), 'utf8');
const trivy = readFileSync(new URL('trivy-alpine-310.sarif.json', fixtures), 'utf8');
/** gosec's report for v2: the same run without its one G401 (weak hash) result. */
const gosecV2 = (() => {
  const log = JSON.parse(gosec) as { runs: { results: { ruleId: string }[] }[] };
  const results = log.runs[0]!.results;
  assert.equal(results.filter((r) => r.ruleId === 'G401').length, 1);
  log.runs[0]!.results = results.filter((r) => r.ruleId !== 'G401');
  return JSON.stringify(log);
})();

describe('a reviewer filters findings by state, version and workload, and reads a finding', { timeout: 300_000 }, () => {
  let t: TestPlane;
  let url = '';

  before(async () => {
    t = await testPlane();
    // v1 runs and is backed up: the backup records what runs on "app".
    await t.cp.scheduler.runNow('backup/hourly/data');
    await uploadReport(t, gosec, v1);
    await uploadReport(t, trivy, v1);
    t.clock.advance(3_600_000);
    writeFileSync(join(t.dir, 'version.json'), JSON.stringify({ commit: v2, imageDigest: v2Digest, repository: 'github.com/holdfast/shop' }));
    await t.cp.scheduler.runNow('backup/hourly/data');
    assert.deepEqual(t.cp.d.catalog.deployments.timeline('app').filter((d) => !d.endedAt).map((d) => d.commit), [v2], 'the backup saw v2 running');
    await uploadReport(t, gosecV2, v2);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(screenshotDir, { recursive: true });
  });
  after(() => t?.dispose());

  const total = findingsTotal;
  const rows = findingRows;
  /** Sets the form's filters and submits it; waits for the page it loads. */
  const filter = async (page: Page, o: { state: string; version?: string; workload?: string }) => {
    const form = page.locator('form[data-testid=filters]');
    await form.locator('select[name=state]').selectOption(o.state);
    await form.locator('input[name=version]').fill(o.version ?? '');
    await form.locator('select[name=workload]').selectOption(o.workload ?? '');
    await Promise.all([page.waitForURL(new RegExp(`state=${o.state}`)), form.locator('button[type=submit]').click()]);
    await page.waitForSelector('[data-testid=findings-count]');
    // The form shows the filters it applied.
    assert.equal(await form.locator('select[name=state]').inputValue(), o.state);
    assert.equal(await form.locator('input[name=version]').inputValue(), o.version ?? '');
    assert.equal(await form.locator('select[name=workload]').inputValue(), o.workload ?? '');
  };

  it('filters by state, by version and by the workload a finding is deployed on', async () => {
    const b = await launchBrowser();
    try {
      // Generous: the login and every wait below may be slow on a loaded machine.
      b.context.setDefaultTimeout(90_000);
      const page = await loggedInPage(b.context, url, t.token);
      await page.goto(`${url}/ui/findings?view=list`);
      await page.waitForSelector('#findings tr.finding');

      // Fixed: the one result v2's gosec scan no longer reports.
      await filter(page, { state: 'fixed' });
      assert.equal(await total(page), 1);
      assert.deepEqual(
        (await rows(page)).map((r) => [r.rule, r.tool, r.state, r.deployedOn]),
        [['G401', 'gosec', 'fixed', 'not deployed']],
      );

      // Version v1, any state: all that v1's scans saw, both tools.
      await filter(page, { state: 'all', version: v1 });
      assert.equal(await total(page), 18 + 8);
      // Version v2: gosec's 17, no Trivy (v2's image was not scanned by it).
      await filter(page, { state: 'all', version: v2 });
      assert.equal(await total(page), 17);
      assert.deepEqual([...new Set((await rows(page)).map((r) => r.tool))], ['gosec']);

      // Deployed on "app" (v2 runs there), open: gosec's 17; Trivy's open CVEs are v1's alone.
      await filter(page, { state: 'open', workload: 'app' });
      assert.equal(await total(page), 17);
      const deployed = await rows(page);
      for (const r of deployed) assert.deepEqual([r.tool, r.state, r.deployedOn], ['gosec', 'open', 'app'], r.rule);
      assert.ok(!deployed.some((r) => r.rule === 'G401'));
      // Open, wherever: Trivy's 8 are still open, only not deployed.
      await filter(page, { state: 'open' });
      assert.equal(await total(page), 17 + 8);
      await page.screenshot({ path: join(screenshotDir, 'findings-open-any-workload.png'), fullPage: true });
    } finally {
      await b.close();
    }
  });

  it("shows on a finding's page which source decided its severity, what the scanner said, and its rule's help", async () => {
    const b = await launchBrowser();
    try {
      b.context.setDefaultTimeout(90_000);
      const page = await loggedInPage(b.context, url, t.token);

      // A gosec finding at level error whose rule gosec labels MEDIUM: high, the label kept.
      await page.goto(`${url}/ui/findings?view=list&state=open&tool=gosec&rule=G114`);
      await page.waitForSelector('#findings tr.finding');
      assert.equal(await total(page), 1);
      await Promise.all([page.waitForURL(/\/ui\/findings\/[^?]+$/), page.locator('#findings tr.finding td a').first().click()]);
      const sources = page.locator('[data-testid=severity-sources]');
      await sources.waitFor();
      assert.equal(await sources.getAttribute('data-recorded'), 'true');
      const said = await sources.locator('li').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-source'), li.getAttribute('data-severity'), li.getAttribute('data-decided')]));
      assert.deepEqual(said, [
        ['level', 'high', 'true'],
        ['tag', 'medium', 'false'],
      ]);
      assert.match(await sources.innerText(), /decided by the result's SARIF level error → high\s+gosec's tag MEDIUM → medium/);
      // gosec's rule text: its name, and its help beside the short description it repeats.
      assert.equal(await page.locator('#rule .rule-name').innerText(), 'Use of Potentially Dangerous Function');
      assert.match(await page.locator('#rule .rule-help-text').innerText(), /Severity: MEDIUM/);

      // A Trivy CVE: its full text and help, open, as text; the link to Aqua's page.
      await page.goto(`${url}/ui/findings?view=list&state=all&tool=Trivy&rule=CVE-2019-1547`);
      await page.waitForSelector('#findings tr.finding');
      await Promise.all([page.waitForURL(/\/ui\/findings\/[^?]+$/), page.locator('#findings tr.finding td a').first().click()]);
      const rule = page.locator('#rule');
      await rule.waitFor();
      assert.equal(await rule.locator('details[data-testid=rule-text]').getAttribute('open'), '');
      assert.match(await rule.locator('.rule-full').innerText(), /^Normally in OpenSSL EC groups always have a co-factor present/);
      assert.match(await rule.locator('.rule-help-text').innerText(), /^Vulnerability CVE-2019-1547\nSeverity: LOW\nPackage: libssl1.1\nFixed Version: 1.1.1d-r0\n/);
      assert.equal(await rule.locator('a.rule-help').getAttribute('href'), 'https://avd.aquasec.com/nvd/cve-2019-1547');
      // Trivy's LOW tag and the result's level note agree; on a tie the scanner's label is named.
      assert.deepEqual(
        await page.locator('[data-testid=severity-sources] li').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-source'), li.getAttribute('data-severity')])),
        [
          ['tag', 'low'],
          ['level', 'low'],
        ],
      );
      await page.screenshot({ path: join(screenshotDir, 'finding-trivy-rule-help.png'), fullPage: true });

      // The rule group folds the same text out on a click.
      await page.goto(`${url}/ui/findings?state=all&tool=Trivy`);
      const group = page.locator('#findings tr.rule[data-rule="CVE-2019-1547"]');
      await group.waitFor();
      const details = group.locator('details[data-testid=rule-text]');
      assert.equal(await details.locator('.rule-full').isVisible(), false, 'folded until asked');
      await details.locator('summary').click();
      await details.locator('.rule-full').waitFor({ state: 'visible' });
      assert.match(await details.locator('.rule-help-text').innerText(), /Fixed Version: 1.1.1d-r0/);
    } finally {
      await b.close();
    }
  });
});
