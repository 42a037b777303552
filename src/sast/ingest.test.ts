import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCatalog } from '../catalog/testing.js';
import { isHoldfastError } from '../base/errors.js';
import { ManualClock } from '../platform/clock.js';
import { ingestBytes, ingestReport } from './ingest.js';
import { commit1, commit2, ingestQuirk, quirk } from './testing.js';

const env = { repository: 'github.com/acme/shop', commit: commit1, ref: 'refs/heads/main' };
const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
const count = (t: ReturnType<typeof tempCatalog>, table: string) => (t.catalog.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

const bad: [string, Buffer | string, string][] = [
  ['something that is not JSON', 'hello, world', 'REPORT_NOT_JSON'],
  ['JSON that is not SARIF', '{"hello": "world"}', 'REPORT_NOT_SARIF'],
  ['SARIF of another version', '{"version": "2.0.0", "runs": []}', 'REPORT_SARIF_VERSION'],
];
for (const [what, body, code] of bad) {
  test(`${what} is refused in one line and nothing is written`, () => {
    const t = tempCatalog();
    try {
      assert.throws(() => ingestBytes(Buffer.from(body), env, { catalog: t.catalog, clock, name: 'r.sarif' }), (e: unknown) => isHoldfastError(e, code) && e.message.startsWith('ingest report r.sarif:') && !e.message.includes('\n'));
      assert.equal(count(t, 'scans'), 0);
      assert.equal(count(t, 'versions'), 0);
    } finally {
      t.dispose();
    }
  });
}

test('a commit that is not a commit is refused before the report is read', async () => {
  const t = tempCatalog();
  try {
    await assert.rejects(ingestReport(quirk('results-empty'), { ...env, commit: 'HEAD~1' }, { catalog: t.catalog, clock, name: 'r' }), (e: unknown) => isHoldfastError(e, 'BAD_COMMIT'));
  } finally {
    t.dispose();
  }
});

test('a report whose run names another commit, repository, branch or category is refused and nothing is half-ingested', () => {
  const t = tempCatalog();
  try {
    const cases: [Record<string, string>, string][] = [
      [{ commit: commit2 }, 'REPORT_COMMIT_MISMATCH'],
      [{ repository: 'github.com/acme/other' }, 'REPORT_REPOSITORY_MISMATCH'],
      [{ ref: 'refs/heads/dev' }, 'REPORT_REF_MISMATCH'],
      [{ category: 'frontend' }, 'REPORT_CATEGORY_MISMATCH'],
    ];
    for (const [over, code] of cases) assert.throws(() => ingestQuirk(t.catalog, 'provenance', over), (e: unknown) => isHoldfastError(e, code), code);
    assert.equal(count(t, 'scans'), 0);
    // When it agrees (https URL with .git, short branch name), the report's own commit and category are used.
    const s = ingestQuirk(t.catalog, 'provenance', { commit: undefined, ref: 'refs/heads/main' });
    assert.equal(s.commit, commit1);
    assert.equal(s.scans[0]!.category, 'backend');
  } finally {
    t.dispose();
  }
});

test('a report without a commit, that does not name one either, is refused', () => {
  const t = tempCatalog();
  try {
    assert.throws(() => ingestQuirk(t.catalog, 'results-empty', { commit: undefined }), (e: unknown) => isHoldfastError(e, 'MISSING_COMMIT'));
  } finally {
    t.dispose();
  }
});

test('one transaction per report: a failure in the second run leaves nothing of the first', () => {
  const t = tempCatalog();
  try {
    // The first run is fine; the second names another commit.
    const log = JSON.parse(quirk('several-runs').toString());
    log.runs[1].versionControlProvenance = [{ revisionId: commit2 }];
    assert.throws(() => ingestBytes(Buffer.from(JSON.stringify(log)), env, { catalog: t.catalog, clock, name: 'r' }), (e: unknown) => isHoldfastError(e, 'REPORT_COMMIT_MISMATCH'));
    assert.equal(count(t, 'scans') + count(t, 'findings') + count(t, 'versions'), 0);
  } finally {
    t.dispose();
  }
});

test('ingesting the same report twice for the same version changes nothing', () => {
  const t = tempCatalog();
  try {
    ingestQuirk(t.catalog, 'several-runs');
    const again = ingestQuirk(t.catalog, 'several-runs');
    assert.deepEqual(again.scans.map((s) => s.alreadyIngested), [true, true]);
    assert.equal(count(t, 'scans'), 2);
    assert.equal(count(t, 'findings'), 2);
  } finally {
    t.dispose();
  }
});

test('several runs in one log become one scan each, with image digests bound to the commit', () => {
  const t = tempCatalog();
  try {
    const d = 'sha256:' + 'c'.repeat(64);
    const s = ingestQuirk(t.catalog, 'several-runs', { imageDigests: [d] });
    assert.deepEqual(s.scans.map((x) => [x.tool, x.category, x.new]), [
      ['ToolA', 'backend', 1],
      ['ToolB', 'frontend', 1],
    ]);
    assert.equal(t.catalog.versions.findByDigest(d)?.commit, commit1);
  } finally {
    t.dispose();
  }
});

test('runs: [] records the version but no scan, and says so', () => {
  const t = tempCatalog();
  try {
    const s = ingestQuirk(t.catalog, 'runs-empty');
    assert.equal(s.scans.length, 0);
    assert.match(s.warnings.join('\n'), /no runs/);
  } finally {
    t.dispose();
  }
});

test('a line hash that repeats across two runs of one report is not used as identity', () => {
  const t = tempCatalog();
  try {
    const r = (snippet: string) => ({ ruleId: 'R', level: 'error', message: { text: 'm' }, partialFingerprints: { primaryLocationLineHash: 'same:1' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a.py' }, region: { startLine: 1, snippet: { text: snippet } } } }] });
    const log = { version: '2.1.0', runs: [{ tool: { driver: { name: 'T' } }, results: [r('one()')] }, { tool: { driver: { name: 'T' } }, automationDetails: { id: 'other/1' }, results: [r('two()')] }] };
    ingestBytes(Buffer.from(JSON.stringify(log)), env, { catalog: t.catalog, clock, name: 'r' });
    const ids = t.catalog.sast.listFindings().map((f) => f.identity);
    assert.equal(ids.length, 2);
    assert.notEqual(ids[0], ids[1]);
  } finally {
    t.dispose();
  }
});

test('an identical report again is answered from its digest as "the same as" the first, recorded in the audit, and binds new image digests', () => {
  const t = tempCatalog();
  try {
    const first = ingestBytes(quirk('several-runs'), env, { catalog: t.catalog, clock, name: 'a.sarif' });
    const d = 'sha256:' + 'd'.repeat(64);
    const again = ingestBytes(quirk('several-runs'), { ...env, imageDigests: [d] }, { catalog: t.catalog, clock, name: 'b.sarif' });
    assert.deepEqual(again.sameAs, { reportSha256: first.reportSha256, ingestedAt: '2026-03-01T00:00:00.000Z' });
    assert.deepEqual(again.scans.map((s) => [s.scanId, s.alreadyIngested]), first.scans.map((s) => [s.scanId, true]));
    assert.equal(count(t, 'scans'), 2);
    const audit = t.catalog.db.prepare("SELECT details FROM audit_events WHERE action = 'sast.ingest' ORDER BY id").all() as { details: string }[];
    assert.equal(audit.length, 2, 'the second upload is recorded, not silently ignored');
    assert.deepEqual(JSON.parse(audit[1]!.details).sameAs, again.sameAs);
    assert.equal(t.catalog.versions.findByDigest(d)?.commit, commit1);
    // Another ref is another scan of the stream: not "the same".
    assert.equal(ingestBytes(quirk('several-runs'), { ...env, ref: 'refs/heads/dev' }, { catalog: t.catalog, clock, name: 'c.sarif' }).sameAs, undefined);
  } finally {
    t.dispose();
  }
});
