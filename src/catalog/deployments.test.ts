import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCatalog, commitA, commitB, digestOf } from './testing.js';

test('a new deployment ends the workload’s previous one at the same instant', () => {
  const t = tempCatalog();
  try {
    const d = t.catalog.deployments;
    d.record({ workload: 'shop', commit: commitA, imageDigest: digestOf('1'), at: new Date('2026-01-01T00:00:00Z'), volumes: ['shop-data'] });
    d.record({ workload: 'shop', commit: commitB, at: new Date('2026-02-01T00:00:00Z') });
    const tl = d.timeline('shop');
    assert.deepEqual(
      tl.map((x) => [x.commit, x.startedAt, x.endedAt]),
      [
        [commitA, '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
        [commitB, '2026-02-01T00:00:00.000Z', undefined],
      ],
    );
    assert.deepEqual(d.workloadsMounting('shop-data'), ['shop']);
  } finally {
    t.dispose();
  }
});

test('a deployment recorded out of order is bounded by the next one and recording twice changes nothing', () => {
  const t = tempCatalog();
  try {
    const d = t.catalog.deployments;
    d.record({ workload: 'shop', commit: commitB, at: new Date('2026-02-01T00:00:00Z') });
    d.record({ workload: 'shop', commit: commitA, at: new Date('2026-01-01T00:00:00Z') });
    d.record({ workload: 'shop', commit: commitA, at: new Date('2026-01-01T00:00:00Z') });
    assert.deepEqual(
      d.timeline('shop').map((x) => [x.commit, x.endedAt]),
      [
        [commitA, '2026-02-01T00:00:00.000Z'],
        [commitB, undefined],
      ],
    );
  } finally {
    t.dispose();
  }
});
