import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSummary } from './summary.js';

test('the snapshot id is read from snapshotId, snapshot.id or id', () => {
  for (const s of ['{"snapshotId":"a1"}', '{"snapshot":{"id":"a1","files":3}}', '{"id":"a1"}']) {
    const r = parseSummary(s);
    assert.ok(r.ok && r.summary.snapshotId === 'a1', s);
  }
});

test('the pretty-printed summary of holdfast backup --json is read', () => {
  const text = JSON.stringify({ type: 'summary', snapshot: '9c2e41aa', files: 3, bytes: 10 }, null, 2);
  const r = parseSummary(text + '\n');
  assert.ok(r.ok && r.summary.snapshotId === '9c2e41aa');
});

test('progress lines before the JSON summary are ignored', () => {
  const r = parseSummary('scanning...\n{"snapshotId":"b2","time":"2026-12-01T08:00:00Z"}\n');
  assert.deepEqual(r, { ok: true, summary: { snapshotId: 'b2', time: '2026-12-01T08:00:00Z' } });
});

test('an empty termination message is its own reason', () => {
  assert.equal((parseSummary('') as { reason: string }).reason, 'NoTerminationMessage');
});

test('a summary without a snapshot id is refused rather than recorded as an empty restore point', () => {
  assert.equal((parseSummary('{"files":3}') as { reason: string }).reason, 'BadSummary');
  assert.equal((parseSummary('not json') as { reason: string }).reason, 'BadSummary');
});

test('the judgement of the backup\'s change signals is read, and the largest summary they make fits a termination message', () => {
  // The largest signals and reasons the engine writes: 10 extensions of the longest kind, 3 reasons.
  const ext = (i: number) => `.${String(i).padStart(16, 'x')}`;
  const renamed = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [ext(i), 999_999_999]));
  const big = 999_999_999_999;
  const signals = { files: big, filesNew: big, filesChanged: big, filesRemoved: big, bytesChanged: big, bytesNew: big, bytesDeduplicated: big, bytesNewStored: big, bytesNewIncompressible: big, renamed };
  const suspicion = {
    verdict: 'suspicious',
    reasons: [
      '100% of new data is incompressible (history: too little new data to measure)',
      `100% of the files were rewritten or removed (${big} changed, ${big} removed; history: median 100%)`,
      `999999999 files renamed to ${ext(0)} with new content (history: median 999999999)`,
    ],
  };
  const summary = { type: 'summary', snapshot: 'f'.repeat(64), startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), files: big, dirs: big, filesUnchanged: big, bytes: big, bytesRead: big, bytesAdded: big, blobsNew: big, packsWritten: big, skipped: [], unreadable: 0, signals, suspicion };
  const text = JSON.stringify(summary, null, 2);
  assert.ok(Buffer.byteLength(text) < 4096, `${Buffer.byteLength(text)} bytes`);
  const r = parseSummary(text);
  assert.ok(r.ok);
  assert.deepEqual(r.summary.suspicion, suspicion);
});
