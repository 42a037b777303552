/**
 * The incident playbook's restore-point step on a real catalog where ransomware signals marked a
 * restore point suspicious: it restores the last clean point before it and says why, refuses with
 * --allow-suspicious among the options when nothing clean is left, and takes the operator's
 * override.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHoldfastError } from '../../base/errors.js';
import { commitA, tempCatalog } from '../../catalog/testing.js';
import { explainChoice } from '../../policy/restore-point.js';
import { ingestBytes } from '../../sast/ingest.js';
import { sarifOf } from '../../sast/testing.js';
import { ManualClock } from '../../platform/clock.js';
import type { IncidentFacts, IncidentParams } from '../facts.js';
import { choose } from './assess.js';

const day = (d: number) => new Date(Date.UTC(2026, 11, d, 2));
const suspicion = { verdict: 'suspicious' as const, reasons: ['140 files renamed to .locked with new content (history: median 0)'] };

function catalogWith(points: { id: string; day: number; suspicious?: boolean }[]) {
  const t = tempCatalog();
  const clock = new ManualClock(day(1));
  t.catalog.deployments.record({ workload: 'shop', commit: commitA, at: day(1), volumes: ['shop-data'] });
  ingestBytes(sarifOf('semgrep', []), { repository: 'github.com/acme/shop', commit: commitA, ref: 'main' }, { catalog: t.catalog, clock, name: 'clean.sarif' });
  for (const p of points)
    t.catalog.restorePoints.record({
      repository: '/backups',
      snapshotId: p.id,
      time: day(p.day),
      volume: 'shop-data',
      tags: [],
      provenance: { volume: 'shop-data', workloads: [{ workload: 'shop', commit: commitA }] },
      suspicion: p.suspicious ? suspicion : { verdict: 'normal', reasons: [] },
    });
  return t;
}

// choose() reads only the volume's name from the facts.
const facts = { volume: { name: 'shop-data', path: '/data' } } as IncidentFacts;
const params = (o: Partial<IncidentParams> = {}): IncidentParams => ({ volume: 'shop-data', target: { severity: 'high' }, onUnknown: 'refuse', rotateCa: false, healthPath: '/healthz', ...o });

describe('the incident playbook under a suspicious restore point', () => {
  it('restores the last clean point before it and says which point was skipped and why', () => {
    const t = catalogWith([{ id: 'p2', day: 2 }, { id: 'p3', day: 3 }, { id: 'p4', day: 4, suspicious: true }, { id: 'p5', day: 5 }]);
    try {
      const c = choose(t.catalog, facts, params());
      assert.equal(c.snapshotId, 'p3');
      assert.match(explainChoice(c), /restore point p4 .* is marked suspicious: 140 files renamed to \.locked/);
      assert.match(explainChoice(c), /2 restore point\(s\) taken at or after suspicious p4 .* are not candidates/);
    } finally {
      t.dispose();
    }
  });

  it('refuses, offering --allow-suspicious, when every point is at or after the suspicious one, and takes the override', () => {
    const t = catalogWith([{ id: 'p4', day: 4, suspicious: true }, { id: 'p5', day: 5 }]);
    try {
      assert.throws(
        () => choose(t.catalog, facts, params()),
        (e: unknown) => isHoldfastError(e, 'INCIDENT_NO_CLEAN_RESTORE_POINT') && /rerun with --allow-suspicious/.test(e.message) && /before suspicious p4/.test(e.message),
      );
      const c = choose(t.catalog, facts, params({ allowSuspicious: true }));
      assert.equal(c.snapshotId, 'p5');
      assert.match(explainChoice(c), /suspicious restore points were allowed by the operator/);
    } finally {
      t.dispose();
    }
  });
});
