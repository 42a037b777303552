/**
 * Clearing a suspicious restore point: refused where there is nothing to clear, recorded for a
 * rebuild, and replayed to the same last word whatever order the restore points come back in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearSuspicion, type RestorePoint } from '../catalog/index.js';
import { tempCatalog } from '../catalog/testing.js';
import { appliers } from './apply.js';

const at = new Date('2026-03-02T10:00:00.000Z');
const point = (snapshotId: string, verdict?: 'suspicious' | 'normal'): RestorePoint => ({
  repository: '/r',
  snapshotId,
  time: new Date('2026-03-01T00:00:00.000Z'),
  volume: 'shares',
  tags: [],
  provenance: { volume: 'shares', workloads: [] },
  ...(verdict ? { suspicion: { verdict, reasons: verdict === 'suspicious' ? ['120 files renamed to .locked'] : [] } } : {}),
});

test('clear-suspicious refuses, in one line each, what it cannot clear, and writes nothing', () => {
  const t = tempCatalog();
  try {
    const c = t.catalog;
    c.restorePoints.record(point('normal1', 'normal'));
    c.restorePoints.record(point('old1'));
    c.restorePoints.record(point('bad1', 'suspicious'));
    const cases: [string, Parameters<typeof clearSuspicion>[1], RegExp][] = [
      ['unknown', { snapshotId: 'nope', reason: 'x', actor: 'a', at }, /^restore point nope: not in the catalog$/],
      ['normal', { snapshotId: 'normal1', reason: 'x', actor: 'a', at }, /^restore point normal1: not marked suspicious \(normal\), nothing to clear$/],
      ['never judged', { snapshotId: 'old1', reason: 'x', actor: 'a', at }, /^restore point old1: not marked suspicious \(no judgement\), nothing to clear$/],
      ['no reason', { snapshotId: 'bad1', reason: '  ', actor: 'a', at }, /^restore point bad1: give the reason it is a false positive$/],
      ['withdraw uncleared', { snapshotId: 'bad1', reason: 'x', actor: 'a', at, withdraw: true }, /^restore point bad1: its suspicion was not cleared, nothing to withdraw$/],
    ];
    for (const [name, input, message] of cases) assert.throws(() => clearSuspicion(c, input), { message }, name);
    assert.equal(c.records.count(), 0);
    assert.deepEqual(c.audit.list({ action: 'restore-point.suspicion-cleared' }), []);
    assert.equal(c.restorePoints.get('bad1')?.review, undefined);
  } finally {
    t.dispose();
  }
});

test('a clearance and its withdrawal are recorded, and a rebuild replays them to the same last word', () => {
  const live = tempCatalog();
  const rebuilt = tempCatalog();
  try {
    live.catalog.restorePoints.record(point('bad1', 'suspicious'));
    live.catalog.restorePoints.record(point('bad2', 'suspicious'));
    clearSuspicion(live.catalog, { snapshotId: 'bad1', reason: 'planned re-encryption', actor: 'alice', at });
    clearSuspicion(live.catalog, { snapshotId: 'bad2', reason: 'bulk conversion', actor: 'alice', at });
    clearSuspicion(live.catalog, { snapshotId: 'bad2', reason: 'not what the change covered', actor: 'bob', at: new Date(at.getTime() + 1000), withdraw: true });
    const cleared = live.catalog.restorePoints.get('bad1')!;
    assert.deepEqual(cleared.review, { decision: 'cleared', actor: 'alice', reason: 'planned re-encryption', at });
    assert.equal(cleared.suspicion?.verdict, 'suspicious', 'the judgement stays as written');
    assert.equal(live.catalog.restorePoints.get('bad2')!.review, undefined);

    const records = live.catalog.records.pending('repo-1');
    assert.deepEqual(records.map((r) => [r.kind, r.body.snapshotId, r.body.decision]), [
      ['restore-point-review', 'bad1', 'cleared'],
      ['restore-point-review', 'bad2', 'cleared'],
      ['restore-point-review', 'bad2', 'withdrawn'],
    ]);
    // A rebuild replays records before it indexes the snapshots: the review is kept by snapshot id.
    const c = rebuilt.catalog;
    c.records.replay(() => {
      for (const r of records) appliers[r.kind](c, r.body, { now: () => at, incidentsDir: rebuilt.dir });
    });
    c.restorePoints.record(point('bad1', 'suspicious'));
    c.restorePoints.record(point('bad2', 'suspicious'));
    assert.deepEqual(c.restorePoints.list(), live.catalog.restorePoints.list().map((p) => ({ ...p, repository: '/r' })));
    assert.equal(c.records.count(), 0, 'a replay appends nothing');
    assert.throws(() => appliers['restore-point-review'](c, { snapshotId: 'bad1', decision: 'maybe', actor: 'x', reason: 'x', at: at.toISOString() }, { now: () => at, incidentsDir: rebuilt.dir }), /decision/);
  } finally {
    live.dispose();
    rebuilt.dispose();
  }
});
