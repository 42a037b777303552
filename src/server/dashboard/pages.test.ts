import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dismissFinding } from '../../sast/index.js';
import { commit, testPlane, type TestPlane } from '../testing.js';
import { uploadHighReport } from './testing.js';

/** Every same-site link of a page (href="/ui…"), entities decoded. */
const links = (body: string) => [...body.matchAll(/href="(\/ui[^"#]*)/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));

describe('dashboard pages', () => {
  let t: TestPlane;
  let cookie = '';
  const get = (url: string) => t.app.inject({ url, headers: { cookie } });

  before(async () => {
    t = await testPlane();
    await t.cp.scheduler.runNow('backup/hourly/data');
    t.clock.advance(60_000);
    await t.cp.scheduler.runNow('verify/hourly/data');
    await uploadHighReport(t);
    const login = await t.app.inject({ method: 'POST', url: '/ui/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${t.token}` });
    cookie = String(login.headers['set-cookie']).split(';')[0]!;
  });
  after(() => t.dispose());

  it('serves a page per area, each marking its area in the navigation, and every link on them resolves', async () => {
    const pages = ['/ui', '/ui/incidents', '/ui/volumes', '/ui/volumes/data', '/ui/certificates', '/ui/findings', '/ui/findings?view=list&state=all', '/ui/runs', '/ui/timeline'];
    const seen = new Set<string>();
    for (const p of pages) {
      const r = await get(p);
      assert.equal(r.statusCode, 200, `${p}: ${r.body.slice(0, 200)}`);
      assert.match(r.body, /aria-current="page"/, `${p} marks its area`);
      assert.match(r.body, /<link rel="icon" href="\/favicon.ico"/);
      for (const l of links(r.body)) seen.add(l);
    }
    for (const l of seen) {
      const r = await get(l);
      assert.ok(r.statusCode === 200, `${l} answers ${r.statusCode}`);
    }
    assert.ok(seen.size > 20, `links followed: ${seen.size}`);
  });

  it('answers an unknown page, volume, finding and run with an HTML 404 in the dashboard frame', async () => {
    for (const p of ['/ui/nothing-here', '/ui/volumes/nope', '/ui/findings/nope', '/ui/runs/999999', '/ui/runs/abc']) {
      const r = await get(p);
      assert.equal(r.statusCode, 404, p);
      assert.match(String(r.headers['content-type']), /^text\/html/, p);
      assert.match(r.body, /data-testid="not-found"/, p);
      assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
    }
  });

  it('serves the favicon without a session, and a styled login page', async () => {
    const icon = await t.app.inject('/favicon.ico');
    assert.equal(icon.statusCode, 200);
    assert.match(String(icon.headers['content-type']), /image\/svg\+xml/);
    const login = await t.app.inject('/ui/login');
    assert.match(login.body, /<style>/);
    assert.match(login.body, /class="login"/);
  });

  it('fills the Result column of every job and run', async () => {
    const body = (await get('/ui/runs')).body;
    const results = [...body.matchAll(/<td class="result">([\s\S]*?)<\/td>/g)].map((m) => m[1]!.trim());
    assert.ok(results.length >= 4, `${results.length} result cells`);
    for (const r of results) assert.notEqual(r, '', 'no empty Result cell');
    assert.match(body, /snapshot [0-9a-f]{12} · \d+ file\(s\)/);
    assert.match(body, /check passed/);
  });

  it('draws backup duration, size and data added, findings over time, and certificates as SVG', async () => {
    const vols = (await get('/ui/volumes')).body;
    for (const id of ['chart-backup-duration', 'chart-backup-size', 'chart-backup-added']) assert.match(vols, new RegExp(`data-chart="${id}"[\\s\\S]*?<svg`), id);
    assert.match(vols, /<circle data-series="data"/);
    const overview = (await get('/ui')).body;
    assert.match(overview, /data-chart="chart-findings"[\s\S]*?<polyline data-series="high"/);
    assert.match((await get('/ui/certificates')).body, /data-chart="chart-certificates"/);
  });

  it('groups findings by rule with tool and CWE, and pages the list with the true count', async () => {
    const rules = (await get('/ui/findings?state=all')).body;
    assert.match(rules, /<tr class="rule" data-rule="B602" data-tool="Bandit" data-count="1">/);
    assert.match(rules, /href="https:\/\/cwe.mitre.org\/data\/definitions\/78.html"/);
    assert.match(rules, /<div class="rule-name">subprocess_popen_with_shell_equals_true<\/div>/, "the rule's name from the report");
    assert.match(rules, /<a class="rule-help" href="https:\/\/bandit.readthedocs.io\/en\/latest\/plugins\/b602.html"/, "the rule's help page from the report");
    const list = (await get('/ui/findings?view=list&state=all&perPage=1')).body;
    assert.match(list, /data-total="1"/);
    assert.match(list, /page 1 of 1/);
    assert.equal((await get('/ui/findings?severity=severe')).statusCode, 400);
    const byVersion = (await get(`/ui/findings?view=list&state=all&version=${commit.slice(0, 12)}`)).body;
    assert.match(byVersion, /data-total="1"/, 'the version filter finds what its scans saw');
    const otherVersion = (await get('/ui/findings?view=list&state=all&version=1234567')).body;
    assert.match(otherVersion, /data-total="0"/);
  });

  it('answers the same filters in the API: a page with the true count in X-Total-Count, rules, one finding', async () => {
    const auth = { authorization: `Bearer ${t.token}` };
    const paged = await t.app.inject({ url: '/api/v1/findings?state=all&tool=Bandit&page=1&perPage=1', headers: auth });
    assert.equal(paged.statusCode, 200, paged.body);
    assert.equal(paged.headers['x-total-count'], '1');
    assert.equal(paged.json().length, 1);
    assert.deepEqual((await t.app.inject({ url: '/api/v1/findings?tool=Semgrep', headers: auth })).json(), []);
    const rules = (await t.app.inject({ url: '/api/v1/findings/rules?state=all', headers: auth })).json() as { ruleId: string; count: number; cwes: string[] }[];
    assert.deepEqual(rules.map((r) => [r.ruleId, r.count, r.cwes]), [['B602', 1, ['CWE-78']]]);
    const bad = await t.app.inject({ url: '/api/v1/findings?severity=severe', headers: auth });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /severity=severe/);
    const id = (paged.json() as { id: string }[])[0]!.id;
    const one = (await t.app.inject({ url: `/api/v1/findings/${id}`, headers: auth })).json() as { history: { what: string }[]; versions: unknown[]; backups: unknown[] };
    assert.equal(one.history[0]!.what, 'first seen');
    assert.equal(one.versions.length, 1);
    assert.equal(one.backups.length, 1);
    assert.equal((await t.app.inject({ url: '/api/v1/findings/nope', headers: auth })).statusCode, 404);
  });

  it('shows a finding with its history (dismissed and by whom), the versions carrying it and the backups they wrote', async () => {
    const [f] = t.cp.d.catalog.sast.listFindings();
    dismissFinding(t.cp.d.catalog, t.clock, { id: f!.id, reason: 'risk-accepted', comment: 'internal only', actor: 'alice' });
    const body = (await get(`/ui/findings/${f!.id}`)).body;
    assert.match(body, /<li data-event="first seen">/);
    assert.match(body, /<li data-event="dismissed"><b>dismissed<\/b>[^<]*<span class="muted">by alice: risk-accepted — internal only/);
    assert.match(body, new RegExp(`<tr class="version" data-commit="${commit}">`));
    const point = t.cp.d.catalog.restorePoints.list({ volume: 'data' })[0]!;
    assert.match(body, new RegExp(`<tr class="backup" data-snapshot="${point.snapshotId}">`));
  });
});
