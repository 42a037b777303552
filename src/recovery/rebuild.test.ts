/**
 * A catalog rebuilt from the repository alone decides as the lost one did; what the repository
 * lacks is named and judged unknown, never clean; a wrong password or an occupied target writes
 * nothing. On a filesystem repository (the S3 run is test/s3/catalog-rebuild.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCatalogRecords, Repository, saveCatalogRecord } from '../backup/index.js';
import { isHoldfastError } from '../base/errors.js';
import { EvidenceStore } from '../catalog/evidence.js';
import { IncidentStore } from '../catalog/incidents.js';
import { openBlobStore } from '../storage/index.js';
import { pushCatalogRecords } from './push.js';
import { rebuildCatalog } from './rebuild.js';
import { b602, chooseJson, newStory, v1, type Story } from './testing.js';

/** Everything a person reads from the catalog, without the row ids a rebuild renumbers. */
function view(s: Story, path: string) {
  const c = s.open(path);
  try {
    const finding = b602(c);
    const noIds = <T extends object>(rows: T[]) => rows.map(({ id: _id, ...r }: T & { id?: unknown }) => r);
    return {
      chooseHigh: chooseJson(c, { severity: 'high' }),
      chooseFinding: chooseJson(c, { findingId: finding }),
      findings: JSON.stringify(c.sast.listFindings().map(({ firstSeenScanId: _a, lastSeenScanId: _b, ...f }) => f)),
      deployments: JSON.stringify(noIds(c.deployments.timeline()).map(({ versionId: _v, ...d }) => d)),
      // As objects: a manifest keeps its own key order, which no reader depends on.
      restorePoints: c.restorePoints.list().map(({ repository: _r, ...p }) => p),
      verifications: JSON.stringify(noIds(new EvidenceStore(c.db).verifications()).map(({ runId: _r, ...v }) => v)),
      certificates: JSON.stringify(noIds(new EvidenceStore(c.db).certificateEvents())),
      incident: JSON.stringify({ ...new IncidentStore(c.db, () => new Date()).get('inc-test-1'), runnerPid: undefined }),
      steps: JSON.stringify(new IncidentStore(c.db, () => new Date()).steps('inc-test-1')),
    };
  } finally {
    c.close();
  }
}

async function pushAll(s: Story): Promise<{ pushed: number; already: number }> {
  const c = s.open();
  try {
    return await pushCatalogRecords(c, await s.repo());
  } finally {
    c.close();
  }
}

