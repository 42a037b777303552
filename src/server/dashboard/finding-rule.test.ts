/**
 * A finding's rule as its scanner described it, on the finding page, in the rule groups and in
 * the API: a real Trivy report (test/fixtures/sast/conformance), whose rules carry a full
 * description, help text and Markdown, and a help URI, uploaded to a control plane.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { testPlane, type TestPlane } from '../testing.js';
import { loginCookie, uploadReport } from './testing.js';

const trivy = readFileSync(new URL('../../../test/fixtures/sast/conformance/trivy-alpine-310.sarif.json', import.meta.url));
const full = /Normally in OpenSSL EC groups always have a co-factor present/;

describe("a finding's rule: full description, help and link", () => {
  let t: TestPlane;
  let cookie = '';
  let id = '';
  const auth = () => ({ authorization: `Bearer ${t.token}` });

  before(async () => {
    t = await testPlane();
    await uploadReport(t, trivy);
    id = t.cp.d.catalog.sast.listFindings().find((f) => f.ruleId === 'CVE-2019-1547')!.id;
    cookie = await loginCookie(t);
  });
  after(() => t.dispose());

  it('shows them on the finding page, open, as text', async () => {
    const body = (await t.app.inject({ url: `/ui/findings/${id}`, headers: { cookie } })).body;
    const rule = /<div id="rule">[\s\S]*?<\/details>[\s\S]*?<\/div>\s*<\/div>/.exec(body)?.[0] ?? '';
    assert.match(rule, /<div class="rule-name"><b>OsPackageVulnerability<\/b><\/div>/);
    assert.match(rule, /<details class="rule-text" data-testid="rule-text" open>/);
    assert.match(/<div class="rule-full">([\s\S]*?)<\/div>/.exec(rule)?.[1] ?? '', full);
    assert.match(/<div class="rule-help-text">([\s\S]*?)<\/div>/.exec(rule)?.[1] ?? '', /^Vulnerability CVE-2019-1547\nSeverity: LOW\nPackage: libssl1.1\nFixed Version: 1.1.1d-r0\n/);
    assert.match(rule, /<a class="rule-help" href="https:\/\/avd.aquasec.com\/nvd\/cve-2019-1547"/);
  });

  it('folds them into the rule group of the findings page', async () => {
    const body = (await t.app.inject({ url: '/ui/findings?state=all', headers: { cookie } })).body;
    const row = /<tr class="rule" data-rule="CVE-2019-1547"[\s\S]*?<\/tr>/.exec(body)?.[0] ?? '';
    assert.match(row, /<details class="rule-text" data-testid="rule-text" >/);
    assert.match(row, full);
  });

  it('answers them in the API, for one finding and for the rule groups', async () => {
    const one = (await t.app.inject({ url: `/api/v1/findings/${id}`, headers: auth() })).json() as { rule: Record<string, string> };
    assert.equal(one.rule.name, 'OsPackageVulnerability');
    assert.equal(one.rule.helpUri, 'https://avd.aquasec.com/nvd/cve-2019-1547');
    assert.match(one.rule.fullDescription!, full);
    assert.match(one.rule.help!, /^Vulnerability CVE-2019-1547\n/);
    const groups = (await t.app.inject({ url: '/api/v1/findings/rules?state=all', headers: auth() })).json() as { ruleId: string; fullDescription?: string; help?: string }[];
    const g = groups.find((x) => x.ruleId === 'CVE-2019-1547')!;
    assert.match(g.fullDescription!, full);
    assert.match(g.help!, /Severity: LOW/);
  });
});
