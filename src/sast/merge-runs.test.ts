import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCatalog } from '../catalog/testing.js';
import { ManualClock } from '../platform/clock.js';
import { ingestBytes } from './ingest.js';
import { mergeRuns } from './merge-runs.js';
import type { NormalisedRun, RunStatus } from './normalise.js';
import { commit1, commit2, snykContainer } from './testing.js';
import { versionVerdict } from './verdict.js';

const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
const env = (commit: string, day: number) => ({ repository: 'github.com/acme/shop', commit, ref: 'refs/heads/main', scanTime: new Date(Date.UTC(2026, 0, day)) });

test('a Snyk Container report (two runs of one tool) is one scan: run 1 does not fix what run 0 found', () => {
  const t = tempCatalog();
  try {
    const s = ingestBytes(snykContainer('vulnerable'), env(commit1, 1), { catalog: t.catalog, clock, name: 'snyk.sarif' });
    assert.deepEqual(s.scans.map((x) => [x.tool, x.runs, x.results, x.new, x.fixed]), [['Snyk Container', [0, 1], 3, 3, 0]]);
    const ssl = t.catalog.sast.listFindings().find((f) => f.ruleId === 'SNYK-DEBIAN12-OPENSSL-5788364')!;
    assert.deepEqual([ssl.state, ssl.severity], ['open', 'high']);
    const v1 = t.catalog.versions.findByCommit(commit1)!.id;
    assert.equal(versionVerdict(t.catalog, v1, { severity: 'high' }).verdict, 'vulnerable');

    // Only a later report fixes it; the version that carried it stays vulnerable.
    const later = ingestBytes(snykContainer('clean'), env(commit2, 2), { catalog: t.catalog, clock, name: 'snyk.sarif' });
    assert.deepEqual(later.scans.map((x) => [x.runs, x.new, x.fixed, x.unchanged]), [[[0, 1], 0, 1, 2]]);
    assert.equal(t.catalog.sast.getFinding(ssl.id)!.state, 'fixed');
    assert.equal(versionVerdict(t.catalog, t.catalog.versions.findByCommit(commit2)!.id, { severity: 'high' }).verdict, 'clean');
    assert.equal(versionVerdict(t.catalog, v1, { severity: 'high' }).verdict, 'vulnerable');
  } finally {
    t.dispose();
  }
});

const run = (index: number, tool: string, status: RunStatus, results = 1): NormalisedRun => ({
  index,
  tool,
  toolVersion: undefined,
  category: undefined,
  status,
  statusReason: `${status} reason`,
  results: Array.from({ length: results }, () => ({}) as NormalisedRun['results'][number]),
  notFailures: 0,
  unreadable: 0,
  startTime: undefined,
  provenance: [],
  rules: [],
  warnings: [],
});
const at = (commit: string, category: string) => ({ commit, category });

const cases: { name: string; runs: NormalisedRun[]; resolved: { commit: string; category: string }[]; want: [number[], RunStatus, number][] }[] = [
  {
    name: 'two complete runs of one tool make one complete scan with all results',
    runs: [run(0, 'T', 'complete', 2), run(1, 'T', 'complete', 3)],
    resolved: [at(commit1, 't'), at(commit1, 't')],
    want: [[[0, 1], 'complete', 5]],
  },
  {
    name: 'a failed part makes the merged scan failed: it proves nothing absent',
    runs: [run(0, 'T', 'complete'), run(1, 'T', 'failed')],
    resolved: [at(commit1, 't'), at(commit1, 't')],
    want: [[[0, 1], 'failed', 2]],
  },
  {
    name: 'an unknown part makes it unknown, and failed outranks unknown',
    runs: [run(0, 'T', 'unknown'), run(1, 'T', 'complete'), run(2, 'T', 'failed'), run(3, 'U', 'unknown')],
    resolved: [at(commit1, 't'), at(commit1, 't'), at(commit1, 't'), at(commit1, 'u')],
    want: [
      [[0, 1, 2], 'failed', 3],
      [[3], 'unknown', 1],
    ],
  },
  {
    name: 'runs of other categories or other commits stay separate scans',
    runs: [run(0, 'T', 'complete'), run(1, 'T', 'complete'), run(2, 'T', 'complete'), run(3, 'T', 'complete')],
    resolved: [at(commit1, 'backend'), at(commit1, 'frontend'), at(commit2, 'backend'), at(commit1, 'backend')],
    want: [
      [[0, 3], 'complete', 2],
      [[1], 'complete', 1],
      [[2], 'complete', 1],
    ],
  },
];
for (const c of cases) {
  test(`mergeRuns: ${c.name}`, () => {
    const got = mergeRuns(c.runs, c.resolved);
    assert.deepEqual(got.map((g) => [g.runIndexes, g.run.status, g.run.results.length]), c.want);
  });
}
