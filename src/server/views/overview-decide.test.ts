import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideOverview, type OverviewFacts, type ReasonKind } from './overview-decide.js';

const calm: OverviewFacts = {
  threshold: 'high',
  deployed: [{ workload: 'shop', commit: 'a'.repeat(40), findings: [] }],
  refusals: [],
  findingState: () => 'open',
  incidents: [],
  workloadsDown: [],
  volumes: [{ name: 'shop-data', lastBackup: { status: 'succeeded' }, verification: { state: 'Fresh', message: 'ok' } }],
  certificates: [{ name: 'shop-tls', state: 'Valid', message: 'valid' }],
  overdueFindings: 0,
};
const w = (o: Partial<OverviewFacts>): OverviewFacts => ({ ...calm, ...o });
const high = { id: 'f-high', severity: 'high', ruleId: 'B602' };
const refusal = { time: '2026-12-07T06:00:00.000Z', volume: 'shop-data', findingId: 'f-high', message: 'no clean restore point' };
const incident = (o: Partial<OverviewFacts['incidents'][number]>) => ({ id: 'inc-1', volume: 'shop-data', status: 'succeeded', interrupted: false, message: undefined, createdAt: '2026-12-07T05:00:00.000Z', ...o });

describe('decideOverview', () => {
  const cases: [string, OverviewFacts, ReasonKind[]][] = [
    ['is ok when nothing needs a person', calm, []],
    ['is degraded when the deployed version carries a high finding at threshold high', w({ deployed: [{ workload: 'shop', commit: 'b'.repeat(40), findings: [high] }] }), ['deployed-finding']],
    ['is ok when the deployed version carries only findings below the threshold', w({ deployed: [{ workload: 'shop', commit: 'b'.repeat(40), findings: [{ id: 'm', severity: 'medium', ruleId: 'X' }] }] }), []],
    ['is ok about a high finding when the threshold is critical', w({ threshold: 'critical', deployed: [{ workload: 'shop', commit: 'b'.repeat(40), findings: [high] }] }), []],
    ['is degraded when an upload could not plan an incident and its finding is still open', w({ refusals: [refusal] }), ['incident-refused']],
    ['counts a refusal repeated by five uploads once', w({ refusals: [1, 2, 3, 4, 5].map((n) => ({ ...refusal, time: `2026-12-07T06:0${n}:00.000Z` })) }), ['incident-refused']],
    ['drops a refusal once its finding is fixed', w({ refusals: [refusal], findingState: () => 'fixed' }), []],
    ['drops a refusal once its finding is dismissed', w({ refusals: [refusal], findingState: () => 'dismissed' }), []],
    ['drops a refusal once a later incident on its volume exists', w({ refusals: [refusal], incidents: [incident({ createdAt: '2026-12-07T07:00:00.000Z' })] }), []],
    ['keeps a refusal when the only incident on its volume is older', w({ refusals: [refusal], incidents: [incident({})] }), ['incident-refused']],
    ['is degraded when an incident failed', w({ incidents: [incident({ status: 'failed', message: 'restore failed' })] }), ['incident-failed']],
    ['is degraded when an incident was interrupted', w({ incidents: [incident({ status: 'running', interrupted: true })] }), ['incident-failed']],
    ['is ok about an incident that runs now', w({ incidents: [incident({ status: 'running' })] }), []],
    ['is degraded while a proposal awaits approval', w({ incidents: [incident({ status: 'proposed' })] }), ['incident-proposed']],
    ['is degraded when a workload is down', w({ workloadsDown: [{ name: 'shop', message: 'workload shop: exited since …' }] }), ['workload-down']],
    ['is degraded when the last backup failed', w({ volumes: [{ name: 'v', lastBackup: { status: 'failed', message: 'ENOSPC' }, verification: { state: 'Fresh', message: '' } }] }), ['backup-failed']],
    ['is degraded when verification is stale', w({ volumes: [{ name: 'v', lastBackup: undefined, verification: { state: 'Stale', message: 'old' } }] }), ['verification']],
    ['is degraded when a certificate is served mismatched', w({ certificates: [{ name: 'c', state: 'ServedMismatch', message: 'x' }] }), ['certificate']],
    ['is degraded when findings are past their SLA', w({ overdueFindings: 2 }), ['sla-overdue']],
  ];
  for (const [name, facts, kinds] of cases)
    it(name, () => {
      const d = decideOverview(facts);
      assert.deepEqual(d.reasons.map((r) => r.kind), kinds);
      assert.equal(d.status, kinds.length ? 'degraded' : 'ok');
      for (const r of d.reasons) assert.match(r.link, /^\/ui/, 'every reason links to the page that shows it');
    });

  it('names the workload, the version and the rules, and links to the one finding', () => {
    const [r] = decideOverview(w({ deployed: [{ workload: 'shop', commit: 'b'.repeat(40), findings: [high, { id: 'low', severity: 'low', ruleId: 'L' }] }] })).reasons;
    assert.equal(r!.message, `workload shop runs version ${'b'.repeat(12)}, which carries 1 finding(s) at or above high: high B602`);
    assert.equal(r!.link, '/ui/findings/f-high');
  });

  it('says why the incident was refused', () => {
    const [r] = decideOverview(w({ refusals: [refusal] })).reasons;
    assert.match(r!.message, /volume shop-data .*f-high.*no clean restore point/);
  });
});
