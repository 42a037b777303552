import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextStep, type ItemObservation } from './step.js';

const direct: ItemObservation = { mode: 'Direct', restorePoint: false, clone: false };
const snap: ItemObservation = { mode: 'Snapshot', restorePoint: false, clone: false };
const job = (state: 'Running' | 'Succeeded' | 'Failed', postHooksPending = false, message?: string, failedAttempts = 0) => ({ state, postHooksPending, message, failedAttempts });

const cases: [string, ItemObservation, string, string?][] = [
  ['a direct backup starts with hooks and the Job', direct, 'Capture'],
  ['a running Job is waited for', { ...direct, job: job('Running') }, 'WaitJob', 'the data mover Job is running'],
  ['a Job running again after its pod was killed says which attempt it is on', { ...direct, job: job('Running', false, undefined, 1) }, 'WaitJob', 'the data mover Job is running attempt 2: 1 failed (pod killed or evicted); the packs it uploaded are reused'],
  ['a Job that succeeded on a retry is recorded like any other', { ...direct, job: job('Succeeded', false, undefined, 1) }, 'Record'],
  ['a finished Job with pending post hooks runs them before anything else', { ...direct, job: job('Failed', true) }, 'PostHooks'],
  ['a succeeded Job is recorded as a restore point', { ...direct, job: job('Succeeded') }, 'Record'],
  ['a failed Job fails the item with the Job message', { ...direct, job: job('Failed', false, 'BackoffLimitExceeded') }, 'Fail', 'the data mover Job failed: BackoffLimitExceeded'],
  ['a recorded restore point with its Job left over is cleaned up', { ...direct, restorePoint: true, job: job('Succeeded') }, 'Cleanup'],
  ['a recorded restore point with nothing left over is done', { ...direct, restorePoint: true }, 'Done'],
  ['a recorded failure is final for the run and is not retried', { ...direct, failed: 'JobFailed', job: job('Failed') }, 'Done'],
  ['a snapshot backup starts with hooks around a VolumeSnapshot', snap, 'Capture'],
  ['a VolumeSnapshot that is not ready is waited for', { ...snap, snapshot: { ready: false } }, 'WaitSnapshot'],
  ['a VolumeSnapshot with an error fails the item', { ...snap, snapshot: { ready: false, error: 'quota' } }, 'Fail', 'the VolumeSnapshot failed: quota'],
  ['a ready VolumeSnapshot is cloned into a PVC', { ...snap, snapshot: { ready: true } }, 'Clone'],
  ['a clone gets the data mover Job', { ...snap, snapshot: { ready: true }, clone: true }, 'StartJob'],
  ['a recorded snapshot backup removes its clone and VolumeSnapshot', { ...snap, restorePoint: true, snapshot: { ready: true }, clone: true }, 'Cleanup'],
  ['a failed snapshot backup still removes its clone', { ...snap, failed: 'JobFailed', snapshot: { ready: true }, clone: true }, 'Cleanup'],
  ['a direct backup of a PVC an Incident holds is paused with the Incident named', { ...direct, heldBy: 'Incident shop/cve (Running) is running on it' }, 'Paused', 'Incident shop/cve (Running) is running on it'],
  ['a snapshot backup of a held PVC takes no VolumeSnapshot', { ...snap, heldBy: 'Incident shop/cve (Running)' }, 'Paused'],
  ['a Job started before the Incident held the PVC is waited for, not abandoned', { ...direct, heldBy: 'Incident shop/cve (Running)', job: job('Running') }, 'WaitJob'],
  ['a VolumeSnapshot taken before the hold is still cloned and backed up, so nothing leaks', { ...snap, heldBy: 'Incident shop/cve (Running)', snapshot: { ready: true } }, 'Clone'],
  ['a backup recorded before the hold is cleaned up as usual', { ...direct, heldBy: 'Incident shop/cve (Running)', restorePoint: true, job: job('Succeeded') }, 'Cleanup'],
];
for (const [name, o, action, message] of cases)
  test(name, () => {
    const s = nextStep(o);
    assert.equal(s.action, action);
    if (message) assert.equal(s.message, message);
  });