describe('catalog rebuild from a filesystem repository', () => {
  let s: Story;
  before(async () => {
    s = await newStory();
  });
  after(() => s.dispose());

  it('gives the repository each record once, and only the new ones on the next push', async () => {
    const first = await pushAll(s);
    assert.ok(first.pushed >= 10, `pushed ${first.pushed}`);
    assert.deepEqual(await pushAll(s), { pushed: 0, already: 0 });
    const { records, damaged } = await readCatalogRecords(await s.repo());
    assert.equal(records.length, first.pushed);
    assert.deepEqual(damaged, []);
    const kinds = new Set(records.map((r) => r.record.kind));
    for (const k of ['sast-report', 'deployment', 'dismissal', 'verification', 'certificate-event', 'incident']) assert.ok(kinds.has(k), `a ${k} record`);
    // Nothing readable in the store: every object is sealed, named by a keyed hash.
    const raw = readFileSync(join(s.repoPath, records[0]!.name));
    assert.ok(!raw.toString('latin1').includes('shop'), 'a record is not readable in the store');
    assert.match(records[0]!.name, /^catalog\/[0-9a-f]{64}$/);
  });

  it('rebuilds a catalog that chooses, lists and journals exactly as the lost one', async () => {
    const target = join(s.dir, 'rebuilt.db');
    const lines: string[] = [];
    const summary = await rebuildCatalog(await s.repo(), { catalogPath: target, log: (l) => lines.push(l) });
    assert.equal(summary.complete, true, JSON.stringify(summary));
    assert.equal(summary.restorePoints, 2);
    assert.deepEqual(summary.records.rebuilt, { deployment: 2, 'sast-report': 2, dismissal: 1, verification: 1, 'certificate-event': 1, incident: 4 });
    assert.ok(lines.some((l) => /read 2 snapshot/.test(l)), lines.join('\n'));
    const was = view(s, s.catalogPath);
    const now = view(s, target);
    assert.equal(JSON.parse(was.chooseHigh).decision, 'chosen');
    assert.deepEqual(now, was);
    assert.equal(existsSync(`${target}.rebuild-${process.pid}`), false, 'no temporary file left');
    // The rebuilt catalog has nothing to push again: its changes from now on are new records.
    const c = s.open(target);
    try {
      assert.equal(c.records.count(), 0);
      // What serve's timeline shows of the rebuild (views/timeline.ts rebuildEntry) is this audit event.
      const [audited] = c.audit.list({ action: 'catalog.rebuild' });
      assert.deepEqual(audited?.details, { location: s.repoPath, restorePoints: 2, records: summary.records.rebuilt, missing: 0, skipped: 0 });
    } finally {
      c.close();
    }
  });

  it('refuses to overwrite a catalog that holds records, unless forced', async () => {
    const target = join(s.dir, 'rebuilt.db');
    await assert.rejects(rebuildCatalog(await s.repo(), { catalogPath: s.catalogPath }), (e: unknown) => isHoldfastError(e, 'CATALOG_NOT_EMPTY') && /holds \d+ row\(s\).*--force/.test(e.message));
    const again = await rebuildCatalog(await s.repo(), { catalogPath: target, force: true });
    assert.equal(again.restorePoints, 2);
  });

  it('with a wrong password fails as an authentication error and writes nothing', async () => {
    const target = join(s.dir, 'never.db');
    await assert.rejects(
      (async () => rebuildCatalog(await Repository.open(await openBlobStore(s.repoPath), 'not the password'), { catalogPath: target }))(),
      (e: unknown) => isHoldfastError(e) && e.kind === 'auth',
    );
    assert.equal(existsSync(target), false);
  });

  it('names a missing report, a damaged record and a newer format, and leaves the version it judged unknown', async () => {
    const repo = await s.repo();
    const { records } = await readCatalogRecords(repo);
    const v1Report = records.find((r) => r.record.kind === 'sast-report' && (r.record.body.envelope as { commit: string }).commit === v1)!;
    const cert = records.find((r) => r.record.kind === 'certificate-event')!;
    rmSync(join(s.repoPath, v1Report.name));
    const certFile = join(s.repoPath, cert.name);
    const bytes = readFileSync(certFile);
    rmSync(certFile);
    // A truncated upload: the object is there but its seal does not verify.
    await repo.store.put(cert.name, bytes.subarray(0, bytes.length - 5));
    await saveCatalogRecord(repo, { ...records[0]!.record, format: 99, seq: 1e9 });
    // A record naming a folder outside the incidents folder is refused, not followed.
    await saveCatalogRecord(repo, { ...records[0]!.record, kind: 'incident-report', seq: 1e9 + 1, body: { id: '../../escaped', markdown: 'x', html: 'x' } });

    const target = join(s.dir, 'partial.db');
    const summary = await rebuildCatalog(await s.repo(), { catalogPath: target });
    assert.equal(summary.complete, false);
    assert.ok(summary.missing.some((m) => m.startsWith(cert.name)), summary.missing.join('\n'));
    assert.ok(summary.missing.some((m) => m.includes(`version ${v1.slice(0, 19)}`) && /verdict stays unknown/.test(m)), summary.missing.join('\n'));
    assert.ok(summary.skipped.some((m) => /format 99, newer than this Holdfast reads \(1\)/.test(m)), summary.skipped.join('\n'));
    assert.ok(summary.skipped.some((m) => /incident-report record .* not rebuilt: .*not an incident id/.test(m)), summary.skipped.join('\n'));
    assert.equal(existsSync(join(s.dir, '..', 'escaped')), false);
    assert.equal(summary.records.rebuilt['sast-report'], 1);

    const c = s.open(target);
    try {
      const choice = JSON.parse(chooseJson(c, { severity: 'high' })) as { decision: string; reason: string; message: string };
      assert.equal(choice.decision, 'refused');
      assert.equal(choice.reason, 'unknown-deployment');
      assert.match(choice.message, /no successful scan|never scanned/);
    } finally {
      c.close();
    }
  });
});

