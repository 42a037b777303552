import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dismissFinding } from '../../sast/index.js';
import { commit, testPlane, type TestPlane } from '../testing.js';
import { filterFindings, groupByRule, pageOf, parseFindingsQuery } from './findings-query.js';
import { findingsPaged } from './findings-paged.js';
import { findingViews } from './health.js';
import { FindingHistory } from '../../catalog/finding-history.js';

// Results of two tools over several rules, levels, CWEs and files, some sharing a rule at two severities.
function report(tool: string, n: number, salt: number): string {
  const rules = Array.from({ length: 5 }, (_, i) => ({ id: `${tool}-R${i}`, properties: { tags: ['security', `external/cwe/cwe-${78 + (i % 3)}`] } }));
  const levels = ['error', 'warning', 'note'];
  const results = Array.from({ length: n }, (_, k) => ({
    ruleId: `${tool}-R${(k * 7 + salt) % 5}`,
    level: levels[(k + salt) % 3],
    message: { text: `${tool} finding ${k}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: `src/f${k % 4}.py` }, region: { startLine: k + 1 } } }],
  }));
  return JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: tool, rules } }, results }] });
}

describe('findingsPaged: the page, count and rule groups in SQL are those of the whole list', () => {
  let t: TestPlane;
  const other = 'f'.repeat(40);
  before(async () => {
    t = await testPlane();
    const upload = async (c: string, body: string) => {
      const r = await t.app.inject({ method: 'POST', url: `/api/v1/sarif?repository=github.com/holdfast/shop&commit=${c}&ref=main`, headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/sarif+json' }, payload: body });
      assert.equal(r.statusCode, 201, r.body);
    };
    await upload(other, report('Bandit', 40, 1));
    t.clock.advance(60_000);
    await upload(commit, report('Bandit', 30, 2));
    t.clock.advance(60_000);
    await upload(commit, report('Semgrep', 25, 3));
    t.cp.catalog.deployments.record({ workload: 'app', commit, at: t.clock.now(), volumes: ['data'] });
    const [f] = t.cp.catalog.sast.listFindings({ states: ['open'] });
    dismissFinding(t.cp.catalog, t.clock, { id: f!.id, reason: 'false-positive', actor: 'alice' });
    t.cp.verdicts.clear();
  });
  after(() => t.dispose());

  const queries: Record<string, string | undefined>[] = [
    {},
    { state: 'all' },
    { state: 'fixed,dismissed' },
    { severity: 'high,critical', state: 'all' },
    { tool: 'Semgrep' },
    { rule: 'Bandit-R2', state: 'all' },
    { workload: 'app' },
    { version: commit.slice(0, 12), state: 'all' },
    { version: other, workload: 'app', state: 'all' },
    { state: 'all', page: '2', perPage: '7' },
    { state: 'all', page: '99', perPage: '10' },
    { tool: 'nobody' },
  ];
  for (const qs of queries)
    it(`answers ${JSON.stringify(qs)} as the list does`, () => {
      const q = parseFindingsQuery(qs, { state: 'open', perPage: 50 });
      const all = findingViews(t.cp, { states: undefined });
      const matching = filterFindings(all, q, q.version ? new FindingHistory(t.cp.catalog.db).findingsOfCommit(q.version) : undefined);
      const paged = findingsPaged(t.cp, q);
      assert.deepEqual(paged.page, pageOf(matching, q.page, q.perPage));
      assert.deepEqual(paged.groups, groupByRule(matching));
      assert.deepEqual(paged.tools, [...new Set(all.map((f) => f.tool))].sort());
    });

  it('has something to compare: findings at several severities, a deployed one, a dismissed one', () => {
    const all = findingViews(t.cp, { states: undefined });
    assert.ok(new Set(all.map((f) => f.severity)).size >= 3);
    assert.ok(all.some((f) => f.deployedIn.includes('app')));
    assert.ok(all.some((f) => f.state === 'dismissed'));
    assert.ok(all.some((f) => f.state === 'fixed'));
  });
});
