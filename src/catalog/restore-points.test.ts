import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCatalog, commitA } from './testing.js';

test('recording the same restore point twice is an upsert, so the catalog can be rebuilt', () => {
  const t = tempCatalog();
  try {
    const p = {
      repository: '/srv/backups',
      snapshotId: 'snap-1',
      time: new Date('2026-01-02T00:00:00Z'),
      volume: 'shop-data',
      tags: ['nightly'],
      provenance: { volume: 'shop-data', workloads: [{ workload: 'shop', commit: commitA }] },
    };
    t.catalog.restorePoints.record(p);
    t.catalog.restorePoints.record({ ...p, tags: ['nightly', 'kept'] });
    const all = t.catalog.restorePoints.list({ volume: 'shop-data' });
    assert.equal(all.length, 1);
    assert.deepEqual(all[0]!.tags, ['kept', 'nightly']);
    assert.equal(all[0]!.provenance.workloads[0]!.commit, commitA);
    assert.throws(() => t.catalog.restorePoints.record({ ...p, volume: 'other' }), /provenance is of volume shop-data/);
  } finally {
    t.dispose();
  }
});

test('a restore point keeps its change signals and judgement when recorded again without them', () => {
  const t = tempCatalog();
  try {
    const p = { repository: '/srv/backups', snapshotId: 'snap-1', time: new Date('2026-01-02T00:00:00Z'), volume: 'v', tags: [], provenance: { volume: 'v', workloads: [] } };
    const signals = { files: 10, filesNew: 6, filesChanged: 0, filesRemoved: 6, bytesChanged: 600, bytesNew: 600, bytesDeduplicated: 0, bytesNewStored: 600, bytesNewIncompressible: 600, renamed: { '.locked': 6 } };
    const suspicion = { verdict: 'suspicious' as const, reasons: ['6 files renamed to .locked with new content (history: median 0)'] };
    t.catalog.restorePoints.record({ ...p, signals, suspicion });
    t.catalog.restorePoints.record(p);
    const got = t.catalog.restorePoints.get('snap-1')!;
    assert.deepEqual([got.signals, got.suspicion], [signals, suspicion]);
    t.catalog.restorePoints.record({ ...p, suspicion: { verdict: 'normal', reasons: [] } });
    assert.equal(t.catalog.restorePoints.get('snap-1')!.suspicion?.verdict, 'normal');
  } finally {
    t.dispose();
  }
});

test('audit events are listed newest first and filtered by object', () => {
  const t = tempCatalog({ now: () => new Date('2026-03-01T00:00:00Z') });
  try {
    t.catalog.audit.append({ actor: 'cli', action: 'sast.dismiss', object: 'finding:1', details: { reason: 'false-positive' } });
    t.catalog.audit.append({ actor: 'cli', action: 'sast.ingest', object: 'scan:2' });
    assert.deepEqual(t.catalog.audit.list().map((e) => e.action), ['sast.ingest', 'sast.dismiss']);
    assert.deepEqual(t.catalog.audit.list({ object: 'finding:1' })[0]!.details, { reason: 'false-positive' });
  } finally {
    t.dispose();
  }
});
