import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runResult } from './run-result.js';

type R = Parameters<typeof runResult>[0];
const base: R = { kind: 'backup', status: 'succeeded', reason: undefined, message: undefined, snapshotId: undefined, bytes: undefined, durationMs: undefined, details: {} };
const r = (o: Partial<R>): R => ({ ...base, ...o });

describe('runResult', () => {
  const cases: [string, R, string][] = [
    ['a backup names its snapshot, size and the data it added', r({ snapshotId: 'abcdef0123456789', bytes: 2048, details: { files: 3, addedBytes: 1024 } }), 'snapshot abcdef012345 · 3 file(s), 2.00 KiB · 1.00 KiB new'],
    ['a verification names the restore point, the restore time and the check', r({ kind: 'verify', snapshotId: 'abcdef0123456789', bytes: 100, details: { files: 2, restoreMs: 3000 } }), 'restored abcdef012345: 2 file(s), 100 B in 3s; check passed'],
    ['a certificate check that renewed names the serial', r({ kind: 'certificate', details: { decision: 'DueForRenewal', renewed: '0a1b', served: 'ff' } }), 'renewed (DueForRenewal), serial 0a1b; endpoint probed'],
    ['a certificate check with nothing due says so', r({ kind: 'certificate', details: { decision: 'Valid' } }), 'no renewal needed (Valid)'],
    ['a certificate check says when the endpoint serves nothing', r({ kind: 'certificate', details: { decision: 'Valid', servedError: 'ECONNREFUSED' } }), 'no renewal needed (Valid); endpoint serves nothing (ECONNREFUSED)'],
    ['a renewal whose workload was not ready says the reload waits', r({ kind: 'certificate', details: { decision: 'DueForRenewal', renewed: '0a', reloaded: false } }), 'renewed, serial 0a; reload waits: the workload is not ready'],
    ['a review names its file', r({ kind: 'report', details: { markdown: '/x/review.md', html: '/x/review.html' } }), 'review written: /x/review.md'],
    ['a prune says what it freed', r({ kind: 'prune', message: 'freed 3 packs' }), 'freed 3 packs'],
    ['a failed run says why', r({ status: 'failed', reason: 'HOOK_TIMEOUT', message: 'pre-hook freeze timed out' }), 'HOOK_TIMEOUT: pre-hook freeze timed out'],
    ['a missed run says why', r({ status: 'missed', reason: 'Downtime', message: 'serve was down' }), 'Downtime: serve was down'],
    ['a running run says so', r({ status: 'running' }), 'running now'],
  ];
  for (const [name, run, want] of cases) it(name, () => assert.equal(runResult(run), want));
});
