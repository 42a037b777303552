import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCatalog } from '../catalog/testing.js';
import { ManualClock } from '../platform/clock.js';
import { ingestBytes } from '../sast/index.js';
import { result, sarifOf } from '../sast/testing.js';
import { isHoldfastError } from '../base/errors.js';
import { chooseRestorePoint } from './restore-point.js';
import { gatherChooseInput, judgeRestorePoints } from './restore-point-evidence.js';
import { securityKeep } from './security-retention.js';

const good = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const bad = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const digest = (c: string) => 'sha256:' + c.repeat(64).slice(0, 64);
const at = (d: number) => new Date(Date.UTC(2026, 0, d));

function world() {
  const t = tempCatalog();
  const c = t.catalog;
  const clock = new ManualClock(at(20));
  const env = (commit: string, day: number) => ({ repository: 'github.com/acme/shop', commit, ref: 'refs/heads/main', scanTime: at(day), imageDigests: [digest(commit[0]!)] });
  ingestBytes(sarifOf('T', [result('LOW', 'a.py', 1, 'x', { level: 'note' })]), env(good, 1), { catalog: c, clock, name: 'good' });
  ingestBytes(sarifOf('T', [result('LOW', 'a.py', 1, 'x', { level: 'note' }), result('RCE', 'b.py', 2, 'eval(x)')]), env(bad, 2), { catalog: c, clock, name: 'bad' });
  c.deployments.record({ workload: 'shop', commit: good, at: at(3), volumes: ['shop-data'] });
  c.deployments.record({ workload: 'shop', commit: bad, at: at(10) });
  const rp = (id: string, day: number, w: { commit?: string; imageDigest?: string }) =>
    c.recordRestorePoint({ repository: '/backups', snapshotId: id, time: at(day), volume: 'shop-data', tags: [], provenance: { volume: 'shop-data', workloads: [{ workload: 'shop', ...w }] } });
  rp('p-good', 5, { commit: good });
  rp('p-good-by-digest', 8, { imageDigest: digest('a') });
  rp('p-bad', 12, { commit: bad, imageDigest: digest('b') });
  return t;
}

test('from the catalog: the latest clean point before the vulnerable deploy is chosen, matched by image digest alone', () => {
  const t = world();
  try {
    const c = chooseRestorePoint(gatherChooseInput(t.catalog, 'shop-data', { severity: 'high' }));
    assert.equal(c.snapshotId, 'p-good-by-digest', c.message);
    assert.deepEqual(securityKeep('shop-data', judgeRestorePoints(t.catalog, 'shop-data', { severity: 'high' })).keep, ['p-good-by-digest']);
  } finally {
    t.dispose();
  }
});

test('for one finding, a version is vulnerable only if that finding was seen in it', () => {
  const t = world();
  try {
    const rce = t.catalog.sast.listFindings().find((f) => f.ruleId === 'RCE')!;
    assert.equal(chooseRestorePoint(gatherChooseInput(t.catalog, 'shop-data', { findingId: rce.id })).snapshotId, 'p-good-by-digest');
    // The low finding was there from the start: no restore point predates it.
    const low = t.catalog.sast.listFindings().find((f) => f.ruleId === 'LOW')!;
    assert.equal(chooseRestorePoint(gatherChooseInput(t.catalog, 'shop-data', { findingId: low.id })).reason, 'no-clean-restore-point');
    assert.throws(() => gatherChooseInput(t.catalog, 'shop-data', { findingId: 'nope' }), (e: unknown) => isHoldfastError(e, 'FINDING_NOT_FOUND'));
  } finally {
    t.dispose();
  }
});

test('a provenance whose commit and image digest disagree is unknown and refused, naming both', () => {
  const t = world();
  try {
    t.catalog.recordRestorePoint({ repository: '/backups', snapshotId: 'p-odd', time: at(9), volume: 'shop-data', tags: [], provenance: { workloads: [{ workload: 'shop', commit: good, imageDigest: digest('b') }] } });
    const c = chooseRestorePoint(gatherChooseInput(t.catalog, 'shop-data', { severity: 'high' }));
    assert.equal(c.reason, 'unknown-restore-point');
    assert.match(c.message, new RegExp(`p-odd.*${digest('b')} is recorded as built from ${bad}, not ${good}`));
  } finally {
    t.dispose();
  }
});

test('a deployed version the catalog never saw a scan for refuses the choice', () => {
  const t = world();
  try {
    t.catalog.deployments.record({ workload: 'shop', commit: 'cccccccccccccccccccccccccccccccccccccccc', at: at(6) });
    const c = chooseRestorePoint(gatherChooseInput(t.catalog, 'shop-data', { severity: 'high' }));
    assert.equal(c.reason, 'unknown-deployment');
    assert.match(c.message, /version cccccccccccc deployed to shop at 2026-01-06.*no successful scan \(no scan\)/);
  } finally {
    t.dispose();
  }
});
