import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunHistory } from './run-history.js';
import { EvidenceStore } from './evidence.js';
import { tempCatalog } from './testing.js';

const t0 = new Date('2026-12-01T08:00:00Z');
const at = (min: number) => new Date(t0.getTime() + min * 60_000);

describe('run history', () => {
  it('records a run from start to finish with its duration and logs', () => {
    const c = tempCatalog();
    try {
      const h = new RunHistory(c.catalog.db);
      const r = h.start({
        kind: 'backup',
        policy: 'p',
        target: 'data',
        repository: 'local',
        scheduledFor: t0,
        startedAt: at(0),
      });
      h.log(r.id, at(0), 'info', 'pre-hook quiesce ok');
      h.log(r.id, at(1), 'info', 'snapshot abc');
      const done = h.finish(r.id, at(2), { status: 'succeeded', snapshotId: 'abc', bytes: 42 })!;
      assert.equal(done.status, 'succeeded');
      assert.equal(done.durationMs, 120_000);
      assert.deepEqual(
        h.logs(r.id).map((l) => l.seq),
        [1, 2],
      );
      assert.equal(h.lastSucceeded('backup', 'p', 'data')?.snapshotId, 'abc');
    } finally {
      c.dispose();
    }
  });

  it('keeps the watchdog verdict when a stuck run finishes late', () => {
    const c = tempCatalog();
    try {
      const h = new RunHistory(c.catalog.db);
      const r = h.start({ kind: 'backup', policy: 'p', target: 'data', scheduledFor: t0, startedAt: at(0) });
      h.finish(r.id, at(60), { status: 'failed', reason: 'Stuck', message: 'ran longer than 1h' });
      const late = h.finish(r.id, at(61), { status: 'succeeded' })!;
      assert.equal(late.status, 'failed');
      assert.equal(late.reason, 'Stuck');
      assert.deepEqual(h.counts('backup', 'p', 'data'), { running: 0, succeeded: 0, failed: 1, missed: 0 });
    } finally {
      c.dispose();
    }
  });

  it('forgets finished runs older than the cutoff but keeps running ones and verification evidence', () => {
    const c = tempCatalog();
    try {
      const h = new RunHistory(c.catalog.db);
      const e = new EvidenceStore(c.catalog.db);
      const old = h.start({
        kind: 'backup',
        policy: 'p',
        target: 'data',
        scheduledFor: at(0),
        startedAt: at(0),
      });
      h.log(old.id, at(0), 'info', 'x');
      h.finish(old.id, at(1), { status: 'succeeded' });
      const verified = h.start({
        kind: 'verify',
        policy: 'p',
        target: 'data',
        scheduledFor: at(0),
        startedAt: at(0),
      });
      h.finish(verified.id, at(1), { status: 'succeeded' });
      e.addVerification({
        snapshotId: 's',
        volume: 'data',
        runId: verified.id,
        time: at(1),
        result: 'passed',
        bytes: 1,
        files: 1,
        restoreMs: 1,
        checkExit: 0,
        message: '',
      });
      const stillRunning = h.start({
        kind: 'backup',
        policy: 'p',
        target: 'data',
        scheduledFor: at(0),
        startedAt: at(0),
      });
      const recent = h.start({
        kind: 'backup',
        policy: 'p',
        target: 'data',
        scheduledFor: at(100),
        startedAt: at(100),
      });
      assert.equal(h.deleteFinishedBefore(at(50)), 1);
      assert.deepEqual(
        h
          .list()
          .map((r) => r.id)
          .sort(),
        [verified.id, stillRunning.id, recent.id].sort(),
      );
      assert.deepEqual(h.logs(old.id), []);
    } finally {
      c.dispose();
    }
  });

  it('remembers schedule marks across reopen and stores evidence', () => {
    const c = tempCatalog();
    try {
      const h = new RunHistory(c.catalog.db);
      h.setMark('backup/p/data', at(5));
      h.setMark('backup/p/data', at(6));
      assert.deepEqual(h.mark('backup/p/data'), at(6));
      const e = new EvidenceStore(c.catalog.db);
      e.addVerification({
        snapshotId: 's1',
        volume: 'data',
        runId: undefined,
        time: at(7),
        result: 'passed',
        bytes: 10,
        files: 1,
        restoreMs: 15,
        checkExit: 0,
        message: '',
      });
      assert.equal(e.verifications({ volume: 'data' })[0]!.restoreMs, 15);
      const a = e.addAlert({
        time: at(8),
        event: 'backup-failed',
        key: 'p/data',
        webhook: 'ops',
        status: 'pending',
        attempts: 0,
        lastError: undefined,
        payload: { x: 1 },
      });
      e.updateAlert(a.id, { status: 'delivered', attempts: 2 });
      assert.equal(e.alerts({ event: 'backup-failed' })[0]!.attempts, 2);
    } finally {
      c.dispose();
    }
  });
});
