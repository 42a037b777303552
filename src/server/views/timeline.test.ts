import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { incidentEntry, rebuildEntry, refusalEntry, reviewEntry } from './timeline.js';

const row = { id: 'inc-2', volume: 'shop-data', interrupted: false, message: 'proposed: finding f2 …', finishedAt: undefined, updatedAt: '2026-12-07T05:00:00.000Z', params: { target: { findingId: 'f2' } } };
const withdrawn = { id: 7, time: '2026-12-07T05:00:00.000Z', actor: 'trigger', action: 'incident.withdrawn', object: 'incident:inc-2', details: { reason: 'resolved', message: 'withdrawn: incident inc-1 restored volume shop-data and the version with finding f2 is no longer deployed' } };

describe('the timeline shows what the incident trigger decided, with its reason', () => {
  const cases: [string, ReturnType<typeof incidentEntry>, Partial<ReturnType<typeof incidentEntry>>][] = [
    ['a proposal is marked proposed', incidentEntry({ ...row, status: 'proposed' }), { decision: 'proposed', title: 'incident inc-2 on shop-data: proposed', finding: 'f2' }],
    [
      'a proposal the trigger withdrew says withdrawn and why, not "aborted"',
      incidentEntry({ ...row, status: 'aborted', message: 'withdrawn: …' }, withdrawn),
      { decision: 'withdrawn', title: 'incident inc-2 on shop-data: withdrawn', reason: withdrawn.details.message, detail: withdrawn.details.message, status: 'info' },
    ],
    ['an incident a person aborted stays aborted', incidentEntry({ ...row, status: 'aborted', message: 'aborted by admin' }), { decision: undefined, title: 'incident inc-2 on shop-data: aborted', reason: undefined }],
    ['a succeeded incident is ok and no decision', incidentEntry({ ...row, status: 'succeeded', finishedAt: '2026-12-07T05:01:00.000Z' }), { status: 'ok', decision: undefined, time: '2026-12-07T05:01:00.000Z' }],
    [
      'a finding that got no incident is a failed entry with the refusal as its reason',
      refusalEntry(
        { time: '2026-12-07T05:02:00.000Z', volume: 'shop-data', findingId: 'f3', message: 'no restore point can be chosen: 96ddca8902c6 was never scanned' },
        { severity: 'critical', ruleId: 'shop-unvalidated-record-append' },
      ),
      {
        type: 'incident',
        status: 'failed',
        decision: 'refused',
        title: 'no incident for shop-data: refused',
        detail: 'finding f3 (critical shop-unvalidated-record-append): no restore point can be chosen: 96ddca8902c6 was never scanned',
        reason: 'no restore point can be chosen: 96ddca8902c6 was never scanned',
        finding: 'f3',
        incident: undefined,
      },
    ],
  ];
  for (const [name, entry, expected] of cases)
    it(name, () => {
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(entry[k as keyof typeof entry], v, k);
    });
});

describe('the timeline shows a catalog rebuild and a cleared suspicion, from the audit trail', () => {
  const audit = (action: string, object: string, details: Record<string, unknown>, actor = 'cli') => ({ id: 1, time: '2026-12-07T06:00:00.000Z', actor, action, object, details });
  it('a complete rebuild is ok, with what came back', () => {
    const e = rebuildEntry(audit('catalog.rebuild', 'repository:ab12', { location: 's3:https://s3.local/backups', restorePoints: 14, records: { deployment: 3, 'sast-report': 2 }, missing: 0, skipped: 0 }));
    assert.deepEqual(e, { time: '2026-12-07T06:00:00.000Z', type: 'rebuild', status: 'ok', title: 'catalog rebuilt from s3:https://s3.local/backups', detail: '14 restore point(s), 5 record(s)' });
  });
  it('a rebuild that lacked records is failed and says how many', () => {
    const e = rebuildEntry(audit('catalog.rebuild', 'repository:ab12', { location: '/backups', restorePoints: 2, records: {}, missing: 1, skipped: 2 }));
    assert.equal(e.status, 'failed');
    assert.match(e.detail, /^2 restore point\(s\), 0 record\(s\); 1 missing and 2 skipped/);
  });
  it('a cleared suspicion and its withdrawal name the point, the person and the reason', () => {
    const cleared = reviewEntry(audit('restore-point.suspicion-cleared', 'restore-point:4be1c0a9d2f3e4f5', { volume: 'shop-data', reason: 'planned re-encryption' }, 'alice'));
    assert.deepEqual(cleared, { time: '2026-12-07T06:00:00.000Z', type: 'review', status: 'info', title: 'restore point 4be1c0a9d2f3 of shop-data: suspicion cleared by alice', detail: 'planned re-encryption' });
    assert.equal(reviewEntry(audit('restore-point.suspicion-restored', 'restore-point:4be1c0a9d2f3e4f5', { volume: 'shop-data', reason: 'x' }, 'bob')).title, 'restore point 4be1c0a9d2f3 of shop-data: suspicious again by bob');
  });
});
