import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sighting } from '../../catalog/finding-history.js';
import { cweLink, filterFindings, helpLink, findingHistory, groupByRule, pageOf, parseFindingsQuery, ruleText, versionsCarrying } from './findings-query.js';
import type { FindingView } from './health.js';

const f = (o: Partial<FindingView>): FindingView => ({
  id: 'f1',
  repository: 'github.com/acme/shop',
  severity: 'high',
  state: 'open',
  ruleId: 'B602',
  tool: 'Bandit',
  cwes: [],
  message: 'm',
  path: 'a.py',
  startLine: 1,
  firstSeenAt: '2026-12-07T06:00:00.000Z',
  firstSeenCommit: 'a'.repeat(40),
  lastSeenAt: '2026-12-07T06:00:00.000Z',
  lastSeenCommit: 'a'.repeat(40),
  fixedAt: undefined,
  dismissedAt: undefined,
  sla: 'WithinSla',
  dueAt: undefined,
  deployedIn: [],
  ...o,
});

describe('findings query', () => {
  it('reads filters from a query string, open findings by default', () => {
    const q = parseFindingsQuery({ severity: 'critical,high', tool: 'Bandit', workload: 'shop', version: 'ABCDEF1', page: '2' });
    assert.deepEqual(q, { severities: ['critical', 'high'], states: ['open'], tool: 'Bandit', workload: 'shop', version: 'abcdef1', rule: undefined, page: 2, perPage: 50 });
    assert.equal(parseFindingsQuery({ state: 'all' }).states, undefined, 'state=all means every state');
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['refuses an unknown severity naming it', { severity: 'severe' }, /severity=severe: expected critical, high, medium, low, info/],
    ['refuses an unknown state naming it', { state: 'closed' }, /state=closed: expected open, fixed, dismissed, suppressed/],
    ['refuses page 0', { page: '0' }, /page=0/],
    ['refuses a version that is not a commit', { version: 'main;drop' }, /version=main;drop: expected a commit/],
  ];
  for (const [name, q, msg] of bad) it(name, () => assert.throws(() => parseFindingsQuery(q), (e: Error) => msg.test(e.message)));

  it('filters by severity, tool, state, rule, workload and version together', () => {
    const views = [
      f({ id: 'a', deployedIn: ['shop'] }),
      f({ id: 'b', tool: 'Semgrep' }),
      f({ id: 'c', severity: 'low', deployedIn: ['shop'] }),
      f({ id: 'd', state: 'fixed', deployedIn: ['shop'] }),
      f({ id: 'e', ruleId: 'B101', deployedIn: ['shop'] }),
    ];
    const q = { ...parseFindingsQuery({ severity: 'high', tool: 'Bandit', workload: 'shop', rule: 'B602' }) };
    assert.deepEqual(filterFindings(views, q).map((x) => x.id), ['a']);
    assert.deepEqual(filterFindings(views, parseFindingsQuery({ state: 'all' }), new Set(['b', 'd'])).map((x) => x.id), ['b', 'd'], 'the version filter keeps what its scans saw');
  });

  const pages: [string, number, number, number, { total: number; page: number; pages: number; from: number; to: number; n: number }][] = [
    ['shows the true count beyond the first page', 230, 1, 50, { total: 230, page: 1, pages: 5, from: 1, to: 50, n: 50 }],
    ['gives the last page the rest', 230, 5, 50, { total: 230, page: 5, pages: 5, from: 201, to: 230, n: 30 }],
    ['turns a page past the end into the last page', 230, 9, 50, { total: 230, page: 5, pages: 5, from: 201, to: 230, n: 30 }],
    ['has one empty page when nothing matches', 0, 1, 50, { total: 0, page: 1, pages: 1, from: 0, to: 0, n: 0 }],
  ];
  for (const [name, total, page, per, want] of pages)
    it(name, () => {
      const p = pageOf(Array.from({ length: total }, (_, i) => i), page, per);
      assert.deepEqual({ total: p.total, page: p.page, pages: p.pages, from: p.from, to: p.to, n: p.items.length }, want);
    });

  it('groups by tool and rule, most severe rule first, then the most findings', () => {
    const g = groupByRule([
      f({ id: '1', ruleId: 'L', severity: 'low' }),
      f({ id: '2', ruleId: 'L', severity: 'low' }),
      f({ id: '3', ruleId: 'L', severity: 'low' }),
      f({ id: '4', ruleId: 'H', severity: 'medium', cwes: ['CWE-78'] }),
      f({ id: '5', ruleId: 'H', severity: 'critical', cwes: ['CWE-78', 'CWE-20'], deployedIn: ['shop'] }),
      f({ id: '6', ruleId: 'H', tool: 'Semgrep', severity: 'high' }),
    ]);
    assert.deepEqual(g.map((x) => [x.tool, x.ruleId, x.count, x.severity]), [['Bandit', 'H', 2, 'critical'], ['Semgrep', 'H', 1, 'high'], ['Bandit', 'L', 3, 'low']]);
    assert.deepEqual(g[0]!.cwes, ['CWE-78', 'CWE-20']);
    assert.deepEqual(g[0]!.bySeverity, { medium: 1, critical: 1 });
    assert.deepEqual(g[0]!.deployedIn, ['shop']);
  });

  it('links a CWE to its MITRE page and nothing else', () => {
    assert.equal(cweLink('CWE-78'), 'https://cwe.mitre.org/data/definitions/78.html');
    assert.equal(cweLink('javascript:alert(1)'), undefined);
  });

  it("links a rule's help page only when it is an absolute http(s) URL", () => {
    const cases: [string | undefined, string | undefined][] = [
      ['https://bandit.readthedocs.io/en/latest/plugins/b602.html', 'https://bandit.readthedocs.io/en/latest/plugins/b602.html'],
      [' http://example.test/r ', 'http://example.test/r'],
      ['HTTPS://Example.test/R', 'https://example.test/R'],
      ['javascript:alert(1)', undefined],
      ['JavaScript:alert(1)', undefined],
      ['data:text/html,<b>x</b>', undefined],
      ['file:///etc/passwd', undefined],
      ['/relative/help', undefined],
      ['not a url', undefined],
      ['', undefined],
      [undefined, undefined],
    ];
    for (const [uri, want] of cases) assert.equal(helpLink(uri), want, String(uri));
  });
});

describe('findingHistory', () => {
  const s = (id: number, time: string, seen: boolean, o: Partial<Sighting> = {}): Sighting => ({ scanId: id, scanTime: `2026-12-07T${time}:00.000Z`, status: 'complete', commit: `c${id}`, toolVersion: undefined, seen, suppressed: false, ...o });
  const cases: [string, Sighting[], [string, string | undefined][]][] = [
    ['has only "first seen" for a finding every scan reports', [s(1, '06:00', true), s(2, '06:10', true)], [['first seen', 'c1']]],
    ['records the scan that no longer reports it as the fix', [s(1, '06:00', true), s(2, '06:10', false)], [['first seen', 'c1'], ['fixed', 'c2']]],
    ['records a reopening when a later scan reports it again', [s(1, '06:00', true), s(2, '06:10', false), s(3, '06:20', true)], [['first seen', 'c1'], ['fixed', 'c2'], ['reopened', 'c3']]],
    ['ignores scans before it first appeared', [s(1, '05:00', false), s(2, '06:00', true)], [['first seen', 'c2']]],
    ['takes nothing from a failed scan (it proves no fix)', [s(1, '06:00', true), s(2, '06:10', false, { status: 'failed' })], [['first seen', 'c1']]],
    ['notes when the source began suppressing it', [s(1, '06:00', true), s(2, '06:10', true, { suppressed: true })], [['first seen', 'c1'], ['suppressed', 'c2']]],
  ];
  for (const [name, sightings, want] of cases)
    it(name, () => assert.deepEqual(findingHistory(sightings).map((e) => [e.what, e.commit]), want));

  it('places the dismissal in time, with who made it and why', () => {
    const h = findingHistory([s(1, '06:00', true), s(2, '06:20', true)], { time: '2026-12-07T06:10:00.000Z', actor: 'alice', reason: 'false-positive', comment: 'test code' });
    assert.deepEqual(h.map((e) => e.what), ['first seen', 'dismissed']);
    assert.equal(h[1]!.detail, 'by alice: false-positive — test code');
  });

  it('lists the versions that carry it once each, suppressed ones excluded', () => {
    assert.deepEqual(versionsCarrying([s(1, '06:00', true), s(2, '06:10', true, { commit: 'c1' }), s(3, '06:20', false), s(4, '06:30', true, { suppressed: true })]), ['c1']);
  });
});

describe('ruleText', () => {
  const rule = { tool: 'T', ruleId: 'R', name: undefined, shortDescription: undefined, fullDescription: undefined, helpText: undefined, helpMarkdown: undefined, helpUri: undefined };
  const cases = [
    { name: 'the help is its text when the scanner wrote one (Trivy)', rule: { ...rule, helpText: 'Vulnerability CVE-1', helpMarkdown: '**Vulnerability CVE-1**' }, want: { help: 'Vulnerability CVE-1' } },
    { name: 'the help is its Markdown source when its text is empty (Snyk)', rule: { ...rule, helpText: '', helpMarkdown: '* Package Manager: deb' }, want: { help: '* Package Manager: deb' } },
    { name: 'only what the scanner said, blank fields left out', rule: { ...rule, name: 'n', shortDescription: ' ', fullDescription: 'full', helpUri: 'https://x.test/r' }, want: { name: 'n', fullDescription: 'full', helpUri: 'https://x.test/r' } },
    { name: 'nothing for a rule the catalog does not know', rule: undefined, want: {} },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(ruleText(c.rule), c.want));
});
