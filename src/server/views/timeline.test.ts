import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { incidentEntry, refusalEntry } from './timeline.js';

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
