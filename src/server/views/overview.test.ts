import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dismissFinding } from '../../sast/index.js';
import { testPlane } from '../testing.js';
import { uploadHighReport } from '../dashboard/testing.js';

describe('the overview', () => {
  it('is degraded, with the reasons in /api/v1/overview and on the page, while the deployed version carries a high finding and the upload could not plan an incident', async () => {
    const t = await testPlane();
    const auth = { authorization: `Bearer ${t.token}` };
    try {
      await t.cp.scheduler.runNow('backup/hourly/data');
      const up = await uploadHighReport(t);
      assert.equal(up.json().incidents.refused.length, 1, 'the only restore point was written by the vulnerable version');
      type O = { status: string; reasons: { kind: string; message: string; link: string }[]; findings: { deployedAtOrAboveThreshold: number } };
      const o = (await t.app.inject({ url: '/api/v1/overview', headers: auth })).json() as O;
      assert.equal(o.status, 'degraded');
      const kinds = o.reasons.map((r) => r.kind);
      assert.ok(kinds.includes('deployed-finding'), kinds.join());
      assert.ok(kinds.includes('incident-refused'), kinds.join());
      assert.equal(o.findings.deployedAtOrAboveThreshold, 1);
      const deployed = o.reasons.find((r) => r.kind === 'deployed-finding')!;
      assert.match(deployed.message, /workload app runs version 0eeab4ac3343, which carries 1 finding\(s\) at or above high: high B602/);
      const refused = o.reasons.find((r) => r.kind === 'incident-refused')!;
      assert.match(refused.message, /volume data/);
      const page = await t.app.inject({ url: '/ui', headers: auth });
      assert.match(page.body, /data-reason="deployed-finding"/);
      assert.match(page.body, /data-reason="incident-refused"/);
      assert.doesNotMatch(page.body, /No problems/);

      // Dismissed as a false positive: neither the deployed finding nor the refusal stands any more.
      const [finding] = t.cp.d.catalog.sast.listFindings({ states: ['open'] });
      dismissFinding(t.cp.d.catalog, t.clock, { id: finding!.id, reason: 'false-positive', actor: 'alice' });
      t.cp.verdicts.clear();
      const after = (await t.app.inject({ url: '/api/v1/overview', headers: auth })).json() as O;
      assert.deepEqual(after.reasons.map((r) => r.kind).filter((k) => k === 'deployed-finding' || k === 'incident-refused'), []);
    } finally {
      await t.dispose();
    }
  });

  it("counts open and overdue findings per severity as each finding's own SLA says, in the overview and the metrics", async () => {
    const t = await testPlane();
    const auth = { authorization: `Bearer ${t.token}` };
    try {
      await uploadHighReport(t);
      type O = { findings: { open: Record<string, number>; overdue: number } };
      const counts = async () => {
        const o = (await t.app.inject({ url: '/api/v1/overview', headers: auth })).json() as O;
        const metrics = (await t.app.inject({ url: '/metrics', headers: auth })).body;
        const overdueMetric = Number(/holdfast_findings_overdue\{severity="high"\} (\d+)/.exec(metrics)?.[1]);
        return { open: o.findings.open, overdue: o.findings.overdue, overdueMetric };
      };
      // High findings are due within 30 days: one day before, nothing is overdue; a day after, it is.
      t.clock.advance(29 * 86_400_000);
      const within = await counts();
      assert.deepEqual(within.open, { critical: 0, high: 1, medium: 0, low: 0, info: 0 });
      assert.equal(within.overdue, 0);
      assert.equal(within.overdueMetric, 0);
      t.clock.advance(2 * 86_400_000);
      const late = await counts();
      assert.equal(late.overdue, 1);
      assert.equal(late.overdueMetric, 1);
      const [view] = (await t.app.inject({ url: '/api/v1/findings', headers: auth })).json() as { sla: string }[];
      assert.equal(view?.sla, 'Overdue', "the finding's own view agrees");
    } finally {
      await t.dispose();
    }
  });
});
